"""The claim, its history and the decision, shaped exactly as CONTRACT §1 and §2 shape them.

Every model is frozen (a decision never changes its input) and forbids unknown keys: a misspelt
field must never vanish silently (CONTRACT §7, "Keys").
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal, Optional, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from .render import decision_html, decision_text
from .values import AccountNumber, Day, FreeText, HolderName, HospitalName, Icd10Code, Id, IdNumber, Money, Name, Ws218Code, to_plain_int
from .vocabulary import HintKind

Occupation = Literal[
    "truck_driver",  # 货车司机
    "ride_hailing_driver",  # 网约车司机
    "courier",  # 快递员
    "delivery_rider",  # 网约配送员
    "other_platform_worker",  # 其他平台就业群体
    "not_platform_worker",
]
Cause = Literal["accident", "illness"]
Circumstance = Literal[
    # art6.1
    "fight", "intoxication", "self_harm", "suicide", "intentional_crime", "resisting_arrest",
    # art6.2
    "drug_use",
    # art6.3
    "drunk_driving", "unlicensed_driving", "unregistered_vehicle",
    # art6.4
    "pregnancy",
    # art6.6
    "medical_accident", "drug_allergy", "mental_disorder",
    # art6.10
    "infection",
    # art6.11
    "diving", "skydiving", "rock_climbing", "gliding", "expedition", "wrestling_match",
    "martial_arts_match", "stunt", "horse_racing", "motor_racing",
    # art6.12
    "war", "military_conflict", "riot", "armed_rebellion",
    # art6.13
    "nuclear_explosion", "nuclear_radiation", "nuclear_contamination",
]  # fmt: skip
Grade = Annotated[Literal[1, 2, 3], BeforeValidator(to_plain_int)]
"""A plain integer (CONTRACT §7, revision 3): ``true``, ``3.0`` and ``"3"`` are bad input."""
Ownership = Literal["public", "private"]
HospitalKind = Literal[
    "general", "tcm", "specialty", "outpatient", "rehabilitation", "nursing", "sanatorium", "addiction"
]
Setting = Literal["outpatient", "emergency", "inpatient"]
Category = Literal["treatment", "medication", "dental", "assistive_device"]
MedicationUse = Literal["prescribed", "otc_as_directed", "self_medicated"]
Document = Literal["invoice", "accident_proof", "medical_record", "other"]
Outcome = Literal["approved", "denied", "pending"]
Effect = Literal["deny", "exclude", "pend", "note"]


TREATMENTS_MAX = 100  # CONTRACT §7 (revision 3), "Sizes": a claim has 1 to 100 treatments,
DIAGNOSES_MAX = 20  # a treatment 1 to 20 diagnoses
ITEMS_MAX = 1000  # and at most 1,000 items;
LIST_MAX = 20  # circumstances and documents at most 20 entries each;
HISTORY_MAX = 10_000  # a history at most 10,000 entries.


def _null_is_absent(default):
    """An optional field given as null means the same as the field left out (a backend's habit)."""
    return BeforeValidator(lambda v: default if v is None else v)


class _Subclass:
    """The ``__canonical__`` of every subclass of ``_Input``: no fields to write (:mod:`mutualaid.canonical`)."""

    def __get__(self, obj: Any, cls: Any = None) -> Any:
        raise TypeError(f"{getattr(cls, '__name__', cls)} is not one of the input models itself")


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False, hide_input_in_errors=True)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        """Each new model's ``__canonical__`` refuses; :mod:`mutualaid.canonical` then gives the input
        models themselves their fields' dict (a subclass of one, which pydantic writes with its
        parent's fields only, keeps refusing)."""
        super().__pydantic_init_subclass__(**kwargs)
        type.__setattr__(cls, "__canonical__", _SUBCLASS)


_SUBCLASS = _Subclass()


class Member(_Input):
    member_id: Id
    name: Name
    id_number: Optional[IdNumber] = None
    union_member_since: Optional[Day] = None
    """工会会员 since; absent or null: not a union member."""
    real_name_verified_on: Optional[Day] = None
    """粤工惠 real-name verification; absent or null: not verified."""
    occupation: Occupation


class Accident(_Input):
    accident_id: Id
    occurred_on: Day
    cause: Cause
    circumstances: Annotated[tuple[Circumstance, ...], _null_is_absent(()), Field(max_length=LIST_MAX)] = ()


