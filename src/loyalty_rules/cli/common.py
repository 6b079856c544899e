"""What every command shares: the exit statuses, one-line errors (`guarded`), `--param`."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import Any, NoReturn

import click
import yaml

from ..errors import LoyaltyRulesError, ProblemsError

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
