"""The report's plots: precision@N, PR by radius (labelled), time vs mAP, axis ranges, labels."""

import numpy as np
import pytest

from hashlearn.bench import curve_plots, plots
from hashlearn.bench.curves import precision_at_n_cutoffs

BITS = (8, 16)
METHODS = ("itq", "sdh")


def _record(method, n_bits, seed=0, with_curves=True):
    rng = np.random.default_rng([n_bits, seed, METHODS.index(method)])
    metrics = {"map": 0.6 + 0.3 * rng.random(), "precision_at_radius_2": rng.random()}
    rec = {
        "method": method,
        "n_bits": n_bits,
        "seed": seed,
        "metrics": metrics,
        "train_seconds": 0.01 + 10 * rng.random(),
        "encode_seconds": 0.001,
    }
    if with_curves:
        cutoffs = precision_at_n_cutoffs(300)
        falling = np.sort(rng.random(len(cutoffs)))[::-1]
        rec["precision_at_n"] = {"n": cutoffs, "precision": falling.tolist()}
        rec["pr_curve"] = {
            "radius": list(range(n_bits + 1)),
            "precision": np.sort(rng.random(n_bits + 1))[::-1].tolist(),
            "recall": np.sort(rng.random(n_bits + 1)).tolist(),
        }
    return rec


def _result(with_curves=True, seeds=(0,)):
    records = [_record(m, b, s, with_curves) for s in seeds for m in METHODS for b in BITS]
    return {"records": records, "published": [], "environment": {"config": {"protocol": "p"}}}


@pytest.fixture
def drawn(monkeypatch):
    """The figures drawn by the next plot call (kept open for inspection)."""
    figures = []
    real_subplots = plots._pyplot().subplots

    def spy(*args, **kwargs):
        fig, axes = real_subplots(*args, **kwargs)
        figures.append(fig)
        return fig, axes

    monkeypatch.setattr(plots._pyplot(), "subplots", spy)
    return figures


def _data_lines(ax):
    return {line.get_label(): line for line in ax.lines if not line.get_label().startswith("_")}


def test_precision_at_n_one_panel_per_bits_one_line_per_method(tmp_path, drawn):
    result = _result()
    path = curve_plots.plot_precision_at_n(result, tmp_path / "p.png")
    assert path.exists()
    axes = drawn[0].axes
    assert [ax.get_title() for ax in axes] == [f"{b} bits" for b in BITS]
    line = _data_lines(axes[1])["sdh"]
    rec = next(r for r in result["records"] if r["method"] == "sdh" and r["n_bits"] == BITS[1])
    assert list(line.get_xdata()) == precision_at_n_cutoffs(300)
    assert list(line.get_ydata()) == rec["precision_at_n"]["precision"]
    assert axes[0].get_xscale() == "log"


def test_curve_plots_skip_records_without_their_data(tmp_path):
    result = _result(with_curves=False)
    assert curve_plots.plot_precision_at_n(result, tmp_path / "p.png") is None
    assert curve_plots.plot_pr_curves(result, tmp_path / "pr.png") is None
    assert not list(tmp_path.iterdir())


def test_pr_curve_rings_radius_2_and_labels_radii(tmp_path, drawn):
    result = _result()
    curve_plots.plot_pr_curves(result, tmp_path / "pr.png")
    ax = drawn[0].axes[0]
    curve = result["records"][0]["pr_curve"]
    rings = [line for line in ax.lines if line.get_fillstyle() == "none" and len(line.get_xdata())]
    ring_points = {(float(r.get_xdata()[0]), float(r.get_ydata()[0])) for r in rings}
    assert (curve["recall"][2], curve["precision"][2]) in ring_points
    labels = {text.get_text() for text in ax.texts}
    assert {"0", "2"} <= labels
    assert labels <= {str(r) for r in curve["radius"]}


def test_radius_labels_give_every_method_its_small_radii_first():
    close = {"radius": [0, 1, 2], "recall": [0.1, 0.11, 0.12], "precision": [0.9, 0.9, 0.9]}
    other = {"radius": [0, 1], "recall": [0.5, 0.9], "precision": [0.5, 0.2]}
    labels = curve_plots.radius_labels([("a", close), ("b", other)])
    assert [(m, r) for m, r, _, _ in labels] == [("a", 0), ("b", 0), ("b", 1)]


def test_time_vs_map_one_point_per_method_and_bits_mean_over_seeds(tmp_path, drawn):
    result = _result(seeds=(0, 1))
    plots.plot_time_vs_map(result, tmp_path / "t.png")
    ax = drawn[0].axes[0]
    points = {
        (float(line.get_xdata()[0]), float(line.get_ydata()[0]))
        for line in ax.lines
        if len(line.get_xdata()) == 1
    }
    recs = [r for r in result["records"] if r["method"] == "itq" and r["n_bits"] == BITS[0]]
    expected = (
        np.mean([r["train_seconds"] for r in recs]),
        np.mean([r["metrics"]["map"] for r in recs]),
    )
    assert any(np.allclose(p, expected) for p in points)
    assert len(points) == len(METHODS) * len(BITS)
    assert ax.get_xscale() == "log"
    assert {"itq", "sdh", "8 bits", "16 bits"} <= set(ax.get_legend_handles_labels()[1])


def test_metric_axis_starts_a_bit_below_the_lowest_value(tmp_path, drawn):
    result = _result()
    plots.plot_metric_vs_bits(result, "map", tmp_path / "m.png")
    lowest = min(r["metrics"]["map"] for r in result["records"])
    bottom, top = drawn[0].axes[0].get_ylim()
    assert 0 < bottom < lowest and lowest - bottom <= 0.15
    assert top <= 1.02


def test_recall_at_radius_2_plot_reads_the_pr_curve_and_skips_without_it(tmp_path, drawn):
    result = _result()
    plots.plot_metric_vs_bits(result, "recall_at_radius_2", tmp_path / "r.png")
    rec = next(r for r in result["records"] if r["method"] == "itq" and r["n_bits"] == BITS[0])
    handles, labels = drawn[0].axes[0].get_legend_handles_labels()
    line = dict(zip(labels, handles, strict=True))["itq"][0]  # the error bar's data line
    assert line.get_ydata()[0] == rec["pr_curve"]["recall"][2]
    bare = _result(with_curves=False)
    assert plots.plot_metric_vs_bits(bare, "recall_at_radius_2", tmp_path / "x.png") is None


@pytest.mark.parametrize("values", [[0.61, 0.99], [0.02, 0.3], [0.5], [1.0, 1.0], [0.0]])
def test_metric_limits_frame_the_values_within_0_and_1_02(values):
    bottom, top = plots.metric_limits(values)
    assert 0 <= bottom < min(values) or bottom == min(values) == 0
    assert max(values) < top <= 1.02
