"""Rule conditions: data in the safe subset of durable_rules' JSON condition syntax.

The subset (shared/notes/durable-rules.md, "The safe subset"), which runs on both engines and
crashes neither:

- one key per condition object;
- ``$and $or`` over a non-empty list; ``$eq $neq $lt $lte $gt $gte`` as ``{op: {field: rhs}}``;
  ``{field: value}`` for equality; ``$ex $nex`` as ``{op: {field: 1}}``;
- a right-hand side is a scalar (int or str), ``{"$m": field}`` (a field of the same fact), or
  ``{"$add"|"$sub"|"$mul": {"$l": rhs, "$r": rhs}}``;
- no cross-fact references, ``$div``, ``$mt``, ``$iall``, ``$iany``, ``$in``, ``$not``, ``any``, ``pri``.

A rule is declared once for every edition, so two placeholders stand where an edition's value
belongs. They are bound to the edition's data *before* linting, and neither survives binding:

- ``{"$param": name}`` is replaced by the edition's scalar ``name``;
- ``{"$one_of": {field: {"$param": name}}}`` becomes ``{"$or": [{field: v1}, {field: v2}, …]}``
  over the edition's list ``name`` (an empty list becomes a test that is never true).

:func:`lint` then checks the bound condition against the fact schema: every field exists on the
fact type, every comparison compares like types. A typo such as ``$le`` or ``grdae`` is refused when
the rule set is loaded, instead of silently never matching.

:func:`expression` turns a bound, linted condition into Python source; the native engine joins the
expressions of one fact type into one function per edition. :func:`compile_condition` compiles a
single condition, for tests and for readers trying one out.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

COMPARISONS = {"$eq": "==", "$neq": "!=", "$lt": "<", "$lte": "<=", "$gt": ">", "$gte": ">="}
ARITHMETIC = {"$add": "+", "$sub": "-", "$mul": "*"}
EXISTENCE = ("$ex", "$nex")
COMBINATIONS = ("$and", "$or")


class ConditionError(ValueError):
    """A rule's condition lies outside the safe subset, or does not fit the facts it tests."""


# --- binding an edition's values -----------------------------------------------------------------


def bind(cond: Any, params: Mapping[str, Any]) -> Any:
    """Replace ``$param`` and ``$one_of`` placeholders by the edition's values."""
    if isinstance(cond, list):
        return [bind(c, params) for c in cond]
    if not isinstance(cond, dict):
        return cond
    if set(cond) == {"$param"}:
        name = cond["$param"]
        if name not in params:
            raise ConditionError(f"unknown edition parameter {name!r}")
        value = params[name]
        if isinstance(value, (list, tuple)):
            raise ConditionError(f"parameter {name!r} is a list; use $one_of")
        return value
    if set(cond) == {"$one_of"}:
        (field, ref), = _single(cond["$one_of"], "$one_of").items()
        values = bind_list(ref, params)
        if not values:
            return {"$neq": {field: {"$m": field}}}  # never true
        return {"$or": [{field: v} for v in values]}
    return {k: bind(v, params) for k, v in cond.items()}


def bind_list(ref: Any, params: Mapping[str, Any]) -> list:
    if isinstance(ref, dict) and set(ref) == {"$param"}:
        value = params.get(ref["$param"])
        if not isinstance(value, (list, tuple)):
            raise ConditionError(f"$one_of needs a list parameter, not {ref['$param']!r}")
        return list(value)
    if isinstance(ref, list):
        return list(ref)
    raise ConditionError("$one_of takes {field: {'$param': name}} or {field: [values]}")


# --- the linter -----------------------------------------------------------------------------------


def _single(obj: Any, where: str) -> dict:
    if not isinstance(obj, dict) or len(obj) != 1:
        raise ConditionError(f"{where}: a condition object has exactly one key, got {obj!r}")
    return obj


