"""The ``mutualaid`` command: adjudicate a claim file, check case files, print the JSON Schema.

Bad input exits with status 2 and a message naming the fields; a failing case check exits 1; an
output that cannot be written (a full disk, a closed pipe) exits 4. No traceback reaches the terminal.
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import sys
from pathlib import Path
from typing import Any, Sequence

from .spill import SPILL_AFTER


class UsageError(Exception):
    """A file the command cannot read or understand (exit status 2)."""


def _read_document(path: str) -> Any:
    from . import yamlio

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
        return yamlio.load_claim_document(text)  # a repeated key is bad input naming the claim's field
    except yamlio.YAMLError as exc:
        raise UsageError(f"{path} is not YAML or JSON: {exc}") from None


def _edition_arg(value: str | None, *, unknown_to_adjudicate: bool = False):
    """The edition an --plan or --edition argument names (:func:`mutualaid.plan.resolve`), or a tidy
    UsageError. With ``unknown_to_adjudicate``, an unknown id is handed on as given, so that
    ``adjudicate`` names it as the field ``plan`` among every other bad field of the claim."""
    from .edition import InvalidEdition
    from .plan import UnknownEdition, resolve

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


def cmd_adjudicate(args) -> int:
    from .decide import adjudicate

    from .yamlio import split_claim_document

    claim, history = split_claim_document(_read_document(args.file))
    plan = _edition_arg(args.plan, unknown_to_adjudicate=True)
    decision = adjudicate(claim, history, plan=plan, engine=args.engine)
    if args.record:
        from .replay import store

        _print_json(store(decision, claim, history, plan=plan))
    elif args.json:
        _print_json(decision.model_dump(mode="json"))
    else:
        from .render import decision_text

        print(decision_text(decision, colour=_colour(sys.stdout), width=_width(sys.stdout)))
    return 0


def _width(stream) -> int | None:
    """A terminal's width, for rich to wrap long lines at (between words, keeping their indent); None for a pipe."""
    import shutil

    return shutil.get_terminal_size().columns if stream.isatty() else None


def _colour(stream) -> bool:
    """Colours on a terminal only, and never when NO_COLOR is set (https://no-color.org)."""
    import os

    return stream.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


def cmd_replay(args) -> int:
    from .replay import RecordError, replay

    if args.plan is not None and not os.path.isfile(args.plan):
        raise UsageError("--plan for replay takes an edition file (the record names its edition id)")
    plan = _edition_arg(args.plan)
    try:
        result = replay(_read_document(args.record), plan=plan)
    except RecordError as exc:
        raise UsageError(f"{args.record}: {exc}") from None
    print(result)
    return 0 if result.identical else 1


def cmd_rules(args) -> int:
    from .rulebook import markdown, rule_table
    from .rules import RULES

    if args.tests and not args.markdown:
        raise UsageError("--tests lists the tests beside each clause of the --markdown page: give --markdown too")
    if args.compiled:
        if args.markdown:
            raise UsageError("--compiled prints the Python that runs; --markdown the clauses: give one of them")
        from .compiled import source
        from .rules import rules_for

        edition = _edition_arg(args.plan or DEFAULT_EDITION)
        sys.stdout.write(source(rules_for(edition), edition))
        return 0
    if args.plan:
        raise UsageError("--plan names the edition whose compiled pass --compiled prints: give --compiled too")
    if args.markdown:
        tests = Path(args.tests) if args.tests else None
        if tests is not None and not tests.is_dir():
            raise UsageError(f"{args.tests} is not a folder")
        sys.stdout.write(markdown(RULES, tests))
    else:
        print(rule_table(RULES))
    return 0


def cmd_check(args) -> int:
    from .cases import CaseFileError, run

    passed = failed = 0
    try:
        for result in run(args.paths, engine=args.engine):
            if result.passed:
                passed += 1
            else:
                failed += 1
                print(result)
    except CaseFileError as exc:
        raise UsageError(str(exc)) from None
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


def cmd_schema(args) -> int:
    print(json.dumps(model.schema_document(), ensure_ascii=False, indent=2, sort_keys=True))
    return 0


class OutputError(Exception):
    """An output could not be written: a full disk, a closed pipe, an I/O error (exit status 4)."""


