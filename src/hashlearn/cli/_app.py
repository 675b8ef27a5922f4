"""The ``hashlearn`` command group and its error handling.

Expected failures (bad paths, shapes, names, parameters, files) print one line
``error: ...`` on stderr and exit with code 2; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import sys
from typing import Any

import click

EXPECTED_ERRORS = (ValueError, TypeError, KeyError, OSError, ImportError)
USAGE_EXIT = 2


class HashlearnGroup(click.Group):
    """A click group that turns expected errors into one line and exit code 2."""

    def main(self, args: Any = None, prog_name: Any = None, **extra: Any) -> Any:  # type: ignore[override]
        argv = list(sys.argv[1:] if args is None else args)
        debug = "--debug" in argv
        try:
            return super().main(argv, prog_name, standalone_mode=False, **extra)
        except click.exceptions.Abort:
            _fail("aborted", 1)
        except click.ClickException as exc:
            if debug:
                raise
            _fail(exc.format_message(), USAGE_EXIT)
        except EXPECTED_ERRORS as exc:
            if debug:
                raise
            _fail(_one_line(exc), USAGE_EXIT)
        return None


def _one_line(exc: BaseException) -> str:
    message = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
    text = " ".join(message.split()) or type(exc).__name__
    if isinstance(exc, FileNotFoundError) and exc.filename:
        text = f"no such file or folder: {exc.filename}"
    return text


def _fail(message: str, code: int) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


@click.group(cls=HashlearnGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show full tracebacks instead of one-line errors.")
@click.version_option(package_name="hashlearn")
def cli(debug: bool) -> None:
    """hashlearn: learn binary codes, build a Hamming index, search, evaluate, benchmark.

    \b
    Start with:  hashlearn demo
    Example:     hashlearn fit itq --data X.npy --bits 32 --out itq-model
    """


def main() -> None:
    """Console-script entry point (``hashlearn``)."""
    result = cli.main()
    sys.exit(result if isinstance(result, int) else 0)
