"""bench --data-dir on the real shared data folder, exactly as it is laid out."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from cli_helpers import invoke

DATA = Path(os.environ.get("HASHLEARN_DATA", Path(__file__).parents[2] / ".." / "shared" / "data"))

pytestmark = [
    pytest.mark.realdata,
    pytest.mark.slow,
    pytest.mark.skipif(not (DATA / "mnist").is_dir(), reason=f"no MNIST data folder at {DATA}"),
]


def test_bench_on_mnist_with_data_dir(tmp_path):
    pytest.importorskip("hashlearn.data", reason="hashlearn.data not installed")
    invoke(
        "bench",
        "--protocol",
        "mnist-10k-5k",
        "--methods",
        "lsh",
        "--bits",
        "8",
        "--data-dir",
        DATA,
        "--out",
        tmp_path / "r.json",
    )
    result = json.loads((tmp_path / "r.json").read_text())
    (rec,) = result["records"]
    assert rec["protocol"] == "mnist-10k-5k" and rec["n_bits"] == 8
    assert 0.1 < rec["metrics"]["map"] < 0.5  # 10 balanced classes: chance is 0.1
    assert result["environment"]["config"]["data_dir"] == str(DATA)
    assert len(result["environment"]["protocol_checksum"]) > 16


def test_bench_header_records_pixels_and_the_data_folder_of_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("HASHLEARN_DATA", str(DATA))
    invoke(
        "bench", "--protocol", "mnist-10k-5k", "--methods", "lsh", "--bits", 8,
        "--max-queries", 100, "--max-database", 1000, "--out", tmp_path / "r.json",
    )  # fmt: skip
    config = json.loads((tmp_path / "r.json").read_text())["environment"]["config"]
    assert config["features"] == "pixels" and config["data_dir"] == str(DATA)
    assert config["subset"] == {"max_queries": 100, "max_database": 1000}
