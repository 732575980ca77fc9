"""One protocol for the engines (issue 14, point 5): ``fire(facts) -> Fired`` with ``rules``,
``explain`` and ``name``; engines found by name through a registry of ``"module:Class"`` strings,
so that engine.py imports no engine and no engine module imports another in a cycle."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

from mutualaid import UnknownEngine, adjudicate, editions
from mutualaid.engine import ENGINES, Engine, engine_for, register_engine
from mutualaid.rules import RULES

from claimdata import base_claim, claim_with, item, treatment

SRC = Path(__file__).resolve().parent.parent / "src" / "mutualaid"
E2022 = editions.get("gd-nef-2022")


def _engines() -> list[str]:
    names = ["native"]
    try:
        import durable.engine  # noqa: F401
    except ImportError:  # an extra; the durable tests skip as well
        pass
    else:
        names.append("durable")
    return names


def test_the_native_engine_still_imports_from_engine():
    from mutualaid.engine import NativeEngine
    from mutualaid.native import NativeEngine as moved

    assert NativeEngine is moved
    with pytest.raises(ImportError):
        from mutualaid.engine import DurableEngine  # noqa: F401  (never was there)


THIRD = '''
from mutualaid.native import NativeEngine


class Mirror:
    """An engine that is no NativeEngine: it holds one and counts the calls the assembly makes."""

    name = "mirror"
    built = 0

    def __init__(self, rules, edition):
        inner = NativeEngine(rules, edition)
        self.rules, self.explain, self._inner = inner.rules, inner.explain, inner
        self.calls = 0
        type(self).built += 1

    def fire(self, facts):
        self.calls += 1
        fired = self._inner.fire(facts)
        self.seen.append((list(facts), fired))
        return fired

    seen = []
'''


@pytest.fixture
def mirror(tmp_path, monkeypatch):
    """The engine ``mirror`` registered from a module of its own, and unregistered afterwards."""
    module = f"third_engine_{uuid.uuid4().hex}"  # a module, and so an engine cache key, of each test's own
    (tmp_path / f"{module}.py").write_text(THIRD, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    register_engine("mirror", f"{module}:Mirror")
    yield module
    ENGINES.pop("mirror", None)
    sys.modules.pop(module, None)


def test_a_third_engine_registered_by_name_decides(mirror):
    """The assembly reads nothing but the protocol: an engine that is no NativeEngine decides the same."""
    for claim in (base_claim(), claim_with(treatment(items=[item(category="dental")]))):
        native, third = adjudicate(claim), adjudicate(claim, engine="mirror")
        assert (native.engine, third.engine) == ("native", "mirror")
        assert third.model_dump(exclude={"engine"}) == native.model_dump(exclude={"engine"})
    engine = engine_for("mirror", RULES, E2022)
    assert isinstance(engine, Engine) and type(engine).built == 1 and engine.calls >= 2
    with pytest.raises(ValueError, match="already registered"):
        register_engine("mirror", "elsewhere:Mirror")
    register_engine("mirror", f"{mirror}:Mirror")  # the same again, as a re-run notebook cell does
    with pytest.raises(UnknownEngine) as info:
        adjudicate(base_claim(), engine="nope")
    assert "mirror" in str(info.value) and "native" in str(info.value)
    ENGINES.pop("mirror")
    with pytest.raises(UnknownEngine):
        engine_for("mirror", RULES, E2022)


@pytest.mark.parametrize("name", _engines())
def test_each_shipped_engine_keeps_the_protocol(name, mirror):
    """Each engine is an Engine, records its registered name, and fires as the other does on the
    facts the assembly step hands it (recorded by the third engine)."""
    adjudicate(claim_with(treatment(items=[item(category="dental"), item()])), engine="mirror")
    seen = engine_for("mirror", RULES, E2022).seen
    assert seen and any(fired for _, fired in seen)
    engine = engine_for(name, RULES, E2022)
    assert isinstance(engine, Engine) and engine.name == name  # what a decision records, and replay asks for
    assert [r.id for r in engine.rules] == [r.id for r in RULES]
    for facts, fired in seen:
        assert engine.fire(facts) == fired
    assert engine_for(name, RULES, E2022) is engine  # built once per edition and shared


def test_an_engine_is_named_as_module_colon_class():
    with pytest.raises(ValueError, match="module:Class"):
        register_engine("bad", "third_engine_for_tests.Mirror")
    assert "bad" not in ENGINES


def _imports(path: Path) -> set[str]:
    """Every mutualaid module ``path`` imports, at the top or inside a function."""
    package = "mutualaid"
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = f"{package}.{base}" if base else package
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names)  # from . import native
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return {m for m in found if m.startswith(package)}


def test_engine_py_imports_no_engine_and_the_engines_import_only_it():
    engine, native, durable = (_imports(SRC / f) for f in ("engine.py", "native.py", "durable_engine.py"))
    modules = {"mutualaid.native", "mutualaid.durable_engine"}
    assert not engine & modules
    assert "mutualaid.engine" in native and "mutualaid.engine" in durable
    assert not native & modules and not durable & modules
    assert ENGINES["native"] == "mutualaid.native:NativeEngine"  # found by its string, not an import


def _fresh(code: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_no_import_cycle_in_a_fresh_interpreter():
    """engine.py loads and works with both engine modules blocked; durable_engine loads on its own."""
    blocked = _fresh(
        """
        import json, sys
        sys.modules["mutualaid.native"] = None          # any import of them now raises ImportError
        sys.modules["mutualaid.durable_engine"] = None
        import mutualaid.engine as e
        from mutualaid import editions
        from mutualaid.rules import RULES
        patterns = e.bound_patterns(RULES, editions.get("gd-nef-2022"))
        print(json.dumps({"patterns": len(patterns), "rules": len(RULES)}))
        """
    )
    assert blocked["patterns"] == blocked["rules"] > 0
    alone = _fresh(
        """
        import json, sys
        import mutualaid.durable_engine as d
        import mutualaid.engine as e
        print(json.dumps({"fired_shared": d.Fired is e.Fired, "native": "mutualaid.native" in sys.modules}))
        """
    )
    assert alone == {"fired_shared": True, "native": False}


def test_import_mutualaid_stays_light():
    loaded = _fresh(
        """
        import json, sys
        import mutualaid
        print(json.dumps(sorted(m for m in sys.modules if m.startswith(("mutualaid.", "pydantic", "yaml")))))
        """
    )
    assert loaded == []
