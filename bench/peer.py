"""The end-to-end peer: what a team would run every night without a rule engine.

    uv run python bench/peer.py IN.jsonl --as-of 2026-11-15 -o OUT.jsonl

Reads JSON Lines (orjson, with `loyalty_rules.parse_customer`'s validation), decides with
`bench/baseline.py` (the core rules by hand) and writes the same JSON Lines as
``loyalty-rules evaluate IN --as-of DATE --format jsonl -o OUT`` — byte for byte
(`bench/ab.py --same` checks it before any timing). The guidance ids, explanation fields and
params order of each rule are read from the rulesets once, at start-up; each decision is
hand-written Python. One process, no engine, no durable_rules. Rejected records are
reported on standard error, as the CLI does.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

from baseline import decide_customer  # noqa: E402

from loyalty_rules import RecordError, parse_customer  # noqa: E402
from loyalty_rules.engine.evaluation import read_field as _field  # noqa: E402


def rule_tables() -> dict[str, tuple[list[str], tuple[str, ...], tuple[str, ...]]]:
    """Per core rule: guidance ids, the fields its conditions read, its params in order."""
    from loyalty_rules.engine.building import build_setup
    from loyalty_rules.language.compiler import compile_rulesets
    from loyalty_rules.plugins.manager import get_plugin_manager
    from loyalty_rules.plugins.registry import collect

    setup = build_setup(collect(get_plugin_manager(), ("core",)), [], {})
    program = compile_rulesets(setup.rulesets, setup.parameters)
    return {key: (list(rule.rule.guidance), rule.reads,
                  tuple(name for name, _ in getattr(rule.rule.then, "params", ())))
            for key, rule in program.rules.items()}


def contract(decision: dict[str, Any], profile_values: dict[str, Any],
             tables: dict[str, Any]) -> dict[str, Any]:
    """The baseline's decision in the contract's shape, keys in the contract's order."""
    derived = decision["profile"].get("derived")
    base = dict(profile_values, derived=derived) if derived else profile_values
    items = decision["items"]
    recommendations = []
    for rec in decision["recommendations"]:
        guidance, reads, order = tables[f"{rec.ruleset}/{rec.rule}"]
        item = items[rec.id]
        fact = base if item is None else dict(base, **{item.kind: item.values})
        shaped = rec.to_dict()  # the contract's keys in order; three filled as the engine does
        shaped["guidance"] = guidance
        shaped["params"] = {k: rec.params[k] for k in order if k in rec.params}
        shaped["explanation"] = {n: _field(fact, n) for n in reads}
        recommendations.append(shaped)
    return {"customer_id": decision["customer_id"], "as_of": decision["as_of"],
            "profile": decision["profile"], "recommendations": recommendations,
            "suppressed": [s.to_dict() for s in decision["suppressed"]]}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("--as-of", required=True)
    parser.add_argument("-o", "--output", required=True)
    args = parser.parse_args()
    as_of = dt.date.fromisoformat(args.as_of)
    tables = rule_tables()
    rejected = 0
    with open(args.path, encoding="utf-8-sig") as lines, \
            open(args.output, "wb") as out:
        for number, text in enumerate(lines, start=1):
            if text.isspace():
                continue
            try:
                customer = parse_customer(orjson.loads(text), (args.path, number))
            except (orjson.JSONDecodeError, RecordError) as err:
                rejected += 1
                print(f"{args.path}:{number}: {err}", file=sys.stderr)
                continue
            decision, values = decide_customer(customer, as_of, with_profile=True)
            out.write(orjson.dumps(contract(decision, values, tables)) + b"\n")
    return 1 if rejected else 0


if __name__ == "__main__":
    sys.exit(main())
