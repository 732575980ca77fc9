"""Errors a Chinese backend can show (issue 15, point 4): every FieldError has a stable code, a Chinese
and an English message and the offending value cut short; the codes are those of one catalogue."""

from __future__ import annotations

import datetime as dt
import json
import re
import string
from pathlib import Path
from typing import Callable

import pytest
from hypothesis import HealthCheck, given, settings

from mutualaid import InvalidClaim, Ledger, adjudicate
from mutualaid.batch import _Decider
from mutualaid.cases import load_cases
from mutualaid.values import read_json
from mutualaid.errorcodes import CODES, PYDANTIC_TYPES, markdown
from mutualaid.errors import QUOTE_MAX, FieldError
from mutualaid.idcard import check_digit
from mutualaid.testing import bad_claims

from claimdata import ID, base_claim, edition_data, hist, item, treatment

ROOT = Path(__file__).resolve().parent.parent
CJK = re.compile(r"[\u4e00-\u9fff]")

PINNED = {
    "field.missing", "field.unknown", "field.not_allowed", "field.not_text", "field.not_an_object",
    "field.not_a_list", "field.too_few", "field.not_a_boolean", "field.invalid", "number.not_an_integer",
    "number.too_small", "number.below_minimum", "number.above_maximum", "text.blank", "text.too_short",
    "text.not_unicode", "amount.boolean", "amount.not_finite", "amount.wrong_type", "amount.not_an_amount",
    "amount.too_large", "amount.negative", "amount.not_exact_in_fen", "json.float_money", "json.invalid",
    "date.not_a_date", "date.has_time", "date.does_not_exist", "date.too_early", "date.too_late",
    "filed_on.before_accident", "item.on_after_filing", "id_number.not_a_string", "id_number.fifteen_digits",
    "id_number.shape", "id_number.check_digit", "id_number.birth_date", "id_number.born_after_filing",
    "id_number.taken", "id_number.bound_to_other", "id_number.not_text", "id.not_a_string", "id.length",
    "id.control_character", "id.lone_surrogate", "id.white_space", "id.not_nfkc", "member_id.empty",
    "member_id.not_text", "account_number.shape", "treatment_id.slash", "treatment_id.duplicate",
    "medication_use.not_medication", "icd10.not_a_string", "icd10.too_long", "icd10.shape", "icd10.unknown",
    "icd10.not_an_entry", "icd10.range_reversed", "ws218.not_a_string", "ws218.shape", "ws218.unmapped",
    "plan.unknown", "history.not_a_list", "claim_id.already_decided", "claim_id.duplicate", "claim_id.in_ledger",
    "history.accident_date_differs", "history.over_top_tier", "history.over_cap", "claim_file.unknown_key",
    "claim.cannot_decide", "edition.not_yaml", "edition.not_utf8", "edition.period_reversed", "edition.tier_edge",
    "edition.tiers_not_rising", "edition.unknown_exclusion", "edition.circumstance_twice",
    "edition.references_missing", "edition.clause_key", "ledger.checksum", "ledger.unsealed_line",
    "ledger.unsealed_checkpoint", "ledger.checkpoint_not_object", "ledger.not_json", "ledger.not_object",
    "ledger.binding_shape", "body.too_large", "body.not_json", "body.too_deep", "record.invalid", "record.engine",
    "body.media_type", "body.not_utf8", "body.lone_surrogate", "body.too_slow", "body.line_too_large", "service.busy",
    "request.head_too_slow", "request.head_too_large",
    "body.not_object", "body.unknown_key",
    # revision 3
    "text.too_long", "field.too_many", "key.duplicate", "errors.more", "id_number.white_space",
    "id.white_space_inside", "id.private_use", "id.unassigned", "id.default_ignorable",
}  # fmt: skip
"""The codes a backend may branch on: removing or renaming one breaks backends, and this test."""


def test_the_codes_are_stable():
    assert set(CODES) == PINNED


# --- every code is reached by some input -------------------------------------------------------------


