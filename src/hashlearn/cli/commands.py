"""Commands over one's own data: fit, encode, index build, search, evaluate."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import click
import numpy as np
from tqdm.auto import tqdm

import hashlearn
from hashlearn._registry import get_method
from hashlearn.bench.runner import fit_method, pr_curve_metrics
from hashlearn.cli._app import cli
from hashlearn.cli._files import read_codes, read_features, read_labels, write_codes
from hashlearn.index import FlatIndex, MultiIndexHashing, load_index
from hashlearn.metrics import evaluate_codes

ENCODE_CHUNK = 20_000


def parse_params(pairs: tuple[str, ...]) -> dict[str, Any]:
    """``("k=v", ...)`` -> dict; values parsed as JSON when they can be, else strings.

    >>> parse_params(("n_iter=50", "optimizer=adam", "hidden_sizes=[64, 32]"))
    {'n_iter': 50, 'optimizer': 'adam', 'hidden_sizes': [64, 32]}
    """
    params: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--param: expected key=value, got {pair!r}")
        try:
            params[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            params[key.strip()] = value
    return params


def encode_rows(model: Any, X: np.ndarray, progress: bool = True) -> np.ndarray:
    """Encode in chunks of 20,000 rows with a progress bar for large inputs."""
    starts = range(0, len(X), ENCODE_CHUNK)
    bar = tqdm(
        starts, desc="encode", unit="chunk", disable=None if progress and len(starts) > 1 else True
    )
    return np.concatenate([model.encode(X[s : s + ENCODE_CHUNK]) for s in bar])


@cli.command()
@click.argument("method")
@click.option("--data", required=True, help="Training features (.npy/.npz/.csv/.parquet/folder).")
@click.option("--bits", required=True, type=int, help="Code length in bits.")
@click.option("--labels", default=None, help="Training labels (supervised methods).")
@click.option("--param", "params", multiple=True, help="Hyper-parameter key=value (repeat).")
@click.option("--seed", default=0, show_default=True, type=int, help="random_state.")
@click.option("--out", required=True, help="Model folder to write.")
def fit(
    method: str,
    data: str,
    bits: int,
    labels: str | None,
    params: tuple[str, ...],
    seed: int,
    out: str,
) -> None:
    """Fit METHOD on features and save the model folder.

    \b
    Example:
      hashlearn fit itq --data train.npy --bits 32 --out itq-model
      hashlearn fit sh-bdnn --data train.npy --labels y.npy --bits 16 \\
          --param max_alternations=5 --out bdnn-model
    """
    cls = get_method(method)
    table = read_features(data)
    y = read_labels(labels) if labels else table.labels
    if getattr(cls, "supervised", False) and y is None:
        raise ValueError(f"method {method!r} is supervised: give --labels PATH")
    model = hashlearn.create(method, n_bits=bits, **{"random_state": seed, **parse_params(params)})
    start = time.perf_counter()
    if y is not None and len(y) != len(table.values):
        raise ValueError(f"--labels: {len(y)} labels for {len(table.values)} rows of --data")
    with tqdm(total=1, desc=f"fit {method} {bits} bits", leave=False, disable=None) as bar:
        fit_method(model, table.values, y)
        bar.update()
    folder = model.save(out)
    click.echo(
        f"fitted {method} ({bits} bits) on {table.values.shape[0]} x "
        f"{table.values.shape[1]} in {time.perf_counter() - start:.1f} s -> {folder}"
    )


@cli.command()
@click.argument("model_dir")
@click.option("--data", required=True, help="Features to encode.")
@click.option("--out", required=True, help="Codes file: .npy (packed uint8) or .parquet (ids).")
def encode(model_dir: str, data: str, out: str) -> None:
    """Encode features with a saved model into packed binary codes.

    \b
    Example:
      hashlearn encode itq-model --data database.npy --out db_codes.parquet
    """
    model = hashlearn.load(model_dir)
    table = read_features(data)
    codes = encode_rows(model, table.values)
    path = write_codes(out, codes, int(model.n_bits), table.ids)
    click.echo(f"encoded {len(codes)} rows to {model.n_bits}-bit codes -> {path}")


@cli.group()
def index() -> None:
    """Build Hamming indexes from codes (see: hashlearn index build --help)."""


@index.command("build")
@click.argument("codes")
@click.option("--out", required=True, help="Index file to write.")
@click.option(
    "--kind",
    type=click.Choice(["flat", "mih"]),
    default="flat",
    show_default=True,
    help="flat: exact scan; mih: multi-index hashing (large databases).",
)
@click.option("--bits", type=int, default=None, help="Code length (default: from the file).")
def index_build(codes: str, out: str, kind: str, bits: int | None) -> None:
    """Build an index over a codes file (ids from parquet are kept).

    \b
    Example:
      hashlearn index build db_codes.parquet --out db.index --kind mih
    """
    values, ids, n_bits = read_codes(codes, bits, what="CODES")
    idx = MultiIndexHashing(n_bits) if kind == "mih" else FlatIndex(n_bits)
    idx.add(values, _integer_ids(ids))
    idx.save(out)
    click.echo(f"built {kind} index of {idx.ntotal} {n_bits}-bit codes -> {out}")


def _integer_ids(ids: Any) -> Any:
    if ids is None or np.asarray(ids).dtype.kind in "iu":
        return ids
    return None


def query_codes(queries: str, model_dir: str | None, n_bits: int) -> np.ndarray:
    """Queries as codes: a codes file, or features encoded with ``--model``."""
    if model_dir is None:
        return read_codes(queries, n_bits, what="--queries")[0]
    model = hashlearn.load(model_dir)
    if int(model.n_bits) != n_bits:
        raise ValueError(
            f"--model: model in {model_dir} has n_bits={model.n_bits}, "
            f"but the index holds {n_bits}-bit codes"
        )
    return encode_rows(model, read_features(queries, "--queries").values)


def _result_rows(idx: Any, q: np.ndarray, k: int | None, radius: int | None) -> list[dict]:
    if radius is not None:
        lims, dist, ids = idx.range_search(q, radius)
        return [
            {
                "query": i,
                "ids": ids[lims[i] : lims[i + 1]].tolist(),
                "distances": dist[lims[i] : lims[i + 1]].tolist(),
            }
            for i in range(len(q))
        ]
    dist, ids = idx.search(q, k)
    return [
        {
            "query": i,
            "ids": [x for x in ids[i].tolist() if x >= 0],
            "distances": [int(d) for d, x in zip(dist[i], ids[i], strict=True) if x >= 0],
        }
        for i in range(len(q))
    ]


@cli.command()
@click.argument("index_path", metavar="INDEX")
@click.option("--queries", required=True, help="Query codes, or features with --model.")
@click.option("--model", "model_dir", default=None, help="Model folder to encode feature queries.")
@click.option("--k", type=int, default=None, help="Number of nearest neighbours (default 10).")
@click.option("--radius", type=int, default=None, help="Return everything within this radius.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def search(
    index_path: str,
    queries: str,
    model_dir: str | None,
    k: int | None,
    radius: int | None,
    as_json: bool,
) -> None:
    """Search an index: k nearest neighbours or everything within a Hamming radius.

    \b
    Example:
      hashlearn search db.index --queries q_codes.npy --k 10
      hashlearn search db.index --queries q.npy --model itq-model --radius 2 --json
    """
    if k is not None and radius is not None:
        raise ValueError("give either --k or --radius, not both")
    idx = load_index(index_path)
    q = query_codes(queries, model_dir, idx.n_bits)
    rows = _result_rows(idx, q, 10 if k is None and radius is None else k, radius)
    if as_json:
        click.echo(json.dumps(rows))
        return
    click.echo("query\trank\tid\tdistance")
    for row in rows:
        for rank, (i, d) in enumerate(zip(row["ids"], row["distances"], strict=True)):
            click.echo(f"{row['query']}\t{rank}\t{i}\t{d}")


METRIC_ALIASES = {"p@r2": "precision_at_radius_2", "r@r2": "recall_at_radius_2"}


def metric_names(spec: str) -> tuple[list[str], bool]:
    """CLI metric list -> evaluate_codes names, and whether a PR curve was asked for.

    >>> metric_names("map,map@1000,p@r2,p@100,pr-curve")
    (['map', 'map@1000', 'precision_at_radius_2', 'precision@100'], True)
    """
    names, curve = [], False
    for raw in (s.strip() for s in spec.split(",") if s.strip()):
        if raw == "pr-curve":
            curve = True
            continue
        if raw.startswith("p@r") or raw.startswith("r@r"):
            kind = "precision" if raw[0] == "p" else "recall"
            names.append(f"{kind}_at_radius_{raw[3:]}")
        elif raw.startswith("p@"):
            names.append(f"precision@{raw[2:]}")
        else:
            names.append(METRIC_ALIASES.get(raw, raw))
    return names, curve


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
    help="Comma list: map, map@K, p@rR, r@rR, p@K, map_tie_avg, map_bdnn, pr-curve.",
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
        result["pr_curve"] = {
            "radius": list(range(n_bits + 1)),
            "precision": [values[f"precision_at_radius_{r}"] for r in range(n_bits + 1)],
            "recall": [values[f"recall_at_radius_{r}"] for r in range(n_bits + 1)],
        }
    if out:
        from hashlearn._io import atomic_write_json

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
