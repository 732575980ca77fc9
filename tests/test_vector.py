"""The polars engine (issue 24) against the native one: every output column, row for row.

``engine="polars"`` compiles the same declarations a third time and decides whole columns; any
difference from ``engine="native"`` is a bug in the new engine. The properties draw tables of several
members' claim streams (``mutualaid.testing.claim_streams``: top-ups, the cap, pending claims, an
accident that comes back), interleaved, with bad claims among them and members that share an id or a
身份证 number, under generated editions; the project's case files run through it too.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

pl = pytest.importorskip("polars")
pd = pytest.importorskip("pandas")
pa = pytest.importorskip("pyarrow")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from mutualaid import InvalidClaim, adjudicate, frame, whatif  # noqa: E402
from mutualaid.cases import load_cases  # noqa: E402
from mutualaid.edition import editions as registry  # noqa: E402
from mutualaid.testing import bad_claims, claim_streams, editions  # noqa: E402
from mutualaid.yamlio import refuse_repeated_keys  # noqa: E402

from claimdata import generated_stream  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BASE = registry.get("gd-nef-2022")


def _columns(table: pd.DataFrame) -> dict[str, list]:
    """Every column but the decision objects, as plain Python values (lists of rule ids, Decimals, None)."""
    return {name: pa.array(table[name]).to_pylist() for name in table.columns if name != "decision"}


def assert_same_tables(native: pd.DataFrame, polars: pd.DataFrame, sample: int = 3) -> None:
    assert list(native.columns) == list(polars.columns)
    assert [str(t) for t in native.dtypes] == [str(t) for t in polars.dtypes]
    a, b = _columns(native), _columns(polars)
    for name in a:
        for n, (x, y) in enumerate(zip(a[name], b[name])):
            assert x == y, f"row {n}, column {name}: native {x!r}, polars {y!r}"
    # the decisions worded when read are the native decisions, reason by reason
    rows = [n for n, d in enumerate(polars["decision"]) if isinstance(d, frame.Deferred)]
    for n in random.Random(len(rows)).sample(rows, min(sample, len(rows))):
        assert polars["decision"][n].decision.model_dump(mode="json") == native["decision"][n].model_dump(mode="json")


@st.composite
def tables(draw, max_members: int = 4) -> list:
    """Claims of a few members in one filing order: each member's stream interleaved with the others'."""
    streams = draw(st.lists(claim_streams(max_size=5), min_size=1, max_size=max_members))
    for k, stream in enumerate(streams):
        if draw(st.integers(0, 4)):  # else keep the drawn id: two streams may then be one member
            for claim in stream:
                claim["member"]["member_id"] = f"M-{k}"
                claim["claim_id"] = f"{claim['claim_id']}-{k}"
                claim["accident"]["accident_id"] = f"{claim['accident']['accident_id']}-{k}"
    bad = draw(st.lists(bad_claims(), max_size=2))
    queues = [list(s) for s in streams] + [[b.claim] for b in bad]
    out = []
    while any(queues):
        live = [q for q in queues if q]
        out.append(draw(st.sampled_from(live)).pop(0))
    return out


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])  # the profile's count: 500 under CI
@given(tables(), editions())
def test_polars_decides_every_table_as_native_does(claims, edition):
    native = frame.decide(claims, plan=edition, errors="record")
    polars = frame.decide(claims, plan=edition, errors="record", engine="polars")
    assert_same_tables(native, polars)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(tables(), editions())
def test_a_large_tables_forms_decide_as_native_does(claims, edition):
    """The forms a table above ``SMALL`` claims takes (sums by place, keys and repeats by packed hashes,
    integer groups in ``routed``), forced on the drawn tables: the same tables as the native engine's."""
    from mutualaid.vector import engine

    small = engine.SMALL
    engine.SMALL = -1
    try:
        polars = frame.decide(claims, plan=edition, errors="record", engine="polars")
    finally:
        engine.SMALL = small
    assert_same_tables(frame.decide(claims, plan=edition, errors="record"), polars)