def _put(data, path: str, value) -> None:
    *head, last = path.split(".")
    for key in head:
        data = data[int(key)] if isinstance(data, list) else data[key]
    if isinstance(data, list):
        data[int(last)] = value
    elif value is _DROP:
        del data[last]
    else:
        data[last] = value


_DROP = object()


def refused(call: Callable[[], object]) -> tuple[FieldError, ...]:
    with pytest.raises(InvalidClaim) as exc:
        call()
    return exc.value.errors


def claim(path: str, value, history=()) -> tuple[FieldError, ...]:
    c = base_claim()
    _put(c, path, value)
    return refused(lambda: adjudicate(c, history))


def edition(path: str, value) -> tuple[FieldError, ...]:
    data = edition_data()
    _put(data, path, value)
    return edition_of(data)


def edition_of(data: dict) -> tuple[FieldError, ...]:
    """The errors of an edition file holding ``data`` (``load_edition`` raises InvalidEdition)."""
    import tempfile

    from mutualaid.edition import load_edition

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "edition.json"
        path.write_text(json.dumps(data, default=str), encoding="utf-8")
        return refused(lambda: load_edition(path))


def with_claim(**top) -> tuple[FieldError, ...]:
    c = base_claim()
    c.update(top)
    return refused(lambda: adjudicate(c))


def history(*entries) -> tuple[FieldError, ...]:
    return refused(lambda: adjudicate(base_claim(), list(entries)))


def number(first17: str) -> str:
    return first17 + check_digit(first17)


def ledger_file(tmp: Path, lines: list[bytes]) -> tuple[FieldError, ...]:
    path = tmp / "ledger.jsonl"
    path.write_bytes(b"".join(lines))
    return refused(lambda: Ledger.load(path))


def sealed(*payloads: bytes) -> list[bytes]:
    from mutualaid.ledger import Chain

    chain = Chain()
    return [chain.seal(p) for p in payloads]


ENTRY = b'{"member_id":"M-1","claim_id":"H-1","accident_id":"A-1","accident_occurred_on":"2022-03-01","counted_out_of_pocket":"3200.00","paid":"2000.00"}'


def decider_line(raw: bytes) -> tuple[FieldError, ...]:
    """The batch's error record for one line: its ``errors``, read back as FieldErrors."""
    [(out, _, _)] = _Decider(Ledger(), journal=False)([(1, raw)])
    record = json.loads(out)
    assert record["fields"] == [e["field"] for e in record["errors"]]
    return tuple(FieldError(e["field"], e["message_en"], e["code"], e["message_zh"], e["value"]) for e in record["errors"])


def _crashing_line(monkeypatch) -> tuple[FieldError, ...]:
    from mutualaid.ledger import core as ledger_module

    def crashing(*args, **kw):
        raise ValueError("year 10000 is out of range")

    monkeypatch.setattr(ledger_module, "adjudicate", crashing)
    return decider_line(json.dumps(base_claim()).encode())


def _json_float(_) -> tuple[FieldError, ...]:
    from pydantic import ValidationError

    from mutualaid.model import Claim
    from mutualaid.validate import _pydantic_errors

    c = base_claim()
    text = json.dumps(c).replace('"3200.00"', "3200.5")
    with pytest.raises(ValidationError) as exc:
        Claim.model_validate_json(text)
    return tuple(_pydantic_errors(exc.value))


def _two_ledger(first: tuple, second: tuple, method: str) -> tuple[FieldError, ...]:
    ledger = Ledger()
    getattr(ledger, method)(*first)
    return refused(lambda: getattr(ledger, method)(*second))


def _taken() -> tuple[FieldError, ...]:
    ledger = Ledger()
    ledger.decide(base_claim())
    other = base_claim()
    other["claim_id"], other["member"]["member_id"] = "C-0002", "M-0002"
    return refused(lambda: ledger.decide(other))


def _edition_file(tmp: Path, data: bytes) -> tuple[FieldError, ...]:
    from mutualaid.plan import resolve

    path = tmp / "edition.yaml"
    path.write_bytes(data)
    return refused(lambda: resolve(str(path)))


