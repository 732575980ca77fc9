"""A what-if as pandas tables: a comparison's rows long form (:func:`comparison_frame`) and a sweep's (:func:`sweep_frame`).

Money is ``payout_fen`` (integer fen, pyarrow ``int64``) beside ``payout`` (yuan, pyarrow
``decimal128``), with the dtypes of :mod:`mutualaid.frame`; never float. Needs the extra
``pip install 'mutualaid[frame]'``: each function imports :mod:`mutualaid.frame` (pandas, pyarrow)
when called, so that a comparison is made, printed and drawn without it.
"""

from __future__ import annotations

from typing import Any

from .totals import money
from .why import cause_text

__all__ = ["comparison_frame", "sweep_frame"]


def comparison_frame(labels: tuple, rows: list) -> Any:
    """:meth:`Comparison.to_frame <mutualaid.whatif.Comparison.to_frame>`: one row per (claim, edition), of
    the :class:`~.rows.Compared` ``rows`` under the editions ``labels``."""
    from ..frame import FEN, TEXT, YUAN, pa, pd  # the frame extra (pandas, pyarrow)

    cols: dict[str, list] = {n: [] for n in ("line", "claim_id", "edition", "outcome", "payout_fen", "change_fen", "changed", "causes", "error")}
    for c in rows:
        base = c.sides[0]
        for k, side in enumerate(c.sides):
            moved = k > 0 and c.moved(k)
            names = (labels[0], labels[k])
            for name, value in (("line", c.line), ("claim_id", c.claim_id), ("edition", labels[k]), ("outcome", side.outcome),
                                ("payout_fen", side.payout_fen), ("change_fen", side.payout_fen - base.payout_fen), ("changed", moved),
                                ("causes", "; ".join(cause_text(x, names) for x in c.causes[k - 1]) if moved else ""),
                                ("error", ",".join(side.error_fields) or None)):  # fmt: skip
                cols[name].append(value)
    return pd.DataFrame(
        {
            "line": pd.Series(cols["line"], dtype=FEN),
            "claim_id": pd.Series(cols["claim_id"], dtype=TEXT),
            "edition": pd.Series(cols["edition"], dtype=TEXT),
            "outcome": pd.Series(cols["outcome"], dtype=TEXT),
            "payout_fen": pd.Series(cols["payout_fen"], dtype=FEN),
            "payout": pd.Series([money(f) for f in cols["payout_fen"]], dtype=YUAN),
            "payout_change_fen": pd.Series(cols["change_fen"], dtype=FEN),
            "payout_change": pd.Series([money(f) for f in cols["change_fen"]], dtype=YUAN),
            "changed": pd.Series(cols["changed"], dtype=pd.ArrowDtype(pa.bool_())),
            "causes": pd.Series(cols["causes"], dtype=TEXT),
            "error": pd.Series(cols["error"], dtype=TEXT),
        }
    )


def sweep_frame(table: Any) -> Any:
    """:func:`mutualaid.whatif.sweep`'s table from the polars engine's (a pyarrow table, one row an edition)."""
    from ..frame import FEN, TEXT, pd, yuan_array  # the frame extra (pandas, pyarrow)

    data = {"edition": pd.Series(table.column("edition").to_pylist(), dtype=TEXT)}
    for name in ("paid", "change"):
        fen_column = table.column(f"{name}_fen").combine_chunks()
        data[f"{name}_fen"] = pd.Series(fen_column.to_pylist(), dtype=FEN)
        data[name] = pd.Series(pd.arrays.ArrowExtensionArray(yuan_array(fen_column)))
    for name in ("approved", "claims_changed", "members_paid", "members_affected", "members_paid_more", "members_paid_less"):
        data[name] = pd.Series(table.column(name).to_pylist(), dtype=FEN)
    return pd.DataFrame(data)
