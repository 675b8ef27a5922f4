"""Commands over one's own data: fit, encode, index build.

The runner and the index (numba) are imported inside the commands that use
them, so ``hashlearn --help`` starts fast.
"""

from __future__ import annotations

import json
import sys
import time
import types
import typing
from collections.abc import Callable
from contextlib import redirect_stdout
from typing import Any

import click
import numpy as np
from tqdm.auto import tqdm

import hashlearn
from hashlearn._registry import get_method
from hashlearn.cli._app import cli
from hashlearn.cli._files import (
    is_image_input,
    read_codes,
    read_features,
    read_images,
    read_labels,
    read_model_input,
    write_codes,
)

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


def check_param_types(method: str, params: dict[str, Any]) -> None:
    """Refuse a --param value of a type that ``method``'s parameter does not take.

    >>> check_param_types("itq", {"n_iter": 20})
    >>> check_param_types("itq", {"n_iter": "abc"})
    Traceback (most recent call last):
    ...
    ValueError: --param n_iter=abc: method 'itq' takes int for n_iter, got the text 'abc'
    """
    try:
        hints = typing.get_type_hints(get_method(method).__init__)  # type: ignore[misc]
    except (NameError, TypeError, AttributeError):  # hints that do not resolve: no check
        return
    for key, value in params.items():
        members = _union_members(hints.get(key, Any))
        if not any(_fits(member, value) for member in members):
            shown = value if isinstance(value, str) else json.dumps(value)
            got = f"the text {value!r}" if isinstance(value, str) else f"{type(value).__name__}"
            names = " or ".join(_type_name(m) for m in members)
            raise ValueError(
                f"--param {key}={shown}: method {method!r} takes {names} for {key}, got {got}"
            )


def _union_members(hint: Any) -> tuple[Any, ...]:
    union = typing.get_origin(hint) in (typing.Union, types.UnionType)
    return typing.get_args(hint) if union else (hint,)


def _fits(hint: Any, value: Any) -> bool:
    """Whether a parsed --param value fits one type; types not checked here always fit."""
    if hint is type(None):
        return value is None
    if hint is bool:
        return isinstance(value, bool)
    allowed: dict[Any, tuple[type, ...]] = {int: (int,), float: (int, float), str: (str,)}
    if hint in allowed:
        return isinstance(value, allowed[hint]) and not isinstance(value, bool)
    return True


def _type_name(hint: Any) -> str:
    return {type(None): "null", bool: "true/false"}.get(hint, getattr(hint, "__name__", str(hint)))


def wants_progress(verbose: bool, quiet: bool) -> bool:
    """Progress output: forced by --verbose, silenced by --quiet, else when stderr is a terminal."""
    if verbose and quiet:
        raise ValueError("give --verbose or --quiet, not both")
    return verbose or (not quiet and sys.stderr.isatty())


def progress_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The --verbose / --quiet flags of the commands that train."""
    command = click.option(
        "--quiet", is_flag=True, help="No progress output (default: shown on a terminal)."
    )(command)
    return click.option(
        "--verbose",
        is_flag=True,
        help="Progress output on stderr (per alternation or epoch) even when not a terminal.",
    )(command)


def download_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """The --download flag: fetch a protocol's missing dataset from its official source."""
    return click.option(
        "--download",
        is_flag=True,
        help="Download the protocol's dataset (MNIST, CIFAR-10) into the data folder if missing.",
    )(command)


def encode_rows(model: Any, X: np.ndarray, progress: bool = True) -> np.ndarray:
    """Encode in chunks of 20,000 rows with a progress bar for large inputs."""
    starts = range(0, len(X), ENCODE_CHUNK)
    bar = tqdm(
        starts, desc="encode", unit="chunk", disable=None if progress and len(starts) > 1 else True
    )
    return np.concatenate([model.encode(X[s : s + ENCODE_CHUNK]) for s in bar])


