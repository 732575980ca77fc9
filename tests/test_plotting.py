"""The plots' words (issue 21's newcomer list): Chinese without empty boxes, clause keys and codes by name."""

from __future__ import annotations

import gc
import warnings

import pytest

pytest.importorskip("matplotlib")
pytest.importorskip("pandas")

import matplotlib  # noqa: E402

matplotlib.use("Agg")

from mutualaid import editions, plotting, whatif  # noqa: E402

from claimdata import generated_stream  # noqa: E402


def test_clause_keys_and_codes_read_as_a_reader_cites_them(monkeypatch):
    monkeypatch.setattr(plotting, "cjk_font", lambda: None)
    assert plotting.clause_text("art5.3") == "Art. 5(3)"
    assert plotting.clause_text("art5.2 + art6.8") == "Art. 5(2) + Art. 6(8)"
    assert plotting.clause_text("input") == "bad input"
    assert plotting.code_name("delivery_rider") == "delivery rider" and plotting.code_name("nobody") == "nobody"
    monkeypatch.setattr(plotting, "cjk_font", lambda: "Noto Sans CJK SC")
    assert plotting.clause_text("art5.3") == "Art. 5(3) 第五条第(三)款"


def test_a_chinese_edition_id_draws_without_a_flood_of_glyph_warnings(monkeypatch):
    """Without a CJK font, Chinese is written as U+XXXX and one warning names what to install; with
    one, the plot draws in it (whichever this machine has, the plot never warns of a missing glyph)."""
    monkeypatch.setattr(plotting, "_warned", False)
    base = editions.get("gd-nef-2022")
    comparison = whatif.compare(generated_stream(200, 60, 7), base, base.replace(id="粤-2023", cap={"amount": "8000.00"}))
    gc.collect()  # another test's unclosed sockets warn when collected: not here, inside the block
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig = comparison.plot()
        fig.canvas.draw()
    messages = [str(w.message) for w in caught if not issubclass(w.category, ResourceWarning)]
    assert not [m for m in messages if "Glyph" in m and "missing" in m], messages
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    if plotting.cjk_font() is None:
        assert legend == ["gd-nef-2022", "U+7CA4-2023"] and len(messages) == 1 and "fonts-noto-cjk" in messages[0]
    else:
        assert legend == ["gd-nef-2022", "粤-2023"] and not messages
    assert all(t.get_text().startswith(("Art. ", "bad input")) for t in fig.axes[1].get_yticklabels())
