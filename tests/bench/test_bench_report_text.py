"""report.md / report.html: protocol sizes, the new plots, the PR note, no "(ours)"."""

import numpy as np

from hashlearn.bench import report

SIZES = {"queries": 300, "train": 1000, "database": 1497}


def _record(method, n_bits, sizes=True, curves=True):
    rec = {
        "method": method,
        "n_bits": n_bits,
        "seed": 0,
        "train_seconds": 0.5,
        "encode_seconds": 0.01,
        "metrics": {"map": 0.7, "precision_at_radius_2": 0.6},
    }
    if sizes:
        rec["sizes"] = dict(SIZES)
    if curves:
        rec["precision_at_n"] = {"n": [1, 10, 100], "precision": [0.9, 0.8, 0.5]}
        rec["pr_curve"] = {
            "radius": list(range(n_bits + 1)),
            "precision": np.linspace(0.9, 0.1, n_bits + 1).tolist(),
            "recall": np.linspace(0.05, 1.0, n_bits + 1).tolist(),
        }
    return rec


def _result(**kwargs):
    env = {
        "config": {"protocol": "digits", "methods": ["itq", "lsh"], "bits": [8], "seeds": [0]},
        "created_utc": "now",
        "hashlearn_version": "0",
        "machine": {"processor": "cpu", "cpu_count": 2},
        "protocol_checksum": "c",
    }
    records = [_record(m, 8, **kwargs) for m in ("itq", "lsh")]
    return {"records": records, "published": [], "environment": env}


def test_report_has_sizes_new_plots_and_the_empty_ball_note(tmp_path):
    paths = report.write_report(_result(), tmp_path)
    names = {p.name for p in paths}
    assert {"precision_at_n.png", "time_vs_map.png", "r_r2_vs_bits.png", "pr_curves.png"} <= names
    assert all(p.exists() for p in paths)
    for page in ("report.md", "report.html"):
        text = (tmp_path / page).read_text()
        assert "300 queries, 1,000 training items, 1,497 database items" in text
        assert "empty ball as 0" in text and "hook" in text
        assert "precision_at_n.png" in text
        assert "(ours)" not in text and "Ours" not in text


def test_report_leaves_out_what_the_records_lack(tmp_path):
    paths = report.write_report(_result(sizes=False, curves=False), tmp_path)
    names = {p.name for p in paths}
    assert not names & {"precision_at_n.png", "pr_curves.png", "r_r2_vs_bits.png"}
    assert {"map_vs_bits.png", "time_vs_map.png", "report.md"} <= names
    text = (tmp_path / "report.md").read_text()
    assert "queries" not in text.split("| method")[0]
    assert "hook" not in text


def test_protocol_sizes_lists_each_distinct_split_once():
    other = {"queries": 100, "train": 500, "database": 900}
    records = [{"sizes": SIZES}, {"sizes": SIZES}, {"sizes": other}, {}]
    assert report.protocol_sizes({"records": records}) == (
        "300 queries, 1,000 training items, 1,497 database items; "
        "100 queries, 500 training items, 900 database items"
    )


def test_a_subset_run_is_titled_as_not_the_full_protocol():
    from hashlearn.bench.report import report_title

    full = {"environment": {"config": {"protocol": "digits", "subset": None}}}
    part = {"environment": {"config": {"protocol": "digits", "subset": {"max_queries": 50}}}}
    assert report_title(full) == "hashlearn benchmark: digits"
    assert "not the full protocol" in report_title(part) and "50" in report_title(part)
