"""The claimed results: their recorded values come from the kept bench runs, their
commands run what ``hashlearn reproduce`` runs, and the README quotes them."""

from __future__ import annotations

import inspect
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from hashlearn._kernels import PINNED_KERNELS
from hashlearn.bench import reproduce as reproduce_module
from hashlearn.bench import runner as runner_module
from hashlearn.bench.claims import CLAIMS, get_claim
from hashlearn.bench.data import Subset
from hashlearn.bench.runner import run_benchmark
from hashlearn.cli import cli

ROOT = Path(__file__).parents[2]
RESULTS = ROOT / "benchmarks" / "results"
#: Settings that change where a run writes, never what it computes.
PLUMBING = {"checkpoint_dir", "resume", "n_threads", "progress", "verbose"}
KEPT = [c for c in CLAIMS if c.results_file]


def _as_json(value):
    return json.loads(json.dumps(value))


@pytest.mark.parametrize("claim", KEPT, ids=[c.name for c in KEPT])
def test_recorded_values_are_those_of_the_kept_bench_run(claim):
    seen = set()
    for name in claim.results_file.split(", "):
        result = json.loads((RESULTS / name).read_text())
        config = result["environment"]["config"]
        assert config["protocol"] == claim.protocol and not config.get("subset")
        if claim.protocol.startswith("cifar10"):
            assert config["features"] == claim.features
        given = config["params"].get(claim.method, {})
        assert {k: v for k, v in given.items() if k not in PLUMBING} == _as_json(claim.params)
        for record in result["records"]:
            if record["method"] != claim.method or record["seed"] != claim.seed:
                continue
            for metric, value in claim.recorded[record["n_bits"]].items():
                assert round(record["metrics"][metric], 4) == value, (record["n_bits"], metric)
            seen.add(record["n_bits"])
    assert seen == set(claim.bits)


@pytest.mark.parametrize("claim", KEPT, ids=[c.name for c in KEPT])
def test_recorded_on_names_the_processor_of_the_kept_runs(claim):
    for name in claim.results_file.split(", "):
        result = json.loads((RESULTS / name).read_text())
        processor = result["environment"]["machine"]["processor"]
        for record in result["records"]:
            if record["method"] == claim.method and record["seed"] == claim.seed:
                assert claim.processor(record["n_bits"]) == processor, (name, record["n_bits"])


def _bound(args, kwargs):
    bound = inspect.signature(run_benchmark).bind(*args, **kwargs)
    bound.apply_defaults()
    named = {k: v for k, v in bound.arguments.items() if k not in ("progress", "on_record")}
    same = {"subset": named["subset"] or Subset(), "params": named["params"] or {}}
    return _as_json({**named, **same, "subset": same["subset"].record(), "bits": named["bits"]})


@pytest.mark.parametrize("claim", CLAIMS, ids=[c.name for c in CLAIMS])
def test_the_printed_bench_command_runs_what_reproduce_runs(claim, monkeypatch, tmp_path):
    calls = []

    def record(*args, **kwargs):
        calls.append(_bound(args, kwargs))
        raise KeyboardInterrupt  # stop before loading any data

    monkeypatch.setattr(runner_module, "run_benchmark", record)
    monkeypatch.setattr(reproduce_module, "run_benchmark", record)
    with pytest.raises(KeyboardInterrupt):
        reproduce_module.run_claim(claim, full=True)
    words = re.findall(r"'[^']*'|\S+", claim.bench_command())[1:]
    CliRunner().invoke(cli, [*(w.strip("'") for w in words), "--out", str(tmp_path / "r.json")])
    from_reproduce, from_bench = calls
    from_bench["metrics"] = from_bench["metrics"][: len(claim.metrics)]  # bench adds its two
    assert from_reproduce == from_bench


def test_quick_mode_runs_a_subset_with_shorter_training():
    claim = get_claim("hashnet-e2e")
    assert claim.quick_settings["epochs"] == 1
    assert get_claim("sh-bdnn-mnist-60k").quick_settings["preset"] == "paper"


def test_every_number_of_the_readme_results_table_is_a_claim():
    readme = (ROOT / "README.md").read_text()
    table = readme.split("## Results at a glance")[1].split("\n\n")[2]
    recorded = {
        f"{v:.4f}" for c in CLAIMS for values in c.recorded.values() for v in values.values()
    }
    published = {f"{v:.4f}" for c in CLAIMS for vs in c.published.values() for v in vs.values()}
    for line in table.splitlines()[2:]:
        cells = line.split("|")
        names = re.findall(r"`([^`]+)`(\*?)", cells[-2])
        assert names, line
        for name, star in names:  # * marks a claim recorded by a script, not by bench
            assert bool(star) == (get_claim(name).source != "hashlearn bench"), name
        for number in re.findall(r"\b0\.\d{4}\b", cells[4]):
            assert number in recorded, (number, line)
        for number in re.findall(r"\b0\.\d{3,4}\b", cells[3]):
            assert f"{float(number):.4f}" in published, (number, line)


@pytest.mark.parametrize("claim", KEPT, ids=[c.name for c in KEPT])
def test_claims_say_whether_their_kept_runs_had_pinned_kernels(claim):
    for name in claim.results_file.split(", "):
        result = json.loads((RESULTS / name).read_text())
        pinned = result["environment"]["machine"].get("kernels_env") == PINNED_KERNELS
        for n_bits in {r["n_bits"] for r in result["records"]} & set(claim.recorded):
            assert claim.pinned_at(n_bits) == pinned, (name, n_bits)


@pytest.mark.parametrize("claim", KEPT, ids=[c.name for c in KEPT])
def test_claims_name_the_thread_count_of_their_kept_runs(claim):
    for name in claim.results_file.split(", "):
        machine = json.loads((RESULTS / name).read_text())["environment"]["machine"]
        assert int(machine["threads_env"]["OMP_NUM_THREADS"]) == claim.threads, name
