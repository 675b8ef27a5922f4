"""Download path (file:// URLs stand in for the official mirrors): progress, verify, atomicity."""

from __future__ import annotations

import gzip

import numpy as np
import pytest
from data_helpers import idx_bytes

from hashlearn.data import DataFileError, MissingDataError, read_idx_gz
from hashlearn.data.download import fetch_file


def test_download_verifies_and_tries_next_url(tmp_path):
    good = tmp_path / "src" / "good.gz"
    good.parent.mkdir()
    good.write_bytes(gzip.compress(idx_bytes(np.arange(5, dtype=np.uint8))))
    bad = tmp_path / "src" / "bad.gz"
    bad.write_bytes(b"corrupt")
    dest = tmp_path / "data" / "labels.gz"

    def verify(p):
        read_idx_gz(p)

    urls = [bad.as_uri(), (tmp_path / "src" / "missing.gz").as_uri(), good.as_uri()]
    assert fetch_file(dest, urls, download=True, verify=verify) == dest
    assert read_idx_gz(dest).tolist() == [0, 1, 2, 3, 4]
    assert sorted(p.name for p in dest.parent.iterdir()) == ["labels.gz"]  # no temp files


def test_download_all_bad_removes_file(tmp_path):
    bad = tmp_path / "bad.gz"
    bad.write_bytes(b"corrupt")
    dest = tmp_path / "data" / "x.gz"

    def verify(p):
        read_idx_gz(p)

    with pytest.raises(MissingDataError, match=r"could not download x\.gz.*not a readable gzip"):
        fetch_file(dest, [bad.as_uri()], download=True, verify=verify)
    assert not dest.exists()


def test_no_download_says_where(tmp_path):
    with pytest.raises(MissingDataError, match=r"put it at .*x\.gz.*HASHLEARN_DATA"):
        fetch_file(tmp_path / "x.gz", ["https://example.org/x.gz"])
    assert issubclass(DataFileError, ValueError)
