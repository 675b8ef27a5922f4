"""len(index), strict class loading, clear errors for folders, and item names."""

from __future__ import annotations

import numpy as np
import pytest

import hashlearn
from hashlearn.index import FlatIndex, IndexFileError, MultiIndexHashing, load_index, split_ids


@pytest.mark.parametrize("cls", [FlatIndex, MultiIndexHashing])
def test_len_is_the_number_of_items(cls):
    index = cls(16)
    assert len(index) == 0
    index.add(np.zeros((5, 2), np.uint8))
    index.remove_ids([1])
    assert len(index) == 4 == index.ntotal


def test_flat_load_refuses_a_mih_file(tmp_path):
    MultiIndexHashing(16).save(tmp_path / "mih.index")
    with pytest.raises(TypeError, match=r"holds a MultiIndexHashing, not a FlatIndex.*load_index"):
        FlatIndex.load(tmp_path / "mih.index")
    assert type(MultiIndexHashing.load(tmp_path / "mih.index")) is MultiIndexHashing


def test_load_index_of_a_folder_says_what_to_do(tmp_path):
    with pytest.raises(IndexFileError, match="is a folder, not an index file"):
        load_index(tmp_path)
    X = np.random.default_rng(0).normal(size=(30, 4))
    model_dir = hashlearn.create("lsh", n_bits=8, random_state=0).fit(X).save(tmp_path / "m")
    with pytest.raises(IndexFileError, match=r"is a model folder.*hashlearn index build"):
        load_index(model_dir)


@pytest.mark.parametrize("cls", [FlatIndex, MultiIndexHashing])
def test_names_follow_their_items_through_add_remove_and_save(cls, tmp_path):
    index = cls(8)
    index.add(np.array([[1], [2]], np.uint8), ids=[7, 3], names=["seven.png", "three.png"])
    index.add(np.array([[4]], np.uint8), ids=[5], names=["five.png"])
    assert index.names().tolist() == ["three.png", "five.png", "seven.png"]  # id order
    index.remove_ids([5])
    index.save(tmp_path / "named.index")
    back = load_index(tmp_path / "named.index")
    assert back.has_names and back.names([7, 3]).tolist() == ["seven.png", "three.png"]
    ids = back.search(np.array([[2]], np.uint8), 1)[1][0]
    assert back.names(ids).tolist() == ["three.png"]


def test_names_are_all_or_nothing():
    index = FlatIndex(8)
    index.add(np.zeros((1, 1), np.uint8), names=["a"])
    with pytest.raises(ValueError, match="every item of this index has a name"):
        index.add(np.zeros((1, 1), np.uint8))
    with pytest.raises(ValueError, match="one name per code"):
        index.add(np.zeros((2, 1), np.uint8), names=["b"])
    with pytest.raises(ValueError, match="not in the index"):
        index.names([9])
    unnamed = FlatIndex(8)
    unnamed.add(np.zeros((1, 1), np.uint8))
    with pytest.raises(ValueError, match="holds no names"):
        unnamed.names()


def test_split_ids_turns_file_names_into_names():
    ids, names = split_ids(np.array(["cat/1.png", "dog/2.png"], dtype=object))
    assert ids is None and names is not None and names.tolist() == ["cat/1.png", "dog/2.png"]
    ids, names = split_ids(np.array([3, 4]))
    assert names is None and ids is not None and ids.tolist() == [3, 4]
    assert split_ids(None) == (None, None)
