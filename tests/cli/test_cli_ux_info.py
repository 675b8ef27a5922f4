"""hashlearn info: what a model folder, an index file or a codes file holds."""

from __future__ import annotations

import json

import numpy as np
import pyarrow.parquet as pq
import pytest
from cli_helpers import invoke


@pytest.fixture(scope="module")
def files(digits_files, tmp_path_factory):
    folder = tmp_path_factory.mktemp("info")
    invoke("fit", "itq", "--data", digits_files / "train.npy", "--bits", 16, "--out", folder / "m")
    for name in ("db.npy", "db.parquet"):
        invoke("encode", folder / "m", "--data", digits_files / "db.npy", "--out", folder / name)
    invoke("index", "build", folder / "db.npy", "--out", folder / "db.idx", "--kind", "mih")
    return folder


def _info(path):
    return json.loads(invoke("info", path, "--json").stdout)


def test_model_folder(files):
    info = _info(files / "m")
    assert info["kind"] == "model" and info["method"] == "itq" and info["n_bits"] == 16
    assert info["n_features"] == 64 and info["params"]["n_iter"] == 50
    assert info["supervised"] is False and "Iterative Quantization" in info["description"]
    text = invoke("info", files / "m").stdout
    assert "method: itq\n" in text and "n_features: 64\n" in text and "n_iter=50" in text


def test_codes_files_and_their_extra_records(files):
    npy, parquet = _info(files / "db.npy"), _info(files / "db.parquet")
    for info in (npy, parquet):
        assert info["kind"] == "codes" and info["n_bits"] == 16
        assert info["rows"] == 897 and info["bytes_per_code"] == 2
    assert parquet["ids"] is True
    sidecar = files / "db.npy.json"
    record = json.loads(sidecar.read_text())
    sidecar.write_text(json.dumps({**record, "made_by": {"method": "itq", "fp": "ab12"}}))
    assert _info(files / "db.npy")["made_by"] == {"method": "itq", "fp": "ab12"}
    assert "made_by: method=itq, fp=ab12" in invoke("info", files / "db.npy").stdout
    table = pq.read_table(files / "db.parquet")
    extra = {**table.schema.metadata, b"hashlearn.model_fingerprint": b"ab12"}
    pq.write_table(table.replace_schema_metadata(extra), files / "fp.parquet")
    assert _info(files / "fp.parquet")["model_fingerprint"] == "ab12"


def test_index_file(files):
    info = _info(files / "db.idx")
    assert info["kind"] == "index" and info["index_kind"] == "mih"
    assert info["n_bits"] == 16 and info["rows"] == 897


def test_features_array_and_unknown_files(files, digits_files, tmp_path):
    info = _info(digits_files / "q.npy")
    assert info["kind"] == "array" and info["shape"] == [100, 64]
    (tmp_path / "notes.txt").write_text("hello")
    for path, fragment in ((tmp_path / "notes.txt", "is not a model folder"), (tmp_path, "")):
        result = invoke("info", path, ok=False)
        assert result.exit_code == 2 and result.stderr.startswith("error: ")
        assert fragment in result.stderr and len(result.stderr.splitlines()) == 1
    np.save(tmp_path / "y.npy", np.arange(3))
    assert _info(tmp_path / "y.npy")["rows"] == 3
