"""Codes know their model: fingerprints of models, codes files and indexes; the search check."""

from __future__ import annotations

import json

import numpy as np
import pytest

import hashlearn
from hashlearn.codes_files import parquet_metadata, read_codes_info, write_sidecar
from hashlearn.fingerprint import model_fingerprint
from hashlearn.index import FlatIndex, MultiIndexHashing, load_index
from hashlearn.scale import encode_to_memmap


@pytest.fixture(scope="module")
def data():
    return np.random.default_rng(0).normal(size=(200, 16))


@pytest.fixture(scope="module")
def models(data):
    return [hashlearn.create("itq", n_bits=12, random_state=s).fit(data) for s in (0, 1)]


def test_fingerprint_survives_save_and_load_and_is_in_config(models, tmp_path):
    folder = models[0].save(tmp_path / "m")
    fingerprint = model_fingerprint(models[0])
    assert len(fingerprint) == 16 and int(fingerprint, 16) >= 0
    assert json.loads((folder / "config.json").read_text())["fingerprint"] == fingerprint
    assert model_fingerprint(hashlearn.load(folder)) == fingerprint
    assert model_fingerprint(models[1]) != fingerprint


def test_fingerprint_needs_a_fitted_hashlearn_model():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(TypeError, match="must be a fitted hashlearn model"):
        model_fingerprint(object())
    with pytest.raises(NotFittedError, match="not fitted"):
        model_fingerprint(hashlearn.create("lsh", n_bits=8))


def test_codes_records_carry_n_bits_and_fingerprint(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    write_sidecar(tmp_path / "c.npy", 12, "00ff00ff00ff00ff")
    info = read_codes_info(tmp_path / "c.npy")
    assert (info.n_bits, info.model_fingerprint) == (12, "00ff00ff00ff00ff")
    table = pa.table({"id": [0]}).replace_schema_metadata(parquet_metadata(12, "abc"))
    pq.write_table(table, tmp_path / "c.parquet")
    info = read_codes_info(tmp_path / "c.parquet")
    assert (info.n_bits, info.model_fingerprint) == (12, "abc")
    assert read_codes_info(tmp_path / "none.npy").model_fingerprint is None  # codes from elsewhere


def test_broken_sidecar_is_named(tmp_path):
    (tmp_path / "c.npy.json").write_text("{not json")
    with pytest.raises(ValueError, match=r"c\.npy\.json is not a codes sidecar"):
        read_codes_info(tmp_path / "c.npy")


def test_encode_to_memmap_writes_the_cli_sidecar(models, data, tmp_path):
    encode_to_memmap(models[0], data, tmp_path / "codes.npy", chunk=64)
    record = json.loads((tmp_path / "codes.npy.json").read_text())
    assert record == {
        "n_bits": 12,
        "bit_order": "lsb",
        "model_fingerprint": model_fingerprint(models[0]),
    }


@pytest.mark.parametrize("cls", [FlatIndex, MultiIndexHashing])
def test_index_file_keeps_the_fingerprint(cls, models, data, tmp_path):
    fingerprint = model_fingerprint(models[0])
    index = cls(12, model_fingerprint=fingerprint)
    index.add(models[0].encode(data))
    index.save(tmp_path / "db.index")
    assert load_index(tmp_path / "db.index").model_fingerprint == fingerprint


@pytest.mark.parametrize("cls", [FlatIndex, MultiIndexHashing])
def test_search_with_another_models_queries_is_refused(cls, models, data):
    index = cls(12, model_fingerprint=model_fingerprint(models[0]))
    index.add(models[0].encode(data))
    queries = models[1].encode(data[:3])
    other = model_fingerprint(models[1])
    with pytest.raises(ValueError, match="allow_other_model=True"):
        index.search(queries, 5, query_fingerprint=other)
    with pytest.raises(ValueError, match="not comparable"):
        index.range_search(queries, 1, query_fingerprint=other)
    forced = index.search(queries, 5, query_fingerprint=other, allow_other_model=True)
    assert np.array_equal(forced[1], index.search(queries, 5)[1])  # unknown: not refused
    own_fingerprint = model_fingerprint(models[0])
    own = index.search(models[0].encode(data[:3]), 1, query_fingerprint=own_fingerprint)
    assert own[0][:, 0].tolist() == [0, 0, 0]


def test_fitting_again_with_the_same_seed_keeps_the_fingerprint(data):
    y = (data[:, 0] > 0).astype(int)
    tiny = {"n_pretrain_iter": 5, "n_wstep_iter": 5, "max_alternations": 1, "preset": "paper"}
    make = lambda: hashlearn.create("sh-bdnn", n_bits=8, random_state=0, **tiny)  # noqa: E731
    first, second = make().fit(data, y), make().fit(data, y)
    assert first.stage_seconds_ != second.stage_seconds_  # a training record that differs
    assert model_fingerprint(first) == model_fingerprint(second)
