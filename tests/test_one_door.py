"""One door (issue 20): one canonical claim behind every entry point, one person under every spelling.

Validation used to strip white space around a 身份证 number while the ledger and the ``--jobs``
router only upper-cased the raw text, so ``"440106199003071231 "`` was another person than
``"440106199003071231"`` through ``Ledger().decide(dict)``, ``batch --jobs 1`` with amounts given as
JSON numbers, ``--jobs 2`` and Dask: one person could be paid two caps. Now every key (member, 身份证
binding, ``--jobs`` route, Dask partition) is read from the validated claim (:mod:`mutualaid.door`).

The regression tests below fail on the code before the fix. The property draws one person (or two)
under many spellings of their member id and 身份证 number (white space around or inside, full-width
forms, a lowercase x, zero-width and default-ignorable characters, amounts as JSON numbers or as
strings, lines with or without ``\\u`` escapes), pended claims sent again with their first filed_on
or another, and sends the stream through every door. Every door gives the same bytes, a spelling
that is bad input is refused alike everywhere, a valid spelling is the same person, and no person
is ever paid more than one cap. The in-process doors get the full property; the heavy doors (the
CLI in subprocesses, ``--jobs 2``, Dask on a real LocalCluster, the service's ``/v1/batch``) get one
file of several seeded streams.
"""

from __future__ import annotations

import io
import json
import os
import random
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Sequence

import pytest
from hypothesis import given, note, settings
from hypothesis.control import currently_in_test_context
from hypothesis import strategies as st

from claimdata import claim_with, item, treatment
from liveserver import live_server  # noqa: F401 - a fixture
from mutualaid import InvalidClaim, Ledger
from mutualaid.batch import _Decider, claim_id_of, error_record, part_of, route, run
from mutualaid.door import keys_of, member_key, number_key, read
from mutualaid.values import read_json

ROOT = Path(__file__).resolve().parent.parent
CAP = Decimal("10000.00")
N = "440106199003071231"
NUMBERS = ("440106199003071231", "11010519491231002X", "440304198511200013", "44010219770615002X", "445202199602290019", "440102198801010011")


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def person_claim(member: str, number: str, claim_id: str, accident: int = 0, amount: Any = "60000.00", **top) -> dict:
    """A claim of one person: accident ``A-{accident}`` (a day apart), one inpatient item of ``amount``."""
    occurred = f"2022-03-{1 + accident:02d}"
    c = claim_with(treatment(items=[item(on=occurred, amount="0")]), claim_id=claim_id, **top)
    c["treatments"][0]["items"][0]["out_of_pocket"] = amount
    c["accident"] = {**c["accident"], "accident_id": f"A-{accident}", "occurred_on": occurred}
    c["member"] = {**c["member"], "member_id": member, "id_number": number}
    c["payee"] = {**c["payee"], "holder_id_number": NUMBERS[0] if number.strip() == NUMBERS[0] else c["payee"]["holder_id_number"]}
    return c


def _line(claim: dict, ascii_: bool = False) -> bytes:
    return json.dumps(claim, ensure_ascii=ascii_, separators=(",", ":")).encode("utf-8") + b"\n"


def _write(path: Path, lines: Sequence[bytes]) -> Path:
    path.write_bytes(b"".join(lines))
    return path


def _batch(path: Path, jobs: int = 1, **options) -> bytes:
    out = path.with_name(path.stem + f"-out-{jobs}.jsonl")
    run(str(path), str(out), jobs=jobs, stderr=io.StringIO(), **options)
    return out.read_bytes()


def _paid(out: bytes) -> Decimal:
    return sum((Decimal(d["payout"]) for d in map(json.loads, out.splitlines()) if "payout" in d), Decimal(0))


# --- the findings, one regression test each (each fails on the code before issue 20) ---------------------------


def test_ledger_decide_of_a_dict_reads_the_id_number_as_validation_keeps_it():
    ledger = Ledger()
    assert ledger.decide(person_claim("M-A", N, "C-1", 0)).payout > 0
    assert ledger.decide(person_claim("M-A", N, "C-2", 1)).payout > 0  # the cap is used up
    with pytest.raises(InvalidClaim) as exc:
        ledger.decide(person_claim("M-B", N + " ", "C-3", 2))  # the same person, a trailing space
    assert list(exc.value.fields) == ["member.id_number"]
    assert ledger.holder(N) == "M-A" and list(ledger.members()) == ["M-A"]
    assert sum(e.paid for _, e in ledger.entries()) <= CAP