def test_the_large_forms_helpers_agree_with_the_texts_own():
    from mutualaid.vector import checks, engine

    m = pl.Series([1, 1, 1, 2, 2, None, 3, 3, 3, None, 1], dtype=pl.UInt32)
    text = pl.Series(["x", "y", "x", "x", None, "x", "a", "a", "b", None, "y"])
    number, repeated = engine._within(m, text)
    rank = pl.DataFrame({"m": m, "t": text}).select(pl.when(pl.col("m").is_not_null() & pl.col("t").is_not_null()).then(pl.struct("m", "t").rank("dense")))
    pairs = set(zip(rank.to_series().to_list(), number.to_list()))
    assert len(pairs) == len({r for r, _ in pairs}) == len({k for _, k in pairs}) and (None, None) in pairs  # the same groups
    assert repeated.to_list() == number.is_duplicated().to_list()
    n = pl.Series([0, 0, 0, 1, 1, 2, 3, 3, 3, 3], dtype=pl.Int64)
    ids = pl.Series(["T1", "T2", "T1", "T1", None, "T1", None, None, "T2", "T3"])
    window = pl.DataFrame({"n": n, "treatment_id": ids}).select(pl.len().over("n", "treatment_id") == 1).to_series().to_list()
    assert checks.once_in_claim(n, ids).to_list() == window
    lags, checks._LAGS = checks._LAGS, 1  # a claim longer than the lags: the packed form
    try:
        assert checks.once_in_claim(n, ids).to_list() == window
    finally:
        checks._LAGS = lags
    # every shape of an amount is read by the decimal cast that amount_ok leaves out
    amounts = pl.DataFrame({"v": [i + f for i in ("0", "7", "10", "99", "1000000", "9999999") for f in ("", ".0", ".5", ".00", ".09", ".99")]})
    assert amounts.select(checks.amount_ok(pl.col("v")).all() & checks.fen(pl.col("v")).is_not_null().all()).item()


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(tables(max_members=3), editions(), editions())
def test_polars_compares_editions_as_native_does(claims, a, b):
    b = b.replace(id="what-if-b")
    native = whatif.compare(claims, a, b)
    polars = whatif.compare(claims, a, b, engine="polars")
    assert native.totals.__dict__ == polars.totals.__dict__
    assert native.changes == polars.changes
    assert _columns(native.to_frame()) == _columns(polars.to_frame())


def test_the_drawn_tables_go_mostly_through_the_bulk_path():
    """The differential properties compare the polars engine only on the rows it decides in bulk; the
    rest are the per-claim path's, the native engine's own. Over 60 drawn tables (derandomised), more
    than two thirds of the rows are decided in bulk, and more than four tables in five hold such a
    row: 216 of 280 rows, 57 of 60 tables. (Before the bulk checks read a claim's own ``plan`` and a
    lowercase x as validation does: 57 rows, 32 tables.)"""
    from hypothesis import Phase

    from mutualaid.vector.run import _read

    seen = {"rows": 0, "bulk": 0, "tables": 0, "with_bulk": 0}

    @settings(max_examples=60, derandomize=True, database=None, phases=[Phase.generate], deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])  # fmt: skip
    @given(tables(max_members=3), editions())
    def count(claims, edition):
        keep = _read(claims, edition)[2]
        seen["rows"] += len(claims)
        seen["bulk"] += keep.height
        seen["tables"] += 1
        seen["with_bulk"] += keep.height > 0

    count()
    assert seen["bulk"] > 2 / 3 * seen["rows"] and seen["with_bulk"] > 4 / 5 * seen["tables"], seen


@pytest.fixture(scope="module")
def stream() -> list[dict]:
    """600 claims of 150 members: top-ups, the cap, pending refilings, claim ids sent again, and rows
    the bulk checks leave to the per-claim path: bad input, and valid spellings they do not take."""
    import copy

    claims = generated_stream(600, 150, 5)
    for n, (path, value) in zip((40, 90, 150, 260, 333), (
        (("treatments", 0, "items", 0, "out_of_pocket"), "12.345"),  # not exact in fen: bad
        (("filed_on",), "2022-02-30"),  # no such day: bad
        (("treatments", 0, "items", 0, "out_of_pocket"), 12.5),  # a float, exact in fen: valid, read per claim
        (("member", "name"), " 张三"),  # white space around a name: valid, stripped in the facts
        (("treatments", 0, "diagnoses", 0), " s82.2 "),  # a code as validation reads it: valid
    )):  # fmt: skip
        claim = claims[n] = copy.deepcopy(claims[n])
        *head, last = path
        for key in head:
            claim = claim[key]
        claim[last] = value
    return claims


def test_a_realistic_stream_with_bad_lines_agrees_row_for_row(stream):
    assert_same_tables(frame.decide(stream, errors="record"), frame.decide(stream, errors="record", engine="polars"), sample=10)


