"""The `loyalty-rules` command line.

Exit status: 0 success; 1 some input was rejected (the valid part is still evaluated and
written); 2 a usage error or an unusable ruleset or plugin. Errors go to standard error, one
line each (`FILE:LINE: where: what`), never a traceback.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import click
import yaml

from .errors import LoyaltyRulesError, ProblemsError
from .io.output import FORMATS, Writer

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2


def _fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(code)


def guarded(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn every error into one line per problem on stderr and the contract's exit code."""
    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ProblemsError as err:
            for problem in err.problems:
                click.echo(str(problem), err=True)
            sys.exit(EXIT_USAGE)
        except LoyaltyRulesError as err:
            _fail(f"error: {err}")
        except BrokenPipeError:  # `loyalty-rules evaluate ... | head`: the reader left
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(EXIT_OK)
        except (OSError, UnicodeDecodeError) as err:
            _fail(f"error: {err}")
        except Exception as err:  # a bug: still one line, unless asked for the traceback
            if os.environ.get("LOYALTY_RULES_DEBUG"):
                raise
            _fail(f"internal error: {type(err).__name__}: {err} "
                  "(set LOYALTY_RULES_DEBUG=1 for the traceback)")
    return run


def _parameters(items: tuple[str, ...]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise click.UsageError(f"--param {item!r}: expected NAME=VALUE")
        values[key.strip()] = yaml.safe_load(text) if text.strip() else ""
    return values


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="loyalty-rules")
def main() -> None:
    """Turn customer-management practice into daily, explained actions."""


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--as-of", "as_of", required=True, metavar="YYYY-MM-DD",
              help="The date to evaluate as of (never the clock: results are reproducible).")
@click.option("--plugin", "plugins", multiple=True, metavar="NAME",
              help="Activate an installed industry pack (repeatable).")
@click.option("--ruleset", "rulesets", multiple=True, type=click.Path(path_type=Path),
              help="Add a custom ruleset file or folder (repeatable).")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
              help="Override a parameter, e.g. profile.dormancy_factor=3 (repeatable).")
@click.option("--format", "fmt", type=click.Choice(FORMATS),
              help="Output format; default: table on a terminal, json otherwise.")
@click.option("--locale", type=click.Choice(["en", "zh"]),
              help="Language of the scripts; default: each customer's locale.")
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False),
              help="Write to a file instead of standard output.")
@click.option("--workers", type=click.IntRange(min=1), metavar="N",
              help="Processes to evaluate with; default: the machine's cores.")
@guarded
def evaluate(paths: tuple[Path, ...], as_of: str, plugins: tuple[str, ...],
             rulesets: tuple[Path, ...], params: tuple[str, ...], fmt: str | None,
             locale: str | None, output: Path | None, workers: int | None) -> None:
    """Evaluate customers (JSON Lines, JSON, or a folder with customers.csv + events.csv)."""
    from .engine.engine import Engine, as_date
    from .engine.parallel import evaluate_parallel, read_records
    from .io.progress import Progress
    from .io.reading import Rejected, read_customers

    day = as_date(as_of)
    engine = Engine(plugins=plugins, rulesets=rulesets, parameters=_parameters(params),
                    locale=locale)
    stream = output.open("w", encoding="utf-8") if output else sys.stdout
    if fmt is None:
        fmt = "table" if output is None and sys.stdout.isatty() else "json"
    read = rejected = 0
    workers = workers or os.cpu_count() or 1
    if workers == 1:
        results = engine.evaluate_many(read_customers(*paths), day)
    else:  # workers parse the JSON Lines, and write the JSON when that is the output
        results = evaluate_parallel(engine, read_records(*paths), day, None, workers,
                                    encode=fmt in ("json", "jsonl"))
    try:
        with Writer(stream, fmt) as writer, Progress(paths) as progress:
            for result in results:
                read += 1
                progress.advance()
                if isinstance(result, Rejected):
                    rejected += 1
                    for problem in result.problems:
                        progress.echo(str(problem))
                else:
                    writer.write(result)
    finally:
        if output:
            stream.close()
    if rejected:
        click.echo(f"{read} read, {read - rejected} evaluated, {rejected} rejected", err=True)
        sys.exit(EXIT_REJECTED)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--plugin", "plugins", multiple=True, metavar="NAME",
              help="Also allow this plugin's actions and facts (default: all installed).")
@guarded
def validate(paths: tuple[Path, ...], plugins: tuple[str, ...]) -> None:
    """Check ruleset files (and folders of them); report every error found."""
    from .engine.checking import validate_paths

    rulesets = validate_paths(paths, plugins or None)
    rules = sum(len(rs.rules) for rs in rulesets)
    click.echo(f"ok: {len(rulesets)} ruleset(s), {rules} rule(s)")


@main.command()
@click.option("--coverage", is_flag=True, help="Show the rules implementing each guideline.")
@click.option("--plugin", "plugins", multiple=True, metavar="NAME",
              help="Count an installed pack's rules too (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@guarded
def guidance(coverage: bool, plugins: tuple[str, ...], fmt: str) -> None:
    """List the guidelines of the course, and which rules implement each."""
    from .engine.checking import guidance_coverage

    rows = guidance_coverage(plugins)
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    covered = 0
    for row in rows:
        rules = row["rules"]
        covered += bool(rules)
        click.echo(f"{row['id']:<13} {row['text'][:90]}")
        if coverage:
            click.echo(f"{'':13} ↳ {', '.join(rules) if rules else '(no rule)'}")
    if coverage:
        click.echo(f"{covered} of {len(rows)} guidelines implemented by at least one rule")


@main.command(name="plugins")
@guarded
def list_plugins() -> None:
    """List the plugins found, with what each adds."""
    from .engine.checking import plugin_inventory

    for name, info in plugin_inventory().items():
        click.echo(f"{name}  ({info['source']})")
        for kind, names in info["adds"].items():
            click.echo(f"    {kind}: {', '.join(names)}")


@main.command(name="test")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--plugin", "plugins", multiple=True, metavar="NAME",
              help="Activate an installed industry pack for every file (repeatable).")
@click.option("--ruleset", "rulesets", multiple=True, type=click.Path(path_type=Path),
              help="Add a custom ruleset file or folder (repeatable).")
@click.option("--require-coverage", is_flag=True,
              help="Fail when a rule under test never fires: the rules of the named "
                   "--plugin and --ruleset, or the core's when none is named.")
@guarded
def run_scenario_tests(paths: tuple[Path, ...], plugins: tuple[str, ...],
                       rulesets: tuple[Path, ...], require_coverage: bool) -> None:
    """Run scenario files: customers at a date, actions expected present or absent.

    Exit status: 0 all cases pass, 1 a case fails (or, with --require-coverage, a rule under
    test never fires), 2 a malformed scenario file or another usage error.
    """
    from .scenarios.runner import ScenarioRunner, summary_lines

    report = ScenarioRunner(plugins=plugins, rulesets=rulesets).run_paths(paths)
    under_test: set[str | None] = {*plugins, *([None] if rulesets else [])} or {"core"}
    lines, missing = summary_lines(report, under_test if require_coverage else None)
    for line in lines:
        click.echo(line)
    if missing:
        click.echo(f"coverage required: {len(missing)} rule(s) under test never fired: "
                   f"{', '.join(missing)}", err=True)
    if report.failed or missing:
        sys.exit(EXIT_REJECTED)


def run() -> None:  # pragma: no cover - console entry point alias
    main()


if __name__ == "__main__":  # pragma: no cover
    main()
