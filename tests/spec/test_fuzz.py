"""Fuzzing (CONTRACT §5): whatever comes in, the answer is a decision or the documented error.

``adjudicate`` is given any JSON value, and valid claims broken in random places; ``mutualaid
adjudicate`` is given any bytes, and claim files broken byte by byte. Nothing else may come out:
no other exception, no traceback, no exit status 3 (an internal error).
"""

from __future__ import annotations

import copy
import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mutualaid import Decision, InvalidClaim, adjudicate
from mutualaid import testing as T

from claimdata import base_claim, hist
from harness import run_cli
from pins import clause

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(("2022-03-01", "2022-02-30", "1200.00", "-1", "S82.2", "accident", "invoice", "T1", "", " ")),
)
JSON = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)), max_leaves=20)
KEYS = ("claim_id", "plan", "filed_on", "member", "accident", "treatments", "documents", "payee", "items", "on",
        "out_of_pocket", "hospital", "diagnoses", "circumstances", "history", "paid", "accident_id")  # fmt: skip


def _decided_or_refused(claim, history) -> None:
    try:
        result = adjudicate(claim, history)
    except InvalidClaim as exc:
        assert exc.fields, "an InvalidClaim names at least one field"
        assert all(isinstance(f, str) and f for f in exc.fields)
        return
    assert isinstance(result, Decision)


@clause("§5")
@given(JSON, st.one_of(st.just([]), JSON))
def test_any_json_value_is_decided_or_refused_as_bad_input(claim, history):
    """CONTRACT §5: "A claim that breaks this contract is not decided: `adjudicate` raises one documented
    exception type whose message names every offending field".

    Any JSON value as the claim, with any JSON value (or nothing) as the history, gives a decision
    or ``InvalidClaim`` naming at least one field: never another exception.
    """
    _decided_or_refused(claim, history)


def _paths(obj, prefix=()):
    """Every (container, key) place in a nested JSON value."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield obj, k
            yield from _paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield obj, i
            yield from _paths(v, (*prefix, i))


@st.composite
def mutated(draw):
    """A valid claim and history with one to four random changes: a key dropped, a value replaced by
    any JSON value or by one of another type, a key added, a list emptied."""
    claim, history = draw(T.claims_with_history())
    doc = copy.deepcopy({"claim": claim, "history": history})
    for _ in range(draw(st.integers(1, 4))):
        places = list(_paths(doc))
        if not places:
            break
        container, key = draw(st.sampled_from(places))
        if key not in (container if isinstance(container, dict) else range(len(container))):
            continue  # an earlier change removed it
        action = draw(st.sampled_from(("drop", "replace", "retype", "add", "empty")))
        value = container[key]
        if action == "drop":
            del container[key]
        elif action == "replace":
            container[key] = draw(JSON)
        elif action == "retype":
            container[key] = draw(st.sampled_from((str(value), [value], {"value": value}, None, 0, True, 1.5)))
        elif action == "add" and isinstance(container, dict):
            container[draw(st.sampled_from(KEYS))] = draw(JSON)
        elif action == "empty" and isinstance(value, (list, dict)):
            container[key] = type(value)()
    return doc.get("claim"), doc.get("history", [])


@clause("§5")
@given(mutated())
def test_a_mutated_claim_is_decided_or_refused_as_bad_input(data):
    """CONTRACT §5 "Among the cases: unknown enum values or circumstance codes, negative amounts or more than
    two decimals, …" and §7 "Unknown keys are bad input: a misspelt field must never vanish silently".

    A valid claim and history with keys dropped or added, values replaced by any JSON value or by a
    value of another type, or lists emptied, gives a decision or ``InvalidClaim`` naming at least
    one field: never another exception.
    """
    claim, history = data
    _decided_or_refused(claim, history)


def _cli_answers_properly(tmp_path_factory, content: bytes, *options: str) -> None:
    path = tmp_path_factory.getbasetemp() / "fuzz-claim"
    path.write_bytes(content)
    status, out, err = run_cli(["adjudicate", str(path), *options])
    assert "Traceback" not in out + err
    assert status in (0, 2), (status, err)
    if status == 0:
        assert out.strip() and not err
    else:
        assert err.strip() and not out
        assert len(err) < 20_000


@clause("§5")
@given(st.binary(max_size=400), st.sampled_from(((), ("--json",))))
def test_any_bytes_given_to_the_command_give_a_decision_or_a_message(tmp_path_factory, content, options):
    """CONTRACT §5: "the CLI exits non-zero with that message".

    ``mutualaid adjudicate FILE`` on any bytes (not UTF-8, not YAML, not a mapping, anything)
    either exits 0 with a decision on standard output, or exits 2 with a message on standard
    error and nothing on standard output; never a traceback, never status 3.
    """
    _cli_answers_properly(tmp_path_factory, content, *options)


@st.composite
def broken_claim_files(draw):
    """A valid claim file (JSON or YAML), then bytes cut, dropped, inserted or flipped."""
    claim, history = draw(T.claims_with_history(max_history=2))
    doc = {"claim": claim, "history": history}
    if draw(st.booleans()):
        text = json.dumps(doc, ensure_ascii=False, indent=draw(st.sampled_from((None, 2))))
    else:
        import yaml

        text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    data = bytearray(text.encode("utf-8"))
    for _ in range(draw(st.integers(0, 4))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        action = draw(st.sampled_from(("cut", "drop", "insert", "flip")))
        if action == "cut":
            del data[at:]
        elif action == "drop":
            del data[at]
        elif action == "insert":
            data[at:at] = draw(st.sampled_from((b"{", b"}", b"[", b"]", b":", b",", b'"', b"\n  x: 1\n", b"\xff", b"\xe5", b"\x00", b"-", b"9")))
        else:
            data[at] = draw(st.integers(0, 255))
    return bytes(data)


@clause("§5")
@given(broken_claim_files(), st.sampled_from(((), ("--json",), ("--record",))))
def test_a_broken_claim_file_gives_a_decision_or_a_message(tmp_path_factory, content, options):
    """CONTRACT §5: "the CLI exits non-zero with that message"; §7 "Unknown keys are bad input".

    A valid claim file in JSON or YAML, cut short or with bytes dropped, inserted or changed, makes
    ``mutualaid adjudicate`` exit 0 with a decision or 2 with a message (no traceback, never 3),
    with or without ``--json`` and ``--record``.
    """
    _cli_answers_properly(tmp_path_factory, content, *options)


@clause("§5", "§7")
@pytest.mark.parametrize("amount", ["-1" + "0" * 30, -1e26, Decimal("-1E+30"), "-10000000.00", -10_000_000], ids=repr)
def test_a_huge_negative_amount_is_bad_input_not_a_crash(amount):
    """CONTRACT §5 "negative amounts … more than two decimals" and §7 "They must be below 10,000,000".

    Found by fuzzing: an amount of -10,000,000 or less (a string, a float, a Decimal, an int) made
    the amount check raise ``decimal.InvalidOperation`` instead of ``InvalidClaim``. It is refused
    as bad input naming the item's, or the history entry's, amount field.
    """
    claim = base_claim()
    claim["treatments"][0]["items"][0]["out_of_pocket"] = amount
    with pytest.raises(InvalidClaim) as exc:
        adjudicate(claim)
    assert exc.value.fields == ("treatments.0.items.0.out_of_pocket",)
    with pytest.raises(InvalidClaim) as exc:
        adjudicate(base_claim(), [hist("H-1", "A-9", "2022-01-05", "300.00", amount)])
    assert exc.value.fields == ("history.0.paid",)
