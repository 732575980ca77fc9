"""Every output of many claims, written to a file, so that a change to the input path can be proved byte-identical.

    python benchmarks/outputs_snapshot.py generate --claims 100000 INPUTS.jsonl
    python benchmarks/outputs_snapshot.py decide INPUTS.jsonl OUTPUTS.txt
    cmp OUTPUTS-before.txt OUTPUTS-after.txt
    python benchmarks/outputs_snapshot.py freeze --every 10 INPUTS.jsonl tests/data/outputs_frozen.jsonl.gz

``generate`` draws the inputs once (``mutualaid.testing``: claims with histories, one member's
streams of claims, bad claims each breaking one rule, plus ``bench_yardstick.py``'s realistic mix
and the project's case files) and writes them as JSON lines. ``decide`` decides each line with the
library it runs on and writes, per line, the decision's JSON (``model_dump_json``, record included),
its ``model_dump(mode="json")`` as JSON, and the decision without a record; or the refusal's
``InvalidClaim.as_json()``. A stream is decided claim by claim, each decision fed back as the next
claim's history. Run ``decide`` on the same inputs before and after a change: the two output files
must be identical. ``freeze`` keeps a sample of the inputs with their outputs for the suite
(``tests/test_outputs_frozen.py`` decides them again and compares).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "src"))
sys.path.insert(0, HERE)


def generate(n: int, path: str, seed: int) -> None:
    from bench_yardstick import claim as mix_claim
    import yaml

    from mutualaid import yamlio
    from mutualaid.errors import InvalidClaim
    from mutualaid.testing import bad_claims, claim_streams, claims_with_history

    out = open(path, "w", encoding="utf-8")
    written = 0

    def put(kind: str, data) -> None:
        nonlocal written
        out.write(json.dumps({"kind": kind, "data": data}, ensure_ascii=False, default=str) + "\n")
        written += 1

    # A quarter each: claims with history, streams, bad claims, the realistic mix.
    quarter = n // 4
    strategies = (
        ("pair", claims_with_history(), quarter),
        ("stream", claim_streams(max_size=5), quarter // 3),  # about 3 claims a stream
        ("bad", bad_claims(), quarter),
    )
    for kind, strategy, count in strategies:
        if count > 0:
            _draw_all(kind, strategy, count, put)
        print(f"  {kind}: {written:,} lines so far", file=sys.stderr, flush=True)

    rng = random.Random(seed)
    for k in range(max(0, n - written)):
        put("pair", list(mix_claim(rng, k)))
    cases = os.path.join(HERE, "..", "tests", "cases")
    for name in sorted(os.listdir(cases)):
        if name.endswith(".yaml"):
            with open(os.path.join(cases, name), encoding="utf-8") as fp:
                text = fp.read()
            try:
                doc = yamlio.load(text)
            except InvalidClaim:  # a file of bad input that repeats a key: read as YAML reads it, the last value kept
                doc = yaml.safe_load(text)
            for case in doc if isinstance(doc, list) else doc.get("cases", []):
                put("case", {"claim": case.get("claim"), "history": case.get("history") or [], "plan": case.get("plan")})
    out.close()
    print(f"{written:,} lines written to {path}", file=sys.stderr)


def _draw_all(kind: str, strategy, count: int, put) -> None:
    from hypothesis import HealthCheck, Phase, given, settings

    @settings(max_examples=count, database=None, phases=[Phase.generate], deadline=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def draw(x):
        if kind == "bad":
            put(kind, {"claim": x.claim, "history": x.history, "field": x.field})
        else:
            put(kind, x)

    draw()


def outputs(kind: str, data) -> list[str]:
    """The outputs of one input line, as text lines: for a stream, those of each of its claims in order."""
    from mutualaid import adjudicate
    from mutualaid.errors import InvalidClaim
    from mutualaid.testing import history_entry

    def one(claim, history, plan=None) -> tuple[str, object]:
        try:
            d = adjudicate(claim, history, plan=plan)
        except InvalidClaim as exc:
            return json.dumps(exc.as_json(), ensure_ascii=False, default=str, sort_keys=True), None
        bare = adjudicate(claim, history, plan=plan, record=False)
        return "\n".join((d.model_dump_json(), json.dumps(d.model_dump(mode="json"), ensure_ascii=False), bare.model_dump_json())), d

    if kind == "stream":
        out, history = [], []
        for c in data:
            text, d = one(c, history)
            out.append(text)
            if d is not None:
                history.append(history_entry(c, d))
        return out
    if kind == "pair":
        return [one(data[0], data[1])[0]]
    try:
        return [one(data["claim"], data["history"], data.get("plan"))[0]]
    except Exception as exc:  # a case naming an edition file, say: its kind is the output
        return [type(exc).__name__]


def decide(inputs: str, path: str) -> None:
    with open(inputs, encoding="utf-8") as fp, open(path, "w", encoding="utf-8") as out:
        for n, line in enumerate(fp):
            x = json.loads(line)
            out.writelines(text + "\n" for text in outputs(x["kind"], x["data"]))
            if n % 20000 == 0:
                print(f"  {n:,} lines …", file=sys.stderr, flush=True)


def freeze(inputs: str, path: str, every: int) -> None:
    """Every ``every``-th input line with its outputs, gzipped: the suite's frozen expectations."""
    import gzip

    with open(inputs, encoding="utf-8") as fp, gzip.open(path, "wt", encoding="utf-8", compresslevel=9) as out:
        for n, line in enumerate(fp):
            x = json.loads(line)
            if n % every == 0 or x["kind"] == "case":
                out.write(json.dumps({**x, "outputs": outputs(x["kind"], x["data"])}, ensure_ascii=False) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("generate")
    g.add_argument("--claims", type=int, default=100_000)
    g.add_argument("--seed", type=int, default=23)
    g.add_argument("path")
    d = sub.add_parser("decide")
    d.add_argument("inputs")
    d.add_argument("path")
    f = sub.add_parser("freeze", help="every N-th input with its outputs, gzipped (tests/data/outputs_frozen.jsonl.gz)")
    f.add_argument("--every", type=int, default=10)
    f.add_argument("inputs")
    f.add_argument("path")
    args = ap.parse_args()
    if args.cmd == "generate":
        generate(args.claims, args.path, args.seed)
    elif args.cmd == "freeze":
        freeze(args.inputs, args.path, args.every)
    else:
        decide(args.inputs, args.path)


if __name__ == "__main__":
    main()