def _claim_file() -> tuple[FieldError, ...]:
    from mutualaid.yamlio import split_claim_document

    return refused(lambda: split_claim_document({"claim": base_claim(), "colour": "red"}))


def _exclusion(group: str, key: str, value) -> Callable:
    def reach(_):
        data = edition_data()
        data["exclusions"][group][key] = value
        return edition_of(data)

    return reach


def _tiers(tiers) -> Callable:
    return lambda _: edition("tiers", tiers)


def _reference(key: str, clause: str) -> Callable:
    return lambda _: edition("references", {**edition_data()["references"], key: {"clause": clause}})


H = "A-0001", "2022-03-01"
REACH: dict[str, Callable] = {
    "field.missing": lambda _: claim("claim_id", _DROP),
    "field.unknown": lambda _: claim("colour", "red"),
    "field.not_allowed": lambda _: claim("member.occupation", "pilot"),
    "field.not_text": lambda _: claim("member.name", 5),
    "field.not_an_object": lambda _: claim("accident", 5),
    "field.not_a_list": lambda _: claim("treatments", 5),
    "field.too_few": lambda _: claim("treatments", []),
    "field.not_a_boolean": lambda _: edition("filing.top_ups_meet_deadline", "maybe"),
    "field.invalid": _reference("cap.amount", "art100"),  # a plain ValueError: no code of its own
    "number.not_an_integer": lambda _: edition("window.days", "many"),
    "number.too_small": lambda _: edition("window.days", 0),
    "number.below_minimum": lambda _: edition("hospital.min_grade", 0),
    "number.above_maximum": lambda _: edition("window.days", 5000),
    "text.blank": lambda _: claim("member.name", " "),
    "text.too_short": lambda _: claim("payee.holder_name", ""),  # the edition id is an id now (revision 3)
    "text.too_long": lambda _: claim("member.name", "张" * 101),
    "field.too_many": lambda _: claim("treatments.0.diagnoses", ["S82.2"] * 21),
    "key.duplicate": lambda _: refused(lambda: read_json(b'{"claim_id": "C-1", "claim_id": "C-2"}')),
    "errors.more": lambda _: claim("treatments.0.items", [{}] * 40),
    "id_number.white_space": lambda _: claim("member.id_number", "440106199003071231 "),
    "id.white_space_inside": lambda _: claim("claim_id", "C 1"),
    "id.private_use": lambda _: claim("claim_id", "C-\ue000"),
    "id.unassigned": lambda _: claim("claim_id", "C-\u0378"),
    "id.default_ignorable": lambda _: claim("claim_id", "C-1\ufe0f"),
    "text.not_unicode": lambda _: claim("treatments.0.hospital.name", "\ud800"),
    "amount.boolean": lambda _: claim("treatments.0.items.0.out_of_pocket", True),
    "amount.not_finite": lambda _: claim("treatments.0.items.0.out_of_pocket", float("nan")),
    "amount.wrong_type": lambda _: claim("treatments.0.items.0.out_of_pocket", ["1"]),
    "amount.not_an_amount": lambda _: claim("treatments.0.items.0.out_of_pocket", "12 yuan"),
    "amount.too_large": lambda _: claim("treatments.0.items.0.out_of_pocket", "10000000"),
    "amount.negative": lambda _: claim("treatments.0.items.0.out_of_pocket", "-1.00"),
    "amount.not_exact_in_fen": lambda _: claim("treatments.0.items.0.out_of_pocket", "3200.005"),
    "json.float_money": _json_float,
    "json.invalid": lambda _: decider_line(b'{"claim_id": "C-9", "member": '),
    "date.not_a_date": lambda _: claim("filed_on", "10/04/2022"),
    "date.has_time": lambda _: claim("filed_on", dt.datetime(2022, 4, 10, 9, 0)),
    "date.does_not_exist": lambda _: claim("filed_on", "2022-02-30"),
    "date.too_early": lambda _: claim("member.union_member_since", "1899-12-31"),
    "date.too_late": lambda _: claim("member.union_member_since", "2200-01-01"),
    "filed_on.before_accident": lambda _: claim("filed_on", "2022-02-01"),
    "item.on_after_filing": lambda _: claim("treatments.0.items.0.on", "2022-05-01"),
    "id_number.not_a_string": lambda _: claim("member.id_number", 440106199003071231),
    "id_number.fifteen_digits": lambda _: claim("member.id_number", "440106900307123"),
    "id_number.shape": lambda _: claim("member.id_number", "44010619900307123Y"),
    "id_number.check_digit": lambda _: claim("member.id_number", "440106199003071232"),
    "id_number.birth_date": lambda _: claim("member.id_number", number("44010619901307123")),
    "id_number.born_after_filing": lambda _: claim("member.id_number", number("44010620230101123")),
    "id_number.taken": lambda _: _taken(),
    "id_number.bound_to_other": lambda _: _two_ledger((ID, "M-1"), (ID, "M-2"), "bind"),
    "id_number.not_text": lambda _: refused(lambda: Ledger().bind(5, "M-1")),
    "id.not_a_string": lambda _: claim("claim_id", 5),
    "id.length": lambda _: claim("claim_id", "C" * 65),
    "id.control_character": lambda _: claim("claim_id", "C-\u200b1"),
    "id.lone_surrogate": lambda _: claim("claim_id", "C-\ud8001"),
    "id.white_space": lambda _: claim("claim_id", "C-1 "),
    "id.not_nfkc": lambda _: claim("claim_id", "Ｃ-1"),
    "member_id.empty": lambda _: refused(lambda: Ledger().bind(ID, " ")),
    "member_id.not_text": lambda _: refused(lambda: Ledger().bind(ID, "M-\ud800")),
    "account_number.shape": lambda _: claim("payee.account_number", "12"),
    "treatment_id.slash": lambda _: claim("treatments.0.treatment_id", "T/1"),
    "treatment_id.duplicate": lambda _: with_claim(treatments=[treatment("T1"), treatment("T1")]),
    "medication_use.not_medication": lambda _: with_claim(treatments=[treatment(items=[item(medication_use="prescribed")])]),
    "icd10.not_a_string": lambda _: claim("treatments.0.diagnoses", [82]),
    "icd10.too_long": lambda _: claim("treatments.0.diagnoses", ["S" * 40]),
    "icd10.shape": lambda _: claim("treatments.0.diagnoses", ["broken leg"]),
    "icd10.unknown": lambda _: claim("treatments.0.diagnoses", ["U99"]),
    "icd10.not_an_entry": _exclusion("diagnoses", "art6.10", {"include": ["K0O"]}),
    "icd10.range_reversed": _exclusion("diagnoses", "art6.10", {"include": ["K08-K00"]}),
    "ws218.not_a_string": lambda _: claim("treatments.0.hospital.ws218", 100),
    "ws218.shape": lambda _: claim("treatments.0.hospital.ws218", "A1"),
    "ws218.unmapped": lambda _: claim("treatments.0.hospital.ws218", "E100"),
    "plan.unknown": lambda _: claim("plan", "gd-nef-1999"),
    "history.not_a_list": lambda _: refused(lambda: adjudicate(base_claim(), 5)),
    "claim_id.already_decided": lambda _: history(hist("C-0001", *H, "300.00", "0.00")),
    "claim_id.duplicate": lambda _: history(hist("H-1", *H, "100.00", "0.00"), hist("H-1", *H, "100.00", "0.00")),
    "claim_id.in_ledger": lambda _: _two_ledger(("M-1", hist("H-1", *H, "300.00", "300.00")), ("M-1", hist("H-1", *H, "300.00", "300.00")), "add"),
    "history.accident_date_differs": lambda _: history(hist("H-1", "A-0001", "2022-03-02", "100.00", "0.00")),
    "history.over_top_tier": lambda _: history(hist("H-1", *H, "20000.00", "6000.01")),
    "history.over_cap": lambda _: history(hist("H-1", "A-1", "2022-03-01", "20000.00", "6000.00"), hist("H-2", "A-2", "2022-03-05", "20000.00", "6000.00")),
    "claim_file.unknown_key": lambda _: _claim_file(),
    "claim.cannot_decide": lambda fx: _crashing_line(fx[1]),
    "edition.not_yaml": lambda fx: _edition_file(fx[0], b"id: [unclosed"),
    "edition.not_utf8": lambda fx: _edition_file(fx[0], b"id: \xff"),
    "edition.period_reversed": lambda _: edition("period", {"start": "2022-12-31", "end": "2022-01-01"}),
    "edition.tier_edge": _tiers([{"at_least": "200.00", "over": "200.00", "pays": "100.00"}]),
    "edition.tiers_not_rising": _tiers([{"at_least": "500.00", "pays": "100.00"}, {"at_least": "200.00", "pays": "50.00"}]),
    "edition.unknown_exclusion": _exclusion("circumstances", "art6.99", ["fight"]),
    "edition.circumstance_twice": _exclusion("circumstances", "art6.2", ["drug_use", "fight"]),
    "edition.references_missing": _reference("nowhere.at.all", "art1"),
    "edition.clause_key": _reference("cap.amount", "article 5"),
    "ledger.checksum": lambda fx: ledger_file(fx[0], [*sealed(ENTRY), sealed(ENTRY.replace(b"H-1", b"H-2"))[0].replace(b"2000.00", b"6000.00")]),
    "ledger.unsealed_line": lambda fx: ledger_file(fx[0], [*sealed(ENTRY), ENTRY.replace(b"H-1", b"H-2") + b"\n"]),
    "ledger.unsealed_checkpoint": lambda fx: ledger_file(fx[0], [b'{"checkpoint":{"lines":1,"done":true}}\n']),
    "ledger.checkpoint_not_object": lambda fx: ledger_file(fx[0], sealed(b'{"checkpoint":5}')),
    "ledger.not_json": lambda fx: ledger_file(fx[0], [b"not json\n"]),
    "ledger.not_object": lambda fx: ledger_file(fx[0], [b"[1, 2]\n"]),
    "ledger.binding_shape": lambda fx: ledger_file(fx[0], [b'{"id_number":"' + ID.encode() + b'","member_id":"M-1","colour":"red"}\n']),
}


