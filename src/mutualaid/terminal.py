"""What the command line and its commands share: their errors, the edition they default to, how they write to a terminal.

Light on purpose (the standard library only): :mod:`mutualaid.cli` imports it to read the command
line, and :mod:`mutualaid.commands` to run a command, so neither imports the other.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from typing import Any

DEFAULT_EDITION = "gd-nef-2022"  # what `rules --compiled` prints without --plan: the edition the rules are written for


class UsageError(Exception):
    """A file the command cannot read or understand (exit status 2)."""


class OutputError(Exception):
    """An output could not be written: a full disk, a closed pipe, an I/O error (exit status 4)."""


def _width(stream) -> int | None:
    """A terminal's width, for rich to wrap long lines at (between words, keeping their indent); None for a pipe."""
    return shutil.get_terminal_size().columns if stream.isatty() else None


def _colour(stream) -> bool:
    """Colours on a terminal only, and never when NO_COLOR is set (https://no-color.org)."""
    return stream.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


def _utf8_stdout() -> bool:
    return (getattr(sys.stdout, "encoding", None) or "utf-8").lower().replace("_", "-") in ("utf-8", "utf8")


def _print_json(data: Any) -> None:
    """JSON to standard output: UTF-8 text, or ``\\u`` escapes where the stream cannot carry it."""
    print(json.dumps(data, ensure_ascii=not _utf8_stdout(), indent=2), file=sys.stdout)
