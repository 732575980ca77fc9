"""rich draws for the command line only (issue 15, point 7): the library never imports it, and what a
pipe receives stays plain text."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

from mutualaid import adjudicate
from mutualaid.batch import Progress

from claimdata import base_claim

SRC = str(Path(__file__).resolve().parent.parent / "src")


def _python(code: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=env, timeout=120)


def test_the_library_never_imports_rich():
    claim = json.dumps(base_claim(), ensure_ascii=False)
    done = _python(
        f"""
        import io, json, sys, tempfile
        import mutualaid
        d = mutualaid.adjudicate(json.loads({claim!r}))
        text = str(d)
        assert "rich" not in sys.modules, "adjudicate or str(decision) imported rich"
        from mutualaid import batch
        with tempfile.TemporaryDirectory() as tmp:
            src = tmp + "/in.jsonl"
            open(src, "w", encoding="utf-8").write({claim!r} + "\\n")
            batch.run(src, tmp + "/out.jsonl", stderr=io.StringIO())  # not a terminal: no bar
        assert "rich" not in sys.modules, "a batch without a bar imported rich"
        print(d.outcome, "rich" in sys.modules)
        """
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["approved", "False"]


def test_colour_comes_from_rich_and_strips_to_the_plain_text():
    done = _python(
        f"""
        import json, sys
        from mutualaid import adjudicate
        from mutualaid.render import decision_text
        d = adjudicate(json.loads({json.dumps(base_claim(), ensure_ascii=False)!r}))
        plain = decision_text(d)
        assert "rich" not in sys.modules
        coloured = decision_text(d, colour=True)
        assert "rich" in sys.modules
        print(json.dumps([plain, coloured]))
        """
    )
    assert done.returncode == 0, done.stderr
    plain, coloured = json.loads(done.stdout)
    assert "\033[1;32m给付 / approved\033[0m" in coloured
    assert re.sub(r"\033\[[0-9;]*m", "", coloured) == plain


def test_the_bar_draws_nothing_when_not_enabled_and_keeps_its_interface():
    quiet = io.StringIO()
    bar = Progress(quiet, 100)  # a StringIO is not a terminal
    bar.update(5, 50, force=True)
    bar.close()
    assert quiet.getvalue() == "" and not bar.drawn
    shown = io.StringIO()
    bar = Progress(shown, None, enabled=True)  # standard input: no total, a bar without an end
    bar.update(7, 700, force=True)
    bar.close()
    assert bar.drawn and "7 claims" in shown.getvalue()


def test_a_piped_decision_is_plain_even_with_colour_forced_off(monkeypatch, capsys):
    from mutualaid.terminal import _colour

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert _colour(Tty()) and not _colour(io.StringIO())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not _colour(Tty())
    assert "\033[" not in str(adjudicate(base_claim()))