def cmd_batch(args) -> int:
    from .batch import BatchError, BatchIOError, run

    _edition_arg(args.plan)  # an unknown edition fails here, before any line is read
    try:
        done = run(
            args.input,
            args.output,
            plan=args.plan,
            engine=args.engine,
            record=args.record,
            jobs=args.jobs,
            ledger=args.ledger,
            checkpoint_every=args.checkpoint_every,
            spill_after=args.spill_after,
            db=args.db,
        )
    except BatchIOError as exc:
        raise OutputError(str(exc)) from None
    except BatchError as exc:
        raise UsageError(str(exc)) from None
    if done.complete:
        print(f"already complete: {args.ledger} holds this very run (same IN, OUT and options), finished; nothing was changed", file=sys.stderr)
    if done.resumed_at:
        print(f"resumed after line {done.resumed_at:,}", file=sys.stderr)
    print(done.summary, file=sys.stderr)
    return 0


def cmd_db(args) -> int:
    """``mutualaid db upgrade URL`` / ``db current URL``: the SQL store's schema (Alembic), for operators
    who migrate before they deploy (a store is also upgraded when a process opens it)."""
    try:
        from sqlalchemy.exc import ArgumentError

        from .ledger import migrate
        from .ledger.sql import _engine
        from .ledger.store import StoreError
    except ImportError as exc:
        raise UsageError(str(exc)) from None
    from sqlalchemy.exc import DBAPIError

    try:
        engine = _engine(args.url, 1)
    except (ArgumentError, ValueError) as exc:
        raise UsageError(f"not a database URL: {args.url} ({exc})") from None
    try:
        if args.action == "upgrade":
            revision = migrate.upgrade(engine)
        else:
            with engine.connect() as conn:
                revision = migrate.current(conn)
    except (DBAPIError, StoreError) as exc:
        raise UsageError(f"cannot reach the store: {' '.join(str(getattr(exc, 'orig', exc)).split())}") from None
    finally:
        engine.dispose()
    print(f"{revision or 'empty'} (this library's newest: {migrate.head()})")
    return 0


def cmd_diff(args) -> int:
    from .whatif import diff

    if len(args.edition) != 2:
        raise UsageError("diff takes exactly two editions: --edition A --edition B")
    for e in args.edition:
        _edition_arg(e)
    if args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    try:
        source = sys.stdin.buffer if args.input == "-" else open(args.input, "rb")
    except OSError as exc:
        raise UsageError(f"cannot read {args.input}: {exc.strerror or exc}") from None
    try:
        size = None if args.input == "-" else Path(args.input).stat().st_size
        a, b = args.edition
        # On a terminal the change lines are the progress: a bar on the same screen would leave its
        # fragments between them in the scrollback.
        progress = False if sys.stdout.isatty() else None
        diff(source, a, b, sys.stdout, as_json=args.json, engine=args.engine, jobs=args.jobs, total_bytes=size, progress=progress)
    finally:
        if args.input != "-":
            source.close()
    return 0


def cmd_serve(args) -> int:
    try:
        from .server import Settings, SettingsError, serve
    except ImportError as exc:
        raise UsageError(str(exc) if "mutualaid[server]" in str(exc) else f"serve needs the service's extra, pip install 'mutualaid[server]' (from a checkout: pip install '.[server]'): {exc}") from None
    try:
        settings = Settings.from_env(
            host=args.host,
            port=args.port,
            workers=args.workers,
            body_limit=args.body_limit,
            batch_limit=args.batch_limit,
            line_limit=args.line_limit,
            threads=args.threads,
            queue=args.queue,
            connections=args.connections,
            header_limit=args.header_limit,
            header_timeout=args.header_timeout,
            body_timeout=args.body_timeout,
            keep_alive=args.keep_alive,
            editions=args.plan,
            log_level=args.log_level,
            db=args.db,
        )
        serve(settings)
    except SettingsError as exc:
        raise UsageError(str(exc)) from None
    return 0


