"""examples/portfolio.ipynb runs, top to bottom, in this environment's interpreter, and says what it should.

The notebook is committed without outputs (readable diffs); this test executes a copy in memory and
reads the outputs of its tagged cells. It skips only when the notebook extra is not installed
(``pip install -e '.[notebook]'``; ``dev`` includes it, so CI runs it).
"""

from __future__ import annotations

import re
import sys
from decimal import Decimal
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("matplotlib")
pytest.importorskip("ipykernel")

from jupyter_client.kernelspec import KernelSpecManager  # noqa: E402 - after the skips
from jupyter_client.manager import KernelManager  # noqa: E402

NOTEBOOK = Path(__file__).resolve().parent.parent / "examples" / "portfolio.ipynb"
_PROBE = "import sys; print('KERNEL-PREFIX', sys.prefix)"


def _kernel_of_this_interpreter() -> KernelManager:
    """A kernel manager that starts ipykernel with ``sys.executable``.

    With no kernel directories to search, jupyter_client falls back to ipykernel's own ``python3``
    spec, whose command is this interpreter; a ``python3`` kernelspec left in the user's Jupyter
    folders cannot send the notebook to another Python.
    """
    ksm = KernelSpecManager()
    ksm.kernel_dirs = []
    return KernelManager(kernel_name="python3", kernel_spec_manager=ksm)


@pytest.fixture(scope="module")
def executed():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(_PROBE))
    client = nbclient.NotebookClient(
        nb,
        km=_kernel_of_this_interpreter(),
        timeout=120,  # per cell; the whole notebook takes a few seconds
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    client.execute()  # a cell that raises fails here, with its traceback
    return nb


def _tagged(nb, tag: str):
    cells = [c for c in nb.cells if tag in c.get("metadata", {}).get("tags", [])]
    assert len(cells) == 1, f"one cell tagged {tag!r}"
    return cells[0]


def _stdout(cell) -> str:
    return "".join(o["text"] for o in cell.get("outputs", []) if o["output_type"] == "stream" and o["name"] == "stdout")


def _images(cell) -> int:
    return sum(1 for o in cell.outputs if "image/png" in o.get("data", {}))


def _money(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def test_committed_notebook_has_no_outputs():
    # Outputs (base64 images, counts) would make every re-run a diff; the test makes its own.
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.outputs == [] and c.execution_count is None for c in code)


def test_the_notebook_uses_only_public_api():
    """Issue 16: the Ledger, mutualaid.frame and whatif.compare; nothing imported from a private place."""
    import mutualaid

    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert not re.search(r"^\s*(from|import) mutualaid\.", code, re.MULTILINE)
    names = {n.strip() for m in re.findall(r"^from mutualaid import (.+)$", code, re.MULTILINE) for n in m.split(",")}
    assert names == {"Ledger", "editions", "frame", "whatif"}
    assert names <= set(mutualaid.__all__) | {"frame", "whatif"}
    assert "adjudicate(" not in code  # the year goes through the Ledger, not a hand-written history loop
    assert "frame.decide(" in code and "frame.reasons(" in code and "whatif.compare(" in code and ".plot()" in code


def test_runs_in_this_interpreter(executed):
    probe = _stdout(executed.cells[0])
    assert probe.strip() == f"KERNEL-PREFIX {sys.prefix}"


def test_no_cell_wrote_an_error(executed):
    errors = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs if o["output_type"] == "error"]
    assert errors == []


def test_the_year_is_decided_and_plotted(executed):
    text = _stdout(_tagged(executed, "baseline"))
    m = re.search(r"decided ([\d,]+) claims under gd-nef-2022: approved ([\d,]+), denied ([\d,]+), pending ([\d,]+)", text)
    assert m, text
    claims, approved, denied, pending = (int(g.replace(",", "")) for g in m.groups())
    assert claims >= 1000 and approved + denied + pending == claims
    assert approved and denied and pending  # the synthetic problems reach every outcome

    dist = _tagged(executed, "distribution")
    assert _images(dist) == 1
    rows = re.findall(r"^\s*([\d,]+\.\d\d) yuan ×\s+([\d,]+) claims =\s+([\d,]+\.\d\d)$", _stdout(dist), re.MULTILINE)
    assert sum(int(n.replace(",", "")) for _, n, _ in rows) == approved
    for amount, n, money in rows:
        assert _money(amount) * int(n.replace(",", "")) == _money(money)


def test_cost_per_member_against_the_contribution(executed):
    cell = _tagged(executed, "cost-per-member")
    assert _images(cell) == 1
    m = re.search(r"cost per member: (\d+\.\d\d) yuan against a contribution of 20\.00 yuan \((\d+)%\)", _stdout(cell))
    assert m, _stdout(cell)
    cost = Decimal(m.group(1))
    assert cost > 0
    assert int(m.group(2)) == round(cost / Decimal("20.00") * 100)


def test_what_if_on_the_tier_table(executed):
    baseline_text = _stdout(_tagged(executed, "baseline"))
    baseline_total = _money(re.search(r"total payout ([\d,]+\.\d\d) yuan", baseline_text).group(1))
    members = int(re.search(r"([\d,]+) covered members", "".join(_stdout(c) for c in executed.cells)).group(1).replace(",", ""))

    what_if = _tagged(executed, "what-if")
    assert _images(what_if) == 1  # drawn by Comparison.plot()
    rows = re.findall(
        r"^(\S+)\s+([\d,]+)\s+([\d,]+\.\d\d)\s+(\d+\.\d\d)\s+([+-][\d,]+\.\d\d)$",
        _stdout(what_if),
        re.MULTILINE,
    )
    table = {plan: (_money(total), Decimal(per), _money(delta)) for plan, _, total, per, delta in rows}
    assert list(table) == ["gd-nef-2022", "gd-nef-2022+first-tier-300", "gd-nef-2022+top-tier-8000"]
    assert table["gd-nef-2022"][0] == baseline_total and table["gd-nef-2022"][2] == 0
    for total, per_member, delta in table.values():
        assert delta == total - baseline_total
        assert per_member == (total / members).quantize(Decimal("0.01"))
    # A higher threshold can only pay less; a richer top tier only more (the synthetic year has accidents over 10,000).
    assert table["gd-nef-2022+first-tier-300"][0] < baseline_total < table["gd-nef-2022+top-tier-8000"][0]
