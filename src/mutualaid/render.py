"""How a decision reads to a person: bilingual text for ``str()`` and a terminal, HTML for notebooks.

Both show the same things in the same order: the outcome and payout, the amounts, then each
reason with its clause and, under it, its hint (what the member can do about it).
"""

from __future__ import annotations

import io
import re
from html import escape

from .vocabulary import EFFECTS, OUTCOMES

_STYLE = {
    "approved": "green", "denied": "red", "pending": "yellow",
    "deny": "red", "exclude": "magenta", "pend": "yellow", "note": "cyan",
}  # fmt: skip
"""rich's colour for each outcome and effect on a terminal."""

Line = list  # [(text, rich style or None), ...]: one line of the text, in styled pieces


def _paired(d) -> list:
    """Each reason with its hint, or None. Hints come in reason order, one for each reason that has one
    (two missing documents give two reasons with the same rule and subject, and two hints)."""
    hints, k, out = d.hints, 0, []
    for r in d.reasons:
        if k < len(hints) and (hints[k].rule, hints[k].subject) == (r.rule, r.subject):
            out.append((r, hints[k]))
            k += 1
        else:
            out.append((r, None))
    return out


def decision_text(d, colour: bool = False, width: int | None = None) -> str:
    """Plain text (``colour=False``, for logs and pipes) or coloured by rich for a terminal.

    Both hold the same characters: the colours are only added around them, so that stripping
    the terminal's escape codes gives the plain text back. With ``width`` (a terminal's), rich
    wraps each long line between words (anywhere in Chinese) and indents what wraps under the
    line's text, where a terminal would break a word and lose the indent. rich is imported for
    colour and wrapping only: ``str(decision)`` and everything ``import mutualaid`` reaches never load it.
    """
    lines = _lines(d)
    if colour or width:
        return _rich(lines, colour, width)
    return "\n".join("".join(text for text, _ in line) for line in lines)


def _lines(d) -> list[Line]:
    zh, en = OUTCOMES[d.outcome]
    lines: list[Line] = [
        [(f"{d.claim_id} [{d.plan}] ", None), (f"{zh} / {en}", "bold " + _STYLE[d.outcome]), (": 金额 payout ", None), (f"{d.payout:.2f}", "bold")],
        [(f"  可计个人自付 counted {d.counted_out_of_pocket:.2f} · 该事故累计 accident total {d.accident_out_of_pocket:.2f}"
          f" · 档次 tier {d.tier_amount:.2f} · 剩余额度 cap left {d.cap_remaining:.2f}", None)],
    ]  # fmt: skip
    for r, h in _paired(d):
        lines.append([("  - ", None), (f"[{r.effect}]", _STYLE[r.effect]), (" ", None), (r.clause, "bold"), (f" {r.subject}: {r.message_zh}", None)])
        pad = " " * (len(r.effect) + 5)
        lines.append([(f"  {pad}{r.message_en}", None)])
        if h is not None:
            lines.append([(f"  {pad}", None), ("→ " + h.message_zh, "cyan")])
            lines.append([(f"  {pad}", None), ("  " + h.message_en, "cyan")])
    if not d.reasons:
        lines.append([("  所有规则均已检查，无一适用 / every rule was checked and none applied", None)])
    return lines


def _hang(plain: str) -> tuple[int, int]:
    """(where a line's text starts, where its wrapped rest is indented): under the message for a
    reason (``  - [exclude] art5.5 T2: …``), under the words for a hint (``→ …``), else the line's own indent."""
    lead = len(plain) - len(plain.lstrip(" "))
    if plain.startswith("- ", lead) and "] " in plain:
        return lead + 2, plain.index("] ") + 2
    if plain.startswith("→ ", lead):
        return lead, lead + 2
    return lead, lead


def _rich(lines: list[Line], colour: bool, width: int | None) -> str:
    """The lines written by rich's Console: with each styled piece's ANSI codes when ``colour``,
    wrapped at ``width`` with hanging indents when it is given."""
    from rich.console import Console  # loaded on first use, on a terminal only: the library never imports rich (issue 15)
    from rich.text import Text  # loaded on first use, on a terminal only

    out = io.StringIO()
    # The caller decided on colour (the CLI asks NO_COLOR and isatty), and on the width.
    console = Console(file=out, force_terminal=colour, color_system="standard" if colour else None, no_color=not colour,
                      highlight=False, width=width or 1 << 16)  # fmt: skip
    for line in lines:
        text = Text.assemble(*((piece, style or "") for piece, style in line))
        if not width:
            console.print(text, soft_wrap=True)
            continue
        start, hang = _hang(text.plain)
        head, body = text[:start], text[start:]
        cuts = _breaks(body.plain, width - start, max(20, width - hang))
        for i, part in enumerate(body.divide(cuts)):
            part.rstrip()
            console.print(Text.assemble(head if i == 0 else " " * hang, part), soft_wrap=True)
    return out.getvalue().removesuffix("\n")


_TOKEN = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f][\u3001\u3002\uff0c\uff1b\uff1a\uff09\u300d\u300f\uff01\uff1f]*|[^\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]+\s*|\s+")
"""What a line may break after: each Chinese character (with the closing punctuation that follows it:
a line never starts with 。，；：）), or a word with the spaces after it."""


def _breaks(plain: str, first: int, rest: int) -> list[int]:
    """Where to cut ``plain`` so that its first line takes ``first`` cells and the others ``rest``."""
    from rich.cells import cell_len  # loaded on first use, on a terminal only

    cuts: list[int] = []
    room, used, at = first, 0, 0
    for token in _TOKEN.findall(plain):
        size = cell_len(token.rstrip())
        if used and used + size > room:
            cuts.append(at)
            room, used = rest, 0
        used += cell_len(token)
        at += len(token)
    return cuts


def decision_html(d) -> str:
    """One compact table: the outcome and amounts on top, then a row per reason with its hint."""
    zh, en = OUTCOMES[d.outcome]
    colour = {"approved": "#1a7f37", "denied": "#cf222e", "pending": "#9a6700"}[d.outcome]
    head = (
        f"<tr><th colspan='5' style='text-align:left'>{escape(d.claim_id)} <small>({escape(d.plan)})</small> "
        f"<span style='color:{colour}'>{zh} / {en}</span> · 金额 payout {d.payout:.2f}</th></tr>"
        f"<tr><td colspan='5'><small>counted {d.counted_out_of_pocket:.2f} · accident total "
        f"{d.accident_out_of_pocket:.2f} · tier {d.tier_amount:.2f} · cap left {d.cap_remaining:.2f}</small></td></tr>"
    )
    def hint_html(h) -> str:
        if h is None:
            return ""
        return f"<br><span style='color:#0969da'>→ {escape(h.message_zh)}<br><small>{escape(h.message_en)}</small></span>"

    if d.reasons:
        rows = "<tr><th>clause</th><th>effect</th><th>subject</th><th>reason</th><th>rule</th></tr>" + "".join(
            f"<tr><td>{escape(r.clause)}</td><td>{EFFECTS[r.effect][0]} {escape(r.effect)}</td>"
            f"<td>{escape(r.subject)}</td><td>{escape(r.message_zh)}<br><small>{escape(r.message_en)}</small>{hint_html(h)}</td>"
            f"<td><code>{escape(r.rule)}</code></td></tr>"
            for r, h in _paired(d)
        )
    else:
        rows = f"<tr><td colspan='5'><small>every rule was checked ({len(d.passed)}) and none applied</small></td></tr>"
    return f"<table>{head}{rows}</table>"
