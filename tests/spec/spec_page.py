"""Write ``docs/spec.md``, the plan's executable specification, from the property suite in ``tests/spec``.

    python tests/spec/spec_page.py          # rewrite docs/spec.md
    python tests/spec/spec_page.py --check  # exit 1 when docs/spec.md is out of date

The test modules are read with ``ast``, not imported (so neither Hypothesis nor the tests run):
every test function, the clause keys of its ``@clause(...)`` decorator, whether it is a property
(``@given``) or an example, and its docstring. The page groups them by the clauses of 附件4 in the
plan's order (the first key of a property is its home, where its docstring stands; under its other
keys it is listed by name), then by the sections of the contract.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path
from typing import NamedTuple

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PAGE = ROOT / "docs" / "spec.md"
COMMAND = "python tests/spec/spec_page.py"
NOT_PROPERTIES = {"test_spec_page.py"}
"""Modules of tests/spec that test the page itself, not the plan."""


class Property(NamedTuple):
    module: str
    """Its path from the project root: ``tests/spec/test_art5_2.py``."""
    name: str
    clauses: tuple[str, ...]
    kind: str
    """``property`` (``@given``) or ``example``."""
    doc: str


def _decorator_name(node: ast.expr) -> str:
    target = node.func if isinstance(node, ast.Call) else node
    if isinstance(target, ast.Attribute):
        return target.attr
    return target.id if isinstance(target, ast.Name) else ""


def _clause_keys(node: ast.Call, constants: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    """The decorator's keys: string constants, or ``*NAME`` of a tuple of them (in the module or in pins)."""
    keys: list[str] = []
    for arg in node.args:
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            keys.append(arg.value)
        elif isinstance(arg, ast.Starred) and isinstance(arg.value, ast.Name) and arg.value.id in constants:
            keys.extend(constants[arg.value.id])
        else:
            raise ValueError(f"@clause takes string keys or *NAME of a tuple of them, not {ast.unparse(arg)}")
    return tuple(keys)


def _module_constants(tree: ast.Module) -> dict[str, tuple[str, ...]]:
    """Module-level tuples of string literals (``ITEM_CLAUSES = ("art6.7", …)``)."""
    found: dict[str, tuple[str, ...]] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                continue
            if isinstance(value, tuple) and all(isinstance(v, str) for v in value):
                found[node.targets[0].id] = value
    return found


def _pins():
    sys.path.insert(0, str(HERE))
    try:
        import pins
    finally:
        sys.path.remove(str(HERE))
    return pins


def read_suite(folder: Path = HERE) -> list[Property]:
    """Every test function of ``folder/test_*.py`` (but the page's own tests), in file and source order."""
    pins = _pins()
    shared = {name: value for name, value in vars(pins).items() if name.isupper() and isinstance(value, tuple)}
    found = []
    for path in sorted(folder.glob("test_*.py")):
        if path.name in NOT_PROPERTIES:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = {**shared, **_module_constants(tree)}
        module = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.name
        for node in tree.body:
            if not (isinstance(node, ast.FunctionDef) and node.name.startswith("test")):
                continue
            names = [_decorator_name(d) for d in node.decorator_list]
            clauses: tuple[str, ...] = ()
            for d in node.decorator_list:
                if isinstance(d, ast.Call) and _decorator_name(d) == "clause":
                    clauses = _clause_keys(d, constants)
            kind = "property" if "given" in names else "example"
            found.append(Property(module, node.name, clauses, kind, ast.get_docstring(node) or ""))
    return found


def _anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    kept = "".join(ch for ch in heading.lower() if ch.isalnum() or ch in " -_")
    return kept.strip().replace(" ", "-")


