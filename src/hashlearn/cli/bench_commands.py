"""Commands that run experiments: demo, bench, list.

The runner, the report and the metrics (numba) are imported inside the commands
that use them, so ``hashlearn --help`` and ``hashlearn list`` start fast.
"""

from __future__ import annotations

import json
import sys
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import click

import hashlearn
from hashlearn._io import atomic_write_json
from hashlearn._registry import method_summary
from hashlearn.bench.data import BUILTIN, Subset
from hashlearn.cli._app import cli
from hashlearn.cli.commands import (
    check_param_types,
    download_for,
    download_option,
    parse_params,
    progress_options,
    wants_progress,
)


def _int_list(text: str, option: str) -> list[int]:
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise ValueError(f"{option}: expected comma-separated integers, got {text!r}") from None
    if not values:
        raise ValueError(f"{option}: give at least one value")
    return values


@cli.command()
@click.option("--out", default="hashlearn-report", show_default=True, help="Report folder.")
@click.option("--bits", default="16,32", show_default=True, help="Comma list of code lengths.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def demo(out: str, bits: str, quiet: bool) -> None:
    """The main job: a deep method vs two classic baselines on scikit-learn's digits.

    Fits SH-BDNN, SDH and ITQ at 16 and 32 bits with their defaults, prints mAP,
    precision within Hamming radius 2 and training time, and writes a report with
    plots (report.md, report.html, PNGs). The same runs as ``hashlearn bench
    --protocol digits --methods sh-bdnn,sdh,itq --bits 16,32``, with the same
    numbers. About two minutes on 2 cores.

    \b
    Example:
      hashlearn demo --out hashlearn-report
    """
    from hashlearn.bench.demo import demo_command, run_demo

    lengths = tuple(_int_list(bits, "--bits"))
    run = run_demo(out, lengths, progress=not quiet)
    click.echo(
        "digits: 300 queries, 1,497 database images (1,000 used for training), "
        "8x8 pixels; same class = relevant"
    )
    click.echo(run["table"])
    click.echo(f"report: {Path(out) / 'report.md'} (and report.html, plots)")
    click.echo(f"the same runs as: {demo_command(lengths)} --out results.json")


def _method_params(pairs: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    params: dict[str, dict[str, Any]] = {}
    for pair in pairs:
        method, sep, rest = pair.partition(":")
        if not sep:
            raise ValueError(f"--param: expected method:key=value, got {pair!r}")
        params.setdefault(method, {}).update(parse_params((rest,)))
    return params


@cli.command()
@click.option("--protocol", required=True, help="Protocol name (see: hashlearn list).")
@click.option("--methods", required=True, help="Comma list of methods, e.g. itq,lsh,sh-bdnn.")
@click.option("--bits", default="16,32", show_default=True, help="Comma list of code lengths.")
@click.option("--seeds", default="0", show_default=True, help="Comma list of seeds.")
@click.option(
    "--data-dir",
    default=None,
    help="Folder with mnist/ and cifar10/ (default: $HASHLEARN_DATA, then ~/.cache/hashlearn).",
)
@download_option
@click.option(
    "--features",
    default="efficientnet-lite0",
    show_default=True,
    help="CIFAR-10 features: efficientnet-lite0, gist, or images (hashnet/dhn train a CNN).",
)
@click.option("--param", "params", multiple=True, help="method:key=value (repeat).")
@click.option(
    "--metrics",
    default="map,precision_at_radius_2",
    show_default=True,
    help="Comma list of metric names (hashlearn.metrics.evaluate_codes).",
)
@click.option(
    "--out", required=True, help="Results JSON file (rewritten after every finished run)."
)
@click.option("--report", default=None, help="Also write a report with plots into this folder.")
@click.option("--max-queries", type=click.IntRange(min=1), help="Only N queries (evenly spaced).")
@click.option(
    "--max-train", type=click.IntRange(min=1), help="Only N training rows (evenly spaced)."
)
@click.option(
    "--max-database", type=click.IntRange(min=1), help="Only N database rows (evenly spaced)."
)
@progress_options
def bench(
    protocol: str,
    methods: str,
    bits: str,
    seeds: str,
    data_dir: str | None,
    download: bool,
    features: str,
    params: tuple[str, ...],
    metrics: str,
    out: str,
    report: str | None,
    max_queries: int | None,
    max_train: int | None,
    max_database: int | None,
    verbose: bool,
    quiet: bool,
) -> None:
    """Run a protocol for every method, code length and seed; write JSON records.

    --max-queries / --max-train / --max-database take N evenly spaced rows of each
    part after the protocol's split: a quick look, marked as not the full protocol.

    \b
    Example:
      hashlearn bench --protocol mnist-10k-5k --methods itq,lsh --bits 16,32 \\
          --data-dir ~/datasets --out results.json --report report/
      hashlearn bench --protocol cifar10-1k --methods itq --max-queries 100 \\
          --max-database 5000 --out quick.json
    """
    from hashlearn.bench.report import format_table, summary_rows, write_report
    from hashlearn.bench.runner import run_benchmark
    from hashlearn.metrics import canonical_metric_name

    method_list = [m.strip() for m in methods.split(",") if m.strip()]
    names = [canonical_metric_name(m.strip()) for m in metrics.split(",") if m.strip()]
    metric_list = list(dict.fromkeys([*names, "map", "precision_at_radius_2"]))
    bit_list, seed_list = _int_list(bits, "--bits"), _int_list(seeds, "--seeds")
    n_jobs = len(method_list) * len(bit_list) * len(seed_list)
    progress = wants_progress(verbose, quiet)
    method_params = _method_params(params)
    for method in method_list:
        check_param_types(method, method_params.get(method, {}))
    subset = Subset(max_queries, max_train, max_database)
    if download:
        download_for(protocol, data_dir)

    def save_so_far(partial: dict[str, Any]) -> None:
        """Keep every finished run on disk and say so (also where no progress bar shows)."""
        atomic_write_json(Path(out), partial)
        last = partial["records"][-1]
        click.echo(
            f"[{len(partial['records'])}/{n_jobs}] {last['method']} {last['n_bits']} bits "
            f"seed {last['seed']}: mAP {last['metrics']['map']:.4f} "
            f"({last['train_seconds']:.1f} s), saved to {out}",
            err=True,
        )

    with redirect_stdout(sys.stderr):  # a method's progress lines stay off stdout
        result = run_benchmark(
            protocol,
            method_list,
            bit_list,
            seed_list,
            data_dir,
            method_params,
            metric_list,
            features,
            progress=progress,
            on_record=save_so_far,
            subset=subset,
        )  # the last save_so_far wrote every record: no second write
    if subset.record():
        click.echo(f"{protocol}, not the full protocol: {subset.describe()}")
    click.echo(format_table(summary_rows(result)))
    click.echo(f"results: {out}")
    if report:
        write_report(result, report)
        click.echo(f"report: {Path(report) / 'report.md'}")


RELEVANCE_WORDS = {"class": "same class", "knn": "k nearest neighbours"}


def _protocol_names() -> list[str]:
    from hashlearn.data.protocols import list_protocols

    return sorted({*BUILTIN, *list_protocols()})


def _aligned(rows: list[list[str]]) -> list[str]:
    """Rows of cells as lines with left-aligned columns (the last one free)."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    padded = ([c.ljust(w) for c, w in zip(row[:-1], widths, strict=True)] for row in rows)
    return ["  " + "  ".join([*cells, row[-1]]) for cells, row in zip(padded, rows, strict=True)]


def _method_line(summary: dict[str, Any]) -> list[str]:
    labels = "supervised" if summary["supervised"] else "unsupervised"
    return [summary["name"], summary["family"], labels, summary["description"]]


def _protocol_line(summary: dict[str, Any]) -> list[str]:
    sizes = summary["sizes"]
    parts = f"{sizes['query']:,} / {sizes['train']:,} / {sizes['val']:,} / {sizes['database']:,}"
    relevance = RELEVANCE_WORDS.get(summary["relevance"], summary["relevance"])
    return [summary["name"], summary["dataset"], parts, relevance]


@cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_cmd(as_json: bool) -> None:
    """List methods and benchmark protocols (one line each: what they are) and datasets.

    Methods: family (classic or deep), whether they need labels, description.
    Protocols: dataset, sizes of queries / train / val / database, relevance.

    \b
    Example:
      hashlearn list --json
    """
    from hashlearn.bench.data import protocol_summary

    methods = [method_summary(name) for name in hashlearn.list_methods()]
    protocols = [protocol_summary(name) for name in _protocol_names()]
    datasets = [
        "digits (built in, scikit-learn)",
        "mnist (data folder: mnist/)",
        "cifar10 (data folder: cifar10/)",
    ]
    if as_json:
        listing = {
            "methods": [m["name"] for m in methods],
            "protocols": [p["name"] for p in protocols],
            "datasets": datasets,
            "method_summaries": methods,
            "protocol_summaries": protocols,
        }
        click.echo(json.dumps(listing))
        return
    click.echo("methods (family; supervised = needs labels; what it is):")
    click.echo("\n".join(_aligned([_method_line(m) for m in methods])))
    click.echo("protocols (dataset; queries / train / val / database; relevant items):")
    click.echo("\n".join(_aligned([_protocol_line(p) for p in protocols])))
    click.echo(f"datasets: {', '.join(datasets)}")
