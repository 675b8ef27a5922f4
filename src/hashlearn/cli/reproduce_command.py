"""``hashlearn reproduce``: re-run the claimed results and print ours beside them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import click

from hashlearn._io import atomic_write_json
from hashlearn.bench.claims import CLAIMS, Claim, get_claim
from hashlearn.cli._app import cli, command_line
from hashlearn.cli.commands import download_for, download_option, progress_options, wants_progress

COLUMNS = ("claim", "bits", "metric", "ours", "recorded", "published", "check")


def _chosen(only: str | None) -> list[Claim]:
    if not only:
        return list(CLAIMS)
    return [get_claim(name.strip()) for name in only.split(",") if name.strip()]


def _list_claims(claims: list[Claim]) -> None:
    for claim in claims:
        click.echo(f"{claim.name}: {claim.title}")
        click.echo(f"  {claim.bench_command()}")
        if claim.recorded_on:
            click.echo(f"  recorded on {_processors(claim)}{_pinning(claim)}{_threads(claim)}")
        if claim.source != "hashlearn bench":
            click.echo(f"  recorded by {claim.source}, not yet re-run through hashlearn bench")


def _pinning(claim: Claim) -> str:
    """ ", kernels pinned to AVX2", with the code lengths where only some were; or ""."""
    if claim.kernels_pinned:
        return ", kernels pinned to AVX2"
    pinned = [str(n_bits) for n_bits in claim.bits if claim.pinned_at(n_bits)]
    return f", kernels pinned to AVX2 at {', '.join(pinned)} bits" if pinned else ""


def _threads(claim: Claim) -> str:
    """ ", 1 thread" or ", N threads": the thread count of the recorded values."""
    return f", {claim.threads} thread{'s' if claim.threads > 1 else ''}"


def _needs_own_process(claim: Claim, full: bool, this_process: bool) -> bool:
    """Whether ``--full`` runs ``claim`` in a new process: this one has another thread
    count than the claim's record (the libraries fix their thread pools when they load,
    so only a process started with ``OMP_NUM_THREADS`` sums as the record did)."""
    import torch

    return full and not this_process and torch.get_num_threads() != claim.threads


def _run_in_own_process(claim: Claim, data_dir: str | None, progress: bool) -> dict[str, Any]:
    """Run ``claim`` through ``hashlearn reproduce --full`` in a new process on the
    thread count it was recorded with; returns that run's record. Its progress goes to
    stderr as it runs, its table after it; a claim it skips (no data) raises
    FileNotFoundError here too."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "run.json"
        command = command_line("reproduce", "--full", "--only", claim.name)
        command += ["--out", str(out), "--this-process"]
        command += ["--data-dir", data_dir] if data_dir else []
        command.append("--verbose" if progress else "--quiet")
        env = {**os.environ, "OMP_NUM_THREADS": str(claim.threads)}
        done = subprocess.run(command, env=env, stdout=subprocess.PIPE, text=True, check=False)
        click.echo(done.stdout, err=True, nl=False)
        runs = json.loads(out.read_text())["runs"] if out.exists() else None
    if runs is None or done.returncode not in (0, 1):  # 1: a value differs, as rows say
        raise RuntimeError(f"{claim.name}: its run on {claim.threads} thread(s) failed")
    if claim.name not in runs:
        raise FileNotFoundError(f"the run on {claim.threads} thread(s) skipped it")
    return dict(runs[claim.name])


def _processors(claim: Claim) -> str:
    """The processor(s) ``claim`` was recorded on, with the code lengths where they differ."""
    if isinstance(claim.recorded_on, str):
        return claim.recorded_on
    by_processor: dict[str, list[str]] = {}
    for n_bits, processor in claim.recorded_on.items():
        by_processor.setdefault(processor, []).append(str(n_bits))
    return "; ".join(f"{p} ({', '.join(b)} bits)" for p, b in by_processor.items())


@cli.command()
@click.option("--full", is_flag=True, help="The whole protocols (hours); default: quick subsets.")
@click.option("--only", default=None, help="Comma list of claim names (see --list).")
@click.option("--list", "list_only", is_flag=True, help="List the claims and their commands.")
@click.option(
    "--data-dir",
    default=None,
    help="Folder with mnist/ and cifar10/ (default: $HASHLEARN_DATA, then ~/.cache/hashlearn).",
)
@download_option
@click.option("--out", default=None, help="Also write every row and run record to this JSON.")
@click.option("--this-process", is_flag=True, hidden=True, help="Never start a new process.")
@progress_options
def reproduce(
    full: bool,
    only: str | None,
    list_only: bool,
    data_dir: str | None,
    download: bool,
    out: str | None,
    this_process: bool,
    verbose: bool,
    quiet: bool,
) -> None:
    """Re-run the results hashlearn claims and print ours beside the recorded and published.

    Each claim runs through the code behind ``hashlearn bench`` (--list prints
    the equivalent command). Quick mode uses small subsets and fewer epochs: it
    checks the path, not the values. --full runs the whole protocols and marks
    each value "same" or "DIFFERS" at four digits; the exit status is 1 when any
    differs. A claim recorded on another thread count than this process has runs
    in a new process with that count (OMP_NUM_THREADS), as its record was made.
    A claim whose dataset is missing is skipped (or fetched with --download).

    \b
    Example:
      hashlearn reproduce --only sdh-mnist-5k,sh-bdnn-mnist-5k
      hashlearn reproduce --full --only hashnet-e2e --out hashnet.json
    """
    from hashlearn._kernels import kernels_pinned
    from hashlearn.bench.environment import machine_record
    from hashlearn.bench.report import format_table
    from hashlearn.bench.reproduce import (
        comparison_rows,
        measured_values,
        processor_note,
        run_claim,
        table_cells,
    )

    claims = _chosen(only)
    if list_only:
        _list_claims(claims)
        return
    progress = wants_progress(verbose, quiet)
    rows: list[dict[str, Any]] = []
    runs: dict[str, Any] = {}
    processor, pinned = machine_record()["processor"], kernels_pinned()
    for claim in claims:
        click.echo(f"{claim.name}: {claim.bench_command()}", err=True)
        own_process = _needs_own_process(claim, full, this_process)
        if own_process:
            click.echo(f"  in a new process on {claim.threads} thread(s), as recorded", err=True)
        measured = None
        try:
            if download:
                download_for(claim.protocol, data_dir)
            with redirect_stdout(sys.stderr):
                runs[claim.name] = (
                    _run_in_own_process(claim, data_dir, progress)
                    if own_process
                    else run_claim(claim, full, data_dir, progress)
                )
            measured = measured_values(runs[claim.name])
        except FileNotFoundError as err:
            click.echo(f"  skipped: {err}", err=True)
        rows += comparison_rows(claim, measured, full, processor, pinned)
        if out:
            atomic_write_json(out, {"full": full, "rows": rows, "runs": runs})
    mode = "full protocols" if full else "quick subsets: checks the path, not the values"
    click.echo(f"hashlearn reproduce ({mode})")
    click.echo(format_table([table_cells(r) for r in rows], COLUMNS))
    note = processor_note(rows, processor)
    if note:
        click.echo(note)
    if any(r["agrees"] is False for r in rows):
        sys.exit(1)
