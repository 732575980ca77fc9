"""The ledger file's integrity (issue 13, finding 5): every line is sealed by a chained checksum.

A deleted entry, a changed ``paid`` or ``claim_id``, a tampered checkpoint offset, a line added by
hand: each is refused when the file is loaded (``Ledger.load``) or a batch starts on it, naming
the line, and the batch then changes nothing (not the ledger, not OUT).
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from mutualaid import InvalidClaim, Ledger
from mutualaid.batch import BatchError, partial_of, run
from mutualaid.ledger import Chain, scan, unseal

from claimdata import base_claim, claim_with


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> tuple[Path, bytes, bytes]:
    """A stream of 40 claims of 4 members decided through a ledger, checkpoints every 16 lines."""
    folder = tmp_path_factory.mktemp("integrity")
    src = folder / "in.jsonl"
    lines = []
    for n in range(40):
        c = claim_with(claim_id=f"C-{n}")
        c["member"]["member_id"] = f"M-{n % 4}"
        c["member"].pop("id_number")
        c["payee"].pop("holder_id_number")
        lines.append(json.dumps(c, ensure_ascii=False) + "\n")
    src.write_text("".join(lines), encoding="utf-8")
    run(str(src), str(folder / "out.jsonl"), ledger=str(folder / "ledger.jsonl"), checkpoint_every=16, stderr=io.StringIO())
    return src, (folder / "ledger.jsonl").read_bytes(), (folder / "out.jsonl").read_bytes()


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True)


def _entry_numbers(data: bytes) -> list[int]:
    return [n for n, x in enumerate(_lines(data), 1) if x.startswith(b'{"member_id"')]


def _edits(data: bytes) -> list[tuple[str, bytes, int]]:
    """(what, the edited file, the 1-based line that must be named)."""
    lines = _lines(data)
    k = _entry_numbers(data)[5]  # an entry in the middle
    cps = [n for n, x in enumerate(lines, 1) if x.startswith(b'{"checkpoint"')]
    paid = re.sub(rb'"paid":"[0-9.]+"', b'"paid":"1999.99"', lines[k - 1])
    claim = lines[k - 1].replace(b'"claim_id":"C-', b'"claim_id":"D-', 1)
    cp = lines[cps[1] - 1]
    offset = json.loads(unseal(cp.rstrip(b"\n"))[0])["checkpoint"]["out_offset"]
    moved = cp.replace(f'"out_offset":{offset},'.encode(), f'"out_offset":{offset - 7},'.encode())
    added = b'{"member_id":"M-0","claim_id":"C-99","accident_id":"A-0001","accident_occurred_on":"2022-03-01","counted_out_of_pocket":"1.00","paid":"0.00"}\n'

    def edit(at: int, new: list[bytes]) -> bytes:
        return b"".join(lines[: at - 1] + new + lines[at:])

    return [
        ("deleted entry", edit(k, []), k),
        ("changed paid", edit(k, [paid]), k),
        ("changed claim_id", edit(k, [claim]), k),
        ("checkpoint offset", edit(cps[1], [moved]), cps[1]),
        ("added line", edit(k, [lines[k - 1], added]), k + 1),
        ("swapped lines", b"".join(lines[: k - 1] + [lines[k], lines[k - 1]] + lines[k + 1 :]), k),
    ]


def test_the_file_is_sealed_line_by_line(finished, tmp_path):
    _, data, _ = finished
    chain = Chain()
    for raw in _lines(data):
        payload, given = unseal(raw.rstrip(b"\n"))
        assert given is not None and chain.seal(payload) == raw  # each sum is the chain's
    (tmp_path / "l.jsonl").write_bytes(data)
    assert scan(tmp_path / "l.jsonl").end == len(data)


@pytest.mark.parametrize("index", range(6))
def test_any_edit_is_refused_on_load_naming_the_line(finished, tmp_path, index):
    _, data, _ = finished
    what, edited, line = _edits(data)[index]
    assert edited != data
    path = tmp_path / "ledger.jsonl"
    path.write_bytes(edited)
    with pytest.raises(InvalidClaim) as exc:
        Ledger.load(path)
    assert exc.value.fields == (f"ledger.{line}",), what


@pytest.mark.parametrize("index", range(6))
def test_a_batch_on_an_edited_ledger_refuses_and_changes_nothing(finished, tmp_path, index):
    src, data, out_bytes = finished
    what, edited, line = _edits(data)[index]
    ledger, out = tmp_path / "ledger.jsonl", tmp_path / "out.jsonl"
    ledger.write_bytes(edited)
    out.write_bytes(b"yesterday's decisions\n")
    with pytest.raises(BatchError, match=rf"damaged.*ledger\.{line}\b"):
        run(str(src), str(out), ledger=str(ledger), stderr=io.StringIO())
    assert ledger.read_bytes() == edited and out.read_bytes() == b"yesterday's decisions\n", what
    assert not Path(partial_of(str(out))).exists()


def test_a_hand_written_block_is_sealed_by_the_first_sealed_line_after_it(tmp_path):
    """A backend's export without sums is accepted as the file's leading block; once a line is
    sealed after it, an edit inside the block breaks that line's sum."""
    entry = {"member_id": "M-1", "claim_id": "C-1", "accident_id": "A", "accident_occurred_on": "2022-01-01",
             "counted_out_of_pocket": "1.00", "paid": "0.00"}  # fmt: skip
    block = (json.dumps(entry) + "\n").encode()
    path = tmp_path / "l.jsonl"
    path.write_bytes(block)
    assert [e.claim_id for _, e in Ledger.load(path).entries()] == ["C-1"]
    chain = Chain()
    chain.seal(block)  # the chain runs over the unsealed line too
    sealed = chain.seal(json.dumps({**entry, "claim_id": "C-2"}, separators=(",", ":")).encode())
    path.write_bytes(block + sealed)
    assert [e.claim_id for _, e in Ledger.load(path).entries()] == ["C-1", "C-2"]
    path.write_bytes(block.replace(b'"0.00"', b'"9.00"') + sealed)
    with pytest.raises(InvalidClaim) as exc:
        Ledger.load(path)
    assert exc.value.fields == ("ledger.2",)


def test_a_ledger_written_before_checksums_is_refused_with_a_clear_message(tmp_path):
    old = (
        b'{"member_id":"M-1","claim_id":"C-1","accident_id":"A","accident_occurred_on":"2022-01-01","counted_out_of_pocket":"1.00","paid":"0.00"}\n'
        b'{"checkpoint":{"lines":1,"done":true}}\n'
    )
    path = tmp_path / "l.jsonl"
    path.write_bytes(old)
    with pytest.raises(InvalidClaim, match="checkpoint without a checksum") as exc:
        scan(path)
    assert exc.value.fields == ("ledger.2",)
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps(base_claim()) + "\n", encoding="utf-8")
    with pytest.raises(BatchError, match="written before ledgers were sealed"):
        run(str(src), str(tmp_path / "out.jsonl"), ledger=str(path), stderr=io.StringIO())
    assert path.read_bytes() == old