def test_most_rows_are_decided_in_bulk_and_the_bad_ones_by_the_per_claim_path(stream):
    from mutualaid.vector.run import _read

    source, flat, keep, aside = _read(stream, None)
    assert keep.height > len(stream) / 2  # the bulk path is the common one
    table = frame.decide(stream, errors="record")
    fields = {n: e for n, e in enumerate(table["error"]) if isinstance(e, str)}
    shape = {n for n, e in fields.items() if e not in ("claim_id", "filed_on")}
    resent = set(fields) - shape
    assert shape and shape <= aside  # a row the bulk checks cannot vouch for goes to the per-claim path
    assert resent - aside  # a claim id sent again is judged in bulk (the equality above holds its words)
    # bad input that cannot read its member's history goes alone: the member's other claims stay in bulk
    members = table["member_id"]
    kept = set(keep.get_column("n").to_list())
    assert any(members[n] == members[k] for n in shape for k in kept if isinstance(members[n], str))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(tables(), st.data())
def test_without_plan_each_claim_is_decided_under_its_own_edition_as_native_does(claims, data):
    """``plan=None``: a claim naming its edition, one naming none, and 身份证 numbers with a lowercase
    x, drawn row by row: the edition each row is decided under, and every column, are native's."""
    import copy

    claims = copy.deepcopy(claims)
    for claim in claims:
        if isinstance(claim, dict):
            named = data.draw(st.sampled_from(["keep", "none", "gd-nef-2022"]))
            if named == "none":
                claim.pop("plan", None)
            elif named != "keep":
                claim["plan"] = named
            member = claim.get("member")
            number = member.get("id_number") if isinstance(member, dict) else None
            if isinstance(number, str) and number.endswith("X") and data.draw(st.booleans()):
                member["id_number"] = number[:-1] + "x"
    assert_same_tables(frame.decide(claims, errors="record"), frame.decide(claims, errors="record", engine="polars"))


def test_a_claim_naming_its_edition_and_a_lowercase_x_are_decided_in_bulk():
    """Two spellings validation takes, which the bulk checks read as it does: a claim's own ``plan``
    naming a registered edition (resolved alike: the claim's edition unless the caller gives one), and
    a 身份证 number ending in a lowercase x (kept as X, so the member's and the payee's are still the
    same number). A name no edition has is still the per-claim path's: its error row is native's."""
    import copy

    from mutualaid.vector.run import _read

    claims = copy.deepcopy(generated_stream(60, 12, 11))
    named, lower = set(), set()
    for n, claim in enumerate(claims):
        if n % 3 == 0:
            claim["plan"] = "gd-nef-2022"
            named.add(n)
        number = claim["member"].get("id_number") or ""
        if number.endswith("X"):
            claim["member"]["id_number"] = number[:-1] + "x"
            if n % 2 and claim.get("payee", {}).get("holder_id_number") == number:
                claim["payee"]["holder_id_number"] = number[:-1] + "x"
            lower.add(n)
    claims[59]["plan"] = "gd-nef-2099"  # no such edition: validation names the field
    late = copy.deepcopy(claims[0])  # an accident after the named edition's period: art4.1 under it
    late.update(claim_id="C-LATE", filed_on="2023-03-10")
    late["member"].update(member_id="M-LATE", id_number=None)
    late["payee"]["holder_id_number"] = None
    late["accident"].update(accident_id="A-LATE", occurred_on="2023-03-01")
    for t in late["treatments"]:
        for item in t["items"]:
            item["on"] = "2023-03-02"
    claims.insert(30, late)
    named, lower = {n + (n >= 30) for n in named} | {30}, {n + (n >= 30) for n in lower}
    assert lower
    _, _, keep, aside = _read(claims, None)
    plain = copy.deepcopy(claims)  # the same claims in the spellings the bulk checks always read
    for n, claim in enumerate(plain):
        if n != 60:  # the unknown edition stays named
            claim.pop("plan", None)
        for holder, key in ((claim["member"], "id_number"), (claim["payee"], "holder_id_number")):
            holder[key] = holder[key] and holder[key].upper()
    _, _, plain_keep, _ = _read(plain, None)
    assert keep.get_column("n").to_list() == plain_keep.get_column("n").to_list()  # routed as those spellings are
    assert (named | lower) & set(keep.get_column("n").to_list()) and 60 in aside
    native = frame.decide(claims, errors="record")
    assert native["error"][60] == "plan" and "period.accident_outside" in native["rules"][30]
    assert_same_tables(native, frame.decide(claims, errors="record", engine="polars"), sample=10)
    other = BASE.replace(id="cap-6000", cap={"amount": "6000.00"})
    assert_same_tables(frame.decide(claims, plan=other, errors="record"), frame.decide(claims, plan=other, errors="record", engine="polars"))
    assert whatif.compare(claims, BASE, other, engine="polars").totals.__dict__ == whatif.compare(claims, BASE, other).totals.__dict__


