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
from pathlib import Path
from typing import Any

import numpy as np

from hashlearn._io import atomic_write

CURVE_LABELS = {"val_scores": "validation mAP", "loss_history": "training loss"}
METRIC_LABELS = {"map": "mAP", "precision_at_radius_2": "precision within Hamming radius 2"}


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


def _by_method(records: list[dict], metric: str) -> dict[str, dict[int, list[float]]]:
    table: dict[str, dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
    for rec in records:
        if metric in rec["metrics"]:
            table[rec["method"]][rec["n_bits"]].append(rec["metrics"][metric])
    return table


def plot_metric_vs_bits(result: dict[str, Any], metric: str, path: Path) -> Path:
    """Ours (mean, error bar = std over seeds) and published values (hollow, dashed)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    colours = method_colours(result)
    for method, per_bits in sorted(_by_method(result["records"], metric).items()):
        bits = sorted(per_bits)
        mean = [np.mean(per_bits[b]) for b in bits]
        std = [np.std(per_bits[b]) for b in bits]
        ax.errorbar(
            bits,
            mean,
            yerr=std,
            marker="o",
            capsize=3,
            color=colours[method],
            label=f"{method} (ours)",
        )
    for (method, kind), points in sorted(_published_points(result, metric).items()):
        bits = sorted(points)
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
    ax.set_title(
        f"{METRIC_LABELS.get(metric, metric)} vs code length, "
        f"{result['environment']['config']['protocol']}"
    )
    ax.set_xticks(sorted({r["n_bits"] for r in result["records"]}))
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


def plot_pr_curves(result: dict[str, Any], path: Path) -> Path:
    """Precision-recall curves by Hamming radius, one panel per code length (first seed)."""
    plt = _pyplot()
    bits = sorted({r["n_bits"] for r in result["records"]})
    fig, axes = plt.subplots(1, len(bits), figsize=(4.6 * len(bits), 4.0), squeeze=False)
    colours = method_colours(result)
    for ax, n_bits in zip(axes[0], bits, strict=True):
        seen = set()
        for rec in result["records"]:
            if rec["n_bits"] != n_bits or rec["method"] in seen or not rec.get("pr_curve"):
                continue
            seen.add(rec["method"])
            ax.plot(
                rec["pr_curve"]["recall"],
                rec["pr_curve"]["precision"],
                marker=".",
                color=colours[rec["method"]],
                label=rec["method"],
            )
        ax.set_xlabel("recall (within Hamming radius r)")
        ax.set_ylabel("precision (within Hamming radius r)")
        ax.set_title(f"{n_bits} bits")
        ax.set_xlim(0, 1.02)
        ax.set_ylim(0, 1.02)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    return _save(fig, path)


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
