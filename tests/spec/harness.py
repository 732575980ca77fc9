"""Running ``mutualaid`` in-process from inside a property, where pytest's ``capsys`` cannot go
(a function-scoped fixture is shared by every example Hypothesis runs)."""

from __future__ import annotations

import contextlib
import io

from mutualaid.cli import main


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """``(exit status, stdout, stderr)`` of ``mutualaid *argv``; SystemExit (argparse) is a status too."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(argv)
        except SystemExit as exc:
            status = exc.code if isinstance(exc.code, int) else 1
    return status, out.getvalue(), err.getvalue()
