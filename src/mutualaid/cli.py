"""The ``mutualaid`` command: adjudicate a claim file, check case files, print the JSON Schema.

This module reads the command line; :mod:`mutualaid.commands` does what each command says, a module
a command, imported once the arguments are read, so that ``--help`` loads no rule, model or ledger.

Bad input exits with status 2 and a message naming the fields; a failing case check exits 1; an
output that cannot be written (a full disk, a closed pipe) exits 4. No traceback reaches the terminal.
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
from importlib import import_module
from typing import Sequence

from . import __version__
from .errors import InvalidClaim, UnknownEngine
from .spill import SPILL_AFTER
from .terminal import DEFAULT_EDITION, OutputError, UsageError, _utf8_stdout


ENGINES = ("native", "durable")  # the shipped names of mutualaid.engine.ENGINES, without importing it for --help


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="mutualaid", description="Adjudicate mutual-aid claims (广东省工会会员专属意外医疗互助保障计划).")
    p.add_argument("--version", action="version", version=f"mutualaid {_version()}")
    sub = p.add_subparsers(dest="command", required=True)

    a = sub.add_parser("adjudicate", help="decide a claim file (YAML or JSON: {claim, history?})")
    a.add_argument("file", help="the claim file, or - for standard input")
    a.add_argument("--json", action="store_true", help="print the decision as JSON")
    a.add_argument("--plan", help="an edition id or an edition file (default: the claim's plan)")
    a.add_argument("--engine", default="native", choices=ENGINES, help="which engine decides (default: native)")
    a.add_argument("--record", action="store_true", help="print a replayable record: the canonical input and the decision (see replay)")

    c = sub.add_parser("check", help="run case files (CONTRACT §6)")
    c.add_argument("paths", nargs="+", help="case files or folders of them")
    c.add_argument("--engine", default="native", choices=ENGINES, help="which engine decides (default: native)")

    s = sub.add_parser("schema", help="print the JSON Schema of the claim, a history entry and the decision")

    r = sub.add_parser("replay", help="decide a stored record again; exit 0 if identical, 1 if it differs (and why)")
    r.add_argument("record", help="a record written by `adjudicate --record`, or - for standard input")
    r.add_argument("--plan", help="an edition file to use instead of the edition the record names")

    ru = sub.add_parser("rules", help="list the rules; --markdown writes docs/rules.md")
    ru.add_argument("--markdown", action="store_true", help="every clause of 附件4 with its text, rules and hints")
    ru.add_argument("--tests", help="with --markdown: a tests folder, to list the tests and cases that pin each clause")
    ru.add_argument("--compiled", action="store_true", help="print the Python that the native engine runs for an edition: derivation, matching and assessment in one pass")
    ru.add_argument("--plan", help=f"with --compiled: the edition, an id or a file (default: {DEFAULT_EDITION})")
    b = sub.add_parser("batch", help="decide a stream of claims (JSON lines) through a ledger; one decision or error record per line")
    b.add_argument("input", help="claims, one JSON object a line, in filing order per member; - for standard input")
    b.add_argument("output", help="decisions and error records, one a line, in input order; - for standard output")
    b.add_argument("--jobs", type=int, default=1, help="processes, each deciding its share of the members (default: 1)")
    b.add_argument("--ledger", help="a ledger file (JSON lines): earlier decided claims in, this run's out; a killed run resumes from it")
    b.add_argument(
        "--spill-after",
        type=int,
        default=SPILL_AFTER,
        metavar="N",
        help=f"hold at most N decided claims in memory per process, then move the history to a temporary SQLite file (default: {SPILL_AFTER:,})",
    )
    b.add_argument("--db", metavar="URL", help="decide against a SQL store (sqlite:///ledger.db, postgresql+psycopg://…; pip install 'mutualaid[db]'): its history in, every decision kept; run again to resume (docs/backends.md)")
    b.add_argument("--checkpoint-every", type=int, default=10_000, metavar="N", help="with --ledger: make output and ledger durable every N lines (default: 10000)")
    b.add_argument("--plan", help="an edition id or an edition file for every claim (default: each claim's plan)")
    b.add_argument("--engine", default="native", choices=ENGINES, help="which engine decides (default: native)")
    b.add_argument("--no-record", dest="record", action="store_false", help="leave out each decision's replay record (hashing the input costs about a tenth of a line)")
    db = sub.add_parser("db", help="the SQL store's schema: upgrade it (Alembic migrations shipped in the package), or say where it is")
    db.add_argument("action", choices=("upgrade", "current"), help="upgrade: to this library's schema; current: print the store's revision")
    db.add_argument("url", help="the store: sqlite:///ledger.db or postgresql+psycopg://user@host/db")

    d = sub.add_parser("diff", help="what-if: decide the same claims under two editions; per-claim changes and totals")
    d.add_argument("input", help="claims, one JSON object a line (as for batch); - for standard input")
    d.add_argument("--edition", action="append", required=True, metavar="EDITION", help="an edition id or edition file; give it twice: A (before), then B (after)")
    d.add_argument("--json", action="store_true", help="JSON lines: the editions, one line per changed claim, then the totals")
    d.add_argument("--jobs", type=int, default=1, help="processes, each deciding its share of the members (default: 1)")
    d.add_argument("--engine", default="native", choices=ENGINES, help="which engine decides (default: native)")
    sv = sub.add_parser("serve", help="run the HTTP service (pip install 'mutualaid[server]', from a checkout '.[server]'); docs/server.md")
    sv.add_argument("--host", help="the address to listen on (MUTUALAID_HOST; default: 127.0.0.1)")
    sv.add_argument("--port", type=int, help="the port (MUTUALAID_PORT; default: 8000)")
    sv.add_argument("--workers", type=int, help="processes answering requests (MUTUALAID_WORKERS; default: 1)")
    sv.add_argument("--body-limit", type=int, metavar="BYTES", help="the largest JSON body (MUTUALAID_BODY_LIMIT; default: 1 MiB)")
    sv.add_argument("--batch-limit", type=int, metavar="BYTES", help="the largest /v1/batch body (MUTUALAID_BATCH_LIMIT; default: 64 MiB)")
    sv.add_argument("--line-limit", type=int, metavar="BYTES", help="the longest /v1/batch line (MUTUALAID_LINE_LIMIT; default: 256 KiB)")
    sv.add_argument("--threads", type=int, help="decisions a worker runs at once, off its event loop (MUTUALAID_THREADS; default: 2)")
    sv.add_argument("--queue", type=int, help="decisions that may wait for a thread; past them, 503 with Retry-After (MUTUALAID_QUEUE; default: 64)")
    sv.add_argument("--connections", type=int, help="connections a worker keeps at once; past them, 503 (MUTUALAID_CONNECTIONS; default: 256)")
    sv.add_argument("--header-limit", type=int, metavar="BYTES", help="the largest request line and headers; past it, 431 (MUTUALAID_HEADER_LIMIT; default: 16 KiB)")
    sv.add_argument("--header-timeout", type=float, metavar="SECONDS", help="time to send a request's line and headers; then 408 (MUTUALAID_HEADER_TIMEOUT; default: 10)")
    sv.add_argument("--body-timeout", type=float, metavar="SECONDS", help="time for a body to arrive (a batch: each piece of it); then 408 (MUTUALAID_BODY_TIMEOUT; default: 30)")
    sv.add_argument("--keep-alive", type=float, metavar="SECONDS", help="how long an idle connection stays open (MUTUALAID_KEEP_ALIVE; default: 5)")
    sv.add_argument(
        "--plan",
        action="append",
        metavar="FILE",
        help="an edition file to load: a claim or a batch names it by its id (plan); a claim without a plan is never decided under it; repeatable (MUTUALAID_EDITIONS: files separated by the path separator)",
    )
    sv.add_argument("--db", metavar="URL", help="a SQL store (sqlite:///ledger.db, postgresql+psycopg://…): adds POST /v1/claims, GET /v1/claims/{id}, GET /v1/members/{id} (MUTUALAID_DB; docs/backends.md)")
    sv.add_argument("--log-level", choices=("critical", "error", "warning", "info", "debug"), help="(MUTUALAID_LOG_LEVEL; default: info)")
    return p


def _version() -> str:
    return __version__


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    _escape_what_stdout_cannot_carry()
    # A command's module, and the rules and models it uses, are imported once the arguments are read,
    # and only that command's: --help and a mistyped option load none (:mod:`mutualaid.commands`).
    command = import_module(f".commands.{args.command}", __package__)
    try:
        status = command.run(args)
        sys.stdout.flush()  # here, where a closed pipe is met as BrokenPipeError, not at the interpreter's exit
        return status
    except InvalidClaim as exc:
        print(import_module(".cli_errors", __package__).bad_input_text(exc), file=sys.stderr)  # its models, for bad input only
        return 2
    except (UsageError, UnknownEngine) as exc:
        print(f"mutualaid: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        _quiet_stdout()
        if args.command != "batch":  # a listing read by `head`: end quietly, as Unix tools do (128 + SIGPIPE)
            return 141
        print("mutualaid: cannot write the output: the reader closed the pipe before the end", file=sys.stderr)
        return 4
    except OutputError as exc:
        _quiet_stdout()
        print(f"mutualaid: {exc}", file=sys.stderr)
        return 4
    except OSError as exc:  # reading or writing failed: an I/O error, not an internal one
        _quiet_stdout()
        why = "the disk is full" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else (exc.strerror or str(exc))
        where = f" ({exc.filename})" if exc.filename else ""
        print(f"mutualaid: I/O error{where}: {why}", file=sys.stderr)
        return 4
    except Exception as exc:  # never a traceback on the terminal
        print(f"mutualaid: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 3


def _quiet_stdout() -> None:
    """After a failed write to standard output, point it at /dev/null, so that the interpreter's own
    flush at exit does not fail a second time (and print a traceback)."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def _escape_what_stdout_cannot_carry() -> None:
    """On a standard output that is not UTF-8 (a C locale, ``PYTHONIOENCODING=ascii``), write the
    characters its encoding lacks as backslash escapes instead of failing (issue 13: such a stdout
    made ``adjudicate`` exit 3). JSON is written with ``\\u`` escapes there (see :func:`mutualaid.terminal._print_json`)."""
    if not _utf8_stdout():
        try:
            sys.stdout.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
        except (AttributeError, ValueError):
            pass


if __name__ == "__main__":
    sys.exit(main())
