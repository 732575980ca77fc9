"""Rule conditions: short expressions that read like the plan, run as durable_rules' safe subset.

A rule's ``when`` is written as the plan says it, for example ``"day < 0 or day > window_days"``.
One declaration serves every edition, so the expression names fact fields and edition parameters,
never an edition's numbers. It is read in three steps, each of which refuses what it cannot prove
safe:

1. :func:`parse` reads the text with :mod:`ast` and keeps it only if every node is on the whitelist
   (edition-independent; done once per text, when the rule is declared):

   - ``A and B``, ``A or B`` (with brackets as usual);
   - a comparison with exactly one operator, ``== != < <= > >=``, between two terms;
   - ``field in list_parameter``: one of the edition's list values;
   - a term is a name, an integer or a string constant, ``-`` before an integer, or ``+ - *``
     between terms.

   Nothing else: no calls, attributes, subscripts, lambdas, ``not``, ``is``, ``not in``, chained
   comparisons (``0 < day < 5``), floats, ``True``/``False``/``None``, or names with leading
   underscores. A bare name is not a condition: write ``filing_calendar_gap == 1``.

2. :func:`to_subset` binds it to an edition and a fact type, and yields the JSON subset that
   durable_rules runs safely. A name is a field of the fact type (``{"$m": field}``, or the tested
   field itself) or an edition parameter (its value); a name that is both, or neither, is refused.
   Each comparison must test a field: ``window_days < day`` is turned round to
   ``{"$gt": {"day": 180}}``. ``x in kinds`` becomes ``{"$or": [{x: v1}, {x: v2}, …]}``, and an
   empty list a test that is never true. Integer constants are folded (``2 * 3`` → ``6``).

3. :func:`lint` checks the bound JSON against the safe subset and the fact schema, as for every
   condition: every field exists, like types are compared, only integers are ordered. The native
   engine then compiles it with :func:`expression` into Python over the fact ``f``; the durable engine
   registers the same JSON. Both engines are fed from this one binding, so they cannot disagree on
   what a rule says.

The subset (shared/notes/durable-rules.md, "The safe subset"), which runs on both engines and
crashes neither:

- one key per condition object;
- ``$and $or`` over a non-empty list; ``$eq $neq $lt $lte $gt $gte`` as ``{op: {field: rhs}}``;
  ``{field: value}`` for equality; ``$ex $nex`` as ``{op: {field: 1}}``;
- a right-hand side is a scalar (int or str), ``{"$m": field}`` (a field of the same fact), or
  ``{"$add"|"$sub"|"$mul": {"$l": rhs, "$r": rhs}}``;
- no cross-fact references, ``$div``, ``$mt``, ``$iall``, ``$iany``, ``$in``, ``$not``, ``any``, ``pri``.

A condition may also be written directly in that JSON (users' own rules; the form the project used
before expressions). Two placeholders then stand where an edition's value belongs, bound by
:func:`bind` before linting: ``{"$param": name}`` (a scalar) and ``{"$one_of": {field: {"$param":
name}}}`` (one of a list).
"""

from __future__ import annotations

import ast
from functools import lru_cache
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


def _fact_item(name: str) -> str:
    return f"f[{name!r}]"


def _expr(cond: Any, field_of: Callable[[str], str] = _fact_item) -> str:
    (key, body), = cond.items()
    if key in COMBINATIONS:
        joiner = " and " if key == "$and" else " or "
        return "(" + joiner.join(_expr(c, field_of) for c in body) + ")"
    if key in COMPARISONS:
        (field, rhs), = body.items()
        return f"({field_of(field)} {COMPARISONS[key]} {_rhs(rhs, field_of)})"
    if key in ("$ex", "$nex"):  # a linted field is always on its facts, so over local variables this is known
        (field, _), = body.items()
        if field_of is not _fact_item:
            return "True" if key == "$ex" else "False"
        return f"({field!r} {'in' if key == '$ex' else 'not in'} f)"
    return f"({field_of(key)} == {_rhs(body, field_of)})"


def _rhs(rhs: Any, field_of: Callable[[str], str]) -> str:
    if isinstance(rhs, (int, str)):
        return repr(rhs)
    (op, arg), = rhs.items()
    if op == "$m":
        return field_of(arg)
    return f"({_rhs(arg['$l'], field_of)} {ARITHMETIC[op]} {_rhs(arg['$r'], field_of)})"


def expression(cond: Any, field_of: Callable[[str], str] = _fact_item) -> str:
    """A bound, linted condition as a Python expression over the fact ``f``.

    ``field_of`` writes a field's name as the expression reads it: ``f['day']`` by default; the
    compiled pass (:mod:`mutualaid.compiled`) reads fields from local variables instead. Field names
    are identifiers of the linted schema, so either form is safe to compile.
    """
    return _expr(cond, field_of)