@cli.command()
@click.argument("method")
@click.option(
    "--data",
    default=None,
    help="Training features (.npy/.npz/.csv/.parquet) or images (folder, uint8 .npy).",
)
@click.option("--protocol", default=None, help="Train on a protocol's training split instead.")
@click.option(
    "--features",
    default="efficientnet-lite0",
    show_default=True,
    help="With --protocol on CIFAR-10: efficientnet-lite0, gist or images.",
)
@click.option("--data-dir", default=None, help="With --protocol: folder with mnist/, cifar10/.")
@download_option
@click.option("--bits", required=True, type=int, help="Code length in bits.")
@click.option("--labels", default=None, help="Training labels (supervised methods).")
@click.option("--param", "params", multiple=True, help="Hyper-parameter key=value (repeat).")
@click.option("--seed", default=0, show_default=True, type=int, help="random_state.")
@progress_options
@click.option("--out", required=True, help="Model folder to write.")
def fit(
    method: str,
    data: str | None,
    protocol: str | None,
    features: str,
    data_dir: str | None,
    download: bool,
    bits: int,
    labels: str | None,
    params: tuple[str, ...],
    seed: int,
    verbose: bool,
    quiet: bool,
    out: str,
) -> None:
    """Fit METHOD on features or images and save the model folder.

    hashnet and dhn train a CNN end to end when given images (an image folder
    <folder>/<class>/*.png|jpg, a uint8 (N, H, W, 3) .npy, or --protocol with
    --features images); every method fits feature vectors. Deep methods show
    their progress (per alternation or epoch) on stderr: on a terminal, or
    always with --verbose; --quiet silences it.

    \b
    Example:
      hashlearn fit itq --data train.npy --bits 32 --out itq-model
      hashlearn fit sh-bdnn --data train.npy --labels y.npy --bits 16 \\
          --param max_alternations=5 --verbose --out bdnn-model
      hashlearn fit hashnet --data photos/ --bits 48 --out hashnet-model
      hashlearn fit hashnet --protocol cifar10-1k --features images --bits 48 \\
          --param checkpoint_dir=ckpt --param resume=true --out hashnet-model
    """
    from hashlearn.bench.runner import fit_method, set_progress

    progress = wants_progress(verbose, quiet)
    cls = get_method(method)
    given = parse_params(params)
    check_param_types(method, given)
    if download:
        download_for(protocol, data_dir)
    X, y = _training_rows(cls, data, protocol, features, data_dir, labels, seed)
    if getattr(cls, "supervised", False) and y is None:
        raise ValueError(f"method {method!r} is supervised: give --labels PATH")
    if y is not None and len(y) != len(X):
        raise ValueError(f"--labels: {len(y)} labels for {len(X)} rows of --data")
    model = hashlearn.create(method, n_bits=bits, **{"random_state": seed, **given})
    own_output = set_progress(model, progress, given)
    start = time.perf_counter()
    with (
        redirect_stdout(sys.stderr),  # a method's progress lines stay off stdout
        tqdm(
            total=1,
            desc=f"fit {method} {bits} bits",
            leave=False,
            disable=own_output or not progress,
        ) as bar,
    ):
        fit_method(model, X, y)
        bar.update()
    folder = model.save(out)
    shape = " x ".join(str(n) for n in X.shape)
    seconds = time.perf_counter() - start
    click.echo(f"fitted {method} ({bits} bits) on {shape} in {seconds:.1f} s -> {folder}")


def download_for(protocol: str | None, data_dir: str | None) -> None:
    """--download: fetch the dataset of --protocol into the data folder when it is missing."""
    from hashlearn.bench.data import download_protocol_data

    if protocol is None:
        raise ValueError("--download fetches a protocol's dataset: give --protocol NAME")
    download_protocol_data(protocol, data_dir)


def _training_rows(
    cls: Any,
    data: str | None,
    protocol: str | None,
    features: str,
    data_dir: str | None,
    labels: str | None,
    seed: int,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Training rows and labels from --data (+ --labels) or from --protocol."""
    if (data is None) == (protocol is None):
        raise ValueError("give either --data PATH or --protocol NAME (one of the two)")
    if protocol is not None:
        from hashlearn.bench.data import load_benchmark_data

        split = load_benchmark_data(protocol, seed=seed, data_dir=data_dir, features=features)
        return split.X_train, split.y_train
    assert data is not None
    images = getattr(cls, "accepts_images", False) and is_image_input(data)
    table = read_images(data) if images else read_features(data)
    return table.values, read_labels(labels) if labels else table.labels


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
    table = read_model_input(model, data)
    codes = encode_rows(model, table.values)
    from hashlearn.fingerprint import model_fingerprint

    path = write_codes(out, codes, int(model.n_bits), table.ids, model_fingerprint(model))
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
    """Build an index over a codes file (ids and file names from parquet are kept).

    \b
    Example:
      hashlearn index build db_codes.parquet --out db.index --kind mih
    """
    from hashlearn.codes_files import read_codes_info
    from hashlearn.index import FlatIndex, MultiIndexHashing, split_ids

    values, ids, n_bits = read_codes(codes, bits, what="CODES")
    fingerprint = read_codes_info(codes).model_fingerprint
    idx = (MultiIndexHashing if kind == "mih" else FlatIndex)(n_bits, model_fingerprint=fingerprint)
    idx.add(values, *split_ids(ids))
    idx.save(out)
    click.echo(f"built {kind} index of {idx.ntotal} {n_bits}-bit codes -> {out}")
