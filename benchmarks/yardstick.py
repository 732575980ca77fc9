"""The yardstick of issue 14: a plain, hand-written adjudicator of the 2022 plan.

It takes the claim and history as plain dicts, trusts them (it validates nothing), and explains
nothing: it returns the outcome, the payout in fen and the (clause, subject) pairs that bit. It is
what a backend engineer would write by hand in an afternoon, with the two lookups the library
also caches (the holiday calendar and the ICD-10 parent of a code) cached here too, so that the
comparison measures the library's own overhead and not a cache it has and the yardstick lacks.

Only ``benchmarks/bench_yardstick.py`` uses it. It reads the edition's values from the shipped
edition once, so the two decide under the same numbers; ``python benchmarks/bench_yardstick.py
--check`` shows that both give the same outcome and payout on the benchmark's claims.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from mutualaid import editions

E = editions.get("gd-nef-2022")
assert E is not None
START, END = E.period.start, E.period.end
WINDOW = E.window.days
TIERS = tuple((int(t.edge * 100), t.at_least is not None, int(t.pays * 100)) for t in reversed(E.tiers))
CAP = int(E.cap.amount * 100)
MIN_GRADE, OWNERSHIP, EXCLUDED_KINDS = E.hospital.min_grade, E.hospital.ownership, frozenset(E.hospital.excluded_kinds)
REQUIRED = tuple(E.documents.required)
CIRCUMSTANCE = {c: k for k, codes in E.exclusions.circumstances.items() for c in codes}
WS218 = {"A1": "general", "A3": "general", "A2": "tcm", "A4": "tcm", "A5": "specialty", "A6": "sanatorium", "A7": "nursing"}


@lru_cache(maxsize=None)
def workday(day: dt.date) -> bool:
    import chinese_calendar

    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


@lru_cache(maxsize=None)
def deadline(occurred: dt.date) -> dt.date:
    try:
        day = occurred.replace(year=occurred.year + 1)
    except ValueError:  # 29 February
        day = dt.date(occurred.year + 1, 2, 28)
    while not workday(day):
        day += dt.timedelta(days=1)
    return day


@lru_cache(maxsize=None)
def group(code: str) -> str:
    """Table 4's clause for a primary diagnosis (category ranges and listed codes), or ""."""
    code = code.upper()
    cat = code[:3]
    sub = cat + "." + code[4] if len(code) > 4 and code[3] == "." and code[4] != "X" else cat
    if "O00" <= cat <= "O99":
        return "art6.4"
    if cat in ("M50", "M51") or sub in ("S13.0", "S23.0", "S33.0"):
        return "art6.5"
    if "F00" <= cat <= "F99":
        return "art6.6"
    if "K00" <= cat <= "K08" or sub in ("S02.5", "S03.2"):
        return "art6.8"
    if "A00" <= cat <= "B99":
        return "art6.10"
    return ""


def fen(amount) -> int:
    whole, _, frac = str(amount).partition(".")
    return int(whole) * 100 + int((frac + "00")[:2])


def day(text) -> dt.date:
    return text if isinstance(text, dt.date) else dt.date.fromisoformat(text)


def decide(claim: dict, history: list) -> tuple[str, int, list]:
    """(outcome, payout in fen, [(clause, subject), ...]) for one claim under the 2022 plan."""
    bit: list = []
    deny = pend = False
    m, a = claim["member"], claim["accident"]
    occurred, filed = day(a["occurred_on"]), day(claim["filed_on"])
    since, verified = m.get("union_member_since"), m.get("real_name_verified_on")
    if since is None or day(since) > occurred or verified is None or day(verified) > occurred or m["occupation"] == "not_platform_worker":
        bit.append(("art1", "claim")); deny = True  # noqa: E702
    if not START <= occurred <= END:
        bit.append(("art4.1", "claim")); deny = True  # noqa: E702
    if a["cause"] != "accident":
        bit.append(("art9.1", "claim")); deny = True  # noqa: E702
    if filed > deadline(occurred):
        bit.append(("art5.4", "claim")); deny = True  # noqa: E702
    for c in a.get("circumstances") or ():
        if c in CIRCUMSTANCE:
            bit.append((CIRCUMSTANCE[c], "claim")); deny = True  # noqa: E702
    counted = 0
    for t in claim["treatments"]:
        tid, h = t["treatment_id"], t["hospital"]
        kind = WS218.get(h["ws218"][:2], "outpatient") if h.get("ws218") else (h.get("kind") or "general")
        if h.get("ws218") == "A527":
            kind = "rehabilitation"
        out = False
        if (h.get("grade") or 0) < MIN_GRADE or h.get("ownership") != OWNERSHIP or kind in EXCLUDED_KINDS:
            bit.append(("art5.5", tid)); out = True  # noqa: E702
        diagnoses = t["diagnoses"]
        g = group(diagnoses[0])
        if g == "art6.10" and any("S00" <= d[:3].upper() <= "T98" for d in diagnoses[1:]):
            g = ""
        if g:
            bit.append((g, tid)); out = True  # noqa: E702
        for n, it in enumerate(t["items"], 1):
            d = (day(it["on"]) - occurred).days
            skip = out
            if d < 0 or d > WINDOW:
                bit.append(("art5.1", f"{tid}/{n}")); skip = True  # noqa: E702
            cat = it["category"]
            if cat == "medication" and it.get("medication_use") == "self_medicated":
                bit.append(("art6.7", f"{tid}/{n}")); skip = True  # noqa: E702
            elif cat == "dental":
                bit.append(("art6.8", f"{tid}/{n}")); skip = True  # noqa: E702
            elif cat == "assistive_device":
                bit.append(("art6.9", f"{tid}/{n}")); skip = True  # noqa: E702
            if not skip:
                counted += fen(it["out_of_pocket"])
    aid = a["accident_id"]
    total, paid_accident, paid_year = counted, 0, 0
    for e in history:
        p = fen(e["paid"])
        if e["accident_id"] == aid:
            total += fen(e["counted_out_of_pocket"])
            paid_accident += p
        if START <= day(e["accident_occurred_on"]) <= END:
            paid_year += p
    tier = next((pays for edge, inclusive, pays in TIERS if (total >= edge if inclusive else total > edge)), 0)
    due = max(0, tier - paid_accident)
    left = max(0, CAP - paid_year)
    if tier == 0 or due == 0:
        bit.append(("art5.2", "claim")); deny = True  # noqa: E702
    elif left == 0:
        bit.append(("art5.3", "claim")); deny = True  # noqa: E702
    docs = claim.get("documents") or ()
    for doc in REQUIRED:
        if doc not in docs:
            bit.append(("art8.2", "claim")); pend = True  # noqa: E702
    payee = claim.get("payee")
    if (
        not payee
        or not (payee.get("holder_name") or "").strip()
        or not payee.get("account_number")
        or payee["holder_name"].strip() != m["name"].strip()
        or (payee.get("holder_id_number") and m.get("id_number") and payee["holder_id_number"].upper() != m["id_number"].upper())
    ):
        bit.append(("art7", "claim")); pend = True  # noqa: E702
    outcome = "denied" if deny else "pending" if pend else "approved"
    return outcome, min(due, left) if outcome == "approved" else 0, bit
