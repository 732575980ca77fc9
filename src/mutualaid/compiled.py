"""One compiled pass per edition: the derivations, the matching and the assessment in one function.

The generic path builds every fact as a dict (:func:`mutualaid.facts.derive`), hands the list to an
engine that tests each rule's condition on it, and then sums and assesses in
:func:`mutualaid.decide.match`. For the native engine that is work done for nothing: most facts
match no rule, and a dict is built only to be read a few times. This module writes, once per
edition, one Python function that does the same steps in one walk of the claim:

- each fact's fields are computed into local variables, exactly as :func:`mutualaid.facts.derive`
  computes them, and what the articles derive (:data:`mutualaid.facts.DERIVED`) is added to the
  claim's fact;
- every rule's bound condition (:func:`mutualaid.engine.bound_pattern`, the same linted JSON subset
  both engines receive) is tested right there, on the locals;
- a fact's dict is built only when a rule bites on it (the explanations read it), and the
  claim's, which every explanation may read;
- the countable fen that no ``exclude`` reason hit is summed as the items go by, then the articles
  assess (:data:`mutualaid.facts.ASSESSED`), and the assessment's rules are tested.

The function knows no article: its source is generated from the rules and the fact schema, and the
articles' derivations and assessments are called by their declarations. ``mutualaid rules --compiled``
prints it, so that a reviewer reads what runs. The differential property between the native and the
durable engine (which still gets every fact from :func:`~mutualaid.facts.derive`) holds the two
paths to the same decisions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, NamedTuple, Sequence

from .conditions import expression
from .engine import bound_patterns
from .facts import ASSESSED, DERIVED, NO_HISTORY, SCHEMA, Facts, claim_fact, summary
from .hospitals import kind_of_ws218
from .icd10 import who_code

if TYPE_CHECKING:  # pragma: no cover
    from .edition import Edition
    from .rule import Rule


class Matched(NamedTuple):
    """What the compiled pass gives the assembly step: the facts, what fired, and the assessment."""

    facts: Facts
    """The facts; an entry is None where no rule bit (its dict was never needed)."""
    fired: list
    """(rule index, fact index) pairs, the assessment's at index ``len(facts.facts)``, ordered by rule, then fact."""
    assessment: dict
    """The ``assessment`` fact: ``counted_fen`` and what the articles assessed."""


# The fields of each fact but the claim's (facts.claim_fact), as the generated code computes them into
# locals (``<type>_<field>``). They are the same expressions as in facts.derive, which the durable
# engine and the tests use; the property in tests/test_compiled.py holds the two to the same facts.
_CLAIM = """\
    c = claim_fact(claim)  # the claim's fact is always built: every explanation may read it
    a = claim.accident
    accident_day = c["accident_day"]
"""

_FIELDS: dict[str, dict[str, str]] = {
    "circumstance": {"code": "code", "exclusion": "circumstance_group.get(code, '')"},
    "document": {"document": "document", "supplied": "1 if document in supplied else 0"},
    "item": {
        "day": "it.on.toordinal() - accident_day",
        "category": "it.category",
        "medication_use": "(it.medication_use or 'prescribed') if item_category == 'medication' else ''",
        "out_of_pocket_fen": "int(it.out_of_pocket.scaleb(2))",
    },
    "treatment": {
        "grade": "t.hospital.grade or 0",
        "ownership": "t.hospital.ownership or ''",
        "kind": "kind_of_ws218(t.hospital.ws218) if t.hospital.ws218 else (t.hospital.kind or 'general')",
        "primary_diagnosis": "who_code(t.diagnoses[0])",
        "primary_exclusion": "group_of(treatment_primary_diagnosis, tuple(who_code(d) for d in t.diagnoses[1:]) if proviso and len(t.diagnoses) > 1 else ())",
        # out_of_pocket_fen: the items' sum, known after them
    },
}


def _said(text: str) -> str:
    """``text`` as it may stand in a comment or a code object's name: as it is when it is all
    printable, else its ``repr`` (an edition id is data a user writes: a newline in it would end
    the comment and start a line of code; a NUL byte would stop ``compile``)."""
    return text if text.isprintable() else repr(text)