def _served(method: str, path: str, body: bytes = b"", headers: dict | None = None, statuses=(413, 422), **settings) -> list[FieldError]:
    """The errors the service answers for this request (mutualaid serve, in process), as FieldErrors."""
    pytest.importorskip("fastapi", reason="the service needs pip install 'mutualaid[server]'")
    import anyio
    import httpx

    from mutualaid.server import Settings, create_app

    async def ask() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app(Settings(**settings)))
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
            return await client.request(method, path, content=body, headers=headers or {"content-type": "application/json"})

    answer = anyio.run(ask)
    assert answer.status_code in statuses, answer.text
    return [FieldError(e["field"], e["message_en"], e["code"], e["message_zh"], e["value"]) for e in answer.json()["errors"]]


def _record_naming_engine() -> list[FieldError]:
    from mutualaid import adjudicate
    from mutualaid.replay import store

    stored = store(adjudicate(base_claim()), base_claim(), [])
    stored["decision"]["engine"] = "no-such-engine"
    return _served("POST", "/v1/replay", json.dumps(stored).encode())


REACH.update(
    {
        "body.too_large": lambda _: _served("POST", "/v1/adjudicate", b"{" + b" " * 2048 + b"}", body_limit=1024),
        "body.not_json": lambda _: _served("POST", "/v1/adjudicate", b"{not json"),
        "body.too_deep": lambda _: _served("POST", "/v1/adjudicate", b"[" * 100 + b"]" * 100),
        "body.not_object": lambda _: _served("POST", "/v1/adjudicate", b"[]"),
        "body.unknown_key": lambda _: _served("POST", "/v1/adjudicate", b'{"claim": {}, "histroy": []}'),
        "record.invalid": lambda _: _served("POST", "/v1/replay", b'{"stored": 1}'),
        "record.engine": lambda _: _record_naming_engine(),
    }
)


