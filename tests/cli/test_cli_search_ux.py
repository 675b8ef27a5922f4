"""hashlearn search: model folders, queries of another model, item names; metric aliases."""

from __future__ import annotations

import json

import numpy as np
import pytest
from cli_helpers import invoke

import hashlearn
from hashlearn.codes_files import write_sidecar
from hashlearn.fingerprint import model_fingerprint
from hashlearn.index import FlatIndex


def one_line_error(result, *fragments):
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


@pytest.fixture(scope="module")
def two_models(digits_files, tmp_path_factory):
    """Two 16-bit LSH models, and an index of model a's database codes."""
    folder = tmp_path_factory.mktemp("two")
    X = np.load(digits_files / "train.npy")
    for name, seed in (("a", 0), ("b", 1)):
        hashlearn.create("lsh", n_bits=16, random_state=seed).fit(X).save(folder / name)
    model = hashlearn.load(folder / "a")
    index = FlatIndex(16, model_fingerprint=model_fingerprint(model))
    index.add(model.encode(np.load(digits_files / "db.npy")))
    index.save(folder / "db.index")
    return folder


def test_search_of_a_model_folder_says_build_an_index(two_models, digits_files):
    queries = ("--queries", digits_files / "q.npy", "--model", two_models / "a")
    r = invoke("search", two_models / "a", *queries, ok=False)
    one_line_error(r, "is a model folder", "hashlearn index build")


def test_queries_of_another_model_are_refused_unless_allowed(two_models, digits_files):
    base = ("search", two_models / "db.index", "--queries", digits_files / "q.npy", "--k", 3)
    refused = invoke(*base, "--model", two_models / "b", ok=False)
    one_line_error(refused, "not comparable", "--allow-other-model")
    forced = invoke(*base, "--model", two_models / "b", "--allow-other-model", "--json")
    assert len(json.loads(forced.output)) == 100
    own = invoke(*base, "--model", two_models / "a", "--json")
    assert len(json.loads(own.output)) == 100


def test_query_codes_of_another_model_are_refused(two_models, digits_files, tmp_path):
    other = hashlearn.load(two_models / "b")
    np.save(tmp_path / "q.npy", other.encode(np.load(digits_files / "q.npy")))
    write_sidecar(tmp_path / "q.npy", 16, model_fingerprint(other))
    r = invoke("search", two_models / "db.index", "--queries", tmp_path / "q.npy", ok=False)
    one_line_error(r, "not comparable")
    (tmp_path / "q.npy.json").unlink()  # codes from elsewhere: nothing is refused
    invoke("search", two_models / "db.index", "--queries", tmp_path / "q.npy", "--k", 1)


def test_search_prints_the_names_of_named_items(tmp_path):
    index = FlatIndex(8)
    index.add(np.array([[0], [3], [255]], np.uint8), names=["a/1.png", "a/2.png", "b/3.png"])
    index.save(tmp_path / "named.index")
    np.save(tmp_path / "q.npy", np.array([[2]], np.uint8))
    table = invoke("search", tmp_path / "named.index", "--queries", tmp_path / "q.npy", "--k", 2)
    assert table.output.splitlines()[1:] == ["0\t0\ta/1.png\t1", "0\t1\ta/2.png\t1"]
    rows = json.loads(
        invoke(
            "search", tmp_path / "named.index", "--queries", tmp_path / "q.npy", "--radius", 1,
            "--json",
        ).output
    )  # fmt: skip
    assert rows == [
        {"query": 0, "ids": [0, 1], "distances": [1, 1], "names": ["a/1.png", "a/2.png"]}
    ]


def test_evaluate_prints_canonical_names_once(tmp_path):
    rng = np.random.default_rng(0)
    np.save(tmp_path / "q.npy", rng.integers(0, 256, (10, 1), np.uint8))
    np.save(tmp_path / "db.npy", rng.integers(0, 256, (60, 1), np.uint8))
    np.save(tmp_path / "yq.npy", rng.integers(0, 3, 10))
    np.save(tmp_path / "ydb.npy", rng.integers(0, 3, 60))
    r = invoke(
        "evaluate", "--queries", tmp_path / "q.npy", "--database", tmp_path / "db.npy",
        "--labels", tmp_path / "yq.npy", tmp_path / "ydb.npy",
        "--metrics", "p@r2,precision_at_radius_2,P@10,mAP", "--json",
    )  # fmt: skip
    assert list(json.loads(r.output)) == ["precision_at_radius_2", "precision@10", "map"]
