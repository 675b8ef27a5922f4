"""bench, demo and list through the CLI: JSON records, report files, plots."""

from __future__ import annotations

import functools
import inspect
import json

import pytest
from cli_helpers import invoke

import hashlearn
from hashlearn.bench import demo as demo_module
from hashlearn.bench import runner as runner_module
from hashlearn.bench.data import Subset
from hashlearn.bench.published import published_for
from hashlearn.bench.runner import run_benchmark

REQUIRED = {
    "method",
    "protocol",
    "n_bits",
    "seed",
    "metrics",
    "train_seconds",
    "encode_seconds",
    "params",
    "published",
}


def _png(path):
    data = path.read_bytes()
    return data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000


def test_bench_writes_records_and_report(tmp_path):
    out = invoke(
        "bench",
        "--protocol",
        "digits",
        "--methods",
        "itq,lsh",
        "--bits",
        "8,16",
        "--seeds",
        "0,1",
        "--param",
        "lsh:center=false",
        "--out",
        tmp_path / "r.json",
        "--report",
        tmp_path / "rep",
    )
    result = json.loads((tmp_path / "r.json").read_text())
    records = result["records"]
    assert len(records) == 2 * 2 * 2
    assert {(r["method"], r["n_bits"], r["seed"]) for r in records} == {
        (m, b, s) for m in ("itq", "lsh") for b in (8, 16) for s in (0, 1)
    }
    for rec in records:
        assert set(rec) >= REQUIRED
        assert 0 < rec["metrics"]["map"] <= 1 and 0 <= rec["metrics"]["precision_at_radius_2"] <= 1
        assert (
            rec["params"]["n_bits"] == rec["n_bits"]
            and rec["params"]["random_state"] == rec["seed"]
        )
        assert len(rec["pr_curve"]["precision"]) == rec["n_bits"] + 1
    assert all(r["params"]["center"] is False for r in records if r["method"] == "lsh")
    env = result["environment"]
    assert env["config"]["protocol"] == "digits" and env["protocol_checksum"]
    assert env["packages"]["numpy"] and env["machine"]["cpu_count"] >= 1
    assert "itq" in out.stdout and "results:" in out.stdout
    report = (tmp_path / "rep" / "report.md").read_text()
    for png in ("map_vs_bits.png", "p_r2_vs_bits.png", "pr_curves.png"):
        assert f"]({png})" in report and _png(tmp_path / "rep" / png)
    assert "<img src='map_vs_bits.png'" in (tmp_path / "rep" / "report.html").read_text()


def test_bench_results_are_reproducible_and_match_a_direct_fit(tmp_path):
    for name in ("a", "b"):
        invoke(
            "bench",
            "--protocol",
            "digits",
            "--methods",
            "itq",
            "--bits",
            "16",
            "--out",
            tmp_path / f"{name}.json",
        )
    a, b = (json.loads((tmp_path / f"{n}.json").read_text())["records"][0] for n in "ab")
    assert a["metrics"] == b["metrics"]
    from hashlearn.bench.data import load_benchmark_data
    from hashlearn.metrics import evaluate_codes

    data = load_benchmark_data("digits", seed=0)
    model = hashlearn.create("itq", n_bits=16, random_state=0).fit(data.X_train)
    want = evaluate_codes(
        model.encode(data.X_query), model.encode(data.X_db), data.y_query, data.y_db, n_bits=16
    )
    assert a["metrics"] == pytest.approx(want, abs=1e-12)


def test_published_numbers_travel_with_the_records():
    rows = published_for("cifar10-1k", ["dhn"], [12, 48])
    assert [(r["n_bits"], r["value"]) for r in rows] == [(12, 0.555), (48, 0.621)]
    mnist = {(r["method"], r["metric"]): r["value"] for r in published_for("mnist-10k", bits=[32])}
    assert mnist[("sh-bdnn", "precision_at_radius_2")] == 0.9551
    assert mnist[("itq-cca", "precision_at_radius_2")] == 0.8457
    authors = published_for("mnist-10k-5k", ["sh-bdnn"], [32])
    assert {r["value"] for r in authors} == {0.883, 0.896}
    assert all("authors' code" in r["source"] for r in authors)