def _as_field_errors(errors: list[dict]) -> list[FieldError]:
    return [FieldError(e["field"], e["message_en"], e["code"], e["message_zh"], e["value"]) for e in errors]


def _slow_body() -> list[FieldError]:
    """A body whose second half comes after the body timeout: 408."""
    pytest.importorskip("fastapi", reason="the service needs pip install 'mutualaid[server]'")
    import anyio
    import httpx

    from mutualaid.server import Settings, create_app

    async def body():
        yield b'{"claim": '
        await anyio.sleep(1)
        yield b"{}}"

    async def ask() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app(Settings(body_timeout=0.2)))
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
            return await client.post("/v1/adjudicate", content=body(), headers={"content-type": "application/json"})

    answer = anyio.run(ask)
    assert answer.status_code == 408, answer.text
    return _as_field_errors(answer.json()["errors"])


def _long_batch_line() -> list[FieldError]:
    """A /v1/batch line over the line limit: its error record."""
    pytest.importorskip("fastapi", reason="the service needs pip install 'mutualaid[server]'")
    import anyio
    import httpx

    from mutualaid.server import Settings, create_app

    async def ask() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app(Settings(line_limit=16)))
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
            return await client.post("/v1/batch", content=b'{"claim_id": "C-0000000001"}\n', headers={"content-type": "application/x-ndjson"})

    answer = anyio.run(ask)
    assert answer.status_code == 200, answer.text
    return _as_field_errors(json.loads(answer.content.splitlines()[0])["errors"])


