"""Encoding, exact search and evaluation of a sharded database on a Dask cluster.

A sharded database is a list of ``.npy`` codes files (each with its sidecar,
:mod:`hashlearn.codes_files`) whose rows follow each other: row ``j`` of shard
``i`` has the global id ``j`` plus the number of rows of the shards before it.
Every function takes a ``dask.distributed.Client``; the workers read the files
from a file system they share with the client, one chunk at a time where they can.

* :func:`encode_shards`: one codes file per feature file, each written on a
  worker by :func:`~hashlearn.scale.encode_to_memmap`;
* :func:`search_shards`: exact top-k per shard on the workers
  (:class:`~hashlearn.index.FlatIndex`), merged on the client: the result of a
  ``FlatIndex`` holding the concatenated shards;
* :func:`evaluate_shards`: :func:`hashlearn.metrics.evaluate_codes` on the
  concatenated shards, bit for bit (see :mod:`hashlearn.scale._sharded_eval`).

Inputs are checked on the client before any task starts, so a missing file, a
shard of another code length or an unfitted model is an error naming the argument.
Needs ``pip install "dask[distributed]"``::

    from dask.distributed import Client, LocalCluster
    with LocalCluster(n_workers=2, threads_per_worker=1) as cluster, Client(cluster) as client:
        shards = encode_shards(model, ["part0.npy", "part1.npy"], "codes/", client)
        distances, ids = search_shards(queries, shards, model.n_bits, 10, client)
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from hashlearn._validation import check_int, check_n_bits, check_packed, check_positive_int
from hashlearn.codes_files import read_sidecar
from hashlearn.scale.memmap import (
    DEFAULT_CHUNK,
    NpyRows,
    _fingerprint_or_none,
    encode_to_memmap,
    open_codes,
)

if TYPE_CHECKING:
    from dask.distributed import Client


def encode_shards(
    model: Any,
    feature_files: Sequence[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str],
    client: Client,
    *,
    chunk: int = DEFAULT_CHUNK,
) -> list[Path]:
    """Encode each ``.npy`` feature file on a worker into ``out_dir/<stem>.codes.npy``.

    Each file is written by :func:`~hashlearn.scale.encode_to_memmap` (its sidecar
    records ``n_bits`` and the model's fingerprint); a worker holds one ``chunk``
    of rows at a time. The model is sent to the workers once. Returns the codes
    files in the order of ``feature_files``: together, the codes of the
    concatenated features.
    """
    check_client(client)
    chunk = check_positive_int(chunk, "chunk")
    if not hasattr(model, "encode") or not hasattr(model, "n_bits"):
        raise TypeError(f"model must be a fitted hasher (encode, n_bits), not {type(model)}")
    _fingerprint_or_none(model)  # NotFittedError for a hashlearn model that is not fitted
    check_n_bits(model.n_bits, name="model.n_bits")
    sources = _paths(feature_files, "feature_files")
    _check_feature_files(sources, getattr(model, "n_features_in_", None))
    targets = [Path(out_dir) / f"{path.stem}.codes.npy" for path in sources]
    if len(set(targets)) < len(targets):
        raise ValueError("feature_files: two files have the same name stem; rename one")
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    shipped = client.scatter(model, broadcast=True, hash=False)
    tasks = [
        client.submit(_encode_file, shipped, str(source), str(target), chunk, pure=False)
        for source, target in zip(sources, targets, strict=True)
    ]
    client.gather(tasks)
    return targets


def check_client(client: Any) -> None:
    """Refuse anything but a ``dask.distributed.Client`` (say how to install Dask if absent)."""
    try:
        from dask.distributed import Client
    except ImportError:
        raise ImportError(
            'hashlearn.scale.distributed needs Dask: pip install "dask[distributed]"'
        ) from None
    if not isinstance(client, Client):
        raise TypeError(
            f"client must be a dask.distributed.Client, got {type(client).__name__} "
            "(for a cluster, pass Client(cluster))"
        )


def _encode_file(model: Any, source: str, target: str, chunk: int) -> str:
    """Worker task: one feature file -> its codes file and sidecar."""
    encode_to_memmap(model, source, target, chunk=chunk)
    return target


def _paths(values: Any, name: str) -> list[Path]:
    """A non-empty list of paths (a single path is refused: it is not a list of files)."""
    if isinstance(values, (str, os.PathLike)) or not hasattr(values, "__iter__"):
        raise TypeError(f"{name} must be a list of paths, got {values!r}")
    paths = [Path(value) for value in values]
    if not paths:
        raise ValueError(f"{name} is empty: give at least one file")
    return paths


def _check_feature_files(paths: list[Path], n_features: int | None) -> None:
    """Each file exists and holds 2-D features of the model's width (or the first file's)."""
    for i, path in enumerate(paths):
        if not path.is_file():
            raise FileNotFoundError(f"feature_files[{i}]: {path} does not exist")
        shape = NpyRows(path).shape
        if len(shape) != 2:
            raise ValueError(f"feature_files[{i}]: {path} must hold 2-D features, got {shape}")
        n_features = shape[1] if n_features is None else n_features
        if shape[1] != n_features:
            raise ValueError(
                f"feature_files[{i}]: {path} has {shape[1]} features, but the model "
                f"expects {n_features}"
            )


def check_shards(shard_paths: Any, n_bits: int) -> tuple[list[Path], list[int]]:
    """The shard files and their row counts, checked: ``n_bits``-bit codes of one model.

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "s.npy"
    >>> np.save(path, np.zeros((3, 2), np.uint8))
    >>> check_shards([path], 16)[1]
    [3]
    """
    paths = _paths(shard_paths, "shard_paths")
    sizes: list[int] = []
    fingerprints: set[str] = set()
    for i, path in enumerate(paths):
        try:
            sizes.append(int(open_codes(path, n_bits).shape[0]))
        except (FileNotFoundError, ValueError) as exc:
            raise type(exc)(f"shard_paths[{i}]: {exc}") from None
        fingerprint = read_sidecar(path).model_fingerprint
        fingerprints |= set() if fingerprint is None else {fingerprint}
    if len(fingerprints) > 1:
        raise ValueError(
            f"shard_paths: the shards were encoded by different models {sorted(fingerprints)}"
        )
    return paths, sizes


def search_shards(
    query_codes: np.ndarray, shard_paths: Sequence[str | os.PathLike[str]], n_bits: int, k: int,
    client: Client,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Exact ``k`` nearest neighbours over all shards, sorted by (distance, global id).

    Each worker searches one shard with a :class:`~hashlearn.index.FlatIndex`;
    the client merges the per-shard top-k lists. Returns int32 distances and
    int64 global ids of shape (n_queries, k), padded with -1 when the shards
    hold fewer than ``k`` rows: what ``FlatIndex.search`` returns for an index
    of the concatenated shards.
    """
    check_client(client)
    n_bits = check_n_bits(n_bits)
    queries = check_packed(query_codes, n_bits, "query_codes")
    k = check_int(k, "k", minimum=1)
    paths, sizes = check_shards(shard_paths, n_bits)
    offsets = np.cumsum([0, *sizes[:-1]])
    shipped = client.scatter(queries, broadcast=True, hash=False)
    tasks = [
        client.submit(_search_file, shipped, str(path), n_bits, k, int(offset), pure=False)
        for path, offset in zip(paths, offsets, strict=True)
    ]
    return merge_top_k(client.gather(tasks), k)


