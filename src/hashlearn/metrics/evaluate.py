"""Several metrics in one counting pass: :func:`evaluate_codes`.

Metric names, the one vocabulary of the library, ``hashlearn evaluate`` and
``hashlearn bench`` (canonical name, then the short aliases that mean the same):

* ``"map"``, ``"map@K"``: mAP (stable ties, AP@K normalised by relevant retrieved);
* ``"map_tie_avg"``, ``"map_tie_avg@K"``: the same with ties="average";
* ``"map_bdnn"`` (alias ``map_bdnn_matlab``): preset ``bdnn_matlab`` (trapezoid AP
  over the full ranking);
* ``"map_<preset>"``, ``"map_<preset>@K"``: any preset of :data:`PRESETS`;
* ``"precision@K"`` (alias ``p@K``): precision within the top K;
* ``"precision_at_radius_R"``, ``"recall_at_radius_R"`` (aliases ``p@rR``,
  ``r@rR``): Hamming ball of radius R.

Names are case-insensitive (``mAP``, ``P@r2``). :func:`canonical_metric_name`
turns any accepted name into its canonical form, and results are keyed by it:
``evaluate_codes(..., metrics=["p@r2"])`` returns ``{"precision_at_radius_2": ...}``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from hashlearn.metrics._engine import evaluation, mean_of
from hashlearn.metrics.radius import RadiusSpec
from hashlearn.metrics.ranking import PRESETS, APSpec, PrecisionSpec

_MAP = re.compile(r"map(?:_(?P<variant>[a-z_]+?))?(?:@(?P<k>\d+))?")
_PREC = re.compile(r"(?:precision|p)@(?P<k>\d+)")
_BALL = re.compile(r"(?:(?P<kind>precision|recall)_at_radius_|(?P<short>[pr])@r)(?P<r>\d+)")
_MAP_ALIASES = {"bdnn_matlab": "bdnn"}


class _Metric(NamedTuple):
    """A parsed metric name: family ("map", "precision", "precision_at_radius",
    "recall_at_radius"), map variant (None, "tie_avg" or a preset) and number."""

    family: str
    variant: str | None
    number: int | None


def _parse_name(name: Any) -> _Metric:
    if not isinstance(name, str):
        raise TypeError(f"metrics must be a sequence of metric names, got {name!r}")
    text = name.strip().lower()
    if m := _BALL.fullmatch(text):
        kind = m["kind"] or ("precision" if m["short"] == "p" else "recall")
        return _Metric(f"{kind}_at_radius", None, int(m["r"]))
    if (m := _PREC.fullmatch(text)) and int(m["k"]) > 0:
        return _Metric("precision", None, int(m["k"]))
    m = _MAP.fullmatch(text)
    if m and (m["k"] is None or int(m["k"]) > 0):
        variant = _MAP_ALIASES.get(m["variant"], m["variant"])
        if variant in (None, "tie_avg", "bdnn") or variant in PRESETS:
            return _Metric("map", variant, None if m["k"] is None else int(m["k"]))
    raise ValueError(
        f"metrics: unknown metric name {name!r}; expected map, map@K, map_tie_avg[@K], "
        f"map_bdnn, map_<preset>[@K] (presets {sorted(PRESETS)}), precision@K (p@K), "
        "precision_at_radius_R (p@rR) or recall_at_radius_R (r@rR)"
    )


def canonical_metric_name(name: Any) -> str:
    """The canonical form of a metric name or alias (ValueError naming ``metrics`` if unknown).

    >>> [canonical_metric_name(n) for n in ("p@r2", "R@r02", "p@100", "mAP@1000")]
    ['precision_at_radius_2', 'recall_at_radius_2', 'precision@100', 'map@1000']
    """
    metric = _parse_name(name)
    if metric.family == "map":
        variant = "" if metric.variant is None else f"_{metric.variant}"
        return f"map{variant}" + ("" if metric.number is None else f"@{metric.number}")
    if metric.family == "precision":
        return f"precision@{metric.number}"
    return f"{metric.family}_{metric.number}"


def parse_metric(name: Any) -> Any:
    """Turn a metric name or alias into a spec object (ValueError naming ``metrics`` if unknown).

    >>> parse_metric("map@1000").topk
    1000
    """
    metric = _parse_name(name)
    if metric.family == "map":
        k, variant = metric.number, metric.variant
        if variant is None or variant == "tie_avg":
            return APSpec(topk=k, ties="average" if variant else "stable")
        preset = "bdnn_matlab" if variant == "bdnn" else variant
        return APSpec.build(k, "stable", "zero", preset, "retrieved", "none")
    if metric.family == "precision":
        return PrecisionSpec(int(metric.number or 0))
    return RadiusSpec(int(metric.number or 0), recall=metric.family == "recall_at_radius")


def evaluate_codes(
    query_codes: Any,
    db_codes: Any,
    query_labels: Any = None,
    db_labels: Any = None,
    *,
    n_bits: int,
    relevance: Any = None,
    metrics: Any = ("map", "precision_at_radius_2"),
    exclude_self: bool = False,
) -> dict[str, float]:
    """Compute several metrics with one pass over the database per query chunk.

    Returns a dict ``{canonical name: value}`` in the order of ``metrics`` (names
    and aliases in the module docstring; two names of one metric give one entry).
    ``exclude_self=True`` (the queries are the database) leaves each query out of
    its own ranking, as :func:`~hashlearn.metrics.mean_average_precision` does.

    Examples
    --------
    >>> q = np.array([[0]], np.uint8)
    >>> db = np.array([[1], [0], [3]], np.uint8)
    >>> evaluate_codes(q, db, [1], [0, 1, 1], n_bits=2, metrics=("map", "p@1"))
    {'map': 0.8333333333333333, 'precision@1': 1.0}
    """
    specs = metric_specs(metrics)
    ev = evaluation(query_codes, db_codes, query_labels, db_labels, n_bits, relevance, exclude_self)
    stable_ks, avg_ks = rank_cutoffs(specs, ev.clip_k)
    parts: dict[str, list[np.ndarray]] = {name: [] for name in specs}
    for chunk in ev.chunks(tuple(stable_ks), stable=bool(stable_ks), avg_ks=tuple(avg_ks)):
        for name, spec in specs.items():
            parts[name].append(spec_values(spec, ev, chunk, stable_ks, avg_ks))
    return {name: mean_of(np.concatenate(v)) if v else float("nan") for name, v in parts.items()}


def metric_specs(metrics: Any) -> dict[str, Any]:
    """``{canonical name: spec}`` of a sequence of metric names (two names of one
    metric give one entry).

    >>> list(metric_specs(["mAP", "p@r2", "map"]))
    ['map', 'precision_at_radius_2']
    """
    if isinstance(metrics, str) or not hasattr(metrics, "__iter__"):
        raise TypeError(f"metrics must be a sequence of metric names, got {metrics!r}")
    specs = {canonical_metric_name(name): parse_metric(name) for name in metrics}
    if not specs:
        raise ValueError("metrics is empty: name at least one metric")
    return specs


def rank_cutoffs(
    specs: dict[str, Any], clip_k: Callable[[int | None], int]
) -> tuple[list[int], list[int]]:
    """The rank cut-offs the ranked metrics of ``specs`` need, stable ties then average
    ties (``clip_k`` maps a metric's ``topk`` to a cut-off, None to the whole database).

    >>> rank_cutoffs(metric_specs(["map", "map@5", "p@r2"]), lambda k: k or 100)
    ([5, 100], [])
    """
    ranked = [s for s in specs.values() if not isinstance(s, RadiusSpec)]
    stable_ks = sorted({clip_k(s.topk) for s in ranked if s.ties == "stable"})
    avg_ks = sorted({clip_k(s.topk) for s in ranked if s.ties == "average"})
    return stable_ks, avg_ks


def spec_values(
    spec: Any, source: Any, chunk: Any, stable_ks: list[int], avg_ks: list[int]
) -> np.ndarray:
    """Per-query values of one metric spec on a chunk of statistics: its column among
    the cut-offs of :func:`rank_cutoffs` (``source`` has ``clip_k``, as an evaluation)."""
    if isinstance(spec, RadiusSpec):
        return spec.values(chunk)
    cols = stable_ks if spec.ties == "stable" else avg_ks
    return spec.values(source, chunk, cols.index(source.clip_k(spec.topk)))
