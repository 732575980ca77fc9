"""The contract's own sections (CONTRACT.md §1–§3, §5, §7): the whole decision, its shape, and bad input."""

from __future__ import annotations

import copy
import datetime as dt
import json
from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import mutualaid
from mutualaid import Claim, Decision, HistoryEntry, InvalidClaim, adjudicate
from mutualaid import testing as T

import reference as R
from edges import CAP_SPENT, tier_5000_claim, window_edges_claim
from harness import run_cli
from pins import ARTICLE_KEYS, DECIDING, clause

ALL_RULES = {r.id for r in mutualaid.RULES}


@clause("§3", *DECIDING)
@given(T.claims_with_history())
@example((tier_5000_claim(), []))
@example((window_edges_claim(), []))
@example((tier_5000_claim(), CAP_SPENT))
def test_the_decision_is_what_the_contract_computes(cw):
    """第五条 保障待遇, 第六条 除外责任, 第一条, 第四条(一), 第七条, 第八条, 第九条 1, as CONTRACT §3, §4
    and §7 restate them.

    An independent reading of the contract's tables (eligibility, period, cause, filing deadline with
    the holiday calendar, circumstances, 180-day window, hospital, primary diagnosis, item kinds,
    tiers, top-ups, cap, documents, payee) gives the same outcome, amounts and set of
    (clause, effect, subject) reasons as the library.
    """
    claim, history = cw
    R.assert_decides_as_expected(adjudicate(claim, history), claim, history)


@st.composite
def what_if(draw):
    edition = draw(T.editions())
    claim = draw(T.claims())
    return edition, claim, draw(T.histories(for_claim=claim, edition=edition))


@clause("§3", *ARTICLE_KEYS)
@given(what_if())
def test_a_what_if_edition_decides_as_its_data_says(data):
    """第五条 (一)–(五), 第六条, 第八条: every number and switch of the plan is the edition's data
    ("梯度", "累计给付金额不超过10000元", "180 日内", "超过一年", "二级或二级以上的公立医院", "申报材料", "将进行累计").

    Under an edition whose tiers (edges, amounts, 以上/超过), cap and its scope, window, filing years
    and move, accumulation, documents, hospital rule and exclusion groups all vary, the library
    decides as the reference reading of that edition's own data does: same outcome, amounts and
    (clause, effect, subject) reasons. No threshold is typed into a rule.
    """
    edition, claim, history = data
    R.assert_decides_as_expected(adjudicate(claim, history, plan=edition), claim, history, R.params_of(edition))


@clause("§2", "art8.2", "art7")
@given(T.claims_with_history())
def test_outcome_follows_the_effects_of_the_reasons(cw):
    """CONTRACT §2: "`outcome` is `denied` when any reason denies, else `pending` when any reason pends,
    else `approved`." (第八条(二) 申报材料 and 第七条 受领人 pend; the other clauses deny or exclude.)

    The outcome is denied iff some reason has effect deny, else pending iff some pend; every reason
    carries a clause key and a known effect; the payout is 0.00 unless approved; every rule is either
    among the reasons or among ``passed``.
    """
    claim, history = cw
    d = adjudicate(claim, history)
    effects = {r.effect for r in d.reasons}
    assert effects <= {"deny", "exclude", "pend", "note"}
    expected = "denied" if "deny" in effects else "pending" if "pend" in effects else "approved"
    assert d.outcome == expected
    if d.outcome != "approved":
        assert d.payout == 0
    assert all(r.clause.startswith("art") and r.message_zh and r.message_en for r in d.reasons)
    bit = {r.rule for r in d.reasons}
    assert bit.isdisjoint(d.passed) and bit | set(d.passed) == ALL_RULES  # every rule is evaluated
    subjects = {"claim"} | {t["treatment_id"] for t in claim["treatments"]} | {s for s, _, _ in R.item_subjects(claim)}
    assert {r.subject for r in d.reasons} <= subjects


@clause("§1", "§2")
@given(T.claims_with_history())
def test_money_fields_are_decimals_in_fen(cw):
    """CONTRACT §1: "the library holds them as `Decimal`, never `float`" (amounts are yuan with two decimals).

    Every money field of the decision is a Decimal with exponent −2, not negative, and written to
    JSON as its two-decimal string.
    """
    claim, history = cw
    d = adjudicate(claim, history)
    dumped = json.loads(d.model_dump_json())
    for f in R.MONEY_FIELDS:
        v = getattr(d, f)
        assert type(v) is Decimal, f
        assert v.as_tuple().exponent == -2, (f, v)
        assert v >= 0, (f, v)
        assert dumped[f] == str(v)


@clause("§2")
@given(T.claims_with_history())
def test_the_same_input_gives_the_same_json_and_is_never_changed(cw):
    """CONTRACT §2 "every rule that bit, in a stable order"; ``adjudicate`` is pure.

    Deciding twice, deciding a deep copy, and deciding the same claim given as pydantic models all
    give the same JSON, and the input dicts are left exactly as they were.
    """
    claim, history = cw
    snapshot = copy.deepcopy((claim, history))
    first = adjudicate(claim, history).model_dump_json()
    assert adjudicate(claim, history).model_dump_json() == first
    assert (claim, history) == snapshot
    assert adjudicate(copy.deepcopy(claim), copy.deepcopy(history)).model_dump_json() == first
    models = Claim.model_validate(claim), tuple(HistoryEntry.model_validate(h) for h in history)
    assert adjudicate(*models).model_dump_json() == first
    assert (claim, history) == snapshot


