"""Files hashlearn writes get the mode the user's umask gives, like any other tool's."""

from __future__ import annotations

import contextlib
import json
import os
import stat

import numpy as np
import pytest

import hashlearn
from hashlearn._io import atomic_write, atomic_write_json
from hashlearn.cli._files import write_codes
from hashlearn.index import FlatIndex


@contextlib.contextmanager
def umask(mask: int):
    previous = os.umask(mask)
    try:
        yield
    finally:
        os.umask(previous)


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def _write_everything(folder) -> list:
    X = np.random.default_rng(0).normal(size=(40, 8))
    model = hashlearn.create("itq", n_bits=8, random_state=0).fit(X)
    model_dir = model.save(folder / "model")
    codes = model.encode(X)
    index = FlatIndex(8)
    index.add(codes)
    index.save(folder / "db.index")
    write_codes(folder / "codes.npy", codes, 8)
    atomic_write_json(folder / "results.json", {"map": 0.5})
    return [
        *sorted(model_dir.iterdir()),
        folder / "db.index",
        folder / "codes.npy",
        folder / "codes.npy.json",
        folder / "results.json",
    ]


@pytest.mark.parametrize("mask", [0o022, 0o027, 0o077], ids=oct)
def test_written_files_follow_the_umask(tmp_path, mask):
    with umask(mask):
        written = _write_everything(tmp_path)
    assert len(written) == 6
    for path in written:
        assert _mode(path) == 0o666 & ~mask, path.name


def test_atomic_write_keeps_old_file_and_leaves_no_temporary_on_failure(tmp_path):
    target = tmp_path / "results.json"
    atomic_write_json(target, {"old": 1})
    with pytest.raises(RuntimeError), atomic_write(target, "w") as handle:
        handle.write("half")
        raise RuntimeError("crash in the middle of a write")
    assert json.loads(target.read_text()) == {"old": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]
