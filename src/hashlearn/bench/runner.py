"""Run a protocol for methods x code lengths x seeds: :func:`run_benchmark`.

Each record (JSON-able) holds method, protocol, n_bits, seed, metrics,
train_seconds, encode_seconds, the resolved hyper-parameters, a precision-recall
curve by Hamming radius and, for methods that keep one, the training curve.

>>> result = run_benchmark("digits", ["lsh"], [8], seeds=[0], progress=False)
>>> rec = result["records"][0]
>>> rec["method"], rec["n_bits"], sorted(rec["metrics"])[:2]
('lsh', 8, ['map', 'precision_at_radius_2'])
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from tqdm.auto import tqdm

import hashlearn
from hashlearn._threads import torch_threads_kept
from hashlearn.bench.curves import precision_at_n_curve, precision_at_n_metrics
from hashlearn.bench.data import BenchData, Subset, load_benchmark_data
from hashlearn.bench.environment import environment_record
from hashlearn.bench.published import published_for
from hashlearn.metrics import canonical_metric_name, evaluate_codes

DEFAULT_METRICS = ("map", "precision_at_radius_2")
HISTORY_CURVES = ("loss", "val_map")  # the columns of a per-epoch ``history_`` worth plotting
PROGRESS_PARAMS = ("progress",)  # a model's own progress output (bar or lines)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return repr(value)


def fit_method(
    model: Any, X: np.ndarray, y: Any = None, X_val: Any = None, y_val: Any = None
) -> Any:
    """Fit ``model`` through the contract of every method, ``fit(X, y, *, X_val, y_val)``.

    Unsupervised methods ignore ``y``; methods without model selection check
    the validation rows and ignore them.

    >>> m = fit_method(hashlearn.create("lsh", n_bits=4, random_state=0), np.eye(5), [0] * 5)
    >>> m.n_bits
    4
    """
    return model.fit(X, y, X_val=X_val, y_val=y_val)


def set_progress(model: Any, on: bool, params: dict[str, Any] | None = None) -> bool:
    """Turn the model's own progress output (``progress`` / ``verbose``) on or off.

    A setting that ``params`` gives is left alone. Returns whether the model has
    progress output of its own.

    >>> set_progress(hashlearn.create("lsh", n_bits=4), True)
    False
    """
    names = [name for name in PROGRESS_PARAMS if name in model.get_params()]
    for name in names:
        if name not in (params or {}):
            model.set_params(**{name: on})
    return bool(names)


def training_curve(model: Any) -> dict[str, list[float]]:
    """The loss and validation mAP columns of a deep method's ``history_`` (one row per
    epoch or stage, the same keys for every deep method); {} for a method without one.

    >>> class Fitted:
    ...     history_ = [{"epoch": 1, "loss": 0.5, "val_map": 0.2, "seconds": 90.0},
    ...                 {"epoch": 2, "loss": 0.4, "val_map": None, "seconds": 80.0}]
    >>> training_curve(Fitted())
    {'loss': [0.5, 0.4], 'val_map': [0.2, nan]}
    """
    rows = getattr(model, "history_", None)
    if not isinstance(rows, (list, tuple)) or not all(isinstance(r, dict) for r in rows):
        return {}
    return _columns(rows)


def _columns(rows: Sequence[dict[str, Any]]) -> dict[str, list[float]]:
    present = [k for k in HISTORY_CURVES if any(r.get(k) is not None for r in rows)]
    return {k: [float("nan") if r.get(k) is None else float(r[k]) for r in rows] for k in present}


def pr_curve_metrics(n_bits: int) -> list[str]:
    """Metric names giving precision and recall at every Hamming radius 0..n_bits."""
    return [f"{kind}_at_radius_{r}" for r in range(n_bits + 1) for kind in ("precision", "recall")]


def pr_curve_from(values: dict[str, float], n_bits: int) -> dict[str, list]:
    """Collect the :func:`pr_curve_metrics` values into radius / precision / recall lists.

    >>> pr_curve_from({"precision_at_radius_0": 1.0, "recall_at_radius_0": 0.5}, 0)
    {'radius': [0], 'precision': [1.0], 'recall': [0.5]}
    """
    radii = range(n_bits + 1)
    return {
        "radius": list(radii),
        "precision": [values[f"precision_at_radius_{r}"] for r in radii],
        "recall": [values[f"recall_at_radius_{r}"] for r in radii],
    }


def evaluate_model(
    model: Any, data: BenchData, metrics: Sequence[str] = DEFAULT_METRICS, pr_curve: bool = True
) -> tuple[dict[str, float], dict[str, list], float, dict[str, list]]:
    """Encode queries and database, then compute ``metrics`` (and the PR and precision@N curves).

    Returns the scores of ``metrics``, the PR curve by radius, the encoding seconds
    and the precision@N curve.
    """
    start = time.perf_counter()
    q_codes, db_codes = model.encode(data.X_query), model.encode(data.X_db)
    encode_seconds = time.perf_counter() - start
    n_bits = int(model.n_bits)
    at_n = precision_at_n_metrics(len(data.X_db))
    names = list(dict.fromkeys([*metrics, *at_n, *(pr_curve_metrics(n_bits) if pr_curve else [])]))
    labels = (None, None) if data.relevance is not None else (data.y_query, data.y_db)
    with torch_threads_kept():  # the next method's fit keeps the thread count it was given
        values = evaluate_codes(
            q_codes, db_codes, *labels, n_bits=n_bits, relevance=data.relevance, metrics=names
        )
    curve = pr_curve_from(values, n_bits) if pr_curve else {}
    return {m: values[m] for m in metrics}, curve, encode_seconds, precision_at_n_curve(values)


def run_one(
    method: str,
    n_bits: int,
    seed: int,
    data: BenchData,
    params: dict[str, Any] | None = None,
    metrics: Sequence[str] = DEFAULT_METRICS,
    progress: bool = False,
) -> dict[str, Any]:
    """Fit and evaluate one (method, n_bits, seed); return its JSON-able record.

    ``progress`` turns on the model's own progress output, where it has one
    (unless ``params`` sets it).
    """
    params = dict(params or {})
    model = hashlearn.create(method, n_bits=n_bits, random_state=seed, **params)
    set_progress(model, progress, params)
    if data.X_train.ndim > 2 and not getattr(model, "accepts_images", False):
        raise ValueError(
            f"{method} needs feature vectors, not images: run it with a feature extractor "
            "(e.g. features='efficientnet-lite0'); methods that train on images: hashnet, dhn"
        )
    start = time.perf_counter()
    fit_method(model, data.X_train, data.y_train, data.X_val, data.y_val)
    train_seconds = time.perf_counter() - start
    scores, curve, encode_seconds, at_n_curve = evaluate_model(model, data, metrics)
    return {
        "method": method,
        "protocol": data.name,
        "n_bits": int(n_bits),
        "seed": int(seed),
        "metrics": scores,
        "train_seconds": train_seconds,
        "encode_seconds": encode_seconds,
        "params": _jsonable(model.get_params(deep=False)),
        "settings": _jsonable(getattr(model, "settings_", {})),
        "pr_curve": curve,
        "precision_at_n": at_n_curve,
        "sizes": {
            "queries": len(data.X_query),
            "train": len(data.X_train),
            "database": len(data.X_db),
        },
        "training_curve": training_curve(model),
        "published": published_for(data.name, [method], [n_bits]),
    }


def run_benchmark(
    protocol: str,
    methods: Sequence[str],
    bits: Sequence[int],
    seeds: Sequence[int] = (0,),
    data_dir: Any = None,
    params: dict[str, dict[str, Any]] | None = None,
    metrics: Sequence[str] = DEFAULT_METRICS,
    features: str = "efficientnet-lite0",
    progress: bool = True,
    on_record: Callable[[dict[str, Any]], None] | None = None,
    subset: Subset | None = None,
) -> dict[str, Any]:
    """Run ``protocol`` for every method, code length and seed.

    Parameters
    ----------
    params : per-method hyper-parameters, e.g. ``{"sh-bdnn": {"max_alternations": 5}}``.
    metrics : metric names or aliases of :func:`hashlearn.metrics.evaluate_codes`
        (``p@r2``, ``map@1000``); records key them by their canonical names.
    on_record : called after every finished run with the results so far (the layout
        of the return value), e.g. to save them: a long benchmark that fails or is
        stopped keeps what it finished.
    subset : run on evenly spaced rows of each part only (a quick look, recorded in the
        header as ``subset``; None: the full protocol).

    Returns
    -------
    dict
        ``{"records": [...], "published": [...], "environment": {...}}``.
    """
    for method in methods:
        hashlearn._registry.get_method(method)
    if not methods or not bits or not seeds:
        raise ValueError("methods, bits and seeds must each name at least one value")
    params = params or {}
    metrics = list(dict.fromkeys(canonical_metric_name(m) for m in metrics))
    jobs = [(s, m, b) for s in seeds for m in methods for b in bits]
    data = load_benchmark_data(protocol, jobs[0][0], data_dir, features, subset)
    config = {
        "protocol": protocol,
        "methods": list(methods),
        "bits": [int(b) for b in bits],
        "seeds": [int(s) for s in seeds],
        "data_dir": data.data_dir,
        "params": _jsonable(params),
        "metrics": list(metrics),
        "features": data.features,
        "subset": subset.record() if subset else None,
    }
    records: list[dict[str, Any]] = []
    checksums = {data.seed: data.checksum}
    for seed, method, n_bits in tqdm(
        jobs, desc=f"bench {protocol}", disable=None if progress else True
    ):
        if data.seed != seed:
            data = load_benchmark_data(protocol, seed, data_dir, features, subset)
            checksums[seed] = data.checksum
        records.append(
            run_one(method, n_bits, seed, data, params.get(method), metrics, bool(progress))
        )
        if on_record is not None:
            on_record(_result(records, config, checksums))
    return _result(records, config, checksums)


def _result(
    records: list[dict[str, Any]], config: dict[str, Any], checksums: dict[int, str]
) -> dict[str, Any]:
    checksum = ",".join(f"seed {s}: {c}" for s, c in checksums.items())
    return {
        "records": list(records),
        "published": published_for(config["protocol"], None, config["bits"]),
        "environment": environment_record(config, checksum),
    }
