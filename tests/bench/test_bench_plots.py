"""Published lines of the mAP-vs-bits plot: the method's own colour and one clear label."""

from hashlearn.bench import plots


def _result():
    record = {"method": "sdh", "n_bits": 32, "metrics": {"map": 0.5}}
    published = [
        {"method": "sdh", "metric": "map", "n_bits": 32, "value": 0.67, "source": "BDNN paper"},
        {"method": "sdh", "metric": "map", "n_bits": 16, "value": 0.9, "source": "authors' code"},
        {"method": "ksh", "metric": "map", "n_bits": 32, "value": 0.6, "source": "BDNN paper"},
    ]
    return {"records": [record], "published": published,
            "environment": {"config": {"protocol": "p"}}}  # fmt: skip


def test_published_points_keyed_by_method_and_kind():
    points = plots._published_points(_result(), "map")
    assert points == {("sdh", "published"): {32: 0.67}, ("sdh", "authors' code"): {16: 0.9}}


def test_published_line_shares_the_method_colour(tmp_path, monkeypatch):
    drawn = []
    real_subplots = plots._pyplot().subplots

    def spy(*args, **kwargs):
        fig, ax = real_subplots(*args, **kwargs)
        drawn.append(ax)
        return fig, ax

    monkeypatch.setattr(plots._pyplot(), "subplots", spy)
    plots.plot_metric_vs_bits(_result(), "map", tmp_path / "m.png")
    handles, labels = drawn[0].get_legend_handles_labels()
    lines = {  # an error-bar handle is a container whose first artist is the data line
        label: (handle[0] if isinstance(handle, tuple) else handle).get_color()
        for handle, label in zip(handles, labels, strict=True)
    }
    assert lines["sdh (published)"] == lines["sdh"] == plots.method_colours(_result())["sdh"]
    assert not any("(ours)" in label for label in lines)
    assert "sdh (published) (published)" not in lines