def _pool_full() -> list[FieldError]:
    """A decision asked for while the pool's one thread is taken and its queue holds none: 503."""
    pytest.importorskip("fastapi", reason="the service needs pip install 'mutualaid[server]'")
    import threading

    import anyio
    import httpx

    from mutualaid.server import Settings, create_app

    app = create_app(Settings(threads=1, queue=0))
    held = threading.Event()

    async def ask() -> httpx.Response:
        async with anyio.create_task_group() as tg:
            tg.start_soon(app.state.pool.run, held.wait)  # takes the one thread until released
            await anyio.sleep(0.05)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
                answer = await client.post("/v1/adjudicate", content=json.dumps({"claim": base_claim()}), headers={"content-type": "application/json"})
            held.set()
        return answer

    answer = anyio.run(ask)
    assert answer.status_code == 503 and answer.headers["retry-after"] == "1", answer.text
    return _as_field_errors(answer.json()["errors"])


def _head_answer(raw: bytes, **settings) -> list[FieldError]:
    """What a real server on a free loopback port answers to ``raw`` sent on a connection and left
    open (uvicorn in a thread of this process, with the service's own HTTP protocol and limits)."""
    pytest.importorskip("fastapi", reason="the service needs pip install 'mutualaid[server]'")
    import socket
    import threading
    import time

    import uvicorn

    from mutualaid.server import Settings, create_app, uvicorn_options

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = Settings(port=port, **settings)
    server = uvicorn.Server(uvicorn.Config(create_app(config), **{**uvicorn_options(config), "log_level": "critical", "lifespan": "off"}))
    server.config.mutualaid_settings = config
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            time.sleep(0.02)
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(raw)
            answer = b""
            while chunk := s.recv(65536):
                answer += chunk
    finally:
        server.should_exit = True
        thread.join(10)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.split()[1] in (b"408", b"431"), answer
    return _as_field_errors(json.loads(body)["errors"])


REACH.update(
    {
        "body.media_type": lambda _: _served("POST", "/v1/adjudicate", b"{}", headers={"content-type": "text/plain"}, statuses=(415,)),
        "body.not_utf8": lambda _: _served("POST", "/v1/adjudicate", json.dumps({"claim": {}}).encode("utf-16")),
        "body.lone_surrogate": lambda _: _served("POST", "/v1/adjudicate", b'{"claim": {}, "\\ud800": 1}'),
        "body.too_slow": lambda _: _slow_body(),
        "body.line_too_large": lambda _: _long_batch_line(),
        "service.busy": lambda _: _pool_full(),
        "request.head_too_slow": lambda _: _head_answer(b"POST /v1/adjudicate HTTP/1.1\r\nhost: x\r\n", header_timeout=0.3),
        "request.head_too_large": lambda _: _head_answer(b"GET /healthz HTTP/1.1\r\nhost: x\r\nx-big: " + b"a" * 3000 + b"\r\n\r\n", header_limit=1024),
    }
)