def compile_condition(cond: Any) -> Callable[[Mapping[str, Any]], bool]:
    """One Python function for a bound, linted condition; built once, called per fact.

    The source is generated from the linted condition only (field names are checked identifiers of
    the schema and values go through ``repr``), so nothing a rule says can run as code.
    """
    return eval(f"lambda f: {_expr(cond)}", {"__builtins__": {}}, {})  # noqa: S307


# --- expressions: the form rules are written in ------------------------------------------------------

_OPS: dict[type, str] = {ast.Eq: "$eq", ast.NotEq: "$neq", ast.Lt: "$lt", ast.LtE: "$lte", ast.Gt: "$gt", ast.GtE: "$gte"}
_TURNED = {"$eq": "$eq", "$neq": "$neq", "$lt": "$gt", "$lte": "$gte", "$gt": "$lt", "$gte": "$lte"}
"""The operator seen from the other side: ``3 < day`` tests ``day > 3``."""
_ARITH: dict[type, str] = {ast.Add: "$add", ast.Sub: "$sub", ast.Mult: "$mul"}
_SPELLED = {
    ast.Call: "a call", ast.Attribute: "an attribute", ast.Subscript: "a subscript", ast.Lambda: "a lambda",
    ast.Not: "`not` (write the opposite comparison)", ast.NotIn: "`not in`", ast.Is: "`is`", ast.IsNot: "`is not`",
    ast.IfExp: "`… if … else …`", ast.NamedExpr: "`:=`", ast.Starred: "`*`",
    ast.List: "a list (name an edition list parameter)", ast.Tuple: "a tuple (name an edition list parameter)",
    ast.Set: "a set", ast.Dict: "a dict", ast.JoinedStr: "an f-string",
    ast.ListComp: "a comprehension", ast.GeneratorExp: "a generator", ast.Await: "`await`",
}  # fmt: skip


def _refuse(node: ast.AST, text: str, why: str) -> ConditionError:
    segment = ast.get_source_segment(text, node) or text
    return ConditionError(f"`{segment}`: {why}")


def _kind(node: ast.AST) -> str:
    for cls, words in _SPELLED.items():
        if isinstance(node, cls):
            return words
    return type(node).__name__


@lru_cache(maxsize=4096)
def parse(text: str) -> ast.expr:
    """``text`` as a syntax tree, kept only if every node is on the whitelist (see the module docstring).

    Edition-independent, so it runs once per text (at declaration); names are resolved by :func:`to_subset`.
    """
    if not isinstance(text, str):
        raise ConditionError(f"a condition is an expression in a string, not {text!r}")
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as exc:
        raise ConditionError(f"`{text}` is not an expression: {exc.msg}") from None
    except (ValueError, RecursionError, MemoryError) as exc:  # a NUL byte; nesting beyond the parser's limits
        raise ConditionError(f"a condition cannot be read: {type(exc).__name__}: {exc}") from None
    _check_condition(tree, text.strip(), 0)
    return tree


_DEPTH = 32
"""How deeply a condition may nest: far beyond any rule of the plan, well inside the recursion limit of
what binds, lints and compiles it."""


def _check_condition(node: ast.AST, text: str, depth: int) -> None:
    if depth > _DEPTH:
        raise _refuse(node, text, f"nested more than {_DEPTH} deep")
    if isinstance(node, ast.BoolOp):
        for value in node.values:
            _check_condition(value, text, depth + 1)
    elif isinstance(node, ast.Compare):
        if len(node.ops) != 1:
            raise _refuse(node, text, "a chained comparison; write `a < b and b < c`")
        op, right = node.ops[0], node.comparators[0]
        if isinstance(op, ast.In):
            if not isinstance(node.left, ast.Name) or not isinstance(right, ast.Name):
                raise _refuse(node, text, "`in` is written `field in list_parameter`")
            _check_term(node.left, text, depth + 1)
            _check_term(right, text, depth + 1)
        elif type(op) in _OPS:
            _check_term(node.left, text, depth + 1)
            _check_term(right, text, depth + 1)
        else:
            raise _refuse(node, text, f"{_kind(op)} is not allowed; the comparisons are == != < <= > >= and `in`")
    elif isinstance(node, (ast.Name, ast.Constant)):
        raise _refuse(node, text, "a value is not a condition; compare it (`x == 1`)")
    else:
        raise _refuse(node, text, f"{_kind(node.op if isinstance(node, ast.UnaryOp) else node)} is not allowed in a condition")