def _bound(args, kwargs):
    """run_benchmark's arguments by name, defaults filled in (progress and callbacks left out)."""
    bound = inspect.signature(run_benchmark).bind(*args, **kwargs)
    bound.apply_defaults()
    named = {k: v for k, v in bound.arguments.items() if k not in ("progress", "on_record")}
    same_meaning = {"subset": named["subset"] or Subset(), "params": named["params"] or {}}
    return {**named, **same_meaning, "metrics": list(named["metrics"])}


def test_demo_runs_exactly_the_bench_command_it_prints(tmp_path, monkeypatch):
    calls = []

    def record(*args, **kwargs):
        calls.append(_bound(args, kwargs))
        raise KeyboardInterrupt  # stop before fitting anything

    monkeypatch.setattr(demo_module, "run_benchmark", record)
    monkeypatch.setattr(runner_module, "run_benchmark", record)
    invoke("demo", "--out", tmp_path / "rep", "--bits", "8,24", "--quiet", ok=False)
    bench_words = demo_module.demo_command((8, 24)).split()[1:]
    invoke(*bench_words, "--out", tmp_path / "r.json", "--quiet", ok=False)
    demo, bench = calls
    assert demo == bench
    assert demo["protocol"] == "digits" and demo["methods"] == ["sh-bdnn", "sdh", "itq"]
    assert demo["bits"] == [8, 24]


def test_demo_prints_the_table_and_writes_the_report(tmp_path, monkeypatch):
    fast = {"sh-bdnn": {"n_pretrain_iter": 20, "n_wstep_iter": 20, "max_alternations": 2}}
    monkeypatch.setattr(demo_module, "run_benchmark", functools.partial(run_benchmark, params=fast))
    out = invoke("demo", "--bits", "8", "--out", tmp_path / "rep", "--quiet").stdout
    command = "hashlearn bench --protocol digits --methods sh-bdnn,sdh,itq --bits 8 "
    assert f"the same runs as: {command}" in out
    lines = [line for line in out.splitlines() if line.startswith("| ")]
    assert lines[0].split("|")[1:6] == [" method  ", " bits ", " mAP    ", " P@r2   ", " train s "]
    assert {line.split("|")[1].strip() for line in lines[2:]} == set(demo_module.DEMO_METHODS)
    folder = tmp_path / "rep"
    report = (folder / "report.md").read_text()
    assert "training_curves.png" in report and _png(folder / "training_curves.png")
    assert all(_png(folder / n) for n in ("map_vs_bits.png", "p_r2_vs_bits.png", "pr_curves.png"))
    assert json.loads((folder / "results.json").read_text())["records"]


def test_list_shows_methods_protocols_datasets():
    listing = json.loads(invoke("list", "--json").stdout)
    assert listing["methods"] == hashlearn.list_methods()
    assert "digits" in listing["protocols"] and "mnist-10k-5k" in listing["protocols"]
    assert any(d.startswith("digits") for d in listing["datasets"])
    assert "methods (" in invoke("list").stdout


def test_bench_keeps_finished_runs_when_a_later_one_fails(tmp_path):
    """ITQ cannot make 200 bits of 64 features: the three runs before it stay on disk."""
    result = invoke(
        "bench", "--protocol", "digits", "--methods", "lsh,itq", "--bits", "8,200",
        "--out", tmp_path / "r.json", ok=False,
    )  # fmt: skip
    assert result.exit_code != 0 and "n_bits <= n_features" in result.output
    saved = json.loads((tmp_path / "r.json").read_text())
    assert [(r["method"], r["n_bits"]) for r in saved["records"]] == [
        ("lsh", 8), ("lsh", 200), ("itq", 8)
    ]  # fmt: skip
    assert "[3/4] itq 8 bits seed 0: mAP" in result.output
