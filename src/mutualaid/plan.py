"""Which edition an edition argument names: one answer for the command, batch, what-if and validation.

An edition is given as an :class:`~mutualaid.edition.Edition`, as the id of a registered one, or,
where a person types it (``--plan``, ``--edition``, ``batch.run(plan=...)``), as an edition file.
:func:`resolve` is the one place that tells these apart, so that every way in reads an argument
the same way and refuses a wrong one with the same exception.
"""

from __future__ import annotations

import os
from typing import Any, Union

from . import yamlio
from .edition import Edition, InvalidEdition, editions, load_edition
from .errors import BadValue, FieldError, quote


class UnknownEdition(BadValue):
    """An edition id that no registered edition carries (nor, where files are read, any file).

    ``edition_id`` is what was asked for, ``known`` the registered ids; the message names both.
    ``adjudicate`` reports it as the field ``plan`` of :class:`~mutualaid.errors.InvalidClaim`.
    """

    def __init__(self, edition_id: Any, known: tuple[str, ...] | None = None) -> None:
        self.edition_id = edition_id
        self.known = tuple(editions.ids() if known is None else known)
        super().__init__("plan.unknown", edition_id=quote(edition_id), known=", ".join(self.known))

    def __reduce__(self):  # picklable across processes (batch and diff workers)
        return (UnknownEdition, (self.edition_id, self.known))


EditionArg = Union[Edition, str, "os.PathLike[str]", None]


def resolve(plan: EditionArg, *, files: bool = True) -> Edition | None:
    """The edition ``plan`` names.

    - None: None (the caller's default applies: the claim's ``plan``, else the accident's edition);
    - an :class:`Edition`: itself;
    - with ``files``, a path to an existing file: the edition read from it
      (:func:`~mutualaid.edition.load_edition`); a file that is not an edition, not even YAML or
      JSON, raises :class:`~mutualaid.edition.InvalidEdition` (a kind of ``InvalidClaim``);
    - an id: the registered edition of that id; else :class:`UnknownEdition`.

    ``files=False`` reads ids only, for what a claim or a library caller names (a claim's own
    ``plan``, ``adjudicate(plan=...)``): a claim never makes the library open a file, and an id that
    happens to be a file's name in the working folder still means the registered edition.
    A file is read on every call: callers that decide many claims resolve once.
    """
    if plan is None or isinstance(plan, Edition):
        return plan
    if files and isinstance(plan, (str, os.PathLike)):
        if os.path.isfile(plan):  # False, not an error, for a name too long or holding a NUL
            return _read(plan)
        plan = os.fspath(plan)
    found = editions.get(plan) if isinstance(plan, str) else None
    if found is None:
        raise UnknownEdition(plan)
    return found


def _read(path: str | os.PathLike[str]) -> Edition:
    """An edition file; data that is no edition, or no text, raises InvalidEdition. OSError passes."""
    try:
        return load_edition(os.fspath(path))
    except yamlio.YAMLError as exc:
        raise InvalidEdition([FieldError.of("edition", "edition.not_yaml", detail=_one_line(exc))]) from None
    except UnicodeDecodeError as exc:
        raise InvalidEdition([FieldError.of("edition", "edition.not_utf8", reason=exc.reason, start=exc.start)]) from None


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())
