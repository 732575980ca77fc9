"""How a decision reads to a person: short bilingual text for ``str()``, a compact HTML table for notebooks."""

from __future__ import annotations

from html import escape

from .vocabulary import EFFECTS, OUTCOMES


def decision_text(d) -> str:
    zh, en = OUTCOMES[d.outcome]
    lines = [
        f"{d.claim_id} [{d.plan}] {zh} / {en}: 给付 payout {d.payout:.2f}",
        f"  可计个人自付 counted {d.counted_out_of_pocket:.2f} · 该事故累计 accident total {d.accident_out_of_pocket:.2f}"
        f" · 档次 tier {d.tier_amount:.2f} · 剩余额度 cap left {d.cap_remaining:.2f}",
    ]
    for r in d.reasons:
        lines.append(f"  - [{r.effect}] {r.clause} {r.subject}: {r.message_zh}")
        lines.append(f"    {' ' * len(r.effect)}   {r.message_en}")
    if not d.reasons:
        lines.append("  所有规则均已检查，无一适用 / every rule was checked and none applied")
    return "\n".join(lines)


def decision_html(d) -> str:
    """One compact table: the outcome and amounts on top, then a row per reason."""
    zh, en = OUTCOMES[d.outcome]
    colour = {"approved": "#1a7f37", "denied": "#cf222e", "pending": "#9a6700"}[d.outcome]
    head = (
        f"<tr><th colspan='5' style='text-align:left'>{escape(d.claim_id)} <small>({escape(d.plan)})</small> "
        f"<span style='color:{colour}'>{zh} / {en}</span> · 给付 payout {d.payout:.2f}</th></tr>"
        f"<tr><td colspan='5'><small>counted {d.counted_out_of_pocket:.2f} · accident total "
        f"{d.accident_out_of_pocket:.2f} · tier {d.tier_amount:.2f} · cap left {d.cap_remaining:.2f}</small></td></tr>"
    )
    if d.reasons:
        rows = "<tr><th>clause</th><th>effect</th><th>subject</th><th>reason</th><th>rule</th></tr>" + "".join(
            f"<tr><td>{escape(r.clause)}</td><td>{EFFECTS[r.effect][0]} {escape(r.effect)}</td>"
            f"<td>{escape(r.subject)}</td><td>{escape(r.message_zh)}<br><small>{escape(r.message_en)}</small></td>"
            f"<td><code>{escape(r.rule)}</code></td></tr>"
            for r in d.reasons
        )
    else:
        rows = f"<tr><td colspan='5'><small>every rule was checked ({len(d.passed)}) and none applied</small></td></tr>"
    return f"<table>{head}{rows}</table>"