class Hospital(_Input):
    name: Optional[HospitalName] = None
    grade: Optional[Grade] = None
    """1 | 2 | 3, or null for 未定级."""
    ownership: Optional[Ownership] = None
    """public | private; absent: not shown to be public, so art5.5 does not count it."""
    kind: Optional[HospitalKind] = None
    """Absent (and no ws218): nothing shows an excluded kind, so it is read as general."""
    ws218: Optional[Ws218Code] = None
    """WS 218-2002 institution code; when given it decides the kind."""


class Item(_Input):
    # CONTRACT §7: medication_use is for medication items only; the schema says so too.
    model_config = ConfigDict(
        **_Input.model_config,
        json_schema_extra={
            "if": {"properties": {"category": {"not": {"const": "medication"}}}, "required": ["category"]},
            "then": {"properties": {"medication_use": {"type": "null"}}},
        },
    )

    on: Day
    category: Category
    out_of_pocket: Money
    """个人自付 inside basic medical insurance scope: the amount that counts."""
    self_funded: Annotated[Money, _null_is_absent(Decimal("0.00"))] = Decimal("0.00")
    """个人自费 outside that scope: never counts."""
    medication_use: Optional[MedicationUse] = None
    """Only for category medication; defaults to prescribed."""


class Treatment(_Input):
    treatment_id: Id
    hospital: Hospital
    setting: Setting
    diagnoses: tuple[Icd10Code, ...] = Field(min_length=1, max_length=DIAGNOSES_MAX)
    """主要诊断 first."""
    items: tuple[Item, ...] = Field(max_length=ITEMS_MAX)


class Payee(_Input):
    holder_name: Optional[HolderName] = None
    holder_id_number: Optional[IdNumber] = None
    account_number: Optional[AccountNumber] = None


class Claim(_Input):
    claim_id: Id
    plan: Optional[FreeText] = None
    """An edition id; absent: the edition whose period holds accident.occurred_on."""
    filed_on: Day
    member: Member
    accident: Accident
    treatments: tuple[Treatment, ...] = Field(min_length=1, max_length=TREATMENTS_MAX)
    documents: Annotated[tuple[Document, ...], _null_is_absent(()), Field(max_length=LIST_MAX)] = ()
    payee: Optional[Payee] = None


class HistoryEntry(_Input):
    """An earlier decided claim of the same member."""

    claim_id: Id
    accident_id: Id
    accident_occurred_on: Day
    counted_out_of_pocket: Money
    paid: Money
    filed_on: Optional[Day] = Field(default=None, exclude_if=lambda v: v is None)
    """When that claim was first filed (CONTRACT §1, revision 3); a ledger fills it in. Absent, the
    entry shows no filing date: it cannot show an on-time filing of its accident (art5.4). Left out
    of the canonical input when absent, so the records of histories without it hash as before."""


def keys_all_read(raw: bytes, claim: Claim) -> bool:
    """Whether pydantic's JSON reader saw every key of the JSON text ``raw`` it validated into ``claim``.

    That reader (``validate_json``) keeps the last of a repeated key silently; CONTRACT §7
    (revision 3) refuses it. Every key of a valid claim is a field of one of its models (unknown
    keys are refused), so the keys given, counted over the models' fields set, equal the keys
    written unless one was repeated. Each key written is followed by exactly one ``:`` outside a
    string, and a ``:`` inside a string only adds to the count: so the text's colons are at least
    the keys written, and as many colons as keys given prove that no key was repeated. Otherwise
    (a colon in a name, or a repeated key) the caller reads the text again with
    :func:`mutualaid.values.read_json`, which names a repeated key or finds none. About 4 µs a claim.
    """
    n = len(claim.__pydantic_fields_set__) + len(claim.member.__pydantic_fields_set__) + len(claim.accident.__pydantic_fields_set__)
    if claim.payee is not None:
        n += len(claim.payee.__pydantic_fields_set__)
    for t in claim.treatments:
        n += len(t.__pydantic_fields_set__) + len(t.hospital.__pydantic_fields_set__)
        for it in t.items:
            n += len(it.__pydantic_fields_set__)
    return raw.count(b":") == n


def build(cls, **values):
    """An instance of a result model from values the library computed itself, without validation.

    ``model_construct`` does the same with more bookkeeping; this sits on the hot path of every
    decision, and every field is given.
    """
    return made(cls, values)


def made(cls, values: dict):
    """:func:`build` with the values as a dict, which becomes the instance's ``__dict__`` (the
    caller's to give up). The slots are set through their descriptors, the instance made by
    ``object.__new__`` (a model defines no ``__new__``): about half the cost of ``setattr`` calls."""
    obj = _new(cls)
    _set(obj, "__dict__", values)
    _fields_set(obj, set(values))
    _extra(obj, None)
    _private(obj, None)
    return obj


