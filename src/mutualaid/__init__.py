"""mutualaid: decides claims under the Guangdong trade unions' accident-medical mutual-aid plan
for new-employment-form workers (《广东省工会会员专属意外医疗互助保障计划（新就业形态劳动者 2022 年版）》).

    >>> from mutualaid import adjudicate
    >>> decision = adjudicate(claim, history)   # claim and history as dicts or models
    >>> decision.outcome, decision.payout

``import mutualaid`` is cheap: pydantic, the ICD-10 tables and the holiday calendar load on first use.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

__version__ = "0.1.0"

_EXPORTS = {
    "adjudicate": "decide",
    "InvalidClaim": "errors",
    "FieldError": "errors",
    "UnknownEngine": "errors",
    "Claim": "model",
    "HistoryEntry": "model",
    "Decision": "model",
    "Reason": "model",
    "Hint": "model",
    "Record": "model",
    "Edition": "edition",
    "editions": "edition",
    "load_edition": "edition",
    "register": "edition",
    "resolve": "plan",
    "UnknownEdition": "plan",
    "RULES": "rules",
    "Rule": "rule",
    "read_claim_file": "yamlio",
    "replay": "replay",
    "Ledger": "ledger",
}

__all__ = ["__version__", *_EXPORTS]

if TYPE_CHECKING:  # pragma: no cover
    from .decide import adjudicate
    from .edition import Edition, editions, load_edition, register
    from .errors import FieldError, InvalidClaim, UnknownEngine
    from .ledger import Ledger
    from .plan import UnknownEdition, resolve
    from .model import Claim, Decision, Hint, HistoryEntry, Reason, Record
    from .replay import replay
    from .rule import Rule
    from .rules import RULES
    from .yamlio import read_claim_file


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'mutualaid' has no attribute {name!r}")
    found = import_module(f".{module}", __name__)
    # ``replay`` is a module that can be called (``mutualaid.replay(stored)``), so that its other
    # names stay reachable (``mutualaid.replay.store``); every other export is a name in its module.
    value = found if name == module == "replay" else getattr(found, name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(__all__)