def test_batch_jobs_1_with_json_number_amounts_reads_the_validated_keys(tmp_path):
    """A JSON number with a fraction sends the line down the plain-data path: keys from raw text, before."""
    lines = [
        _line(person_claim("M-A", N, "C-1", 0, 60000.5)),
        _line(person_claim("M-A", N, "C-2", 1, 60000.5)),
        _line(person_claim("M-B", N + " ", "C-3", 2, 60000.5)),
    ]
    out = _batch(_write(tmp_path / "in.jsonl", lines), jobs=1)
    got = [json.loads(x) for x in out.splitlines()]
    assert got[0]["outcome"] == "approved" and got[2]["fields"] == ["member.id_number"]
    assert _paid(out) <= CAP


def _two_parts() -> tuple[str, str]:
    first = next(m for m in (f"M-{k}" for k in range(100)) if part_of(m, 2) == 0)
    second = next(m for m in (f"M-{k}" for k in range(100)) if part_of(m, 2) == 1)
    return first, second


def test_batch_jobs_2_routes_by_the_validated_number_and_binds_it_once(tmp_path):
    first, second = _two_parts()
    lines = [_line(person_claim(first, N, "C-1", 0)), _line(person_claim(first, N, "C-2", 1))]
    lines += [_line(person_claim(second, N + " ", f"C-{3 + k}", k)) for k in range(3)]
    src = _write(tmp_path / "in.jsonl", lines)
    one, two = _batch(src, jobs=1), _batch(src, jobs=2)
    assert one == two and _paid(two) <= CAP
    assert [json.loads(x).get("fields") for x in two.splitlines()][2:] == [["member.id_number"]] * 3
    ledger = tmp_path / "ledger.jsonl"
    run(str(src), str(tmp_path / "out-l.jsonl"), jobs=2, ledger=str(ledger), stderr=io.StringIO())
    bindings = [json.loads(x) for x in ledger.read_bytes().splitlines() if x.startswith(b'{"id_number"')]
    assert [(b["id_number"], b["member_id"]) for b in bindings] == [(N, first)]  # one number, one member id


def test_a_ledger_file_binding_one_person_twice_is_refused_naming_the_line(tmp_path):
    """What a --jobs 2 run wrote before issue 20: the number and its spelling with a space, bound to two member ids."""
    from mutualaid.ledger import Chain, binding_line

    path = tmp_path / "ledger.jsonl"
    path.write_bytes(Chain().seal_all(binding_line(N, "M-A") + binding_line(N + " ", "M-B")))
    with pytest.raises(InvalidClaim) as exc:
        Ledger.load(path)
    assert [f.split(".")[:3] for f in exc.value.fields] == [["ledger", "2", "id_number"]]
    ledger = Ledger()
    ledger.bind(N, "M-A")
    with pytest.raises(InvalidClaim):
        ledger.bind(N + " ", "M-B")
    assert ledger.holder(N.lower()) == "M-A" and ledger.holder("M-A") is None


def test_dask_partitions_by_the_validated_number():
    md = pytest.importorskip("mutualaid.distributed")
    lines = [(1, _line(person_claim("M-A", N, "C-1", 0))), (2, _line(person_claim("M-B", N + " ", "C-2", 1)))]
    if number_key(N + " ") is None:  # white space is bad input (CONTRACT §7, revision 3): no key, refused anywhere
        assert read(read_json(lines[1][1]))[0] is None
        return
    (part,) = md.partition(lines, 2)  # one person: one partition, whatever the spelling
    assert part == lines


@pytest.mark.parametrize("spelling", [N + " ", " " + N, N + "\t", "\u3000" + N, N.lower()])
@pytest.mark.parametrize("ascii_", [False, True])
def test_the_route_of_a_line_is_the_keys_of_its_validated_claim(spelling, ascii_):
    raw = _line(person_claim("M-A", spelling, "C-1"), ascii_)
    model, keys = read(read_json(raw))
    assert route(raw, 7)[1:] == (keys.member_id, keys.id_number) == ("M-A", number_key(spelling))
    if model is not None:
        assert keys.id_number == model.member.id_number == N