DEFAULT_EDITION = "gd-nef-2022"  # what `rules --compiled` prints without --plan: the edition the rules are written for

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
    a.set_defaults(func=cmd_adjudicate)

    c = sub.add_parser("check", help="run case files (CONTRACT §6)")
    c.add_argument("paths", nargs="+", help="case files or folders of them")
    c.add_argument("--engine", default="native", choices=ENGINES, help="which engine decides (default: native)")
    c.set_defaults(func=cmd_check)

    s = sub.add_parser("schema", help="print the JSON Schema of the claim, a history entry and the decision")
    s.set_defaults(func=cmd_schema)

    r = sub.add_parser("replay", help="decide a stored record again; exit 0 if identical, 1 if it differs (and why)")
    r.add_argument("record", help="a record written by `adjudicate --record`, or - for standard input")
    r.add_argument("--plan", help="an edition file to use instead of the edition the record names")
    r.set_defaults(func=cmd_replay)

    ru = sub.add_parser("rules", help="list the rules; --markdown writes docs/rules.md")
    ru.add_argument("--markdown", action="store_true", help="every clause of 附件4 with its text, rules and hints")
    ru.add_argument("--tests", help="with --markdown: a tests folder, to list the tests and cases that pin each clause")
    ru.add_argument("--compiled", action="store_true", help="print the Python that the native engine runs for an edition: derivation, matching and assessment in one pass")
    ru.add_argument("--plan", help=f"with --compiled: the edition, an id or a file (default: {DEFAULT_EDITION})")
    ru.set_defaults(func=cmd_rules)
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
    b.set_defaults(func=cmd_batch)
    db = sub.add_parser("db", help="the SQL store's schema: upgrade it (Alembic migrations shipped in the package), or say where it is")
    db.add_argument("action", choices=("upgrade", "current"), help="upgrade: to this library's schema; current: print the store's revision")
    db.add_argument("url", help="the store: sqlite:///ledger.db or postgresql+psycopg://user@host/db")
    db.set_defaults(func=cmd_db)

    d = sub.add_parser("diff", help="what-if: decide the same claims under two editions; per-claim changes and totals")
    d.add_argument("input", help="claims, one JSON object a line (as for batch); - for standard input")
    d.add_argument("--edition", action="append", required=True, metavar="EDITION", help="an edition id or edition file; give it twice: A (before), then B (after)")
    d.add_argument("--json", action="store_true", help="JSON lines: the editions, one line per changed claim, then the totals")
    d.add_argument("--jobs", type=int, default=1, help="processes, each deciding its share of the members (default: 1)")
    d.add_argument("--engine", default="native", choices=ENGINES, help="which engine decides (default: native)")
    d.set_defaults(func=cmd_diff)
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
    sv.set_defaults(func=cmd_serve)
    return p


def _version() -> str:
    from . import __version__

    return __version__


def main(argv: Sequence[str] | None = None) -> int:
    from .errors import InvalidClaim, UnknownEngine

    args = parser().parse_args(argv)
    _escape_what_stdout_cannot_carry()
    try:
        status = args.func(args)
        sys.stdout.flush()  # here, where a closed pipe is met as BrokenPipeError, not at the interpreter's exit
        return status
    except InvalidClaim as exc:
        from .cli_errors import bad_input_text

        print(bad_input_text(exc), file=sys.stderr)
        return 2
    except (UsageError, UnknownEngine) as exc:
        print(f"mutualaid: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        _quiet_stdout()
        if args.func is not cmd_batch:  # a listing read by `head`: end quietly, as Unix tools do (128 + SIGPIPE)
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
    import os

    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def _utf8_stdout() -> bool:
    return (getattr(sys.stdout, "encoding", None) or "utf-8").lower().replace("_", "-") in ("utf-8", "utf8")


def _escape_what_stdout_cannot_carry() -> None:
    """On a standard output that is not UTF-8 (a C locale, ``PYTHONIOENCODING=ascii``), write the
    characters its encoding lacks as backslash escapes instead of failing (issue 13: such a stdout
    made ``adjudicate`` exit 3). JSON is written with ``\\u`` escapes there (see :func:`_print_json`)."""
    if not _utf8_stdout():
        try:
            sys.stdout.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
        except (AttributeError, ValueError):
            pass


def _print_json(data: Any) -> None:
    """JSON to standard output: UTF-8 text, or ``\\u`` escapes where the stream cannot carry it."""
    print(json.dumps(data, ensure_ascii=not _utf8_stdout(), indent=2), file=sys.stdout)


if __name__ == "__main__":
    sys.exit(main())
