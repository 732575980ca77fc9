"""What a newcomer tripped on (issue 21): the command line's errors, pipes and terminals, the package's metadata.

Each test runs the command as a person would (a subprocess, a pipe, a pseudo-terminal) and holds
its answer to what the issue asks: both languages (or the locale's), a guess at a misspelt key, a
missing file named as missing, broken JSON reported as JSON, an empty file as empty, a closed pipe
met quietly, no progress bar between the change lines on a terminal, and lines wrapped by rich.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from claimdata import base_claim

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")]))}


def _cli(*args: str, env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mutualaid", *args], capture_output=True, text=True, timeout=120, cwd=ROOT, env={**ENV, **(env or {})}, **kwargs)


def _english(env: dict | None = None) -> dict:
    return {"LC_ALL": "", "LC_MESSAGES": "", "LANG": "C.UTF-8", **(env or {})}


@pytest.fixture
def misspelt(tmp_path) -> Path:
    claim = base_claim()
    claim["filed_onn"] = claim.pop("filed_on")
    path = tmp_path / "claim.json"
    path.write_text(json.dumps({"claim": claim}), encoding="utf-8")
    return path


def test_bad_input_is_shown_in_both_languages_with_a_guess_at_the_misspelt_key(misspelt):
    done = _cli("adjudicate", str(misspelt), env=_english())
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "filed_onn: Extra inputs are not permitted (did you mean `filed_on`?)" in done.stderr
    assert "未知字段" in done.stderr and "是否应为 `filed_on`" in done.stderr
    assert "filed_on: Field required" in done.stderr and "缺少必填字段" in done.stderr


def test_a_chinese_locale_gets_chinese(misspelt):
    done = _cli("adjudicate", str(misspelt), env={"LC_ALL": "", "LC_MESSAGES": "", "LANG": "zh_CN.UTF-8"})
    assert done.returncode == 2
    assert done.stderr.startswith("输入有误：2 个字段有误")
    assert "Field required" not in done.stderr and "filed_onn：未知字段" in done.stderr


def test_a_misspelt_key_deeper_down_is_guessed_among_its_own_objects_fields(tmp_path):
    claim = base_claim()
    claim["treatments"][0]["items"][0]["out_of_pockt"] = claim["treatments"][0]["items"][0].pop("out_of_pocket")
    claim["member"]["ocupation"] = claim["member"].pop("occupation")
    path = tmp_path / "claim.yaml"
    path.write_text(json.dumps(claim), encoding="utf-8")
    done = _cli("adjudicate", str(path), env=_english())
    assert "treatments.0.items.0.out_of_pockt: Extra inputs are not permitted (did you mean `out_of_pocket`?)" in done.stderr
    assert "member.ocupation: Extra inputs are not permitted (did you mean `occupation`?)" in done.stderr


def test_a_missing_plan_file_is_named_as_missing():
    done = _cli("adjudicate", "examples/courier-fracture.yaml", "--plan", "no-such-edition.yaml")
    assert done.returncode == 2
    assert done.stderr.strip() == "mutualaid: no-such-edition.yaml: the edition file does not exist / 版本文件不存在"


def test_a_missing_claim_file_is_named_as_missing(tmp_path):
    done = _cli("adjudicate", str(tmp_path / "nothing.yaml"))
    assert done.returncode == 2 and "the file does not exist" in done.stderr


def test_broken_json_is_reported_by_the_json_reader(tmp_path):
    path = tmp_path / "claim.json"
    path.write_text('{"claim": {"claim_id": "C-1",}}', encoding="utf-8")
    done = _cli("adjudicate", str(path))
    assert done.returncode == 2
    assert "is not JSON: Expecting property name enclosed in double quotes: line 1 column 30" in done.stderr
    assert "flow mapping" not in done.stderr and "YAML" not in done.stderr


@pytest.mark.parametrize("text", ["", "\n  \n"])
def test_an_empty_file_is_said_to_be_empty(tmp_path, text):
    path = tmp_path / "claim.yaml"
    path.write_text(text, encoding="utf-8")
    done = _cli("adjudicate", str(path))
    assert done.returncode == 2 and "is empty" in done.stderr and "offending" not in done.stderr


def test_a_listing_read_by_head_ends_quietly():
    """``mutualaid rules | head -3``: the reader has gone when the listing is written (here it
    closes its end at once, as ``head`` does once it has its lines). Fails before: an error, status 4."""
    r, w = os.pipe()
    os.close(r)
    proc = subprocess.Popen([sys.executable, "-m", "mutualaid", "rules"], stdout=w, stderr=subprocess.PIPE, cwd=ROOT, env=ENV)
    os.close(w)
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 141 and err == "", err


def test_diff_on_a_terminal_draws_no_bar_between_its_lines(tmp_path):
    import pty

    claims = tmp_path / "claims.jsonl"
    lines = []
    for i in range(300):
        c = base_claim()
        c["claim_id"], c["member"]["member_id"] = f"C-{i}", f"M-{i}"
        c.pop("payee", None)
        c["member"].pop("id_number", None)
        lines.append(json.dumps(c))
    claims.write_text("\n".join(lines) + "\n", encoding="utf-8")
    main, child = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "mutualaid", "diff", "--edition", "gd-nef-2022", "--edition", "examples/editions/what-if-cap8000-filing2y.yaml", str(claims)],
        stdout=child, stderr=child, cwd=ROOT, env={**ENV, "TERM": "xterm", "COLUMNS": "100"},
    )  # fmt: skip
    os.close(child)
    seen = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    assert proc.wait(timeout=120) == 0
    text = seen.decode("utf-8", "replace")
    assert "A: gd-nef-2022" in text and "claims" in text
    assert "━" not in text and "/s" not in text, text[-500:]  # no bar drawn, so none left between the lines


def test_long_lines_are_wrapped_between_words_with_their_indent(tmp_path):
    from rich.cells import cell_len

    from mutualaid import adjudicate, read_claim_file
    from mutualaid.render import decision_text

    claim, history = read_claim_file(ROOT / "examples" / "courier-fracture.yaml")
    d = adjudicate(claim, history)
    text = decision_text(d, width=80)
    rows = text.splitlines()
    assert all(cell_len(row) <= 80 for row in rows)
    assert re.sub(r"\033\[[0-9;]*m", "", decision_text(d, colour=True, width=80)) == text
    english = [row for row in rows if row.strip().startswith(("Art.", "hospital", "rehabilitation"))]
    assert english and all(row.startswith(" " * 14) for row in english)  # wrapped under the message, not at column 0
    assert " ".join(text.split()).count("institution") == " ".join(decision_text(d).split()).count("institution")  # no word broken
    assert rows[0].count("给付") == 1, rows[0]  # the header says 给付 once


def test_the_sdist_carries_make_figures_and_the_classifiers_reach_3_13():
    from setuptools._distutils.filelist import FileList

    files = FileList()
    files.findall(str(ROOT))
    files.files = [os.path.relpath(f, ROOT) for f in files.allfiles]
    kept = FileList()
    kept.allfiles = files.files
    for line in (ROOT / "MANIFEST.in").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            kept.process_template_line(line)
    assert "docs/make_figures.py" in kept.files
    text = (ROOT / "pyproject.toml").read_text()
    assert '"Programming Language :: Python :: 3.13"' in text