# --- the spelling property ------------------------------------------------------------------------------


def member_spellings(m: str) -> list[str]:
    return [m, m + " ", " " + m, m[:1] + " " + m[1:], _fullwidth(m), m[:1] + "\u200b" + m[1:], m + "\ufe0f", m + "\u1160", m + "\u00ad", "\ufeff" + m]


def number_spellings(n: str) -> list[str]:
    out = [n, " " + n, n + " ", n + "\t", n + "\n", "\u3000" + n, n[:6] + " " + n[6:], _fullwidth(n), n + "\u200b", "\ufeff" + n, n[:8] + "\u200d" + n[8:]]
    if n.endswith("X"):
        out += [n[:-1] + "x", n[:-1] + "x", n[:-1] + "\uff58"]  # a lowercase x (twice as likely), a full-width one
    return out


AMOUNTS = ("60000.00", "9000.00", "3200.00")


def _amount(text: str, form: int) -> Any:
    """An amount as a string, a JSON integer, or a JSON number with a fraction (the plain-data path)."""
    value = Decimal(text)
    if form == 0:
        return text
    if form == 1:
        return int(value)
    return float(value + Decimal("0.5"))  # exact in fen, and its repr is its exact text


def spelled_stream(choose: Callable[[Sequence], Any], people: Sequence[int], size: int) -> list[tuple[int, dict, bool]]:
    """(person, claim, whether its line uses \\u escapes) for ``size`` claims of ``people``.

    ``choose`` picks one of a sequence (hypothesis's draw, or a seeded Random's choice).
    """
    stream: list[tuple[int, dict, bool]] = []
    pended: list[tuple[int, dict]] = []
    for k in range(size):
        if pended and choose((False, False, True)):  # a pended claim sent again, documents supplied
            p, first = pended.pop(choose(range(len(pended))))
            again = json.loads(json.dumps(first))
            again["documents"] = ["invoice", "accident_proof", "medical_record"]
            if choose((True, True, False)):
                again["filed_on"] = "2022-06-30"  # another filing day: refused (the first filing never moves)
            stream.append((p, again, choose((False, True))))
            continue
        p = choose(people)
        member = choose(member_spellings(f"M-P{p}") + [f"M-P{p}"] * 6)
        number = choose(number_spellings(NUMBERS[p]) + [NUMBERS[p]] * 4)
        c = person_claim(member, number, f"C-{p}-{k}", choose(range(4)), _amount(choose(AMOUNTS), choose(range(3))),
                         filed_on=choose(("2022-04-10", "2022-05-01")))  # fmt: skip
        c["payee"]["holder_id_number"] = NUMBERS[p]
        if choose((False, False, False, True)):
            c["documents"] = ["invoice", "medical_record"]  # pends for the accident proof
            pended.append((p, c))
        stream.append((p, c, choose((False, False, True))))
    return stream


def _ledger_door(lines: Sequence[bytes]) -> bytes:
    """``Ledger().decide(dict)``, each answer written as batch writes it (a decision, or an error record)."""
    ledger, out = Ledger(), []
    for n, raw in enumerate(lines, 1):
        claim = read_json(raw)
        try:
            d = ledger.decide(claim)
        except InvalidClaim as exc:
            out.append(error_record(n, claim_id_of(claim), str(exc), exc.errors))
            continue
        out.append(d.__pydantic_serializer__.to_json(d) + b"\n")
    return b"".join(out)


def _frame_door(lines: Sequence[bytes]) -> list[tuple]:
    from mutualaid import frame

    df = frame.decide([read_json(x) for x in lines], errors="record")
    rows = []
    for r in df.itertuples(index=False):
        payout = None if r.outcome == "error" else str(r.payout)
        rows.append((r.member_id if isinstance(r.member_id, str) else None, r.outcome, payout, r.error if isinstance(r.error, str) else None))
    return rows


