"""What several commands read from their arguments: a claim file, and the edition an ``--plan`` or
``--edition`` names."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from ..edition import InvalidEdition
from ..plan import UnknownEdition, resolve
from ..terminal import UsageError
from ..yamlio import YAMLError, load_claim_document


def read_document(path: str) -> Any:
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{path}: the file does not exist / 文件不存在") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {path}: {exc}") from None
    if not text.strip():
        raise UsageError(f"{path} is empty: a claim file holds a claim, in YAML or JSON / 文件为空")
    as_json = path.endswith(".json") or (not path.endswith((".yaml", ".yml")) and text.lstrip().startswith(("{", "[")))
    if as_json:  # meant as JSON (a .json file, or standard input that starts as JSON does): read by JSON's rules
        try:
            json.loads(text)  # YAML would take a trailing comma, and report the rest as a flow mapping
        except ValueError as bad:
            raise UsageError(f"{path} is not JSON: {bad} / 不是有效的 JSON") from None
    try:
        return load_claim_document(text)  # a repeated key is bad input naming the claim's field
    except YAMLError as exc:
        raise UsageError(f"{path} is not YAML or JSON: {exc}") from None


def edition_arg(value: str | None, *, unknown_to_adjudicate: bool = False):
    """The edition an --plan or --edition argument names (:func:`mutualaid.plan.resolve`), or a tidy
    UsageError. With ``unknown_to_adjudicate``, an unknown id is handed on as given, so that
    ``adjudicate`` names it as the field ``plan`` among every other bad field of the claim."""
    if value is not None and value.endswith((".yaml", ".yml", ".json")) and not os.path.exists(value):
        raise UsageError(f"{value}: the edition file does not exist / 版本文件不存在")
    try:
        return resolve(value)
    except UnknownEdition as exc:
        if unknown_to_adjudicate:
            return value
        raise UsageError(f"{value!r} is neither an edition file nor a known edition (known: {', '.join(exc.known)})") from None
    except (InvalidEdition, OSError) as exc:
        raise UsageError(f"{value} is not an edition: {exc}") from None