def _resent_with_another_filed_on() -> list[FieldError]:
    """Issue 20: a claim the ledger pended, sent again with another filed_on."""
    from mutualaid import InvalidClaim, Ledger

    ledger = Ledger()
    ledger.decide({**base_claim(), "documents": ["invoice"]})
    with pytest.raises(InvalidClaim) as exc:
        ledger.decide({**base_claim(), "filed_on": "2022-05-01"})
    return list(exc.value.errors)


PINNED |= {"filed_on.not_first_filing", "ledger.pended_shape"}  # issue 20: the first filing
REACH.update(
    {
        "filed_on.not_first_filing": lambda _: _resent_with_another_filed_on(),
        "ledger.pended_shape": lambda fx: ledger_file(fx[0], [b'{"pended":"C-1","member_id":"M-1"}\n']),
    }
)


PINNED |= {"claim_id.conflict"}  # issue 22: a claim id sent again to the SQL store with other content


def _resent_with_other_content(tmp_path) -> list:
    from mutualaid.errors import ClaimConflict
    from mutualaid.ledger.store import open_ledger

    store = open_ledger(f"sqlite:///{tmp_path / 'conflict.db'}")
    try:
        store.decide(base_claim())
        changed = base_claim()
        changed["documents"] = ["invoice", "accident_proof", "medical_record", "other"]
        with pytest.raises(ClaimConflict) as info:
            store.decide(changed)
        return list(info.value.errors)
    finally:
        store.close()


REACH["claim_id.conflict"] = lambda fx: _resent_with_other_content(fx[0])
PINNED |= {"ledger.torn_line", "ledger.uncommitted"}  # issue 22: one loader, nothing dropped silently
REACH["ledger.torn_line"] = lambda fx: ledger_file(fx[0], [*sealed(ENTRY, ENTRY.replace(b"H-1", b"H-2"))[:1], sealed(ENTRY, ENTRY.replace(b"H-1", b"H-2"))[1].rstrip(b"\n")])
REACH["ledger.uncommitted"] = lambda fx: ledger_file(fx[0], sealed(b'{"checkpoint":{"done":false}}', ENTRY))


def test_every_code_has_an_input_that_reaches_it():
    assert set(REACH) == set(CODES)


@pytest.mark.parametrize("code", sorted(REACH))
def test_the_code_is_reached_with_both_messages_and_a_short_value(code, tmp_path, monkeypatch):
    errors = REACH[code]((tmp_path, monkeypatch))
    mine = [e for e in errors if e.code == code]
    assert mine, f"{code} not among {[e.code for e in errors]}"
    for e in mine:
        assert e.message and CJK.search(e.message_zh), e
        assert e.value is None or len(e.value) <= QUOTE_MAX
        assert e.as_json() == {"field": e.field, "code": code, "message_en": e.message, "message_zh": e.message_zh, "value": e.value}
        if code not in PYDANTIC_TYPES.values() or code == "text.not_unicode":
            assert re.fullmatch(_as_pattern(CODES[code].en), e.message), (e.message, CODES[code].en)