def render(suite: list[Property] | None = None) -> str:
    pins = _pins()
    ARTICLE_KEYS, CONTRACT_SECTIONS = pins.ARTICLE_KEYS, pins.CONTRACT_SECTIONS
    from mutualaid.clauses import PLAN
    from mutualaid.rule import clause_label
    from mutualaid.rules import RULES

    suite = read_suite() if suite is None else suite
    keys = [*ARTICLE_KEYS, *CONTRACT_SECTIONS]
    home: dict[str, list[Property]] = {k: [] for k in keys}
    also: dict[str, list[Property]] = {k: [] for k in keys}
    for p in suite:
        if not p.clauses:
            raise ValueError(f"{p.module}::{p.name} has no @clause(...)")
        for k in p.clauses:
            if k not in home:
                raise ValueError(f"{p.module}::{p.name}: unknown clause key {k!r}")
        home[p.clauses[0]].append(p)
        for k in dict.fromkeys(p.clauses[1:]):
            also[k].append(p)

    titles = {c.key: c.title for c in PLAN}
    texts = {c.key: c.text for c in PLAN}
    for r in RULES:
        texts[r.clause] = texts.get(r.clause) or r.text
    heading = {k: k for k in ARTICLE_KEYS} | {k: f"CONTRACT {k}" for k in CONTRACT_SECTIONS}
    properties = sum(p.kind == "property" for p in suite)

    out = [
        "# The executable specification",
        "",
        f"<!-- Generated by `{COMMAND}` from the tests in tests/spec; do not edit by hand. -->",
        "",
        "Every property that pins down the plan (附件4 of 粤工总〔2021〕30号, "
        "《广东省工会会员专属意外医疗互助保障计划（新就业形态劳动者 2022 年版）》), grouped by the clause it pins: "
        "the clause's Chinese text, then each property's own docstring, which quotes the clause and says in English "
        "what must hold. A property that pins several clauses stands under the first and is listed by name under the others. "
        "The sections of the contract (`CONTRACT.md`) where no clause of the plan speaks come last.",
        "",
        f"{properties} properties and {len(suite) - properties} example tests, in `tests/spec/` (one module per article). "
        "They draw their claims, histories, claim streams, editions and bad claims from `mutualaid.testing` "
        "([testing.md](testing.md)), and check the library against a reference reading of the "
        "contract (`tests/spec/reference.py`) that owns its tables, restated as plain data in `tests/spec/tables.py`.",
        "",
        "    python -m pytest tests/spec                  # Hypothesis profile dev: 50 examples a property",
        "    CI=true python -m pytest tests/spec          # profile ci: 500 examples a property, derandomised",
        f"    {COMMAND}              # rewrite this page after changing a property",
        "",
        "| clause | | properties |",
        "|---|---|---|",
    ]
    for k in keys:
        zh = clause_label(k)[0] if k in ARTICLE_KEYS else CONTRACT_SECTIONS[k]
        n_home, n_also = len(home[k]), len(also[k])
        count = f"{n_home} here" + (f", {n_also} from other clauses" if n_also else "") if n_home else (f"{n_also} from other clauses" if n_also else "none")
        out.append(f"| [{heading[k]}](#{_anchor(heading[k])}) | {zh} | {count} |")
    out.append("")
    for k in keys:
        out += [f"## {heading[k]}", ""]
        if k in ARTICLE_KEYS:
            out += [f"**{titles[k]}** ({clause_label(k)[1]})", ""]
            if texts.get(k):
                out += [f"> {texts[k]}", ""]
        else:
            out += [f"**{CONTRACT_SECTIONS[k]}**", ""]
        if not home[k] and not also[k]:
            out += ["No property pins this clause.", ""]
        for p in home[k]:
            others = ", ".join(f"[{heading[c]}](#{_anchor(heading[c])})" for c in p.clauses[1:])
            out += [f"### `{p.name}`", "", f"{p.kind}, `{p.module}`" + (f"; also pins {others}" if others else ""), "", p.doc, ""]
        if also[k]:
            out += ["Also pinned by: " + ", ".join(f"[`{p.name}`](#{_anchor(p.name)}) ({heading[p.clauses[0]]})" for p in also[k]), ""]
    return "\n".join(out).rstrip() + "\n"


def main(argv: list[str]) -> int:
    page = render()
    if "--check" in argv:
        if not PAGE.exists() or PAGE.read_text(encoding="utf-8") != page:
            print(f"docs/spec.md is out of date: run `{COMMAND}`", file=sys.stderr)
            return 1
        return 0
    PAGE.write_text(page, encoding="utf-8")
    print(f"wrote {PAGE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
