"""Commands over one's own data: fit, encode, index build.

The runner and the index (numba) are imported inside the commands that use
them, so ``hashlearn --help`` starts fast.
"""

from __future__ import annotations

import json
import time
from typing import Any

import click
import numpy as np
from tqdm.auto import tqdm

import hashlearn
from hashlearn._registry import get_method
from hashlearn.cli._app import cli
from hashlearn.cli._files import read_codes, read_features, read_labels, write_codes

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
    from hashlearn.bench.runner import fit_method

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
    from hashlearn.index import FlatIndex, MultiIndexHashing

    values, ids, n_bits = read_codes(codes, bits, what="CODES")
    idx = MultiIndexHashing(n_bits) if kind == "mih" else FlatIndex(n_bits)
    idx.add(values, _integer_ids(ids))
    idx.save(out)
    click.echo(f"built {kind} index of {idx.ntotal} {n_bits}-bit codes -> {out}")


def _integer_ids(ids: Any) -> Any:
    if ids is None or np.asarray(ids).dtype.kind in "iu":
        return ids
    return None
