"""PNG plots of per-record curves: PR by Hamming radius and precision@N, one panel per bits.

Each panel shows the first seed of every method at that code length.

>>> from hashlearn.bench.runner import run_benchmark
>>> import tempfile, pathlib
>>> res = run_benchmark("digits", ["lsh"], [8], progress=False)
>>> plot_pr_curves(res, pathlib.Path(tempfile.mkdtemp()) / "pr.png").exists()
True
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hashlearn.bench.plots import _pyplot, _save, method_colours, metric_limits, plain_log_x

MARKED_RADIUS = 2
LABEL_GAP = 0.07
"""Radius labels closer than this (in recall / precision units) to a placed one are left out."""


def first_per_method(records: list[dict], n_bits: int) -> list[dict]:
    """The first record of each method at ``n_bits`` (the first seed run).

    >>> recs = [{"method": "a", "n_bits": 8, "seed": s} for s in (0, 1)]
    >>> [r["seed"] for r in first_per_method(recs, 8)]
    [0]
    """
    seen: dict[str, dict] = {}
    for rec in records:
        if rec["n_bits"] == n_bits:
            seen.setdefault(rec["method"], rec)
    return list(seen.values())


Curve = dict[str, list]
PanelDrawer = Callable[[Any, list[tuple[str, Curve]], dict[str, str]], None]


def _panels(result: dict[str, Any], key: str, draw: PanelDrawer, path: Path) -> Path | None:
    """One panel per code length: ``draw(ax, [(method, record[key]), ...], colours)``.

    Records without the curve ``key`` are left out; None (nothing written) when all are.
    """
    panels = {}
    for n_bits in sorted({r["n_bits"] for r in result["records"]}):
        named = [
            (r["method"], r.get(key) or {}) for r in first_per_method(result["records"], n_bits)
        ]
        if kept := [(method, curve) for method, curve in named if any(curve.values())]:
            panels[n_bits] = kept
    if not panels:
        return None
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(panels), figsize=(4.6 * len(panels), 4.0), squeeze=False)
    for ax, (n_bits, curves) in zip(axes[0], panels.items(), strict=True):
        draw(ax, curves, method_colours(result))
        ax.set_title(f"{n_bits} bits")
        ax.grid(alpha=0.3)
    handles = {}
    for ax in axes[0]:
        handles.update({label: h for h, label in zip(*ax.get_legend_handles_labels(), strict=True)})
    fig.tight_layout()
    fig.legend(
        handles.values(), handles.keys(), fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 0.95)
    )
    return _save(fig, path)


def radius_labels(curves: list[tuple[str, Curve]]) -> list[tuple[str, int, float, float]]:
    """(method, radius, recall, precision) of the PR points to label with their radius.

    Radius by radius (so every method gets its small radii), a point is labelled
    unless it lies within :data:`LABEL_GAP` of a point labelled already.

    >>> curve = {"radius": [0, 1, 2], "recall": [0.1, 0.12, 0.5], "precision": [1.0, 1.0, 0.9]}
    >>> [r for _, r, _, _ in radius_labels([("lsh", curve)])]
    [0, 2]
    """
    placed: list[tuple[str, int, float, float]] = []
    for r in sorted({r for _, curve in curves for r in curve["radius"]}):
        for method, curve in curves:
            if r not in curve["radius"]:
                continue
            at = curve["radius"].index(r)
            x, y = curve["recall"][at], curve["precision"][at]
            if all(math.hypot(x - px, y - py) >= LABEL_GAP for _, _, px, py in placed):
                placed.append((method, r, x, y))
    return placed


def _draw_pr(ax: Any, curves: list[tuple[str, Curve]], colours: dict[str, str]) -> None:
    for method, curve in curves:
        ax.plot(
            curve["recall"], curve["precision"], marker=".", color=colours[method], label=method
        )
        if MARKED_RADIUS in curve["radius"]:
            at = curve["radius"].index(MARKED_RADIUS)
            ax.plot(
                curve["recall"][at],
                curve["precision"][at],
                "o",
                color=colours[method],
                fillstyle="none",
                markersize=10,
            )
    for method, r, x, y in radius_labels(curves):
        ax.annotate(
            str(r),
            (x, y),
            xytext=(4, 4),
            textcoords="offset points",
            fontsize=7,
            color=colours[method],
            bbox={
                "boxstyle": "round,pad=0.1",
                "facecolor": "white",
                "edgecolor": "none",
                "alpha": 0.8,
            },
        )
    ax.plot(
        [],
        [],
        "o",
        color="k",
        fillstyle="none",
        markersize=10,
        label=f"r = {MARKED_RADIUS} (numbers: radius r)",
    )
    ax.set_xlabel("recall within Hamming radius r")
    ax.set_ylabel("precision within radius r (empty ball = 0)")
    ax.set_xlim(0, 1.1)  # room for the labels of the points at recall 1
    ax.set_ylim(0, 1.05)
    ax.set_xticks([0.0, 0.2, 0.4, 0.6, 0.8, 1.0])


def plot_pr_curves(result: dict[str, Any], path: Path) -> Path | None:
    """Precision-recall curves by Hamming radius; points labelled by radius, r = 2 ringed.

    None (nothing written) when no record has a PR curve.
    """
    return _panels(result, "pr_curve", _draw_pr, path)


def _draw_precision_at_n(ax: Any, curves: list[tuple[str, Curve]], colours: dict[str, str]) -> None:
    for method, curve in curves:
        ax.plot(curve["n"], curve["precision"], marker=".", color=colours[method], label=method)
    ax.set_ylim(*metric_limits(v for _, curve in curves for v in curve["precision"]))
    plain_log_x(ax)
    ax.set_xlabel("N, the number of nearest codes retrieved (log scale)")
    ax.set_ylabel("precision@N")


def plot_precision_at_n(result: dict[str, Any], path: Path) -> Path | None:
    """Precision among the N nearest codes against N, per method and code length.

    Reads each record's ``precision_at_n`` curve; None (nothing written) when
    no record has one.
    """
    return _panels(result, "precision_at_n", _draw_precision_at_n, path)
