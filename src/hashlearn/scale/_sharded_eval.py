"""The counting engine of :mod:`hashlearn.metrics` over database shards on Dask workers.

Why the results are bit-identical to the in-process engine: a query's
statistics are integers (histograms of distances, relevant items within k),
except the AP sums, which the kernels accumulate one relevant item after
another in database order (``metrics._kernels``). Integers add up in any
order, floats do not. So:

1. counting pass: for each block of queries, one task per shard counts its
   histograms, all in parallel; a task adds them up (the totals);
2. ranking pass (stable ties only): for each block of queries, the shards are
   ranked in order, each task continuing the sums where the previous shard's
   task left them, given the totals: the very additions of one pass over the
   concatenated database (as ``_streaming`` does for the blocks of one file).
   The blocks of queries move through the shards at the same time, so every
   worker has work.

The client then reads the metrics off the statistics with the in-process
metric specs (same arithmetic, in the same order), as ``evaluate_codes`` does.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from hashlearn._validation import NON_NUMERIC_KINDS, check_labels, check_packed
from hashlearn.bits import to_words
from hashlearn.metrics._engine import OWN_TOTALS, Request, clip_rank, mean_of
from hashlearn.metrics._inputs import CLASS, MULTI, Relevance, pack_label_rows
from hashlearn.metrics.evaluate import rank_cutoffs, spec_values
from hashlearn.scale.memmap import NpyRows

if TYPE_CHECKING:
    from dask.distributed import Client

Stats = tuple[np.ndarray, ...]  # the kernel outputs (hist, ap, trap, relk, rank_hist)


def prepare_labels(labels: Any, n: int, name: str) -> tuple[np.ndarray, tuple[int, ...]]:
    """Labels as the kernels read them, and their kind: int64 class labels and ``()``,
    or the rows of a 0/1 label matrix packed into uint64 words and ``(n_columns,)``.

    >>> prepare_labels([[1, 0, 1]], 1, "y")
    (array([[5]], dtype=uint64), (3,))
    """
    arr = check_labels(labels, n, name, encode=False)
    if arr.dtype.kind in NON_NUMERIC_KINDS:
        raise TypeError(
            f"{name} must be integer class labels or a 0/1 label matrix, got {arr.dtype}; "
            "encode the labels as integers (the same codes for queries and shards)"
        )
    if arr.ndim == 1:
        return arr, ()
    return pack_label_rows(arr), arr.shape[1:]


def check_label_sources(shard_labels: Any, sizes: list[int], kind: tuple[int, ...]) -> list[Any]:
    """Per shard, its prepared labels (an array was given) or its ``.npy`` labels file
    (header checked here; the workers check the values as they read them)."""
    if isinstance(shard_labels, (str, os.PathLike)) or not hasattr(shard_labels, "__len__"):
        raise TypeError("shard_labels must be a list: one label array or .npy path per shard")
    if len(shard_labels) != len(sizes):
        raise ValueError(
            f"shard_labels has {len(shard_labels)} entries, expected {len(sizes)} (one per shard)"
        )
    sources: list[Any] = []
    for i, (labels, size) in enumerate(zip(shard_labels, sizes, strict=True)):
        name = f"shard_labels[{i}]"
        if isinstance(labels, (str, os.PathLike)):
            sources.append(_check_label_file(Path(labels), size, kind, name))
        else:
            prepared, found = prepare_labels(labels, size, name)
            _check_kind(found, kind, name)
            sources.append(prepared)
    return sources


def _check_label_file(path: Path, size: int, kind: tuple[int, ...], name: str) -> str:
    if not path.is_file():
        raise FileNotFoundError(f"{name}: {path} does not exist")
    rows = NpyRows(path)
    if len(rows.shape) not in (1, 2) or rows.dtype.kind not in "iubf":
        raise ValueError(f"{name}: {path} holds {rows.dtype} {rows.shape}, not numeric labels")
    if rows.shape[0] != size:
        raise ValueError(f"{name}: {path} has {rows.shape[0]} rows, its shard has {size}")
    _check_kind(tuple(rows.shape[1:]), kind, name)
    return str(path)


def _check_kind(found: tuple[int, ...], expected: tuple[int, ...], name: str) -> None:
    def describe(kind: tuple[int, ...]) -> str:
        return "1-D class labels" if not kind else f"a label matrix of {kind[0]} columns"

    if found != expected:
        raise ValueError(f"{name} holds {describe(found)} but query_labels {describe(expected)}")


@dataclass(frozen=True)
class Shards:
    """The sharded database: codes files, labels (arrays or ``.npy`` paths), row counts."""

    paths: list[str]
    labels: list[Any]
    sizes: list[int]
    n_bits: int
    db_chunk: int

    @property
    def n_db(self) -> int:
        return sum(self.sizes)

    def clip_k(self, k: int | None) -> int:
        """A rank cut-off as the metric specs use it: None -> whole database; capped at n_db."""
        return clip_rank(k, self.n_db)


@dataclass(frozen=True)
class QueryBlock:
    """A block of queries as the kernels read them: code words and prepared labels."""

    words: np.ndarray
    labels: np.ndarray


@dataclass(frozen=True)
class ShardPass:
    """One pass of ``request`` over a shard, read ``db_chunk`` rows at a time."""

    request: Request
    n_bits: int
    db_chunk: int


def shard_pass(
    setup: ShardPass, block: QueryBlock, codes_path: str, labels: Any, counted: Stats | None,
    stats: Stats | None,
) -> Stats:  # fmt: skip
    """Worker task: add one shard's statistics to ``stats`` (new ones when None).

    ``counted`` holds the totals of the whole database (ranking pass), None for
    the counting pass. Shipped arrays are copied: they may be read-only, for
    which numba would compile the kernels again.
    """
    q_words, q_labels = np.array(block.words), np.array(block.labels)
    totals = OWN_TOTALS if counted is None else np.array(counted[0])
    if stats is None:
        stats = setup.request.new_stats(q_words.shape[0], setup.n_bits)
    else:
        stats = tuple(np.array(s) for s in stats)
    codes = NpyRows(codes_path)
    for lo in range(0, codes.shape[0], setup.db_chunk):
        hi = lo + setup.db_chunk
        words = to_words(check_packed(codes[lo:hi], setup.n_bits, codes_path))
        relevance = _relevance(q_labels, _label_block(labels, lo, hi))
        setup.request.count(q_words, words, relevance, 0, setup.n_bits, stats, totals=totals)
    return stats


def _label_block(labels: Any, lo: int, hi: int) -> np.ndarray:
    if isinstance(labels, str):
        raw = NpyRows(labels)[lo:hi]
        return prepare_labels(raw, raw.shape[0], f"labels file {labels}")[0]
    return np.array(labels[lo:hi])


def _relevance(q_labels: np.ndarray, db_labels: np.ndarray) -> Relevance:
    if q_labels.ndim == 1:
        return Relevance(CLASS, q_int=q_labels, db_int=db_labels)
    return Relevance(MULTI, q_words=q_labels, db_words=db_labels)


def add_stats(parts: list[Stats]) -> Stats:
    """Worker task: the sum of the counting passes of all shards (integers: exact)."""
    total = tuple(np.array(a) for a in parts[0])
    for part in parts[1:]:
        for acc, value in zip(total, part, strict=True):
            acc += value
    return total


def sharded_stats(client: Client, blocks: list[QueryBlock], shards: Shards,
                  request: Request) -> Stats:  # fmt: skip
    """The kernel outputs of all queries over the concatenated shards (module docstring)."""
    counting = ShardPass(replace(request, stable=False), shards.n_bits, shards.db_chunk)
    ranking = ShardPass(request, shards.n_bits, shards.db_chunk)
    labels = [
        lab if isinstance(lab, str) else client.scatter(lab, hash=False) for lab in shards.labels
    ]
    results = []
    for block in client.scatter(blocks, hash=False):
        counts = [
            client.submit(shard_pass, counting, block, path, lab, None, None, pure=False)
            for path, lab in zip(shards.paths, labels, strict=True)
        ]
        counted = client.submit(add_stats, counts, pure=False)
        stats: Any = counted
        if request.stable:
            stats = None
            for path, lab in zip(shards.paths, labels, strict=True):
                stats = client.submit(shard_pass, ranking, block, path, lab, counted, stats,
                                      pure=False)  # fmt: skip
        results.append(stats)
    return tuple(np.concatenate(arrays) for arrays in zip(*client.gather(results), strict=True))


def query_blocks(queries: np.ndarray, q_labels: np.ndarray, n_blocks: int) -> list[QueryBlock]:
    """Split the queries into ``n_blocks`` contiguous blocks (at most one per query).

    >>> [b.words.shape[0] for b in query_blocks(np.zeros((5, 1), np.uint8), np.zeros(5), 2)]
    [2, 3]
    """
    words, n = to_words(queries), queries.shape[0]
    n_blocks = max(1, min(n, n_blocks))
    bounds = [b * n // n_blocks for b in range(n_blocks + 1)]
    return [QueryBlock(words[lo:hi], q_labels[lo:hi]) for lo, hi in pairwise(bounds)]


def score_shards(client: Client, queries: np.ndarray, q_labels: np.ndarray, shards: Shards,
                 specs: dict[str, Any]) -> dict[str, float]:  # fmt: skip
    """Each metric of ``specs`` over the shards, read off the statistics as
    ``evaluate_codes`` reads them (same specs, same order of operations)."""
    stable_ks, avg_ks = rank_cutoffs(specs, shards.clip_k)
    request = Request.of(tuple(stable_ks), None, bool(stable_ks), tuple(avg_ks), True)
    blocks = query_blocks(queries, q_labels, sum(client.nthreads().values()))
    chunk = request.chunk(sharded_stats(client, blocks, shards, request), shards.n_db)
    return {
        name: mean_of(spec_values(spec, shards, chunk, stable_ks, avg_ks))
        for name, spec in specs.items()
    }
