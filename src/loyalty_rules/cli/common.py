"""What every command shares: the exit statuses, one-line errors (`guarded`), `--param`."""

from __future__ import annotations

import contextlib
import functools
import math
import os
import re
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import click
import yaml

from ..errors import Interrupted, LoyaltyRulesError, ProblemsError, UsageError, one_line

#: 0 success; 1 some input rejected (the rest evaluated and written); 2 usage error or an
#: unusable ruleset, plugin or input file (nothing written); 3 the run failed midway (no output
#: written, a previous one unchanged); 130 interrupted (Ctrl-C), 143 terminated (SIGTERM).
EXIT_OK, EXIT_REJECTED, EXIT_USAGE, EXIT_FAILED = 0, 1, 2, 3
EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 143


@contextlib.contextmanager
def interrupted() -> Iterator[None]:
    """Turn Ctrl-C and SIGTERM into `Interrupted` (args: signal name, exit status) while the
    block runs, so a run can tidy up its output; a plugin's own KeyboardInterrupt stays that
    plugin's failure."""
    def stop(number: int, frame: Any) -> None:
        name = signal.Signals(number).name
        raise Interrupted(name, EXIT_INTERRUPTED if number == signal.SIGINT else EXIT_TERMINATED)

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {number: signal.signal(number, stop) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def plugin_option(help: str = "Activate an installed industry pack (repeatable).") -> Any:
    return click.option("--plugin", "plugins", multiple=True, metavar="NAME", help=help)


def ruleset_option(help: str = "Add a custom ruleset file or folder (repeatable).") -> Any:
    return click.option("--ruleset", "rulesets", multiple=True,
                        type=click.Path(path_type=Path), help=help)


def param_option(example: str = "") -> Any:
    example = f", e.g. {example}" if example else ""
    return click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
                        help=f"Override a parameter{example} (repeatable).")


def engine_options(param_example: str = "") -> Callable[[Any], Any]:
    """``--plugin``, ``--ruleset`` and ``--param``: what builds an `Engine`, for every command
    that builds one."""
    def add(command: Any) -> Any:
        for option in (param_option(param_example), ruleset_option(), plugin_option()):
            command = option(command)
        return command
    return add


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
        except KeyboardInterrupt:
            _fail("interrupted", EXIT_INTERRUPTED)
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


#: A number as people write it, including what YAML 1.1 reads as text (``3e-1``, ``1e308``).
_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


def _parameters(items: tuple[str, ...]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--param {item!r}: expected NAME=VALUE")
        values[key.strip()] = param_value(item, text)
    return values


def param_value(item: str, text: str) -> Any:
    """A `--param` value: YAML (a number, true/false, a list...), one-line errors, numbers
    in any notation, never NaN or infinity."""
    if not text.strip():
        return ""
    if _NUMBER.fullmatch(text.strip()):
        number = float(text)
        value: Any = int(text) if re.fullmatch(r"[-+]?\d+", text.strip()) else number
    else:
        try:
            value = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            problem = getattr(exc, "problem", None) or exc
            raise UsageError(f"--param {item!r}: not valid YAML: {one_line(problem)}") \
                from None
    if isinstance(value, float) and not math.isfinite(value):
        raise UsageError(f"--param {item!r}: expected a finite number")
    return value
