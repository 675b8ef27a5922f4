"""``hashlearn reproduce``: claims re-run through the bench runner, ours beside recorded."""

from __future__ import annotations

import dataclasses
import json
import os

import torch
from cli_helpers import invoke

from hashlearn.bench.claims import CLAIMS, get_claim
from hashlearn.bench.environment import machine_record
from hashlearn.cli import reproduce_command


def _rows(stdout: str) -> list[list[str]]:
    lines = [line for line in stdout.splitlines() if line.startswith("| ")][2:]
    return [[cell.strip() for cell in line.split("|")[1:-1]] for line in lines]


def test_list_prints_every_claim_with_its_bench_command():
    out = invoke("reproduce", "--list").stdout
    for claim in CLAIMS:
        assert f"{claim.name}: {claim.title}" in out
        assert claim.bench_command() in out


def test_list_says_at_which_lengths_the_kernels_were_pinned():
    out = invoke("reproduce", "--list", "--only", "hashnet-e2e,dhn-e2e-defaults").stdout
    assert out.count("kernels pinned to AVX2, 2 threads\n") == 2  # both: at every length
    partly = dataclasses.replace(get_claim("hashnet-e2e"), kernels={12: "avx2", 24: "avx2"})
    assert reproduce_command._pinning(partly) == ", kernels pinned to AVX2 at 12, 24 bits"
    unpinned = dataclasses.replace(get_claim("hashnet-e2e"), kernels="")
    assert reproduce_command._pinning(unpinned) == ""


def test_list_says_the_thread_count_of_the_recorded_values():
    out = invoke("reproduce", "--list", "--only", "demo-itq,hashnet-e2e").stdout
    assert "AVX2, 1 thread\n" in out and "AVX2, 2 threads\n" in out


def test_full_runs_a_claim_recorded_on_other_threads_in_a_process_with_them(monkeypatch, tmp_path):
    threads = 1 if torch.get_num_threads() > 1 else 2  # torch takes at most the cores
    claim = dataclasses.replace(get_claim("demo-itq"), threads=threads)
    monkeypatch.setattr(reproduce_command, "get_claim", lambda name: claim)
    result = invoke("reproduce", "--full", "--only", "demo-itq", "--out", tmp_path / "r.json")
    assert f"in a new process on {threads} thread(s), as recorded" in result.output
    assert {row[-1] for row in _rows(result.stdout)} == {"same"}
    machine = json.loads((tmp_path / "r.json").read_text())["runs"]["demo-itq"]["environment"][
        "machine"
    ]
    assert machine["threads_env"]["OMP_NUM_THREADS"] == str(threads)
    assert machine["torch_threads"] == min(threads, os.cpu_count() or 1)


def test_a_claim_on_this_process_thread_count_runs_here_and_quick_mode_always_does():
    threads = torch.get_num_threads()
    same = dataclasses.replace(get_claim("demo-itq"), threads=threads)
    other = dataclasses.replace(same, threads=threads + 1)
    assert not reproduce_command._needs_own_process(same, full=True, this_process=False)
    assert reproduce_command._needs_own_process(other, full=True, this_process=False)
    assert not reproduce_command._needs_own_process(other, full=False, this_process=False)
    assert not reproduce_command._needs_own_process(other, full=True, this_process=True)


def test_a_run_in_its_own_process_that_finds_no_data_is_skipped(monkeypatch, tmp_path):
    monkeypatch.setenv("HASHLEARN_DATA", str(tmp_path))
    threads = torch.get_num_threads() + 1
    claim = dataclasses.replace(get_claim("sdh-mnist-5k"), threads=threads)
    monkeypatch.setattr(reproduce_command, "get_claim", lambda name: claim)
    result = invoke("reproduce", "--full", "--only", "sdh-mnist-5k")
    assert f"skipped: the run on {threads} thread(s) skipped it" in result.output
    assert {row[3] for row in _rows(result.stdout)} == {"-"}