_set = object.__setattr__
_new = object.__new__
_fields_set = BaseModel.__dict__["__pydantic_fields_set__"].__set__
_extra = BaseModel.__dict__["__pydantic_extra__"].__set__
_private = BaseModel.__dict__["__pydantic_private__"].__set__


class Reason(BaseModel):
    """One rule that bit: its clause, its stable id, what it does and to what, and why in two languages."""

    model_config = ConfigDict(frozen=True)

    clause: str
    rule: str
    effect: Effect
    subject: str
    """``claim``, a treatment id, or ``T1/2`` for the second item of T1."""
    message_zh: str
    message_en: str


class Hint(BaseModel):
    """What the member can do about one reason, for a person and for a program.

    ``data`` holds the values the words are made of: amounts as two-place yuan strings, dates as
    ``YYYY-MM-DD``, day counts as integers, codes as the contract spells them.
    """

    model_config = ConfigDict(frozen=True)

    kind: HintKind
    rule: str
    """The rule whose reason this hint answers."""
    subject: str
    data: dict[str, Union[int, str]]
    message_zh: str
    message_en: str


SCHEMA_VERSION = "1"
"""The version of the decision's JSON shape; it changes whenever a field is added, renamed or retyped."""


class Record(BaseModel):
    """What a decision was made from, so that an auditor can decide it again years later."""

    model_config = ConfigDict(frozen=True)

    schema_version: str = SCHEMA_VERSION
    library_version: str
    edition_hash: str
    """``sha256:`` of the deciding edition's data (its id is the decision's ``plan``)."""
    input_hash: str
    """``sha256:`` of the canonical input: the validated claim and history as JSON."""


class Decision(BaseModel):
    """The decision on one claim (CONTRACT §2): what to pay and every reason, in a stable order."""

    model_config = ConfigDict(frozen=True)

    claim_id: str
    plan: str
    """The edition that decided it."""
    outcome: Outcome
    payout: Money
    counted_out_of_pocket: Money
    accident_out_of_pocket: Money
    tier_amount: Money
    cap_remaining: Money
    reasons: tuple[Reason, ...]
    passed: tuple[str, ...] = ()
    """Ids of the rules that were checked and did not bite, in rule order."""
    engine: str = "native"
    hints: tuple[Hint, ...] = ()
    """For each reason that stops or lowers the payout, what would change it (in reason order)."""
    record: Optional[Record] = None
    """The library version, the edition's hash and the input's hash (see ``mutualaid replay``)."""

    def model_dump(self, *, mode: str = "python", **options: Any) -> dict[str, Any]:
        """As pydantic's, with ``mode="json"`` and no other option (what a backend stores) written
        directly from the fields: every one is already a str, a two-place Decimal or a tuple of
        frozen models of strs, so the JSON is their text, and the pydantic serializer's walk of
        each reason is not needed. tests/test_compiled.py holds it to pydantic's own output."""
        if mode == "json" and not options:
            d = self.__dict__
            record = d["record"]
            return {
                "claim_id": d["claim_id"],
                "plan": d["plan"],
                "outcome": d["outcome"],
                "payout": str(d["payout"]),
                "counted_out_of_pocket": str(d["counted_out_of_pocket"]),
                "accident_out_of_pocket": str(d["accident_out_of_pocket"]),
                "tier_amount": str(d["tier_amount"]),
                "cap_remaining": str(d["cap_remaining"]),
                "reasons": [dict(r.__dict__) for r in d["reasons"]],
                "passed": list(d["passed"]),
                "engine": d["engine"],
                "hints": [{**h.__dict__, "data": dict(h.data)} for h in d["hints"]],
                "record": None if record is None else dict(record.__dict__),
            }
        return super().model_dump(mode=mode, **options)

    def __str__(self) -> str:
        return decision_text(self)

    def _repr_html_(self) -> str:
        return decision_html(self)


def schema_document() -> dict:
    """What ``mutualaid schema`` prints (and the service's ``GET /v1/schema`` answers)."""

    def dialect(name: str, body: dict) -> dict:
        """A schema that says which JSON Schema it is and which of ours (pydantic writes 2020-12)."""
        return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": f"urn:mutualaid:{name}:{SCHEMA_VERSION}", **body}

    schema = {
        "schema_version": SCHEMA_VERSION,
        "claim": dialect("claim", Claim.model_json_schema()),
        "history_entry": dialect("history-entry", HistoryEntry.model_json_schema()),
        "decision": dialect("decision", Decision.model_json_schema(mode="serialization")),
    }
    return schema
