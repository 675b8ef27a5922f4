"""Commands that query codes: search an index, evaluate retrieval quality.

The index and the metrics (numba) are imported inside the commands, so
``hashlearn --help`` starts fast.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import numpy as np

import hashlearn
from hashlearn._io import atomic_write_json
from hashlearn.cli._app import cli
from hashlearn.cli._files import read_codes, read_labels, read_model_input
from hashlearn.cli.commands import encode_rows
from hashlearn.codes_files import read_codes_info
from hashlearn.fingerprint import check_same_model, model_fingerprint


def query_codes(queries: str, model_dir: str | None, n_bits: int) -> tuple[np.ndarray, str | None]:
    """Queries as codes (a codes file, or features encoded with ``--model``) and the
    fingerprint of the model that made them (None when unknown)."""
    if model_dir is None:
        codes = read_codes(queries, n_bits, what="--queries")[0]
        return codes, read_codes_info(queries).model_fingerprint
    model = hashlearn.load(model_dir)
    if int(model.n_bits) != n_bits:
        raise ValueError(
            f"--model: model in {model_dir} has n_bits={model.n_bits}, "
            f"but the index holds {n_bits}-bit codes"
        )
    codes = encode_rows(model, read_model_input(model, queries, "--queries").values)
    return codes, model_fingerprint(model)


def _result_rows(idx: Any, q: np.ndarray, k: int | None, radius: int | None) -> list[dict]:
    """One ``{"query", "ids", "distances"}`` row per query, and ``"names"`` when the
    index has them (file names of an image folder)."""
    if radius is not None:
        lims, dist, ids = idx.range_search(q, radius)
        rows = [
            {
                "query": i,
                "ids": ids[lims[i] : lims[i + 1]].tolist(),
                "distances": dist[lims[i] : lims[i + 1]].tolist(),
            }
            for i in range(len(q))
        ]
    else:
        dist, ids = idx.search(q, k)
        rows = [
            {
                "query": i,
                "ids": [x for x in ids[i].tolist() if x >= 0],
                "distances": [int(d) for d, x in zip(dist[i], ids[i], strict=True) if x >= 0],
            }
            for i in range(len(q))
        ]
    if idx.has_names:
        for row in rows:
            row["names"] = idx.names(row["ids"]).tolist()
    return rows


@cli.command()
@click.argument("index_path", metavar="INDEX")
@click.option("--queries", required=True, help="Query codes, or features with --model.")
@click.option("--model", "model_dir", default=None, help="Model folder to encode feature queries.")
@click.option("--k", type=int, default=None, help="Number of nearest neighbours (default 10).")
@click.option("--radius", type=int, default=None, help="Return everything within this radius.")
@click.option(
    "--allow-other-model",
    is_flag=True,
    help="Search even when the queries come from another model than the index's codes.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def search(
    index_path: str,
    queries: str,
    model_dir: str | None,
    k: int | None,
    radius: int | None,
    allow_other_model: bool,
    as_json: bool,
) -> None:
    """Search an index: k nearest neighbours or everything within a Hamming radius.

    Queries from another model than the index's codes are refused (their codes
    are not comparable) unless --allow-other-model is given.

    \b
    Example:
      hashlearn search db.index --queries q_codes.npy --k 10
      hashlearn search db.index --queries q.npy --model itq-model --radius 2 --json
    """
    from hashlearn.index import load_index

    if k is not None and radius is not None:
        raise ValueError("give either --k or --radius, not both")
    idx = load_index(index_path)
    q, fingerprint = query_codes(queries, model_dir, idx.n_bits)
    check_same_model(idx.model_fingerprint, fingerprint, allow_other_model, "--allow-other-model")
    rows = _result_rows(idx, q, 10 if k is None and radius is None else k, radius)
    if as_json:
        click.echo(json.dumps(rows))
        return
    click.echo("query\trank\tid\tdistance")
    for row in rows:
        shown = row.get("names", row["ids"])
        for rank, (i, d) in enumerate(zip(shown, row["distances"], strict=True)):
            click.echo(f"{row['query']}\t{rank}\t{i}\t{d}")


def metric_names(spec: str) -> tuple[list[str], bool]:
    """``--metrics`` -> canonical metric names (aliases resolved, duplicates dropped),
    and whether a PR curve was asked for.

    >>> metric_names("map,map@1000,p@r2,precision_at_radius_2,p@100,pr-curve")
    (['map', 'map@1000', 'precision_at_radius_2', 'precision@100'], True)
    """
    from hashlearn.metrics.evaluate import canonical_metric_name

    raw = [s.strip() for s in spec.split(",") if s.strip()]
    names = [canonical_metric_name(name) for name in raw if name != "pr-curve"]
    return list(dict.fromkeys(names)), "pr-curve" in raw


@cli.command()
@click.option("--queries", required=True, help="Query codes (.npy or .parquet).")
@click.option("--database", required=True, help="Database codes (.npy or .parquet).")
@click.option(
    "--labels",
    required=True,
    nargs=2,
    metavar="QUERY_LABELS DB_LABELS",
    help="Label files of the queries and of the database.",
)
@click.option(
    "--metrics",
    "spec",
    default="map,p@r2",
    show_default=True,
    help="Comma list: map, map@K, p@rR, r@rR, p@K, map_tie_avg, map_bdnn, pr-curve "
    "(names of hashlearn.metrics.evaluate_codes; results use the canonical names).",
)
@click.option("--bits", type=int, default=None, help="Code length (default: from the files).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--out", default=None, help="Also write the results as JSON to this file.")
def evaluate(
    queries: str,
    database: str,
    labels: tuple[str, str],
    spec: str,
    bits: int | None,
    as_json: bool,
    out: str | None,
) -> None:
    """Retrieval quality of query codes against database codes (same class = relevant).

    \b
    Example:
      hashlearn evaluate --queries q_codes.npy --database db_codes.npy \\
          --labels q_labels.npy db_labels.npy --metrics map,map@1000,p@r2,pr-curve
    """
    from hashlearn.bench.runner import pr_curve_from, pr_curve_metrics
    from hashlearn.metrics import evaluate_codes

    q, _, n_bits = read_codes(queries, bits, what="--queries")
    db = read_codes(database, n_bits, what="--database")[0]
    names, curve = metric_names(spec)
    if not names and not curve:
        raise ValueError("--metrics: name at least one metric")
    everything = list(dict.fromkeys(names + (pr_curve_metrics(n_bits) if curve else [])))
    values = evaluate_codes(
        q, db, read_labels(labels[0]), read_labels(labels[1]), n_bits=n_bits, metrics=everything
    )
    result: dict[str, Any] = {k: values[k] for k in names}
    if curve:
        result["pr_curve"] = pr_curve_from(values, n_bits)
    if out:
        atomic_write_json(Path(out), result)
    if as_json:
        click.echo(json.dumps(result))
        return
    for name, value in result.items():
        if name != "pr_curve":
            click.echo(f"{name}\t{value:.6f}")
    if curve:
        click.echo("radius\tprecision\trecall")
        pr = result["pr_curve"]
        for r, p, rc in zip(pr["radius"], pr["precision"], pr["recall"], strict=True):
            click.echo(f"{r}\t{p:.6f}\t{rc:.6f}")