def _names(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _as_pattern(template: str) -> str:
    """A template as a regular expression: each ``{name}`` stands for any text."""
    out = []
    for literal, name, _, _ in string.Formatter().parse(template):
        out.append(re.escape(literal))
        if name:
            out.append("(?s:.*)")
    return "".join(out)


def test_each_entry_has_chinese_and_english_that_speak_of_the_same_details():
    for code, (zh, en) in CODES.items():
        assert re.fullmatch(r"[a-z0-9_]+\.[a-z0-9_]+", code), code
        assert CJK.search(zh) and en.strip(), code
        assert _names(zh) <= _names(en), code
    assert set(PYDANTIC_TYPES.values()) <= set(CODES)


def test_a_missing_field_has_no_value_and_a_bad_one_is_cut_short():
    [missing] = claim("claim_id", _DROP)
    assert (missing.code, missing.value) == ("field.missing", None)
    [long] = claim("treatments.0.items.0.out_of_pocket", "9" * 10_000 + ".001")
    assert long.code == "amount.too_large" and "..." in long.value and len(long.value) <= QUOTE_MAX
    [exact] = claim("treatments.0.items.0.out_of_pocket", "3200.005")
    assert exact.value == "'3200.005'" and exact.message_zh == "'3200.005' 不能精确到分（小数点后第三位起须全为 0）。"
    date = next(e for e in claim("filed_on", "2022-02-01") if e.field == "filed_on")
    assert date.value == "'2022-02-01'" and date.message_zh == "申报日期 2022-02-01 早于事故发生日期 2022-03-01。"


def test_an_error_survives_pickling_with_its_code():
    import pickle

    from mutualaid.errors import BadValue
    from mutualaid.plan import UnknownEdition

    errors = claim("member.id_number", "440106199003071232")
    again = pickle.loads(pickle.dumps(InvalidClaim(errors)))
    assert again.errors == errors and again.errors[0].code == "id_number.check_digit"
    bad = pickle.loads(pickle.dumps(BadValue("id_number.check_digit", expected="1")))
    assert (bad.code, str(bad), bad.message_zh) == ("id_number.check_digit", "the GB 11643 check digit does not hold (expected 1)", "身份证号码校验码不符（GB 11643，应为 1）。")
    unknown = pickle.loads(pickle.dumps(UnknownEdition("nope", ("gd-nef-2022",))))
    assert unknown.code == "plan.unknown" and "gd-nef-2022" in unknown.message_zh


# --- the bad-input case files: each error coded, in Chinese, with a short value --------------------------


def _bad_input_cases() -> list:
    files = sorted((ROOT / "tests" / "cases").glob("bad_input*.yaml"))
    shared = ROOT.parent / "shared" / "cases"
    if shared.is_dir():
        files += sorted(shared.glob("*.yaml"))
    return [pytest.param(case, id=f"{f.name}: {case['name']}") for f in files for case in load_cases(f) if "error" in case["expect"]]


@pytest.mark.parametrize("case", _bad_input_cases())
def test_every_bad_input_case_gives_coded_bilingual_errors(case):
    from mutualaid.yamlio import refuse_repeated_keys

    with pytest.raises(InvalidClaim) as exc:
        refuse_repeated_keys(case)  # a case that repeats a key is refused so (revision 3), as run_case does
        adjudicate(case["claim"], case.get("history") or (), plan=case.get("plan"))
    for e in exc.value.errors:
        assert e.code in CODES and e.code not in ("invalid", "field.invalid"), e
        assert CJK.search(e.message_zh), e
        assert e.value is None or len(e.value) <= QUOTE_MAX, e
    message = str(exc.value)
    assert all(f"  - {e.field}: " in message for e in exc.value.errors)
    assert [j["field"] for j in exc.value.as_json()] == list(exc.value.fields)


# --- broken claims from mutualaid.testing -------------------------------------------------------------------


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bad_claims())
def test_every_broken_claim_gives_catalogued_codes(bad):
    with pytest.raises(InvalidClaim) as exc:
        adjudicate(bad.claim, bad.history)
    assert bad.field in exc.value.fields
    for e in exc.value.errors:
        assert e.code in CODES and e.code != "field.invalid", (bad.breaks, e)
        assert CJK.search(e.message_zh) and e.message
        assert e.value is None or len(e.value) <= QUOTE_MAX


# --- the page that lists them ---------------------------------------------------------------------------------


def test_docs_errors_md_is_generated_from_the_catalogue():
    have = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    assert have == markdown(), "docs/errors.md is out of date: run `python -m mutualaid.errorcodes > docs/errors.md`"
    assert all(f"| `{code}` |" in have for code in CODES)
