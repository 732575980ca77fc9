"""What each ``mutualaid`` command does; :mod:`mutualaid.cli` reads the command line and runs one.

The command line imports this module only after it has read its arguments, so that ``mutualaid
--help`` (and a mistyped option) never loads the rules, pydantic or the ledger. Everything here is
imported at the top, but the service (``server`` extra) and the SQL store (``db`` extra), which a
command names when they are missing.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from . import yamlio
from .batch import BatchError, BatchIOError
from .batch import run as run_batch
from .cases import CaseFileError
from .cases import run as run_cases
from .cli_errors import bad_input_text
from .compiled import source as compiled_source
from .decide import adjudicate
from .edition import InvalidEdition
from .ledger.store import StoreError
from .model import schema_document
from .plan import UnknownEdition, resolve
from .render import decision_text
from .replay import RecordError, replay, store
from .rulebook import markdown, rule_table
from .rules import RULES, rules_for
from .terminal import DEFAULT_EDITION, OutputError, UsageError, _colour, _print_json, _width
from .whatif import diff


def _read_document(path: str) -> Any:
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
    claim, history = yamlio.split_claim_document(_read_document(args.file))
    plan = _edition_arg(args.plan, unknown_to_adjudicate=True)
    decision = adjudicate(claim, history, plan=plan, engine=args.engine)
    if args.record:
        _print_json(store(decision, claim, history, plan=plan))
    elif args.json:
        _print_json(decision.model_dump(mode="json"))
    else:
        print(decision_text(decision, colour=_colour(sys.stdout), width=_width(sys.stdout)))
    return 0


def cmd_replay(args) -> int:
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
    if args.tests and not args.markdown:
        raise UsageError("--tests lists the tests beside each clause of the --markdown page: give --markdown too")
    if args.compiled:
        if args.markdown:
            raise UsageError("--compiled prints the Python that runs; --markdown the clauses: give one of them")
        edition = _edition_arg(args.plan or DEFAULT_EDITION)
        sys.stdout.write(compiled_source(rules_for(edition), edition))
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
    passed = failed = 0
    try:
        for result in run_cases(args.paths, engine=args.engine):
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
    print(json.dumps(schema_document(), ensure_ascii=False, indent=2, sort_keys=True))
    return 0


def cmd_batch(args) -> int:
    _edition_arg(args.plan)  # an unknown edition fails here, before any line is read
    try:
        done = run_batch(
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
        from .ledger.sql import _engine, migrations as migrate  # db extra: its ImportError names it
    except ImportError as exc:
        raise UsageError(str(exc)) from None
    from sqlalchemy.exc import ArgumentError, DBAPIError  # db extra, there once ledger.sql imported

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
        from .server import Settings, SettingsError, serve  # server extra: its ImportError names it
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
