"""Tests of the code format: binarize, pack/unpack, Hamming distance."""

import numpy as np
import pytest

from hashlearn.codes import (
    binarize,
    from_signed,
    hamming_distance,
    pack_bits,
    to_signed,
    unpack_bits,
)


def test_binarize_maps_zero_to_one():
    assert binarize(np.array([-1e-12, 0.0, -0.0, 3.0])).tolist() == [0, 1, 1, 1]


def test_binarize_rejects_nan():
    with pytest.raises(ValueError, match="NaN"):
        binarize(np.array([np.nan]))


@pytest.mark.parametrize("n_bits", [1, 7, 8, 9, 63, 64, 65, 255, 256])
def test_pack_unpack_roundtrip(n_bits):
    bits = np.random.default_rng(n_bits).integers(0, 2, size=(17, n_bits), dtype=np.uint8)
    packed = pack_bits(bits)
    assert packed.shape == (17, (n_bits + 7) // 8)
    assert np.array_equal(unpack_bits(packed, n_bits), bits)


def test_pack_is_lsb_first_like_faiss():
    bits = np.zeros((1, 16), np.uint8)
    bits[0, 0] = 1  # dimension 0 -> bit 0 of byte 0
    bits[0, 9] = 1  # dimension 9 -> bit 1 of byte 1
    assert pack_bits(bits).tolist() == [[1, 2]]


def test_hamming_matches_bit_loop():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 2, size=(5, 21), dtype=np.uint8)
    b = rng.integers(0, 2, size=(7, 21), dtype=np.uint8)
    expected = np.array([[int(np.sum(x != y)) for y in b] for x in a])
    assert np.array_equal(hamming_distance(pack_bits(a), pack_bits(b), n_bits=21), expected)


def test_hamming_equals_inner_product_form_for_signed_codes():
    rng = np.random.default_rng(1)
    a = rng.integers(0, 2, size=(6, 32), dtype=np.uint8)
    b = rng.integers(0, 2, size=(4, 32), dtype=np.uint8)
    inner = to_signed(a).astype(int) @ to_signed(b).astype(int).T
    assert np.array_equal(hamming_distance(pack_bits(a), pack_bits(b)), (32 - inner) // 2)


def test_signed_roundtrip_and_zero_rejected():
    bits = np.array([[0, 1, 1]], np.uint8)
    assert np.array_equal(from_signed(to_signed(bits)), bits)
    with pytest.raises(ValueError, match="-1 and \\+1"):
        from_signed(np.array([[0, 1]]))


@pytest.mark.parametrize(
    ("packed", "error", "match"),
    [
        (np.zeros((2, 2), np.int32), TypeError, "uint8"),
        (np.zeros((2, 3), np.uint8), ValueError, r"shape \(n, 2\)"),
        (np.zeros(2, np.uint8), ValueError, "shape"),
        ([[0, 0]], TypeError, "numpy array"),
        (np.full((1, 2), 255, np.uint8), ValueError, "past n_bits"),
    ],
)
def test_bad_packed_codes_name_the_argument(packed, error, match):
    with pytest.raises(error, match=match) as info:
        unpack_bits(packed, 12)
    assert "packed" in str(info.value)


def test_pack_rejects_non_binary():
    with pytest.raises(ValueError, match="only 0 and 1"):
        pack_bits(np.array([[0, 2]]))
    with pytest.raises(TypeError):
        pack_bits(np.array([[0.5, 1.0]]))


def test_inputs_not_modified():
    a = pack_bits(np.random.default_rng(2).integers(0, 2, size=(3, 10), dtype=np.uint8))
    before = a.copy()
    hamming_distance(a, a, n_bits=10)
    unpack_bits(a, 10)
    assert np.array_equal(a, before)
