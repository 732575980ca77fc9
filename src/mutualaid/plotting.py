"""What the library's plots share: a font that has Chinese, and words for codes and clause keys.

matplotlib's default font (DejaVu Sans) has no CJK glyphs: an edition id such as ``粤-2023`` drew as
empty boxes, with a "Glyph missing" warning for every character (issue 21). :func:`cjk_font` looks
among the installed fonts for one that has them (Noto Sans CJK, Source Han Sans, WenQuanYi, and the
Windows and macOS ones); :func:`style` puts it first for a plot. Without one, :func:`shown` writes
each CJK character as ``U+7CA4`` (read, never boxes), and one warning says which package to install.

:func:`clause_text` is a clause key as a reader cites it (``art5.3`` → ``Art. 5(3)``, or
``Art. 5(3) 第五条第(三)款`` with a CJK font), ``input`` is "bad input"; :func:`code_name` is a code
of the contract by its name (``delivery_rider`` → "delivery rider").

Needs matplotlib (``pip install 'mutualaid[notebook]'``); imported only by the plots.
"""

from __future__ import annotations

import re
import warnings
from contextlib import contextmanager
from functools import lru_cache
from typing import Iterator, Optional

from .clauses import clause_label
from .errors import BadValue
from .vocabulary import NAMES

CJK_FAMILIES = (
    "Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans SC", "Noto Serif CJK SC", "Source Han Sans SC", "Source Han Sans CN",
    "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Droid Sans Fallback", "AR PL UMing CN", "AR PL UKai CN",
    "Microsoft YaHei", "SimHei", "SimSun", "PingFang SC", "Heiti SC", "Hiragino Sans GB", "Arial Unicode MS",
)  # fmt: skip
"""Families known to hold the Chinese the plan writes, in the order they are preferred."""

_CJK = re.compile("[\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u3190-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


@lru_cache(maxsize=1)
def cjk_font() -> Optional[str]:
    """The name of an installed font family with Chinese glyphs (see :data:`CJK_FAMILIES`), or None."""
    from matplotlib import font_manager  # the notebook extra (matplotlib)

    installed = {f.name for f in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in installed:
            return family
    return next((name for name in sorted(installed) if "CJK" in name or "Han Sans" in name or "Hei" in name), None)


_warned = False


def shown(text: str) -> str:
    """``text`` as a plot can draw it: as it is with a CJK font, else each CJK character as ``U+XXXX``."""
    global _warned
    if cjk_font() is not None or not _CJK.search(text):
        return text
    if not _warned:
        _warned = True
        warnings.warn(
            "no font with Chinese glyphs is installed, so Chinese text in plots is written as U+XXXX "
            "(install one, such as Debian's fonts-noto-cjk, and it is used)",
            stacklevel=3,
        )
    return _CJK.sub(lambda m: f"U+{ord(m.group(0)):04X}", text)


@contextmanager
def style() -> Iterator[None]:
    """Draw with the CJK font first (when there is one), for what is drawn inside the block."""
    import matplotlib  # the notebook extra

    family = cjk_font()
    if family is None:
        yield
        return
    with matplotlib.rc_context({"font.sans-serif": [family, *matplotlib.rcParams["font.sans-serif"]], "font.family": "sans-serif"}):
        yield


def clause_text(label: str) -> str:
    """A clause label of a cost (``art5.2 + art6.8``, ``input``) in a reader's words."""
    def one(key: str) -> str:
        if key == "input":
            return "bad input"
        try:
            zh, en = clause_label(key)
        except BadValue:
            return key
        return f"{en} {zh}" if cjk_font() is not None else en

    return " + ".join(one(k.strip()) for k in label.split("+"))


def code_name(code: str) -> str:
    """A code of the contract by its English name (``delivery_rider`` → ``delivery rider``), else as it is."""
    return NAMES.get(code, (code, code))[1]
