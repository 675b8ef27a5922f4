"""PNG plots of benchmark results (matplotlib, Agg backend: no display needed).

>>> from hashlearn.bench.runner import run_benchmark
>>> import tempfile, pathlib
>>> res = run_benchmark("digits", ["lsh"], [8, 16], progress=False)
>>> path = plot_metric_vs_bits(res, "map", pathlib.Path(tempfile.mkdtemp()) / "m.png")
>>> path.exists()
True
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from hashlearn._io import atomic_write
from hashlearn.bench.curves import record_metric

CURVE_LABELS = {"val_map": "validation mAP", "loss": "training loss"}
METRIC_LABELS = {
    "map": "mAP",
    "precision_at_radius_2": "precision within Hamming radius 2",
    "recall_at_radius_2": "recall within Hamming radius 2",
}
BITS_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig: Any, path: Path) -> Path:
    with atomic_write(path, "wb") as fh:
        fig.savefig(fh, format="png", dpi=110, bbox_inches="tight")
    _pyplot().close(fig)
    return path


def method_colours(result: dict[str, Any]) -> dict[str, str]:
    """One colour per method, the same in every plot (matplotlib's cycle, sorted names)."""
    return {m: f"C{i % 10}" for i, m in enumerate(sorted({r["method"] for r in result["records"]}))}


def plain_log_x(ax: Any) -> None:
    """Log-scale x axis with plain tick labels (0.1, 1, 10 rather than powers of ten)."""
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(_pyplot().FuncFormatter(lambda value, _: f"{value:g}"))


def metric_limits(values: Iterable[float]) -> tuple[float, float]:
    """Axis range of a metric in [0, 1]: a bit below the lowest value, a bit above the highest.

    The bottom is rounded down to a multiple of 0.05 (never below 0), the top is
    at most 1.02.

    >>> metric_limits([0.61, 0.99])
    (0.55, 1.02)
    >>> metric_limits([0.02, 0.3])
    (0.0, 0.33)
    """
    finite = [v for v in values if np.isfinite(v)]
    if not finite:
        return 0.0, 1.02
    low, high = min(finite), max(finite)
    margin = 0.1 * max(high - low, 0.1)
    bottom = max(0.0, np.floor(round((low - margin) / 0.05, 6)) * 0.05)
    return round(float(bottom), 2), round(min(high + margin, 1.02), 2)


def _by_method(records: list[dict], metric: str) -> dict[str, dict[int, list[float]]]:
    table: dict[str, dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
    for rec in records:
        value = record_metric(rec, metric)
        if value is not None:
            table[rec["method"]][rec["n_bits"]].append(value)
    return table


def plot_metric_vs_bits(result: dict[str, Any], metric: str, path: Path) -> Path | None:
    """Measured values (mean, error bar = std over seeds) and published ones (hollow, dashed).

    None (nothing written) when no record has ``metric``.
    """
    measured = _by_method(result["records"], metric)
    if not measured:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    colours = method_colours(result)
    shown: list[float] = []
    for method, per_bits in sorted(measured.items()):
        bits = sorted(per_bits)
        mean = np.array([np.mean(per_bits[b]) for b in bits])
        std = np.array([np.std(per_bits[b]) for b in bits])
        shown += [*(mean - std), *(mean + std)]
        ax.errorbar(
            bits, mean, yerr=std, marker="o", capsize=3, color=colours[method], label=method
        )
    for (method, kind), points in sorted(_published_points(result, metric).items()):
        bits = sorted(points)
        shown += [points[b] for b in bits]
        ax.plot(
            bits,
            [points[b] for b in bits],
            linestyle="--",
            marker="s",
            fillstyle="none",
            color=colours.get(method),
            label=f"{method} ({kind})",
        )
    ax.set_xlabel("code length (bits)")
    ax.set_ylabel(METRIC_LABELS.get(metric, metric))
    ax.set_ylim(*metric_limits(shown))
    ax.set_title(
        f"{METRIC_LABELS.get(metric, metric)} vs code length, "
        f"{result['environment']['config']['protocol']}"
    )
    ax.set_xticks(sorted({r["n_bits"] for r in result["records"]}))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return _save(fig, path)


def _time_and_map(records: list[dict]) -> dict[tuple[str, int], tuple[float, float]]:
    """{(method, n_bits): (mean training seconds, mean mAP)} over seeds, for records with mAP."""
    groups: dict[tuple[str, int], list[dict]] = defaultdict(list)
    for rec in records:
        if "map" in rec["metrics"]:
            groups[(rec["method"], rec["n_bits"])].append(rec)
    return {
        key: (
            float(np.mean([r["train_seconds"] for r in recs])),
            float(np.mean([r["metrics"]["map"] for r in recs])),
        )
        for key, recs in groups.items()
    }


def plot_time_vs_map(result: dict[str, Any], path: Path) -> Path | None:
    """Training time (log scale) against mAP: one point per method (colour) and bits (marker).

    None (nothing written) when no record has mAP.
    """
    points = _time_and_map(result["records"])
    if not points:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    colours = method_colours(result)
    bits = sorted({b for _, b in points})
    markers = {b: BITS_MARKERS[i % len(BITS_MARKERS)] for i, b in enumerate(bits)}
    for method in sorted({m for m, _ in points}):
        mine = sorted((b, xy) for (m, b), xy in points.items() if m == method)
        xs, ys = [xy[0] for _, xy in mine], [xy[1] for _, xy in mine]
        ax.plot(xs, ys, color=colours[method], alpha=0.4, linewidth=1)
        for b, (x, y) in mine:
            ax.plot(x, y, markers[b], color=colours[method], markersize=8, markeredgecolor="k")
        ax.plot([], [], "-", color=colours[method], linewidth=4, label=method)
    for b in bits:
        ax.plot([], [], markers[b], color="0.6", markeredgecolor="k", label=f"{b} bits")
    plain_log_x(ax)
    ax.set_xlabel("training time (seconds, log scale)")
    ax.set_ylabel("mAP")
    ax.set_ylim(*metric_limits(y for _, y in points.values()))
    ax.set_title(f"training time vs mAP, {result['environment']['config']['protocol']}")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return _save(fig, path)


def _published_points(
    result: dict[str, Any], metric: str
) -> dict[tuple[str, str], dict[int, float]]:
    """{(method, "published" or "authors' code"): {n_bits: value}} for the methods we ran."""
    points: dict[tuple[str, str], dict[int, float]] = defaultdict(dict)
    ours = {r["method"] for r in result["records"]}
    for row in result.get("published", []):
        if row["metric"] == metric and row["method"] in ours:
            kind = "authors' code" if "authors' code" in row["source"] else "published"
            points[(row["method"], kind)].setdefault(row["n_bits"], row["value"])
    return points


def plot_training_curves(result: dict[str, Any], path: Path) -> Path | None:
    """Training curves the deep methods kept (first seed); None when there are none."""
    rows = [r for r in result["records"] if r.get("training_curve")]
    if not rows:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    done = set()
    for rec in rows:
        for name, values in rec["training_curve"].items():
            key = (rec["method"], rec["n_bits"], name)
            if key in done:
                continue
            done.add(key)
            label = CURVE_LABELS.get(name, name.replace("_", " "))
            ax.plot(
                range(len(values)),
                values,
                marker="o",
                label=f"{rec['method']} {rec['n_bits']} bits: {label}",
            )
    ax.set_xlabel("stage (0 = after pre-training, then one per alternation / epoch)")
    ax.set_ylabel("value (validation mAP or training loss)")
    ax.set_title("training curves of the deep methods")
    ax.xaxis.set_major_locator(_pyplot().MaxNLocator(integer=True))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return _save(fig, path)