def test_full_digits_claims_agree_with_the_recorded_values(tmp_path):
    out = invoke("reproduce", "--full", "--only", "demo-sdh,demo-itq", "--out", tmp_path / "r.json")
    rows = _rows(out.stdout)
    assert len(rows) == 8 and {row[-1] for row in rows} == {"same"}
    assert all(row[3] == row[4] for row in rows)  # ours == recorded, as printed
    saved = json.loads((tmp_path / "r.json").read_text())
    assert saved["full"] and set(saved["runs"]) == {"demo-sdh", "demo-itq"}


def _moved_demo_itq(monkeypatch, recorded_on):
    claim = get_claim("demo-itq")
    moved = dataclasses.replace(
        claim, recorded={**claim.recorded, 16: {"map": 0.5}}, recorded_on=recorded_on
    )
    monkeypatch.setattr(reproduce_command, "get_claim", lambda name: moved)
    result = invoke("reproduce", "--full", "--only", "demo-itq", ok=False)
    assert result.exit_code == 1
    return result, {(row[1], row[2]): row[-1] for row in _rows(result.stdout)}


def test_a_value_that_moved_is_marked_and_fails_the_command(monkeypatch):
    result, checks = _moved_demo_itq(monkeypatch, machine_record()["processor"])
    assert checks[("16", "map")] == "DIFFERS" and checks[("32", "map")] == "same"
    assert "other CPU" not in result.stdout


def test_a_value_recorded_on_another_processor_says_so(monkeypatch):
    result, checks = _moved_demo_itq(monkeypatch, "Some Other CPU 9000")
    assert checks[("16", "map")] == "DIFFERS (other CPU)" and checks[("32", "map")] == "same"
    assert "recorded on Some Other CPU 9000; this run is on" in result.stdout


def test_quick_mode_compares_nothing_and_says_so():
    out = invoke("reproduce", "--only", "demo-itq").stdout
    assert "quick subsets: checks the path, not the values" in out
    assert {row[-1] for row in _rows(out)} == {"-"}


def test_a_claim_without_its_data_is_skipped_with_the_reason(tmp_path, monkeypatch):
    monkeypatch.setenv("HASHLEARN_DATA", str(tmp_path))
    result = invoke("reproduce", "--only", "sdh-mnist-5k,demo-itq")
    assert "skipped: data file" in result.output
    rows = _rows(result.stdout)
    assert {row[3] for row in rows if row[0] == "sdh-mnist-5k"} == {"-"}
    assert all(row[3] != "-" for row in rows if row[0] == "demo-itq")


def test_an_unknown_claim_name_lists_the_known_ones():
    result = invoke("reproduce", "--only", "nope", ok=False)
    assert result.exit_code != 0 and "known: demo-sh-bdnn" in result.output


def _rows_on(recorded_on: str, ours_on: str, pinned: bool) -> list[dict]:
    """Comparison rows of a demo-itq value recorded pinned on ``recorded_on`` that moved."""
    from hashlearn.bench import reproduce

    claim = dataclasses.replace(get_claim("demo-itq"), recorded_on=recorded_on, kernels="avx2")
    return reproduce.comparison_rows(claim, {16: {"map": 0.5}}, True, ours_on, pinned=pinned)


def test_pinned_runs_on_two_intel_processors_must_agree():
    """Pinned kernels take away the processor as an excuse between Intel processors."""
    from hashlearn.bench import reproduce

    pinned = _rows_on("Intel(R) Core(TM) i7", "Intel(R) Xeon(R) Processor", pinned=True)
    assert not pinned[0]["other_processor"] and reproduce.table_cells(pinned[0])[-1] == "DIFFERS"
    native = _rows_on("Intel(R) Core(TM) i7", "Intel(R) Xeon(R) Processor", pinned=False)
    assert native[0]["other_processor"]


def test_pinned_runs_on_intel_and_amd_may_differ():
    """MKL keeps its own kernels on AMD processors, pinned or not."""
    from hashlearn.bench import reproduce

    rows = _rows_on("AMD EPYC", "Intel(R) Xeon(R) Processor", pinned=True)
    assert rows[0]["other_processor"]
    assert reproduce.table_cells(rows[0])[-1] == "DIFFERS (other CPU)"