@clause("§1", "§2")
@given(T.claims_with_history())
def test_a_json_round_trip_decides_alike(cw):
    """CONTRACT §1: the claim and history are "the JSON/YAML shapes in which other backends talk to it";
    §2: the decision is what a backend stores.

    Dumping the claim and history to JSON text, loading it back and deciding gives the same
    decision, whole (record included: the input hashes alike); and the decision itself survives its
    own JSON round trip (``Decision.model_validate_json``) unchanged.
    """
    claim, history = cw
    d = adjudicate(claim, history)
    text = json.dumps({"claim": claim, "history": history}, ensure_ascii=False)
    loaded = json.loads(text)
    again = adjudicate(loaded["claim"], loaded["history"])
    assert again == d
    assert Decision.model_validate_json(d.model_dump_json()) == d


def _money_spelling(draw, text: str):
    """The same amount as another spelling the contract accepts (a string or a number)."""
    whole, frac = text.split(".")
    forms = [text, Decimal(text), float(text), f"{text}0"]
    if frac == "00":
        forms += [int(whole), whole]
    elif frac.endswith("0"):
        forms += [f"{whole}.{frac[0]}"]
    return draw(st.sampled_from(forms))


@st.composite
def respelled(draw):
    claim, history = draw(T.claims_with_history())
    c, h = copy.deepcopy(claim), copy.deepcopy(history)

    def day(obj, key):
        if obj.get(key) is not None and draw(st.booleans()):
            obj[key] = dt.date.fromisoformat(obj[key])

    day(c, "filed_on")
    day(c["member"], "union_member_since")
    day(c["member"], "real_name_verified_on")
    day(c["accident"], "occurred_on")
    for t in c["treatments"]:
        for it in t["items"]:
            day(it, "on")
            it["out_of_pocket"] = _money_spelling(draw, it["out_of_pocket"])
            if it.get("self_funded") is not None:
                it["self_funded"] = _money_spelling(draw, it["self_funded"])
    for e in h:
        day(e, "accident_occurred_on")
        e["counted_out_of_pocket"] = _money_spelling(draw, e["counted_out_of_pocket"])
        e["paid"] = _money_spelling(draw, e["paid"])
    return claim, history, c, h


@clause("§1", "§7")
@given(respelled())
def test_equivalent_spellings_of_amounts_and_dates_decide_alike(data):
    """CONTRACT §1: "Amounts are yuan with at most two decimals, given as strings or numbers" and §7
    "`10.500` is accepted"; dates are ``YYYY-MM-DD`` strings or dates.

    Writing an amount as ``"1200.00"``, ``"1200"``, ``"1200.000"``, ``1200``, ``1200.0`` or
    ``Decimal("1200.00")``, or a date as a ``date``, gives the same decision, to the byte.
    """
    claim, history, c, h = data
    assert adjudicate(c, h).model_dump_json() == adjudicate(claim, history).model_dump_json()


@clause("§5", "§7")
@given(T.bad_claims())
def test_a_bad_claim_raises_the_documented_error_naming_its_field(bad):
    """CONTRACT §5: "A claim that breaks this contract is not decided: `adjudicate` raises one documented
    exception type whose message names every offending field (pydantic's paths)".

    Every claim from ``bad_claims()`` (each breaking exactly one rule of §5, or a fine point of §7)
    raises ``InvalidClaim``, a ``ValueError``, whose ``fields`` name the tagged field and no other,
    and whose message names it too; the input is left as it was.
    """
    snapshot = copy.deepcopy(bad)
    with pytest.raises(InvalidClaim) as exc:
        adjudicate(bad.claim, bad.history)
    assert isinstance(exc.value, ValueError)
    assert set(exc.value.fields) == {bad.field}, (bad.breaks, exc.value.fields)
    assert bad.field in str(exc.value)
    assert bad == snapshot


@clause("§5")
@given(T.bad_claims())
def test_a_bad_claim_file_makes_the_command_exit_2_naming_its_field(tmp_path_factory, bad):
    """CONTRACT §5: "the CLI exits non-zero with that message".

    ``mutualaid adjudicate`` on a claim file (JSON, ``{claim, history}``) holding a bad claim exits
    with status 2, prints nothing on standard output, and names the tagged field on standard error
    without a traceback.
    """
    path = tmp_path_factory.getbasetemp() / "bad-claim.json"
    path.write_text(json.dumps({"claim": bad.claim, "history": bad.history}, ensure_ascii=False, default=str), encoding="utf-8")
    status, out, err = run_cli(["adjudicate", str(path)])
    assert status == 2, err
    assert out == ""
    assert bad.field in err and "Traceback" not in err
