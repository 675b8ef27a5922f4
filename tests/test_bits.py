"""hashlearn.bits: the one home of popcount, packed bytes as words and Hamming distances."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from numba import njit

from hashlearn import bits, codes
from hashlearn.index import FlatIndex
from hashlearn.index.flat import word_layout

UNSIGNED = [np.uint8, np.uint16, np.uint32, np.uint64]


def _bit_count(values: np.ndarray) -> list[int]:
    return [bin(int(v)).count("1") for v in values]


def test_codes_serves_the_functions_of_bits():
    assert codes.hamming_distance is bits.hamming_distance
    assert codes.popcount_table is bits.popcount_table
    assert bits.popcount_table().tolist() == _bit_count(np.arange(256))


def test_kernels_of_index_and_metrics_use_the_one_numba_popcount():
    from hashlearn.index import _kernels as index_kernels
    from hashlearn.metrics import _kernels as metrics_kernels

    assert bits.njit_popcount() is bits.njit_popcount()
    assert index_kernels.popcount is bits.njit_popcount()
    assert metrics_kernels.popcount is bits.njit_popcount()


@pytest.mark.parametrize("word", UNSIGNED)
def test_njit_popcount_counts_the_bits_of_every_unsigned_type(word):
    popcount = bits.njit_popcount()

    @njit
    def count_all(values):
        out = np.empty(values.shape[0], np.int64)
        for i in range(values.shape[0]):
            out[i] = popcount(values[i])
        return out

    info = np.iinfo(word)
    rng = np.random.default_rng(np.dtype(word).itemsize)
    values = np.concatenate(
        [np.array([0, 1, info.max], word), rng.integers(0, info.max, 50, dtype=word)]
    )
    assert count_all(values).tolist() == _bit_count(values)


def test_importing_bits_and_codes_does_not_import_numba():
    probe = "import sys, hashlearn.bits, hashlearn.codes; print('numba' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize("word", UNSIGNED)
@pytest.mark.parametrize("n_bytes", [1, 2, 3, 5, 8, 13])
def test_to_words_keeps_hamming_distances_and_bytes(word, n_bytes):
    rng = np.random.default_rng(n_bytes)
    a = rng.integers(0, 256, (4, n_bytes), dtype=np.uint8)
    b = rng.integers(0, 256, (3, n_bytes), dtype=np.uint8)
    wa, wb = bits.to_words(a, word), bits.to_words(b, word)
    assert wa.dtype == word and wa.flags.c_contiguous
    assert wa.shape[1] * np.dtype(word).itemsize >= n_bytes
    xor = wa[:, None, :] ^ wb[None, :, :]
    by_words = np.array([[sum(_bit_count(row)) for row in per_q] for per_q in xor])
    assert np.array_equal(by_words, bits.hamming_distance(a, b))
    padded = wa.view(np.uint8)
    assert np.array_equal(padded[:, :n_bytes], a) and not padded[:, n_bytes:].any()


def test_to_words_returns_a_copy():
    packed = np.zeros((2, 8), np.uint8)
    bits.to_words(packed)[0, 0] = 1
    assert not packed.any()


@pytest.mark.parametrize("n_bits", [8, 12, 24, 40, 64, 100])
def test_index_rows_are_to_words_of_the_index_layout(n_bits):
    row_bytes, word = word_layout(n_bits)
    n_bytes = (n_bits + 7) // 8
    assert bits.to_words(np.zeros((1, n_bytes), np.uint8), word).nbytes == row_bytes
    rng = np.random.default_rng(n_bits)
    packed = np.packbits(rng.integers(0, 2, (5, n_bits), dtype=np.uint8), axis=1, bitorder="little")
    index = FlatIndex(n_bits)
    index.add(packed)
    assert np.array_equal(index.codes(), packed)
    distances, ids = index.search(packed[:2], k=5)
    expected = bits.hamming_distance(packed[:2], packed, n_bits)
    assert np.array_equal(np.take_along_axis(expected, ids, axis=1), distances)
