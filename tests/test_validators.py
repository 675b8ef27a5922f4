"""One family of integer checks and one label check, used by every public entry point."""

from __future__ import annotations

import numpy as np
import pytest

import hashlearn
from hashlearn._validation import (
    check_int,
    check_label_pair,
    check_labels,
    check_n_bits,
    check_positive_int,
)
from hashlearn.bench.curves import precision_at_n_cutoffs
from hashlearn.bench.data import Subset
from hashlearn.codes import unpack_bits
from hashlearn.index import FlatIndex, MultiIndexHashing
from hashlearn.metrics import (
    mean_average_precision,
    precision_at_k,
    precision_at_radius,
    recall_at_radius,
)
from hashlearn.scale import encode_to_memmap, evaluate_in_chunks

Q = np.array([[0], [3]], np.uint8)
DB = np.array([[0], [1], [7]], np.uint8)
YQ, YDB = np.array([0, 1]), np.array([0, 1, 1])


@pytest.mark.parametrize("value", [2.5, True, "3", None, np.float64(2.0)])
def test_a_non_integer_is_a_type_error_naming_the_argument(value):
    for check in (lambda v: check_int(v, "k"), lambda v: check_positive_int(v, "k")):
        with pytest.raises(TypeError, match="k must be an integer, got "):
            check(value)


def test_out_of_range_is_a_value_error_naming_the_argument_and_the_range():
    with pytest.raises(ValueError, match="k must be >= 1, got 0"):
        check_int(0, "k", minimum=1)
    with pytest.raises(ValueError, match="k must be <= 3, got 4"):
        check_int(4, "k", maximum=3)
    with pytest.raises(ValueError, match="k must be between 1 and 3, got 9"):
        check_int(9, "k", minimum=1, maximum=3)
    with pytest.raises(ValueError, match="chunk must be a positive integer, got 0"):
        check_positive_int(0, "chunk")
    with pytest.raises(ValueError, match="n_bits must be between 1 and 4096, got 0"):
        check_n_bits(0)


def test_numpy_integers_come_back_as_python_ints():
    got = check_int(np.int32(7), "k", minimum=0)
    assert got == 7 and type(got) is int
    assert type(check_positive_int(np.uint8(3), "k")) is int


def _index(cls: type = FlatIndex) -> FlatIndex:
    index = cls(8)
    index.add(DB)
    return index


def _encode(chunk, folder):
    model = hashlearn.create("lsh", n_bits=8, random_state=0).fit(np.eye(4))
    return encode_to_memmap(model, np.eye(4), folder / "codes.npy", chunk=chunk)


LABELS = (Q, DB, YQ, YDB)
#: Each public integer argument of the index, metrics, scale and codes: (name, call(value, dir)).
INTEGER_ARGUMENTS = [
    ("k", lambda v, _: _index().search(Q, k=v)),
    ("k", lambda v, _: _index(MultiIndexHashing).search(Q, k=v)),
    ("radius", lambda v, _: _index().range_search(Q, radius=v)),
    ("radius", lambda v, _: _index(MultiIndexHashing).range_search(Q, radius=v)),
    ("n_tables", lambda v, _: MultiIndexHashing(8, n_tables=v)),
    ("n_bits", lambda v, _: FlatIndex(v)),
    ("n_bits", lambda v, _: unpack_bits(DB, v)),
    ("topk", lambda v, _: mean_average_precision(*LABELS, n_bits=8, topk=v)),
    ("k", lambda v, _: precision_at_k(*LABELS, n_bits=8, k=v)),
    ("radius", lambda v, _: precision_at_radius(*LABELS, n_bits=8, radius=v)),
    ("radius", lambda v, _: recall_at_radius(*LABELS, n_bits=8, radius=v)),
    ("chunk", lambda v, _: evaluate_in_chunks(*LABELS, n_bits=8, chunk=v)),
    ("chunk", _encode),
    ("n_db", lambda v, _: precision_at_n_cutoffs(v)),
    ("max_n", lambda v, _: precision_at_n_cutoffs(100, max_n=v)),
    ("max_queries", lambda v, _: Subset(max_queries=v)),
    ("max_database", lambda v, _: Subset(max_database=v)),
]
IDS = [f"{name}-{i}" for i, (name, _) in enumerate(INTEGER_ARGUMENTS)]


@pytest.mark.parametrize(("name", "call"), INTEGER_ARGUMENTS, ids=IDS)
@pytest.mark.parametrize("value", [1.5, True])
def test_every_integer_argument_refuses_a_non_integer_with_a_type_error(
    name, call, value, tmp_path
):
    with pytest.raises(TypeError, match=f"{name} must be an integer"):
        call(value, tmp_path)


@pytest.mark.parametrize(("name", "call"), INTEGER_ARGUMENTS, ids=IDS)
def test_every_integer_argument_refuses_a_value_out_of_range_with_a_value_error(
    name, call, tmp_path
):
    with pytest.raises(ValueError, match=f"{name} must be "):
        call(-1, tmp_path)


def test_check_labels_keeps_strings_when_asked_and_codes_numbers():
    assert check_labels(["b", "a"], 2, encode=False).tolist() == ["b", "a"]
    assert check_labels(np.array([1.0, 3.0]), 2).dtype == np.int64
    assert check_labels([True, False], 2).tolist() == [1, 0]
    assert check_labels([[0, 1], [1, 1]], 2).dtype == np.int8


def test_check_label_pair_encodes_strings_of_both_sets_together():
    q, db = check_label_pair(np.array(["dog", "cat"]), ["cat", "eel", "dog"], 2, 3)
    assert q.tolist() == [1, 0] and db.tolist() == [0, 2, 1]
    q, db = check_label_pair([2, 5], np.array([5.0, 2.0, 7.0]), 2, 3)
    assert q.tolist() == [2, 5] and db.tolist() == [5, 2, 7]


@pytest.mark.parametrize(
    ("qy", "dby", "error", "words"),
    [
        (["a", "b"], [0, 1, 1], TypeError, "must be labels of the same kind"),
        ([0, 1], [[0, 1]] * 3, ValueError, "query_labels is 1-D but db_labels is 2-D"),
        ([[0, 1]] * 2, [[0, 1, 1]] * 3, ValueError, "query_labels has 2 label columns"),
        ([0], [0, 1, 1], ValueError, "query_labels has 1 rows, expected 2"),
        ([0, 1], [0.5, 1, 1], ValueError, "db_labels must contain integer class labels"),
        ([0, 1], [[0, 2]] * 3, ValueError, "db_labels as a 2-D label matrix"),
    ],
)
def test_check_label_pair_errors_name_the_argument(qy, dby, error, words):
    with pytest.raises(error, match=words):
        check_label_pair(qy, dby, 2, 3)


def test_metrics_string_labels_score_as_their_integer_codes():
    names = np.array(["ant", "bee"])
    as_strings = mean_average_precision(Q, DB, names[YQ], names[YDB], n_bits=8)
    assert as_strings == mean_average_precision(Q, DB, YQ, YDB, n_bits=8)


def test_evaluate_in_chunks_checks_the_query_labels_with_check_labels():
    with pytest.raises(ValueError, match="query_labels must contain integer class labels"):
        evaluate_in_chunks(Q, DB, np.array([0.5, 1.0]), YDB, n_bits=8)
    with pytest.raises(ValueError, match=r"query_labels has 1 rows, expected 2 \(one per sample\)"):
        evaluate_in_chunks(Q, DB, YQ[:1], YDB, n_bits=8)
