"""Every doc block a reader would run runs as written (issue 21): Python blocks, commands, curl calls.

A newcomer copies a block from the README or docs/ and runs it from a checkout. Here each such
block is run so, in a folder where ``examples/`` and ``tests/`` are the checkout's (as they are from
its root): Python blocks with ``exec``, command lines through ``python -m mutualaid`` (the same
program as the ``mutualaid`` script), and ``curl`` lines against a real ``mutualaid serve`` on a
free loopback port (the port the docs name, 8000, replaced by it).

What is not run, and why, is listed in :data:`NOT_RUN`: a synopsis (``[--json]``, ``IN``, ``FILE``),
an install step, the service itself (it runs until stopped; tests/test_server.py runs it), and
blocks other tests run already (docs/analysis.md, docs/testing.md).
A block added to the docs that fits none of these is run by this test.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), ROOT / "examples" / "README.md"]
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")]))}

NOT_RUN = {
    "docs/analysis.md": "its Python blocks run in tests/test_analysis_docs.py",
    "docs/testing.md": "its Python blocks run in tests/test_testing.py",
    "serve": "the service runs until stopped: tests/test_server.py runs it",
    "install": "an install step (pip, venv): CI's .ci/run does it",
    "synopsis": "a synopsis: its [options] and CAPITALS stand for what a reader gives",
    "benchmark": "a benchmark: benchmarks/ (they run for minutes)",
    "redirect": "it rewrites a file of the checkout: tests/test_docs.py checks that file is generated",
    "pytest": "the test suite itself",
    "notebook": "the notebook runs in tests/test_notebook.py",
}


def _where(page: Path) -> str:
    return page.relative_to(ROOT).as_posix()


def python_blocks() -> list:
    out = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for m in re.finditer(r"```python\n(.*?)```", text, re.S):
            where = f"{_where(page)}:{text[: m.start()].count(chr(10)) + 1}"
            if _where(page) in ("docs/analysis.md", "docs/testing.md"):
                continue
            out.append(pytest.param(m.group(1), id=where))
    return out


def _why_not(command: str) -> str | None:
    words = command.split("#")[0].split()
    if words[0] in ("pip", "python3") or ".venv/" in command or "pip install" in command:
        return "install"
    if words[:2] == ["mutualaid", "serve"]:
        return "serve"
    if words[0] == "python" and len(words) > 1 and words[1].startswith("benchmarks/"):
        return "benchmark"
    if "pytest" in command:
        return "pytest"
    if re.search(r"(^|\s)>\s", command.split("#")[0]) or "rewrite this page" in command:
        return "redirect"
    if "nbclient" in command:
        return "notebook"
    if "[" in command.split("#")[0] or "|" in command.split("#")[0] or any(re.fullmatch(r"[A-Z][A-Z_]*(\.\w+)?(\.\.\.)?", w) for w in words):
        return "synopsis"
    return None


def command_lines() -> list:
    """The indented command lines of the pages (a ``\\`` continues a line)."""
    out = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        lines = text.split("\n")
        i = 0
        while i < len(lines):
            line = lines[i]
            if re.match(r"    (mutualaid|curl|python)\b", line):
                start = i
                command = line.strip()
                while command.endswith("\\") and i + 1 < len(lines):
                    i += 1
                    command = command[:-1].rstrip() + " " + lines[i].strip()
                out.append((f"{_where(page)}:{start + 1}", command))
            i += 1
    return out


def _runs() -> list:
    """The commands to run, each once (several pages show the same one)."""
    seen: dict[str, str] = {}
    for where, command in command_lines():
        key = command.split("#")[0].strip()
        if _why_not(command) is None and key not in seen:
            seen[key] = where
    return [pytest.param(command, id=where) for command, where in seen.items()]


RUN = _runs()


@pytest.fixture
def reader_folder(tmp_path, monkeypatch):
    """A folder like the checkout's root for a reader: its examples/ and tests/ (read only), nothing else.

    ``MUTUALAID_DB``, which docs/backends.md has the reader set to their store, is a SQLite store in
    this folder (the page's PostgreSQL stands for the reader's own; tests/test_store.py and
    tests/test_claims_api.py run the store on a real PostgreSQL)."""
    for name in ("examples", "tests", "src"):
        (tmp_path / name).symlink_to(ROOT / name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MUTUALAID_DB", f"sqlite:///{tmp_path / 'ledger.db'}")
    return tmp_path


@pytest.mark.parametrize("block", python_blocks())
def test_every_python_block_runs_as_written(block, reader_folder, capsys):
    exec(compile(block, "<doc block>", "exec"), {"__name__": "__doc_block__"})


def test_the_blocks_found_are_the_ones_meant():
    """The scan finds the blocks a reader runs; each line it leaves out has a reason."""
    pages = {p.id.rsplit(":", 1)[0] for p in python_blocks()}  # by page: line numbers move as pages grow
    assert {"README.md", "docs/index.md", "docs/batch.md", "docs/rules-format.md", "docs/backends.md"} <= pages, pages
    runs = [p.values[0].split("#")[0].strip() for p in RUN]
    assert any(c.startswith("mutualaid diff") for c in runs) and any(c.startswith("curl") for c in runs)
    assert any(c.startswith("mutualaid check tests/cases/") for c in runs)
    assert len(runs) == len(set(runs))
    for where, command in command_lines():
        why = _why_not(command)
        assert why is None or why in NOT_RUN, (where, command)


@pytest.mark.parametrize("command", [p for p in RUN if not p.values[0].startswith("curl")])
def test_every_command_runs_as_written(command, reader_folder, capsys):
    """``mutualaid …`` is run by the command's own entry point in this process (the script's
    ``main``, as ``python -m mutualaid`` runs it, without a new interpreter's second of imports)."""
    words = [os.path.expandvars(w) for w in shlex.split(command, comments=True)]  # "$MUTUALAID_DB", as a shell would
    if words[:2] == ["mutualaid", "batch"]:  # it works on the process's own standard streams: a process of its own
        words = ["python", "-m", *words]
    if words[0] == "mutualaid":
        from mutualaid.cli import main

        status = main(words[1:])
        err = capsys.readouterr().err
    else:
        done = subprocess.run([sys.executable, *words[1:]], capture_output=True, text=True, timeout=300, cwd=reader_folder, env={**ENV, "MUTUALAID_DB": os.environ["MUTUALAID_DB"]})
        status, err = done.returncode, done.stderr
    assert status == 0, (command, err[-2000:])
    assert "Traceback" not in err


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    from liveserver import start_server, stop_server

    if shutil.which("curl") is None:
        if os.environ.get("CI"):
            pytest.fail("curl is absent: .ci/run installs it")
        pytest.skip("curl is absent (apt-get install curl)")
    proc, url = start_server()
    try:
        yield url
    finally:
        stop_server(proc)


@pytest.mark.parametrize("command", [p for p in RUN if p.values[0].startswith("curl")])
def test_every_curl_call_answers_as_the_page_says(command, service):
    words = [w.replace("http://127.0.0.1:8000", service) for w in shlex.split(command, comments=True)]
    done = subprocess.run([*words, "-w", "\n%{http_code}"], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    body, status = done.stdout.rsplit("\n", 1)
    invalid = '"plan": "gd-nef-2099"' in command  # the page's example of a refusal
    assert status == ("422" if invalid else "200"), (status, body[:500])
    assert body.startswith("{")
