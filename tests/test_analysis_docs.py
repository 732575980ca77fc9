"""docs/analysis.md runs as written, and its what-if figure is drawn by docs/make_figures.py (issue 16)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pandas")
pytest.importorskip("matplotlib")
pytest.importorskip("distributed")
pytest.importorskip("polars")

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "analysis.md"


def test_the_figure_script_draws_the_what_if(tmp_path):
    r = subprocess.run([sys.executable, str(ROOT / "docs" / "make_figures.py"), str(tmp_path), "--sweep-claims=1500"], capture_output=True,
                       text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})  # fmt: skip
    assert r.returncode == 0, r.stderr
    png = tmp_path / "whatif.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    from matplotlib.image import imread

    height, width = imread(png).shape[:2]
    assert width > 2 * height > 600  # two panels side by side
    assert (ROOT / "docs" / "img" / "whatif.png").exists()  # the committed copy the page shows
    assert "](img/whatif.png)" in PAGE.read_text(encoding="utf-8")
    sweep = tmp_path / "sweep.png"  # the sweep of docs/analysis.md, over 1,500 claims here (a million for the page)
    height, width = imread(sweep).shape[:2]
    assert width > 2 * height > 600
    assert (ROOT / "docs" / "img" / "sweep.png").exists() and "](img/sweep.png)" in PAGE.read_text(encoding="utf-8")


def test_the_page_is_linked_from_the_index():
    assert "(analysis.md)" in (ROOT / "docs" / "index.md").read_text(encoding="utf-8")


def test_every_python_block_of_the_page_runs(tmp_path, monkeypatch, capsys):
    """In order, in one namespace, from the repository's root; the page's /tmp files go to a test folder."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    blocks = re.findall(r"```python\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.DOTALL)
    assert len(blocks) >= 6
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(sys, "path", list(sys.path))  # the page adds benchmarks/ to the path
    namespace: dict = {}
    try:
        for block in blocks:
            exec(compile(block.replace("/tmp/", f"{tmp_path}/"), str(PAGE), "exec"), namespace)  # noqa: S102
    finally:
        plt.close("all")
    out = capsys.readouterr().out
    assert "approved" in out and "art5.2" in out
    assert (tmp_path / "whatif.png").exists()
    decided = (tmp_path / "decisions.jsonl").read_bytes().splitlines()
    assert len(decided) == len(namespace["claims"]) == len(namespace["decisions"])
    assert namespace["summary"].paid == namespace["decisions"]["payout"].sum()