def _as_frame_rows(out: bytes, claims: Sequence[dict]) -> list[tuple]:
    rows = []
    for d, c in zip(map(json.loads, out.splitlines()), claims):
        member = member_key(c["member"]["member_id"])
        if "error" in d:
            rows.append((member, "error", None, ",".join(d["fields"])))
        else:
            rows.append((member, d["outcome"], d["payout"], None))
    return rows


def _check_the_model(stream: Sequence[tuple[int, dict, bool]], out: bytes) -> None:
    """One person, one member id, one cap; bad spellings refused; the first filing kept."""
    got = [json.loads(x) for x in out.splitlines()]
    assert len(got) == len(stream)
    holder: dict[int, str] = {}  # person → the member id their number was first decided under
    paid: dict[int, Decimal] = {}
    pended: dict[tuple[str, str], str] = {}
    decided: set = set()
    for (p, c, _), d in zip(stream, got):
        member, number = member_key(c["member"]["member_id"]), number_key(c["member"]["id_number"])
        if currently_in_test_context():
            note(f"{c['claim_id']} {c['member']['member_id']!r} {c['member']['id_number']!r} -> {d.get('outcome') or d['fields']}")
        if member is None or number is None:
            assert "error" in d, "a spelling that is bad input must be refused"
            continue
        assert number == NUMBERS[p]  # a valid spelling is the person's number, as compared
        fields = d.get("fields", [])
        key = (member, c["claim_id"])
        if key in pended and pended[key] != c["filed_on"]:
            assert "filed_on" in fields, "a pended claim sent again with another filed_on is refused"
            continue
        if p in holder and holder[p] != member:
            assert "member.id_number" in fields, "one person, one member id"
            continue
        assert "member.id_number" not in fields and "filed_on" not in fields
        if key in decided:
            assert fields == ["claim_id"]
            continue
        assert "error" not in d, d
        if d["outcome"] == "pending":
            pended.setdefault(key, c["filed_on"])
            continue
        holder.setdefault(p, member)
        decided.add(key)
        pended.pop(key, None)
        paid[p] = paid.get(p, Decimal(0)) + Decimal(d["payout"])
        assert paid[p] <= CAP, "no person is ever paid more than one cap"


@st.composite
def spelled_streams(draw) -> list[tuple[int, dict, bool]]:
    people = draw(st.sampled_from([(0,), (1,), (0, 1), (1, 3)]))
    return spelled_stream(lambda seq: draw(st.sampled_from(list(seq))), people, draw(st.integers(1, 9)))


@settings(max_examples=150)  # each example a stream through three doors; _heavy_stream below adds every spelling
@given(spelled_streams())
def test_every_spelling_is_one_person_through_every_door_in_process(tmp_path_factory, stream):
    """``Ledger().decide(dict)``, ``batch --jobs 1`` (both of its readers) and ``frame.decide``: the same answers."""
    lines = [_line(c, ascii_) for _, c, ascii_ in stream]
    path = _write(tmp_path_factory.mktemp("door") / "in.jsonl", lines)
    want = _batch(path, jobs=1)
    assert _ledger_door(lines) == want
    assert _frame_door(lines) == _as_frame_rows(want, [c for _, c, _ in stream])
    _check_the_model(stream, want)


def _heavy_stream(seeds: Sequence[int] = (1, 2, 3, 4, 5)) -> tuple[list[tuple[int, dict, bool]], list[bytes]]:
    """Several seeded streams, interleaved (each keeps its order), then every spelling once at least.

    A seed's people are ``M-S{seed}P{p}``; people of two seeds with one number are one person.
    """
    parts: dict[int, list] = {}
    for s in seeds:
        rng = random.Random(s)
        part = spelled_stream(rng.choice, [(0,), (1,), (0, 1), (1, 3), (2, 4)][s % 5], 14)
        for _, c, _ in part:
            c["member"]["member_id"] = c["member"]["member_id"].replace("M-P", f"M-S{s}P")
            c["claim_id"] = f"S{s}-" + c["claim_id"]
        parts[s] = part
    rng = random.Random(0)
    mixed: list[tuple[int, dict, bool]] = []
    while any(parts.values()):
        mixed.append(parts[rng.choice([s for s in parts if parts[s]])].pop(0))
    for k, m in enumerate(member_spellings("M-Z")):
        mixed.append((1, person_claim(m, NUMBERS[1], f"Z-M{k}", k % 4), k % 2 == 1))
    for k, n in enumerate(number_spellings(NUMBERS[1])):
        mixed.append((1, person_claim("M-Z", n, f"Z-N{k}", k % 4, _amount("9000.00", k % 3)), k % 2 == 0))
    pended = person_claim("M-Y", NUMBERS[5], "Y-1", documents=["invoice", "medical_record"])  # a person of their own
    pended["payee"]["holder_id_number"] = NUMBERS[5]
    later = {**pended, "documents": ["invoice", "accident_proof", "medical_record"], "filed_on": "2022-06-30"}
    mixed += [(5, pended, False), (5, later, True), (5, {**later, "filed_on": pended["filed_on"]}, False)]
    return mixed, [_line(c, a) for _, c, a in mixed]