def _check_term(node: ast.AST, text: str, depth: int) -> None:
    if depth > _DEPTH:
        raise _refuse(node, text, f"nested more than {_DEPTH} deep")
    if isinstance(node, ast.Name):
        if node.id.startswith("_"):
            raise _refuse(node, text, "names with a leading underscore are not allowed")
    elif isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, str)):
            raise _refuse(node, text, "facts hold only integers and strings")
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        operand = node.operand
        if not (isinstance(operand, ast.Constant) and type(operand.value) is int):
            raise _refuse(node, text, "`-` goes only before an integer constant; write `0 - x`")
    elif isinstance(node, ast.BinOp):
        if type(node.op) not in _ARITH:
            raise _refuse(node, text, "the only arithmetic is + - * between integers")
        _check_term(node.left, text, depth + 1)
        _check_term(node.right, text, depth + 1)
    else:
        raise _refuse(node, text, f"{_kind(node.op if isinstance(node, ast.UnaryOp) else node)} is not allowed in a condition")


def to_subset(text: str, schema: Mapping[str, type], params: Mapping[str, Any], on: str = "the") -> dict:
    """The expression ``text`` bound to an edition's ``params``, for facts of ``schema``: durable_rules' JSON.

    Each comparison is linted as it is made, so a type error names the comparison it is in.
    """
    return _Binder(text.strip(), schema, params, on).condition(parse(text))


class _Binder:
    """Resolves an expression's names against one fact type and one edition (see :func:`to_subset`)."""

    def __init__(self, text: str, schema: Mapping[str, type], params: Mapping[str, Any], on: str):
        self.text, self.schema, self.params, self.on = text, schema, params, on

    def condition(self, node: ast.expr) -> dict:
        if isinstance(node, ast.BoolOp):
            return {"$and" if isinstance(node.op, ast.And) else "$or": [self.condition(v) for v in node.values]}
        assert isinstance(node, ast.Compare)  # parse() let nothing else through
        left, op, right = node.left, node.ops[0], node.comparators[0]
        if isinstance(op, ast.In):
            cond = self.one_of(node, left, right)
        else:
            key = _OPS[type(op)]
            if not self.is_field(left):
                if not self.is_field(right):
                    raise _refuse(node, self.text, f"a comparison tests a field of {self.on} facts, and this names none")
                left, right, key = right, left, _TURNED[key]
            assert isinstance(left, ast.Name)
            rhs = self.term(right)
            cond = {left.id: rhs} if key == "$eq" else {key: {left.id: rhs}}
        try:
            lint(cond, self.schema)
        except ConditionError:  # linted again to name the comparison by its text, found for the message only
            lint(cond, self.schema, where=f"`{ast.get_source_segment(self.text, node)}`")
            raise
        return cond

    def is_field(self, node: ast.expr) -> bool:
        return isinstance(node, ast.Name) and self.name(node) == "field"

    def name(self, node: ast.Name) -> str:
        """``field`` or ``param``; refuses a name that is neither, or both."""
        in_schema, in_params = node.id in self.schema, node.id in self.params
        if in_schema and in_params:
            raise _refuse(node, self.text, f"{node.id!r} is both a field of {self.on} facts and an edition parameter")
        if in_schema:
            return "field"
        if in_params:
            return "param"
        raise _refuse(
            node, self.text,
            f"{node.id!r} is neither a field of {self.on} facts ({', '.join(sorted(self.schema))}) "
            f"nor an edition parameter ({', '.join(sorted(self.params))})",
        )  # fmt: skip

    def one_of(self, node: ast.Compare, left: ast.expr, right: ast.expr) -> dict:
        assert isinstance(left, ast.Name) and isinstance(right, ast.Name)
        if not self.is_field(left):
            raise _refuse(node, self.text, f"`in` tests a field of {self.on} facts on its left, not {left.id!r}")
        if self.name(right) != "param" or not isinstance(self.params[right.id], (list, tuple)):
            raise _refuse(node, self.text, f"`in` takes an edition list parameter on its right; {right.id!r} is not one")
        values = list(self.params[right.id])
        if not values:
            return {"$neq": {left.id: {"$m": left.id}}}  # never true
        return {"$or": [{left.id: v} for v in values]}

    def term(self, node: ast.expr) -> Any:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.UnaryOp):
            return -node.operand.value  # type: ignore[attr-defined]  # parse() allows only -int
        if isinstance(node, ast.Name):
            if self.name(node) == "field":
                return {"$m": node.id}
            value = self.params[node.id]
            if isinstance(value, (list, tuple)):
                raise _refuse(node, self.text, f"{node.id!r} is a list; test it with `field in {node.id}`")
            return value
        assert isinstance(node, ast.BinOp)
        left, right, op = self.term(node.left), self.term(node.right), _ARITH[type(node.op)]
        if type(left) is int and type(right) is int:  # folded: durable_rules sees a plain scalar
            return {"$add": left + right, "$sub": left - right, "$mul": left * right}[op]
        return {op: {"$l": left, "$r": right}}


def python_source(text: str, schema: Mapping[str, type], params: Mapping[str, Any], on: str = "the") -> str:
    """The expression ``text`` as the native engine runs it: Python over the fact ``f`` (via the JSON subset)."""
    return expression(to_subset(text, schema, params, on))