def test_a_parquet_file_a_polars_frame_and_dicts_agree(stream, tmp_path):
    from mutualaid.vector import CLAIM_SCHEMA
    from mutualaid.vector.columns import plain

    good = [c for c in stream if plain(c) is not None]
    table = pl.DataFrame([plain(c) for c in good], schema=CLAIM_SCHEMA)
    path = tmp_path / "claims.parquet"
    table.write_parquet(path)
    from_dicts = frame.decide(good, errors="record", engine="polars")
    assert_same_tables(frame.decide(good, errors="record"), from_dicts)
    for source in (table, str(path)):
        assert _columns(frame.decide(source, errors="record", engine="polars")) == _columns(from_dicts)
    changed = BASE.replace(id="cap-6000", cap={"amount": "6000.00"})
    assert whatif.compare(str(path), BASE, changed, engine="polars").totals.__dict__ == whatif.compare(good, BASE, changed).totals.__dict__


def test_errors_raise_names_the_first_bad_claim_as_native_does(stream):
    with pytest.raises(InvalidClaim) as native:
        frame.decide(stream)
    with pytest.raises(InvalidClaim) as polars:
        frame.decide(stream, engine="polars")
    assert native.value.fields == polars.value.fields and str(native.value) == str(polars.value)


def test_the_reasons_table_reads_deferred_decisions(stream):
    head = frame.decide(stream[:60], errors="record", engine="polars")
    assert _columns(frame.reasons(head)) == _columns(frame.reasons(frame.decide(stream[:60], errors="record")))


def test_a_ledger_is_the_per_claim_engines_and_is_refused():
    from mutualaid import Ledger

    with pytest.raises(ValueError, match="ledger"):
        frame.decide([], engine="polars", ledger=Ledger())


# --- the case files -------------------------------------------------------------------------------


def _case_files() -> list[Path]:
    found = sorted((ROOT / "tests" / "cases").glob("*.yaml")) + sorted((ROOT / "examples").glob("*.yaml"))
    shared = Path("/work/shared/cases")
    if shared.is_dir():
        found += sorted(shared.glob("*.yaml"))
    return found


def _own_member(claim, k: int, used: set):
    """The case's claim as the claim of a member of its own: the member id suffixed ``~k``, and each 身份证
    number swapped for another with the same birth date (the same within the claim, so that a payee
    who is the member stays the member). No case is then another's history, nor binds its number."""
    import copy
    import json

    from mutualaid.testing import gb11643_check

    if not isinstance(claim, dict) or not isinstance(claim.get("member"), dict):
        return claim
    claim = copy.deepcopy(claim)
    member = claim["member"]
    if isinstance(member.get("member_id"), str) and member["member_id"].isascii() and member["member_id"].strip() == member["member_id"]:
        member["member_id"] = f"{member['member_id'][:58]}~{k}"
    numbers: dict = {}

    def swap(number):
        if not (isinstance(number, str) and len(number) == 18 and number[:17].isdigit() and number[17] in "0123456789Xx"):
            return number
        key = number.upper()
        if key not in numbers:  # the same check character, so a valid number stays valid
            right = key[17] == gb11643_check(key[:17])
            while True:  # another region code and sequence number: the birth date (digits 7–14) stays
                used.add(len(used))
                i = len(used)
                body = key[:3] + f"{i // 1000 % 1000:03d}" + key[6:14] + f"{i % 1000:03d}"
                if not right or gb11643_check(body) == key[17]:
                    break
            numbers[key] = body
        return numbers[key] + number[17]

    member["id_number"] = swap(member.get("id_number"))
    if isinstance(claim.get("payee"), dict) and "holder_id_number" in claim["payee"]:
        claim["payee"]["holder_id_number"] = swap(claim["payee"]["holder_id_number"])
    if member["id_number"] is None and "id_number" not in json.dumps(claim.get("member"), default=str):
        member.pop("id_number")
    return claim


def test_the_case_files_agree():
    """Every case without a history (a table holds no history before its first row) in one table a plan."""
    cases = []
    for path in _case_files():
        for case in load_cases(path):
            if case.get("history"):
                continue
            try:
                refuse_repeated_keys(case)
            except InvalidClaim:
                continue  # a repeated key: a table of parsed claims cannot hold one
            cases.append(case)
    assert len(cases) > 100
    by_plan: dict = {}
    for case in cases:
        by_plan.setdefault(repr(case.get("plan")), []).append(case)
    compared = 0
    for group in by_plan.values():
        plan = group[0].get("plan")
        used: set = set()
        claims = [_own_member(c["claim"], k, used) for k, c in enumerate(group)]
        try:
            table = frame.decide(claims, plan=plan, errors="record", engine="polars")
        except InvalidClaim:  # an unknown plan: as the native engine refuses it
            with pytest.raises(InvalidClaim):
                frame.decide(claims, plan=plan, errors="record")
            continue
        assert_same_tables(frame.decide(claims, plan=plan, errors="record"), table, sample=5)
        for case, outcome in zip(group, table["outcome"]):  # and each as its case file decides it alone
            try:
                expected = adjudicate(case["claim"], plan=plan).outcome
            except InvalidClaim:
                expected = "error"
            assert outcome == expected, case["name"]
            compared += 1
    assert compared == len(cases)


