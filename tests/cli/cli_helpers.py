"""Helpers of the command-line tests (imported by name, so kept out of conftest.py)."""

from __future__ import annotations

from click.testing import CliRunner

from hashlearn.cli import cli

FAST_BDNN = (
    "--param",
    "n_pretrain_iter=20",
    "--param",
    "n_wstep_iter=20",
    "--param",
    "max_alternations=1",
)


def invoke(*args, ok=True):
    """Run ``hashlearn ARGS`` through click's runner; check the exit code."""
    result = CliRunner().invoke(cli, [str(a) for a in args])
    if ok:
        assert result.exit_code == 0, result.output
    return result