def _search_file(
    queries: np.ndarray, path: str, n_bits: int, k: int, offset: int
) -> tuple[np.ndarray, np.ndarray]:
    """Worker task: top-k of one shard, ids made global (``offset`` + row)."""
    from hashlearn.index import FlatIndex

    index = FlatIndex(n_bits)
    index.add(NpyRows(path)[:])  # plain reads: no mapped pages stay resident
    distances, ids = index.search(np.array(queries), k)  # a writable copy of the shipped array
    return distances, np.where(ids >= 0, ids + offset, ids)


def merge_top_k(
    parts: Sequence[tuple[np.ndarray, np.ndarray]], k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Merge per-shard top-k lists, in shard order, into the top ``k`` by (distance, id).

    Each part is sorted by (distance, id), padded with -1, and its ids are
    global and above those of the parts before it, so a stable sort on the
    distance alone breaks ties by id.

    >>> a = (np.array([[1, 3]], np.int32), np.array([[0, 1]]))
    >>> b = (np.array([[1, -1]], np.int32), np.array([[2, -1]]))
    >>> [x.tolist() for x in merge_top_k([a, b], 4)]
    [[[1, 1, 3, -1]], [[0, 2, 1, -1]]]
    """
    distances = np.concatenate([d for d, _ in parts], axis=1)
    ids = np.concatenate([i for _, i in parts], axis=1)
    key = np.where(ids < 0, np.iinfo(np.int32).max, distances)  # padding sorts last
    order = np.argsort(key, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(distances, order, 1), np.take_along_axis(ids, order, 1)


def evaluate_shards(
    query_codes: np.ndarray,
    query_labels: Any,
    shard_paths: Sequence[str | os.PathLike[str]],
    shard_labels: Sequence[Any],
    n_bits: int,
    client: Client,
    metrics: Sequence[str] = ("map", "precision_at_radius_2"),
    *,
    db_chunk: int = 1 << 16,
) -> dict[str, float]:
    """:func:`hashlearn.metrics.evaluate_codes` over the concatenated shards, bit for bit.

    Parameters
    ----------
    query_codes : (nq, n_bytes) packed uint8 codes.
    query_labels : 1-D integer class labels or a 2-D 0/1 label matrix.
    shard_paths : the codes files of the database shards, in order.
    shard_labels : one label array, or ``.npy`` file of labels, per shard
        (the same kind as ``query_labels``).
    n_bits : code length.
    client : a ``dask.distributed.Client``.
    metrics : metric names, as in ``evaluate_codes`` (every name it accepts).
    db_chunk : shard rows a worker reads at a time.

    Returns
    -------
    ``{canonical name: value}``, equal to ``evaluate_codes`` on the concatenated
    codes and labels, with ties broken by global row id.
    """
    from hashlearn.metrics.evaluate import metric_specs
    from hashlearn.scale import _sharded_eval as engine

    check_client(client)
    specs = metric_specs(metrics)
    n_bits = check_n_bits(n_bits)
    queries = check_packed(query_codes, n_bits, "query_codes")
    if queries.shape[0] == 0:
        raise ValueError("query_codes is empty: a mean over zero queries is undefined")
    q_labels, label_kind = engine.prepare_labels(query_labels, queries.shape[0], "query_labels")
    paths, sizes = check_shards(shard_paths, n_bits)
    if sum(sizes) == 0:
        raise ValueError("shard_paths: the shards hold no rows; there is nothing to rank")
    sources = engine.check_label_sources(shard_labels, sizes, label_kind)
    db_chunk = check_positive_int(db_chunk, "db_chunk")
    shards = engine.Shards([str(p) for p in paths], sources, sizes, n_bits, db_chunk)
    return engine.score_shards(client, queries, q_labels, shards, specs)