class _Writer:
    """Writes the pass for one edition's bound rules."""

    def __init__(self, rules: Sequence["Rule"], patterns: Sequence[dict]):
        self.rules = rules
        self.by_type: dict[str, list[tuple[int, str]]] = {}
        for i, (rule, pattern) in enumerate(zip(rules, patterns)):
            self.by_type.setdefault(rule.on, []).append((i, pattern["$and"][1]))

    def checks(self, on: str, j: str, indent: str, *, local: bool, fact: str = "c") -> list[str]:
        """The tests of every rule on ``on`` facts, appending (rule, ``j``) when one holds; an
        ``exclude`` rule also marks the fact excluded, for the count. The fields are locals
        (``item_day``), or read from the dict ``fact`` (the claim's, the assessment)."""
        field_of = (lambda name: repr(on) if name == "t" else f"{on}_{name}") if local else (lambda name: f"{fact}[{name!r}]")
        lines = []
        for i, cond in self.by_type.get(on, ()):
            rule = self.rules[i]
            lines.append(f"{indent}if {expression(cond, field_of)}:  # {_said(rule.id)} ({_said(rule.clause)})")
            lines.append(f"{indent}    fired.append(({i}, {j}))")
            if rule.effect == "exclude":
                lines.append(f"{indent}    excluded.add({j})")
        return lines

    def fact(self, on: str, fields: Sequence[str]) -> str:
        return "{" + ", ".join([f'"t": "{on}"'] + [f'"{name}": {on}_{name}' for name in fields]) + "}"

    def locals(self, on: str, indent: str) -> list[str]:
        return [f"{indent}{on}_{name} = {source}" for name, source in _FIELDS[on].items()]

    def bitten(self, on: str, j: str, indent: str, fields: Sequence[str]) -> list[str]:
        """Build the fact's dict only if a rule bit on it."""
        if not self.by_type.get(on):
            return [f"{indent}facts.append(None)"] if on != "treatment" else []
        if on == "treatment":
            return [f"{indent}if fired and fired[-1][1] == {j}:", f"{indent}    facts[{j}] = {self.fact(on, fields)}"]
        return [f"{indent}facts.append({self.fact(on, fields)} if fired and fired[-1][1] == {j} else None)"]

    def source(self, edition: "Edition") -> str:
        out = [
            f"# The compiled pass of edition {_said(edition.id)} ({edition.content_hash}), written by mutualaid.compiled.",
            "# Rule numbers are indices into the edition's rule set (mutualaid rules lists them in this order).",
            "# The edition's data it reads (group_of: the edition's exclusions.diagnoses, by ICD-10 range):",
            *(f"#   {name} = {_said(repr(value))}" for name, value in _data(edition).items()),
            "def match(claim, history):",
            "    past = summary(claim, history, edition) if history else NO_HISTORY  # the one walk of the history",
            "    fired = []",
            "    excluded = set()",
            "",
            "    # The claim's fact: from the input, then what the articles derive.",
            _CLAIM.rstrip("\n"),
        ]
        for k, d in enumerate(DERIVED):
            out.append(f"    c.update(derived_{k}(claim, edition, past))  # {d.clause}: {', '.join(d.fields)}")
        out += ["    facts = [c]", "    subjects = ['claim']"]
        out += self.checks("claim", "0", "    ", local=False)

        out += ["", "    # Each circumstance once, in input order.", "    for code in dict.fromkeys(a.circumstances):", "        j = len(facts)", "        subjects.append('claim')"]
        out += self.locals("circumstance", "        ")
        out += self.checks("circumstance", "j", "        ", local=True)
        out += self.bitten("circumstance", "j", "        ", list(_FIELDS["circumstance"]))

        out += ["", "    # One fact a required document.", "    supplied = claim.documents", "    for document in required_documents:", "        j = len(facts)", "        subjects.append('claim')"]
        out += self.locals("document", "        ")
        out += self.checks("document", "j", "        ", local=True)
        out += self.bitten("document", "j", "        ", list(_FIELDS["document"]))

        out += [
            "",
            "    # Each treatment, and each of its items; the treatment's rules after its items (its sum).",
            "    claim_excluded = bool(excluded)  # an exclude reason on the claim, a circumstance or a document",
            "    items = []",
            "    counted_fen = 0",
            "    for t in claim.treatments:",
            "        t_index = len(facts)",
            "        tid = t.treatment_id",
            "        facts.append(None)",
            "        subjects.append(tid)",
        ]
        out += self.locals("treatment", "        ")
        out += ["        treatment_out_of_pocket_fen = 0", "        counted_in_treatment = 0", "        for n, it in enumerate(t.items, 1):", "            j = len(facts)"]
        out += self.locals("item", "            ")
        out += ["            items.append((j, t_index, item_out_of_pocket_fen))", "            subjects.append((tid, n))"]
        out += self.checks("item", "j", "            ", local=True)
        out += self.bitten("item", "j", "            ", list(_FIELDS["item"]))
        out += [
            "            treatment_out_of_pocket_fen += item_out_of_pocket_fen",
            "            if j not in excluded:",
            "                counted_in_treatment += item_out_of_pocket_fen",
        ]
        out += self.checks("treatment", "t_index", "        ", local=True)
        out += self.bitten("treatment", "t_index", "        ", list(_FIELDS["treatment"]) + ["out_of_pocket_fen"])
        out += ["        if t_index not in excluded:", "            counted_fen += counted_in_treatment"]

        out += [
            "",
            "    # The assessment: the countable fen that no exclude reason hit, then what the articles assess.",
            "    n = len(facts)",
            "    assessment = {'t': 'assessment', 'counted_fen': 0 if claim_excluded else counted_fen}",
        ]
        for k, assessed in enumerate(ASSESSED):
            out.append(f"    assessment.update(assessed_{k}(assessment, edition, past))  # {assessed.clause}: {', '.join(assessed.fields)}")
        out += self.checks("assessment", "n", "    ", local=False, fact="assessment")
        out += ["    fired.sort()", "    return Matched(Facts(tuple(facts), tuple(subjects), tuple(items), past), fired, assessment)", ""]
        return "\n".join(out)


