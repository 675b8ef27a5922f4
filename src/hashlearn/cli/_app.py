"""The ``hashlearn`` command group and its error handling.

Expected failures (bad paths, shapes, names, parameters, files) print one line
``error: ...`` on stderr and exit with code 2; ``--debug`` (anywhere on the
command line) shows the traceback.

The commands that train or encode run with the math libraries pinned to their
AVX2 kernels (:mod:`hashlearn._kernels`), so that the same command gives the same
numbers on every processor: :func:`main` runs itself again with the variables
set when they are missing (``HASHLEARN_PIN_KERNELS=0`` opts out).
"""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from hashlearn._kernels import pinned_environment

EXPECTED_ERRORS = (ValueError, TypeError, KeyError, OSError, ImportError)
USAGE_EXIT = 2
DEBUG_FLAG = "--debug"
#: Commands whose numbers come from floating-point training or encoding.
PINNED_COMMANDS = frozenset({"bench", "demo", "reproduce", "fit", "encode"})


class HashlearnGroup(click.Group):
    """A click group that turns expected errors into one line and exit code 2."""

    def main(self, args: Any = None, prog_name: Any = None, **extra: Any) -> Any:  # type: ignore[override]
        argv, debug = without_debug_flag(sys.argv[1:] if args is None else args)
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


def without_debug_flag(args: Any) -> tuple[list[str], bool]:
    """Take ``--debug`` out of the arguments wherever it stands (before a ``--``).

    >>> without_debug_flag(["fit", "itq", "--debug", "--bits", "8"])
    (['fit', 'itq', '--bits', '8'], True)
    """
    argv = [str(a) for a in args]
    end = argv.index("--") if "--" in argv else len(argv)
    head = [a for a in argv[:end] if a != DEBUG_FLAG]
    return head + argv[end:], len(head) < end


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
@click.option(
    DEBUG_FLAG,
    is_flag=True,
    expose_value=False,
    help="Show full tracebacks instead of one-line errors (accepted anywhere on the line).",
)
@click.version_option(package_name="hashlearn")
def cli() -> None:
    """hashlearn: learn binary codes, build a Hamming index, search, evaluate, benchmark.

    \b
    Start with:  hashlearn demo
    Example:     hashlearn fit itq --data X.npy --bits 32 --out itq-model
    """


def command_line(*args: str) -> list[str]:
    """The command that runs ``hashlearn`` with ``args`` in a new Python process.

    >>> command_line("demo")[1:]
    ['-m', 'hashlearn.cli', 'demo']
    """
    return [sys.executable, "-m", "hashlearn.cli", *args]


def main() -> None:
    """Console-script entry point (``hashlearn``)."""
    args = sys.argv[1:]
    environment = pinned_environment(os.environ) if needs_pinned_kernels(args) else None
    if environment is not None and sys.executable:
        os.execve(sys.executable, command_line(*args), environment)
    result = cli.main(args, prog_name="hashlearn")
    sys.exit(result if isinstance(result, int) else 0)


def needs_pinned_kernels(args: list[str]) -> bool:
    """True for a command that trains or encodes, unless it only asks for help.

    >>> needs_pinned_kernels(["--debug", "bench", "--protocol", "digits"])
    True
    >>> needs_pinned_kernels(["bench", "--help"]), needs_pinned_kernels(["list"])
    (False, False)
    """
    argv, _ = without_debug_flag(args)
    words = argv[: argv.index("--")] if "--" in argv else argv
    if any(word in ("--help", "-h", "--version") for word in words):
        return False
    command = next((word for word in words if not word.startswith("-")), None)
    return command in PINNED_COMMANDS