def lint(cond: Any, schema: Mapping[str, type], where: str = "condition") -> None:
    """Refuse anything outside the safe subset or not fitting ``schema`` (field → int | str)."""
    (key, body), = _single(cond, where).items()
    if key in COMBINATIONS:
        if not isinstance(body, list) or not body:
            raise ConditionError(f"{where}: {key} takes a non-empty list")
        for i, c in enumerate(body):
            lint(c, schema, f"{where}.{key}[{i}]")
    elif key in COMPARISONS:
        (field, rhs), = _single(body, f"{where}.{key}").items()
        _lint_compare(field, rhs, schema, f"{where}.{key}", ordered=key not in ("$eq", "$neq"))
    elif key in EXISTENCE:
        (field, one), = _single(body, f"{where}.{key}").items()
        _field(field, schema, where)
        if one != 1:
            raise ConditionError(f"{where}: {key} is written {{{key}: {{field: 1}}}}")
    elif key.startswith("$"):
        raise ConditionError(f"{where}: {key!r} is outside the safe subset of durable_rules conditions")
    else:
        _lint_compare(key, body, schema, where, ordered=False)


def _field(name: Any, schema: Mapping[str, type], where: str) -> type:
    if not isinstance(name, str) or name.startswith("$") or "." in name:
        raise ConditionError(f"{where}: {name!r} is not a flat field name")
    if name not in schema:
        raise ConditionError(f"{where}: the fact has no field {name!r} (fields: {', '.join(sorted(schema))})")
    return schema[name]


def _rhs_type(rhs: Any, schema: Mapping[str, type], where: str) -> type:
    if isinstance(rhs, bool) or rhs is None or isinstance(rhs, float):
        raise ConditionError(f"{where}: {rhs!r}: facts hold only integers and strings")
    if isinstance(rhs, (int, str)):
        return type(rhs)
    (op, arg), = _single(rhs, where).items()
    if op == "$m":
        return _field(arg, schema, where)
    if op in ARITHMETIC:
        if not isinstance(arg, dict) or set(arg) != {"$l", "$r"}:
            raise ConditionError(f"{where}: {op} takes {{'$l': …, '$r': …}}")
        lt, rt = _rhs_type(arg["$l"], schema, where), _rhs_type(arg["$r"], schema, where)
        if lt is not int or rt is not int:
            raise ConditionError(f"{where}: {op} works on integers only")
        return int
    raise ConditionError(f"{where}: {op!r} is outside the safe subset (right-hand side)")


def _lint_compare(field: Any, rhs: Any, schema: Mapping[str, type], where: str, ordered: bool) -> None:
    ftype = _field(field, schema, where)
    rtype = _rhs_type(rhs, schema, where)
    if ftype is not rtype:
        raise ConditionError(
            f"{where}: compares {field!r} ({ftype.__name__}) with {rhs!r} ({rtype.__name__}); "
            "durable_rules would compare mixed types as strings"
        )
    if ordered and ftype is not int:
        raise ConditionError(f"{where}: orders only integers, not {field!r}")


# --- the compiler ----------------------------------------------------------------------------------


def _expr(cond: Any) -> str:
    (key, body), = cond.items()
    if key in COMBINATIONS:
        joiner = " and " if key == "$and" else " or "
        return "(" + joiner.join(_expr(c) for c in body) + ")"
    if key in COMPARISONS:
        (field, rhs), = body.items()
        return f"(f[{field!r}] {COMPARISONS[key]} {_rhs(rhs)})"
    if key == "$ex":
        (field, _), = body.items()
        return f"({field!r} in f)"
    if key == "$nex":
        (field, _), = body.items()
        return f"({field!r} not in f)"
    return f"(f[{key!r}] == {_rhs(body)})"


def _rhs(rhs: Any) -> str:
    if isinstance(rhs, (int, str)):
        return repr(rhs)
    (op, arg), = rhs.items()
    if op == "$m":
        return f"f[{arg!r}]"
    return f"({_rhs(arg['$l'])} {ARITHMETIC[op]} {_rhs(arg['$r'])})"


def expression(cond: Any) -> str:
    """A bound, linted condition as a Python expression over the fact ``f``."""
    return _expr(cond)


def compile_condition(cond: Any) -> Callable[[Mapping[str, Any]], bool]:
    """One Python function for a bound, linted condition; built once, called per fact.

    The source is generated from the linted condition only (field names are checked identifiers of
    the schema and values go through ``repr``), so nothing a rule says can run as code.
    """
    return eval(f"lambda f: {_expr(cond)}", {"__builtins__": {}}, {})  # noqa: S307