def _data(edition: "Edition") -> dict[str, Any]:
    """The edition's values that the pass reads by name (printed at the head of its source)."""
    return {
        "required_documents": tuple(edition.documents.required),
        "circumstance_group": edition.circumstance_group,
        "proviso": edition.diagnosis_groups.has_proviso(),
    }


def source(rules: Sequence["Rule"], edition: "Edition") -> str:
    """The Python source of ``edition``'s compiled pass (``mutualaid rules --compiled``)."""
    return _Writer(rules, bound_patterns(rules, edition)).source(edition)


def compile_pass(rules: Sequence["Rule"], edition: "Edition", patterns: Sequence[dict] | None = None) -> Callable[[Any, tuple], Matched]:
    """``match(claim, history) -> Matched`` for ``edition``'s bound ``rules``, compiled once.

    The source is generated from linted conditions only (field names are identifiers of the fact
    schema, values go through ``repr``), so nothing a rule says can run as code.
    """
    text = _Writer(rules, patterns if patterns is not None else bound_patterns(rules, edition)).source(edition)
    namespace: dict[str, Any] = {
        **_data(edition),
        "edition": edition,
        "summary": summary,
        "claim_fact": claim_fact,
        "NO_HISTORY": NO_HISTORY,
        "Facts": Facts,
        "Matched": Matched,
        "who_code": who_code,
        "kind_of_ws218": kind_of_ws218,
        "group_of": edition.diagnosis_groups.group_of,
        **{f"derived_{k}": d.derive for k, d in enumerate(DERIVED)},
        **{f"assessed_{k}": d.assess for k, d in enumerate(ASSESSED)},
    }
    code = compile(text, f"<mutualaid compiled pass: {_said(edition.id)}>", "exec")
    exec(code, namespace)  # noqa: S102
    return namespace["match"]


__all__ = ["Matched", "compile_pass", "source", "SCHEMA"]
