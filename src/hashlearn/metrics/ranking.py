"""Ranking metrics on Hamming distances: mAP, mAP@k (with presets), precision@k.

The database is ranked by increasing Hamming distance.  ``ties="stable"``
breaks ties by database index (a stable sort, as MATLAB's ``sort``);
``ties="average"`` gives the exact expectation over uniformly random orders
inside each group of equal distances (closed form, see ``_ties``).

Presets fix how AP@k is normalised and which queries are
left out of the mean:

================== ============ ============ ====================== ======================
preset             normalise by interpolation no relevant in top k   no relevant in database
================== ============ ============ ====================== ======================
standard           all relevant none         AP 0, counted          AP 0, counted
hashnet_caffe      retrieved    none         AP 0, counted          skipped
hashnet_pytorch    retrieved    none         skipped                skipped
deephash_pytorch   retrieved    none         AP 0, counted          AP 0, counted
deephash_tf        retrieved    none         skipped                skipped
bdnn_matlab        all relevant trapezoid    AP 0, counted          AP 0, counted
================== ============ ============ ====================== ======================

``normalize="retrieved"`` divides AP@k by the relevant items within the top k
(HashNet / DeepHash convention, see DeepHash-pytorch#33), ``"all"`` by all
relevant items in the database, ``"min"`` by min(k, relevant items).  With
``topk=None`` the three coincide.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from hashlearn._validation import check_positive_int
from hashlearn.metrics._engine import Chunk, Ranked, evaluation, mean_of
from hashlearn.metrics._inputs import check_choice

TIES = ("stable", "average")
EMPTY = ("zero", "skip")
NORMALIZE = ("retrieved", "all", "min")
INTERPOLATION = ("none", "trapezoid")
PRESETS: dict[str, tuple[str, str, bool, bool]] = {
    # name: (normalize, interpolation, skip if none in top k, skip if none in database)
    "standard": ("all", "none", False, False),
    "hashnet_caffe": ("retrieved", "none", False, True),
    "hashnet_pytorch": ("retrieved", "none", True, True),
    "deephash_pytorch": ("retrieved", "none", False, False),
    "deephash_tf": ("retrieved", "none", True, True),
    "bdnn_matlab": ("all", "trapezoid", False, False),
}


@dataclass(frozen=True)
class APSpec:
    """One mAP variant: cut-off, ties, normalisation, interpolation, empty rules."""

    topk: int | None = None
    ties: str = "stable"
    normalize: str = "retrieved"
    interpolation: str = "none"
    skip_empty_topk: bool = False
    skip_empty_db: bool = False

    @classmethod
    def build(cls, topk: Any, ties: Any, empty: Any, preset: Any, normalize: Any,
              interpolation: Any) -> APSpec:  # fmt: skip
        """Check the public arguments and resolve ``preset``."""
        topk = None if topk is None else check_positive_int(topk, "topk")
        ties = check_choice(ties, "ties", TIES)
        skip = check_choice(empty, "empty", EMPTY) == "skip"
        normalize = check_choice(normalize, "normalize", NORMALIZE)
        interpolation = check_choice(interpolation, "interpolation", INTERPOLATION)
        if preset is not None:
            preset = check_choice(preset, "preset", tuple(PRESETS))
            if skip or normalize != "retrieved" or interpolation != "none":
                raise ValueError(
                    f"preset={preset!r} fixes empty, normalize and interpolation; "
                    "leave them at their defaults"
                )
            normalize, interpolation, skip_k, skip_db = PRESETS[preset]
        else:
            skip_k = skip_db = skip
        if interpolation == "trapezoid" and ties != "stable":
            raise ValueError("ties='average' is not supported with trapezoid interpolation")
        return cls(topk, ties, normalize, interpolation, skip_k, skip_db)

    def values(self, ev: Ranked, chunk: Chunk, col: int) -> np.ndarray:
        """Per-query AP for the queries of ``chunk`` (NaN where skipped)."""
        k = ev.clip_k(self.topk)
        n_rel = chunk.n_relevant.astype(np.float64)
        if self.ties == "stable":
            total = chunk.trap[:, col] if self.interpolation == "trapezoid" else chunk.ap[:, col]
            retrieved = chunk.relk[:, col].astype(np.float64)
        else:
            total, retrieved = chunk.avg[:, col, 0], chunk.avg[:, col, 1]
        if self.ties == "average" and self.normalize == "retrieved":
            ap = chunk.avg[:, col, 2].copy()  # E[sum / retrieved]: not a ratio of expectations
        else:
            denom = {"retrieved": retrieved, "all": n_rel, "min": np.minimum(n_rel, k)}
            d = denom[self.normalize]
            ap = np.divide(total, d, out=np.zeros_like(total), where=d > 0)
        skip = (self.skip_empty_topk & (retrieved == 0)) | (self.skip_empty_db & (n_rel == 0))
        ap[skip] = np.nan
        return ap


def score_ranking(ev: Ranked, spec: Any) -> float:
    """Evaluate one spec with a cut-off (APSpec or PrecisionSpec) over all chunks of ``ev``
    (in memory, or streamed: ``hashlearn.scale.streaming_map``)."""
    k = (ev.clip_k(spec.topk),)
    stable = spec.ties == "stable"
    parts = [
        spec.values(ev, chunk, 0)
        for chunk in ev.chunks(ks=k if stable else (), stable=stable, avg_ks=() if stable else k)
    ]
    return mean_of(np.concatenate(parts)) if parts else float("nan")


def mean_average_precision(
    query_codes: Any,
    db_codes: Any,
    query_labels: Any = None,
    db_labels: Any = None,
    *,
    n_bits: int,
    relevance: Any = None,
    topk: int | None = None,
    ties: str = "stable",
    empty: str = "zero",
    preset: str | None = None,
    normalize: str = "retrieved",
    interpolation: str = "none",
    exclude_self: bool = False,
) -> float:
    """Mean average precision of a Hamming ranking of packed codes.

    Parameters
    ----------
    query_codes, db_codes : packed uint8 codes, shapes (nq, ceil(n_bits/8)), (n_db, ...).
    query_labels, db_labels : 1-D class labels (relevant iff equal) or 2-D 0/1
        label matrices (relevant iff they share a label).
    n_bits : code length.
    relevance : instead of labels, a boolean (nq, n_db) array or scipy.sparse matrix.
    topk : rank cut-off k for mAP@k; None ranks the whole database.
    ties : "stable" (database index breaks ties) or "average" (exact expectation
        over random orders inside ties).
    empty : "zero" counts a query with no relevant item (in the top k, or in
        the database) as AP 0, "skip" leaves it out.  With ties="average" a
        query is "empty in the top k" only if it is so for every tie order.
    preset : a name in :data:`PRESETS` (module docstring); fixes normalize,
        interpolation and the empty rules.
    normalize, interpolation : see the module docstring.
    exclude_self : leave-one-out, when the queries are the database (pass the
        same codes and labels twice): each query is ranked against every other
        row, never against itself.

    Returns
    -------
    float, the mean over (kept) queries; NaN if every query was skipped.

    Examples
    --------
    >>> q = np.array([[0b0000]], np.uint8)
    >>> db = np.array([[0b0001], [0b0000], [0b0011]], np.uint8)
    >>> mean_average_precision(q, db, [1], [0, 1, 1], n_bits=4)  # ranks 1 and 3
    0.8333333333333333
    >>> mean_average_precision(db, db, [0, 1, 1], [0, 1, 1], n_bits=4, exclude_self=True)
    0.3333333333333333
    """
    spec = APSpec.build(topk, ties, empty, preset, normalize, interpolation)
    args = (query_codes, db_codes, query_labels, db_labels, n_bits, relevance, exclude_self)
    return score_ranking(evaluation(*args), spec)


@dataclass(frozen=True)
class PrecisionSpec:
    """Precision within the top ``topk`` of the ranking."""

    topk: int
    ties: str = "stable"

    def values(self, ev: Ranked, chunk: Chunk, col: int) -> np.ndarray:
        found = chunk.relk[:, col] if self.ties == "stable" else chunk.avg[:, col, 1]
        return found / ev.clip_k(self.topk)


def precision_at_k(
    query_codes: Any,
    db_codes: Any,
    query_labels: Any = None,
    db_labels: Any = None,
    *,
    n_bits: int,
    k: int,
    relevance: Any = None,
    ties: str = "stable",
    exclude_self: bool = False,
) -> float:
    """Mean over queries of the fraction of relevant items in the top ``k``.

    ``k`` larger than the database counts the whole database (divides by n_db).
    ``exclude_self``: leave-one-out, as in :func:`mean_average_precision`.

    Examples
    --------
    >>> q = np.array([[0]], np.uint8)
    >>> db = np.array([[1], [0], [3]], np.uint8)
    >>> precision_at_k(q, db, [1], [0, 1, 1], n_bits=2, k=2)
    0.5
    """
    spec = PrecisionSpec(check_positive_int(k, "k"), check_choice(ties, "ties", TIES))
    args = (query_codes, db_codes, query_labels, db_labels, n_bits, relevance, exclude_self)
    return score_ranking(evaluation(*args), spec)
