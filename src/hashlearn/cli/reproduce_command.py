"""``hashlearn reproduce``: re-run the claimed results and print ours beside them."""

from __future__ import annotations

import sys
from contextlib import redirect_stdout
from typing import Any

import click

from hashlearn._io import atomic_write_json
from hashlearn.bench.claims import CLAIMS, Claim, get_claim
from hashlearn.cli._app import cli
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


def _thread_note(claim: Claim) -> str | None:
    """Where this process runs torch on another thread count than ``claim`` was
    recorded with: how to run it as recorded (None when the counts agree)."""
    import torch

    if torch.get_num_threads() == claim.threads:
        return None
    return (
        f"  note: recorded on {claim.threads} thread(s), this run has "
        f"{torch.get_num_threads()}; values may differ (docs/reproduce.md): "
        f"OMP_NUM_THREADS={claim.threads} hashlearn reproduce --full --only {claim.name}"
    )


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
@progress_options
def reproduce(
    full: bool,
    only: str | None,
    list_only: bool,
    data_dir: str | None,
    download: bool,
    out: str | None,
    verbose: bool,
    quiet: bool,
) -> None:
    """Re-run the results hashlearn claims and print ours beside the recorded and published.

    Each claim runs through the code behind ``hashlearn bench`` (--list prints
    the equivalent command). Quick mode uses small subsets and fewer epochs: it
    checks the path, not the values. --full runs the whole protocols and marks
    each value "same" or "DIFFERS" at four digits; the exit status is 1 when any
    differs. A claim whose dataset is missing is skipped (or fetched with --download).

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
        note = _thread_note(claim) if full else None
        if note:
            click.echo(note, err=True)
        measured = None
        try:
            if download:
                download_for(claim.protocol, data_dir)
            with redirect_stdout(sys.stderr):
                runs[claim.name] = run_claim(claim, full, data_dir, progress)
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