def test_a_sweep_is_each_editions_table_summed(stream):
    """whatif.sweep: each edition's totals and the members it moves, as the native tables give them."""
    base = BASE
    editions_ = [base, base.replace(id="cap-6000", cap={"amount": "6000.00"}), base.replace(id="cap-14000", cap={"amount": "14000.00"})]
    table = whatif.sweep(stream, *editions_)
    tables = [frame.decide(stream, plan=e, errors="record") for e in editions_]
    per_member = [t.dropna(subset=["member_id"]).groupby("member_id")["payout_fen"].sum().fillna(0) for t in tables]
    for k, (row, t) in enumerate(zip(table.itertuples(), tables)):
        assert row.paid_fen == int(t["payout_fen"].sum()) and row.paid == t["payout"].sum()
        assert row.approved == int((t["outcome"] == "approved").sum())
        delta = per_member[k].sub(per_member[0], fill_value=0)
        assert (row.members_affected, row.members_paid_more, row.members_paid_less) == (int((delta != 0).sum()), int((delta > 0).sum()), int((delta < 0).sum()))
    assert table["members_paid_less"][1] > 0 and table["members_paid_more"][2] > 0


def test_a_comparison_in_parts_by_member_is_the_whole_comparison(stream, tmp_path):
    """parts=: the claims decided a part of the members after another (memory of a part), the same
    comparison; members sharing a 身份证 number are kept in one part, where the number is refused as the
    ledger refuses it."""
    import copy

    from mutualaid.vector import CLAIM_SCHEMA
    from mutualaid.vector.columns import plain

    good = [copy.deepcopy(c) for c in stream if plain(c) is not None]
    owners = {}
    for c in good:  # two members given one number: the second's claims are refused under both editions
        owners.setdefault(c["member"]["member_id"], c["member"].get("id_number"))
    first, second = list(owners)[:2]
    for c in good:
        if c["member"]["member_id"] == second:
            c["member"]["id_number"] = owners[first]
            c.pop("payee", None)
    path = tmp_path / "claims.parquet"
    pl.DataFrame([plain(c) for c in good], schema=CLAIM_SCHEMA).write_parquet(path)
    changed = BASE.replace(id="cap-6000", cap={"amount": "6000.00"})
    native = whatif.compare(good, BASE, changed)
    parted = whatif.compare(str(path), BASE, changed, engine="polars", parts=4)
    assert native.totals.__dict__ == parted.totals.__dict__ and native.changes == parted.changes
    assert _columns(native.to_frame()) == _columns(parted.to_frame())
    assert "error" in native.outcomes[BASE.id]  # the shared number was refused
    swept = whatif.sweep(str(path), BASE, changed, parts=3)
    assert list(swept["paid_fen"]) == [int(v * 100) for v in native.paid.values()]


def test_a_round_takes_the_claim_stage_from_the_first_guess_only_when_it_reads_no_history(stream):
    """The columns the claim stage adds are named in its order, and read the history (the accident's first
    filing, art5.4) only where an edition lets a top-up off the deadline: 2022's top-ups meet it, so its
    rounds take those columns from the first guess; an edition that exempts top-ups works them out again."""
    from mutualaid.vector import engine
    from mutualaid.vector.columns import read_claims

    exempt = BASE.replace(id="top-ups-exempt", filing={**BASE.filing.model_dump(mode="json"), "top_ups_meet_deadline": False})
    source = read_claims(stream)
    flat = engine.flatten(source)
    keep, _ = engine.routed(flat, source, engine.edition_of_rows(BASE))
    for edition, reads in ((BASE, False), (exempt, True)):
        rules = engine.compiled(edition)
        static, _ = engine._row_rules(flat, keep, edition, rules)
        frame = static.with_columns(pl.lit(0, dtype=pl.Int64).alias("past_first_filed_day"))
        days = static.select("accident_day")
        names, reads_history = engine._claim_columns(days, edition, rules)
        added = engine._claim_rules(frame.lazy(), days, edition, rules).collect_schema().names()[len(frame.columns):]
        assert names == added and reads_history is reads, edition.id
