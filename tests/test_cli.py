"""The `mutualaid` command: exit codes, stdout and stderr.

Every invocation is declared in ``INVOCATIONS`` and all of them run once, before the first test
looks at its result. Those in ``IN_A_PROCESS`` run as a user runs them, as separate processes side
by side (each pays the full import cost, and they need not queue): a success, a refusal of bad
input, of garbage, of a missing file and of no command, a failing check, and standard input, so
that the process boundary (exit status, no traceback, what reaches each stream) is tested for every
kind of ending. The others check what the command does, through the same ``main`` the process
runs, called in this process with its own UTF-8 standard output and error (no terminal), which
spares a second of start-up each.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
import yaml

from claimdata import base_claim, edition_data, hist

CASES = Path(__file__).resolve().parent / "cases"


def _yaml(data) -> bytes:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode("utf-8")


def _json(data) -> bytes:
    return json.dumps(data, ensure_ascii=False, default=str).encode("utf-8")


def _claim(patch=None) -> dict:
    c = base_claim()
    if patch:
        patch(c)
    return c


def _pending_claim(c):
    c["documents"] = ["invoice", "medical_record"]


def _edition() -> dict:
    data = json.loads(json.dumps(edition_data(), default=str))
    data["id"] = "test-cli-plan"
    data["tiers"] = [{"at_least": "100.00", "pays": "123.00"}]
    return data


_ok_case = {"name": "ok", "claim": base_claim(), "expect": {"outcome": "approved", "payout": "2000.00"}}

# file name → content; written to a temporary folder
FILES = {
    "claim.yaml": _yaml({"claim": base_claim()}),
    "claim.json": _json({"claim": base_claim(), "history": [hist("C-0000", "A-0001", "2022-03-01", "600.00", "500.00")]}),
    "edition.yaml": _yaml(_edition()),
    "check-digit.yaml": _yaml({"claim": _claim(lambda c: c["member"].update(id_number="440106199003071232"))}),
    "negative.yaml": _yaml({"claim": _claim(lambda c: c["treatments"][0]["items"][0].update(out_of_pocket="-1"))}),
    "unknown-plan.yaml": _yaml({"claim": _claim(lambda c: c.update(plan="gd-nef-2099"))}),
    "quoted-bad-date.yaml": _yaml({"claim": _claim(lambda c: c["accident"].update(occurred_on="2022-02-30"))}),
    "unquoted-bad-date.yaml": _yaml({"claim": base_claim()}).replace(
        b"occurred_on: '2022-03-01'", b"occurred_on: 2022-02-30"
    ),
    "unknown-key.yaml": _yaml({"claim": base_claim(), "histroy": []}),
    "garbage-bytes.yaml": bytes(range(256)) * 4,
    "garbage-yaml.yaml": b"{{{{ not yaml",
    "garbage-list.yaml": b"- just\n- a list\n",
    "garbage-empty.yaml": b"",
    "failing-cases.yaml": _yaml(
        [
            _ok_case,
            {"name": "wrongly expects a denial", "claim": base_claim(), "expect": {"outcome": "denied", "payout": "0.00"}},
            {"name": "wrongly expects bad input", "claim": base_claim(), "expect": {"error": "claim_id"}},
        ]
    ),
    "one-case.yaml": _yaml([_ok_case]),
    "more/two-cases.yml": _yaml([_ok_case, {**_ok_case, "name": "ok again"}]),
    "more/notes.txt": b"not a case file",
    "malformed-cases.yaml": _yaml({"name": "not a list"}),
}

GARBAGE = ["garbage-bytes.yaml", "garbage-yaml.yaml", "garbage-list.yaml", "garbage-empty.yaml"]
BAD_INPUT = {
    "check-digit.yaml": "member.id_number",
    "negative.yaml": "treatments.0.items.0.out_of_pocket",
    "unknown-plan.yaml": "plan",
    "quoted-bad-date.yaml": "accident.occurred_on",
}

# invocation name → (arguments, standard input); {dir} stands for the folder of FILES
INVOCATIONS = {
    "yaml": (["adjudicate", "{dir}/claim.yaml"], None),
    "json": (["adjudicate", "{dir}/claim.json", "--json"], None),
    "stdin": (["adjudicate", "-", "--json"], _json(_claim(_pending_claim))),
    "plan-file": (["adjudicate", "{dir}/claim.yaml", "--json", "--plan", "{dir}/edition.yaml"], None),
    "plan-id": (["adjudicate", "{dir}/claim.yaml", "--json", "--plan", "gd-nef-2022"], None),
    **{f"bad:{name}": (["adjudicate", f"{{dir}}/{name}"], None) for name in BAD_INPUT},
    "unquoted-bad-date": (["adjudicate", "{dir}/unquoted-bad-date.yaml"], None),
    "unknown-key": (["adjudicate", "{dir}/unknown-key.yaml"], None),
    **{f"garbage:{name}": (["adjudicate", f"{{dir}}/{name}"], None) for name in GARBAGE},
    "missing-file": (["adjudicate", "/nonexistent/claim.yaml"], None),
    "check-project": (["check", str(CASES / "art9.yaml"), str(CASES / "art7.yaml")], None),
    "check-failing": (["check", "{dir}/failing-cases.yaml"], None),
    "check-several": (["check", "{dir}/one-case.yaml", "{dir}/more"], None),
    "check-malformed": (["check", "{dir}/malformed-cases.yaml"], None),
    "schema": (["schema"], None),
    "no-command": ([], None),
}


# the invocations run as separate processes: one of each way the command ends
IN_A_PROCESS = {"yaml", "stdin", "bad:check-digit.yaml", "garbage:garbage-bytes.yaml", "missing-file", "check-failing", "no-command"}


def _in_this_process(args: list[str]) -> subprocess.CompletedProcess:
    """``mutualaid.cli.main(args)`` as ``python -m mutualaid.cli`` runs it, its streams UTF-8 pipes
    that are no terminal; an exception it lets out fails the test, as a traceback would."""
    from mutualaid.cli import main

    out, err = (io.TextIOWrapper(io.BytesIO(), encoding="utf-8") for _ in range(2))
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(args)
        except SystemExit as exc:  # argparse's usage errors
            code = exc.code if isinstance(exc.code, int) else 1
    out.flush()
    err.flush()
    return subprocess.CompletedProcess(args, code, out.buffer.getvalue().decode("utf-8"), err.buffer.getvalue().decode("utf-8"))  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def cli(tmp_path_factory) -> dict[str, subprocess.CompletedProcess]:
    folder = tmp_path_factory.mktemp("cli")
    for name, content in FILES.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(content)

    def run(item):
        name, (args, stdin) = item
        proc = subprocess.run(
            [sys.executable, "-m", "mutualaid.cli", *(a.replace("{dir}", str(folder)) for a in args)],
            input=stdin,
            capture_output=True,
            timeout=120,
        )
        return name, subprocess.CompletedProcess(
            proc.args, proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")
        )

    assert all(stdin is None for name, (_, stdin) in INVOCATIONS.items() if name not in IN_A_PROCESS)
    with ThreadPoolExecutor(4) as pool:
        results = pool.map(run, [item for item in INVOCATIONS.items() if item[0] in IN_A_PROCESS])
        here = {name: _in_this_process([a.replace("{dir}", str(folder)) for a in args])
                for name, (args, _) in INVOCATIONS.items() if name not in IN_A_PROCESS}  # fmt: skip
        return {**here, **dict(results)}


def _no_traceback(r):
    assert "Traceback" not in r.stdout + r.stderr, r.stderr


def test_adjudicate_a_yaml_file(cli):
    r = cli["yaml"]
    assert r.returncode == 0, r.stderr
    assert "approved" in r.stdout and "2000.00" in r.stdout and "C-0001" in r.stdout
    assert r.stderr == ""


def test_adjudicate_a_json_file_with_history(cli):
    r = cli["json"]
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert (out["outcome"], out["payout"], out["accident_out_of_pocket"], out["plan"]) == (
        "approved", "1500.00", "3800.00", "gd-nef-2022"
    )  # fmt: skip
    assert out["reasons"] == []
    assert "tier.below_first_tier" in out["passed"]


def test_adjudicate_a_bare_claim_from_stdin_and_list_its_reasons(cli):
    r = cli["stdin"]
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert (out["outcome"], out["payout"]) == ("pending", "0.00")
    assert [(x["clause"], x["rule"], x["effect"], x["subject"]) for x in out["reasons"]] == [
        ("art8.2", "documents.missing", "pend", "claim")
    ]


def test_plan_option_takes_an_edition_file_or_an_id(cli):
    out = json.loads(cli["plan-file"].stdout)
    assert (out["plan"], out["payout"]) == ("test-cli-plan", "123.00")
    out = json.loads(cli["plan-id"].stdout)
    assert (out["plan"], out["payout"]) == ("gd-nef-2022", "2000.00")


@pytest.mark.parametrize(("name", "field"), BAD_INPUT.items(), ids=list(BAD_INPUT))
def test_bad_input_exits_2_naming_the_field(cli, name, field):
    r = cli[f"bad:{name}"]
    assert r.returncode == 2
    assert field in r.stderr
    assert r.stdout == ""
    _no_traceback(r)


def test_unknown_keys_in_the_claim_file_are_bad_input(cli):
    r = cli["unknown-key"]
    assert r.returncode == 2 and "histroy" in r.stderr
    _no_traceback(r)


def test_an_unquoted_nonexistent_date_is_bad_input(cli):
    assert b"occurred_on: 2022-02-30" in FILES["unquoted-bad-date.yaml"]
    r = cli["unquoted-bad-date"]
    _no_traceback(r)
    assert r.returncode == 2
    assert "occurred_on" in r.stderr


@pytest.mark.parametrize("name", GARBAGE)
def test_garbage_exits_non_zero_without_traceback(cli, name):
    r = cli[f"garbage:{name}"]
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert r.stderr.strip()
    _no_traceback(r)


def test_a_missing_file_exits_2(cli):
    r = cli["missing-file"]
    assert r.returncode == 2 and "/nonexistent/claim.yaml" in r.stderr
    _no_traceback(r)


def test_check_passes_on_project_case_files(cli):
    r = cli["check-project"]
    assert r.returncode == 0, r.stdout
    n = sum(len(yaml.safe_load((CASES / f).read_text(encoding="utf-8"))) for f in ("art9.yaml", "art7.yaml"))
    assert r.stdout.strip().splitlines() == [f"{n} passed, 0 failed"]


def test_check_reports_failing_cases_and_exits_1(cli):
    r = cli["check-failing"]
    assert r.returncode == 1
    lines = r.stdout.strip().splitlines()
    assert lines[-1] == "1 passed, 2 failed"
    assert len(lines) == 3
    assert "wrongly expects a denial" in lines[0] and "wrongly expects bad input" in lines[1]


def test_check_takes_files_and_folders(cli):
    r = cli["check-several"]
    assert r.returncode == 0 and r.stdout.strip() == "3 passed, 0 failed"


def test_check_of_a_malformed_case_file_exits_2(cli):
    r = cli["check-malformed"]
    assert r.returncode == 2 and r.stderr.strip()
    _no_traceback(r)


def test_schema_prints_json_with_claim_and_decision(cli):
    r = cli["schema"]
    assert r.returncode == 0, r.stderr
    schema = json.loads(r.stdout)
    assert {"claim", "decision"} <= set(schema)
    assert {"claim_id", "filed_on", "member", "accident", "treatments"} <= set(schema["claim"]["properties"])
    assert set(schema["claim"]["required"]) >= {"claim_id", "filed_on", "member", "accident", "treatments"}
    assert {"outcome", "payout", "reasons", "plan"} <= set(schema["decision"]["properties"])


def test_no_command_is_a_usage_error(cli):
    r = cli["no-command"]
    assert r.returncode == 2 and "usage" in r.stderr.lower()