def test_every_door_gives_the_same_bytes(tmp_path, dask_client, live_server):  # noqa: F811 - a fixture
    """The heavy doors, on one file of seeded streams: the CLI (--jobs 1 and 2, in subprocesses),
    batch with a ledger, Dask on a LocalCluster, the service's /v1/batch, and the in-process doors."""
    import httpx

    from mutualaid import distributed as md

    stream, lines = _heavy_stream()
    src = _write(tmp_path / "in.jsonl", lines)
    want = _batch(src, jobs=1)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    for jobs in (1, 2):
        out = tmp_path / f"cli-{jobs}.jsonl"
        done = subprocess.run([sys.executable, "-m", "mutualaid.cli", "batch", str(src), str(out), "--jobs", str(jobs)],
                              capture_output=True, timeout=120, env=env)  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert out.read_bytes() == want, f"batch --jobs {jobs}"
    assert _batch(src, jobs=2) == want
    run(str(src), str(tmp_path / "ledger-out.jsonl"), jobs=2, ledger=str(tmp_path / "ledger.jsonl"), stderr=io.StringIO())
    assert (tmp_path / "ledger-out.jsonl").read_bytes() == want
    holders: dict[str, str] = {}
    for x in (tmp_path / "ledger.jsonl").read_bytes().splitlines():
        if x.startswith(b'{"id_number"'):
            b = json.loads(x)
            assert b["id_number"] not in holders, "one number, one member id"
            holders[b["id_number"]] = b["member_id"]
    for partitions in (2, 5):
        got = tmp_path / f"dask-{partitions}.jsonl"
        md.batch(str(src), str(got), client=dask_client, partitions=partitions)
        assert got.read_bytes() == want, f"dask, {partitions} partitions"
    answer = httpx.post(live_server.url + "/v1/batch", content=b"".join(lines), timeout=60, headers={"content-type": "application/x-ndjson"})
    assert answer.status_code == 200 and answer.content == want, "/v1/batch"
    assert _ledger_door(lines) == want
    assert _frame_door(lines) == _as_frame_rows(want, [c for _, c, _ in stream])
    _check_the_model(stream, want)
    assert b'"filed_on.not_first_filing"' in want and b'"id_number.taken"' in want  # both refusals are exercised


@given(st.text("0123456789", min_size=17, max_size=17), st.booleans())
def test_a_number_in_its_one_spelling_is_kept_upper_cased_or_refused(first17, lower):
    """What batch's router relies on: validation never rewrites an 18-character number but for x → X."""
    from mutualaid.batch import _number_bytes
    from mutualaid.idcard import check_digit

    for last in {check_digit(first17), "0", "X"}:
        n = first17 + (last.lower() if lower else last)
        assert number_key(n) in (None, n.upper())
        assert _number_bytes(n.encode()) == n.upper()
        if number_key(n) is not None:
            assert route(_line(person_claim("M-A", n, "C-1")), 3)[2] == number_key(n)


def test_keys_of_plain_data_and_of_the_model_agree():
    for m in member_spellings("M-1"):
        for n in number_spellings(NUMBERS[1]):
            c = person_claim(m, n, "C-1")
            model, keys = read(c)
            assert keys == keys_of(c)
            if model is not None:
                assert keys == (model.member.member_id, model.member.id_number)
