"""Progress of long fits on stderr: --verbose forces it, --quiet silences it,
and it never mixes into stdout."""

from __future__ import annotations

import json

import pytest
from cli_helpers import FAST_BDNN, invoke

import hashlearn
from hashlearn.bench.runner import set_progress

TINY_BDNN = (*FAST_BDNN, "--param", "preset=paper")


def _fit_bdnn(digits_files, tmp_path, *flags):
    return invoke(
        "fit", "sh-bdnn", "--data", digits_files / "q.npy", "--labels", digits_files / "yq.npy",
        "--bits", 8, *TINY_BDNN, *flags, "--out", tmp_path / "m",
    )  # fmt: skip


def test_verbose_shows_the_fit_progress_on_stderr(digits_files, tmp_path):
    result = _fit_bdnn(digits_files, tmp_path, "--verbose")
    assert "[bdnn] pre-training" in result.stderr and "s left" in result.stderr
    assert result.stdout.startswith("fitted sh-bdnn") and "[bdnn]" not in result.stdout


@pytest.mark.parametrize("flags", [("--quiet",), ()])
def test_quiet_and_a_non_terminal_show_no_progress(flags, digits_files, tmp_path):
    result = _fit_bdnn(digits_files, tmp_path, *flags)
    assert result.stderr == "" and result.stdout.startswith("fitted sh-bdnn")


def test_verbose_and_quiet_together_are_refused(digits_files, tmp_path):
    result = invoke(
        "fit", "itq", "--data", digits_files / "train.npy", "--bits", 8, "--verbose", "--quiet",
        "--out", tmp_path / "m", ok=False,
    )  # fmt: skip
    assert result.exit_code == 2 and "--verbose or --quiet" in result.stderr


def test_bench_verbose_shows_the_estimators_progress(tmp_path):
    args = (
        "bench", "--protocol", "digits", "--methods", "sh-bdnn", "--bits", 8,
        "--param", "sh-bdnn:n_pretrain_iter=20", "--param", "sh-bdnn:n_wstep_iter=20",
        "--param", "sh-bdnn:max_alternations=1", "--param", "sh-bdnn:preset=paper",
        "--max-train", 200, "--max-database", 300, "--out", tmp_path / "r.json",
    )  # fmt: skip
    loud, quiet = invoke(*args, "--verbose"), invoke(*args, "--quiet")
    assert "[bdnn] pre-training" in loud.stderr and "[bdnn]" not in loud.stdout
    assert "[bdnn]" not in quiet.stderr
    params = json.loads((tmp_path / "r.json").read_text())["records"][0]["params"]
    assert params["progress"] is False


def test_set_progress_turns_on_the_models_own_output_unless_given():
    bdnn = hashlearn.create("sh-bdnn", n_bits=8)
    assert set_progress(bdnn, True) and bdnn.progress is True
    assert set_progress(bdnn, False, {"progress": True}) and bdnn.progress is True
    hashnet = hashlearn.create("hashnet", n_bits=8)
    assert set_progress(hashnet, True) and hashnet.progress is True
    assert not set_progress(hashlearn.create("itq", n_bits=8), True)
