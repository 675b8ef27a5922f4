"""Index files: round trip, versioned header, checksum, atomic writes."""

from __future__ import annotations

import numpy as np
import pytest

from hashlearn.index import FlatIndex, IndexFileError, MultiIndexHashing, load_index


@pytest.fixture
def saved(tmp_path, ref):
    rng = np.random.default_rng(3)
    index = MultiIndexHashing(65, n_tables=3)
    index.add(ref.codes(rng, 300, 65), ids=rng.permutation(1000)[:300])
    path = tmp_path / "index.hlidx"
    index.save(path)
    return index, path


@pytest.mark.parametrize("cls", [FlatIndex, MultiIndexHashing])
def test_round_trip_gives_identical_results(cls, tmp_path, ref):
    rng = np.random.default_rng(0)
    index = cls(100)
    index.add(ref.codes(rng, 500, 100))
    index.remove_ids(np.arange(0, 500, 7))
    index.save(tmp_path / "a.hlidx")
    back = cls.load(tmp_path / "a.hlidx")
    assert type(back) is cls and back.ntotal == index.ntotal
    np.testing.assert_array_equal(back.ids(), index.ids())
    queries = ref.codes(rng, 5, 100)
    for got, want in zip(back.search(queries, 20), index.search(queries, 20), strict=True):
        np.testing.assert_array_equal(got, want)


def test_mih_keeps_its_tables_setting(saved):
    index, path = saved
    back = load_index(path)
    assert isinstance(back, MultiIndexHashing) and back.n_tables == 3
    np.testing.assert_array_equal(back.codes(), index.codes())


def test_truncated_file_is_refused(saved):
    _, path = saved
    data = path.read_bytes()
    for size in (len(data) - 1, len(data) // 2, 10):
        path.write_bytes(data[:size])
        with pytest.raises(IndexFileError, match=r"corrupted or truncated|not a hashlearn index"):
            load_index(path)


def test_flipped_byte_is_refused(saved):
    _, path = saved
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 1
    path.write_bytes(bytes(data))
    with pytest.raises(IndexFileError, match="checksum mismatch"):
        load_index(path)


def test_other_files_and_versions_are_refused(saved, tmp_path):
    _, path = saved
    data = bytearray(path.read_bytes())
    data[8] = 99  # format version
    path.write_bytes(bytes(data))
    with pytest.raises(IndexFileError, match="format version 99"):
        load_index(path)
    other = tmp_path / "other.bin"
    other.write_bytes(b"\x89PNG" + bytes(100))
    with pytest.raises(IndexFileError, match="not a hashlearn index file"):
        load_index(other)


def test_load_checks_the_class(saved):
    _, path = saved
    assert isinstance(MultiIndexHashing.load(path), MultiIndexHashing)
    flat_path = path.with_name("flat.hlidx")
    FlatIndex(8).save(flat_path)
    with pytest.raises(TypeError, match="holds a FlatIndex, not a MultiIndexHashing"):
        MultiIndexHashing.load(flat_path)


def test_failed_save_leaves_the_old_file(saved, monkeypatch):
    index, path = saved
    before = path.read_bytes()
    monkeypatch.setattr(index, "_ids", "not an array")  # breaks the write halfway
    with pytest.raises(AttributeError):
        index.save(path)
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary left
