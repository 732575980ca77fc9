"""How the command line tells a person what is wrong: in their language, with a guess at a misspelt key.

Every :class:`~mutualaid.errors.FieldError` carries ``message_zh`` beside its English message. The
command line shows both (English, then the Chinese under it), or only the Chinese where the locale
asks for Chinese (``LC_ALL``, ``LC_MESSAGES`` or ``LANG`` starting with ``zh``, such as
``LANG=zh_CN.UTF-8``). An unknown key gets "did you mean …?": the field of the same object whose
name is closest (``filed_onn`` → ``filed_on``), found among the model's own fields.
"""

from __future__ import annotations

import difflib
import os
import typing
from typing import Any, Optional

from pydantic import BaseModel

from .model import Claim, HistoryEntry


def chinese() -> bool:
    """Whether the locale asks for Chinese (the first of LC_ALL, LC_MESSAGES, LANG that is set)."""
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value:
            return value.lower().startswith("zh")
    return False


def _model_in(annotation: Any) -> Optional[type[BaseModel]]:
    """The model an annotation holds (``Member``, ``tuple[Item, ...]``, ``Optional[Payee]``…), or None."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _fields_at(path: list[str]) -> list[str]:
    """The field names of the object at ``path`` (keys and list indexes) of a claim file."""
    model: Optional[type[BaseModel]] = Claim
    if path and path[0] == "history":
        model, path = HistoryEntry, [p for p in path[1:] if not p.isdigit()]
    for part in path:
        if part.isdigit() or model is None:
            continue
        field = model.model_fields.get(part)
        model = _model_in(field.annotation) if field is not None else None
    if model is None:
        return []
    return [f.alias or name for name, f in model.model_fields.items()]


def did_you_mean(field: str) -> Optional[str]:
    """The known key closest to the last key of ``field`` (an unknown key's path), or None."""
    *parent, key = field.split(".")
    close = difflib.get_close_matches(key, _fields_at(parent), n=1, cutoff=0.6)
    return close[0] if close else None


def bad_input_text(exc: Any, zh_only: Optional[bool] = None) -> str:
    """An :class:`~mutualaid.errors.InvalidClaim` as the command line prints it (see the module)."""
    zh_only = chinese() if zh_only is None else zh_only
    n = exc.total
    head = f"输入有误：{n:,} 个字段有误" if zh_only else f"bad input: {n:,} offending field{'s' if n != 1 else ''} / 输入有误：{n:,} 个字段有误"
    lines = [head]
    for e in exc.errors:
        guess = did_you_mean(e.field) if e.code == "field.unknown" else None
        zh = e.message_zh + (f"（是否应为 `{guess}`？）" if guess else "")
        if zh_only:
            lines.append(f"  - {e.field}：{zh}")
        else:
            lines.append(f"  - {e.field}: {e.message}" + (f" (did you mean `{guess}`?)" if guess else ""))
            lines.append(f"    {zh}")
    return "\n".join(lines)
