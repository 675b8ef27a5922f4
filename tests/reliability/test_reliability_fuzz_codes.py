"""Property/fuzz tests of hashlearn.codes: a clear error or a correct result, always."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from hashlearn.codes import (
    binarize,
    from_signed,
    hamming_distance,
    pack_bits,
    to_signed,
    unpack_bits,
)

N_BITS = [1, 7, 8, 63, 64, 65, 255, 256]
BAD_N_BITS = [0, -1, 4097, 8.0, True, None, "8", np.float32(8)]
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))

dtypes = st.sampled_from(
    [np.uint8, np.int8, np.int64, np.uint16, np.float32, np.float64, np.bool_, np.complex64]
)


def any_values(dtype):
    return hnp.arrays(dtype, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=6))


arrays_of_any_dtype = dtypes.flatmap(any_values)


def bit_matrix(n_bits):
    return hnp.arrays(
        np.uint8, st.tuples(st.integers(0, 5), st.just(n_bits)), elements=st.integers(0, 1)
    )


def slow_hamming(a_bits, b_bits):
    return np.array(
        [[sum(int(x != y) for x, y in zip(r, s, strict=True)) for s in b_bits] for r in a_bits],
        dtype=np.int64,
    ).reshape(len(a_bits), len(b_bits))


@FUZZ
@given(data=st.data(), n_bits=st.sampled_from(N_BITS))
def test_pack_unpack_hamming_are_correct_for_valid_codes(data, n_bits, cases):
    cases["codes.valid"] += 1
    a_bits, b_bits = data.draw(bit_matrix(n_bits)), data.draw(bit_matrix(n_bits))
    a, b = pack_bits(a_bits), pack_bits(b_bits)
    assert a.dtype == np.uint8 and a.shape == (a_bits.shape[0], (n_bits + 7) // 8)
    assert np.array_equal(unpack_bits(a, n_bits), a_bits)
    assert np.array_equal(hamming_distance(a, b, n_bits), slow_hamming(a_bits, b_bits))
    assert np.array_equal(from_signed(to_signed(a_bits)), a_bits)


@FUZZ
@given(arr=arrays_of_any_dtype)
def test_pack_bits_any_input(arr, guarded, cases):
    cases["codes.pack_bits"] += 1
    out = guarded(pack_bits, arr)
    if isinstance(out, Exception):
        return
    assert arr.ndim == 2 and arr.shape[1] >= 1 and set(np.unique(arr)) <= {0, 1}
    assert np.array_equal(unpack_bits(out, arr.shape[1]), arr.astype(np.uint8))


@FUZZ
@given(arr=arrays_of_any_dtype, n_bits=st.sampled_from(N_BITS + BAD_N_BITS))
def test_unpack_bits_any_input(arr, n_bits, guarded, cases):
    cases["codes.unpack_bits"] += 1
    out = guarded(unpack_bits, arr, n_bits)
    if isinstance(out, Exception):
        return
    assert arr.dtype == np.uint8 and arr.ndim == 2 and isinstance(n_bits, (int, np.integer))
    assert out.shape == (arr.shape[0], n_bits) and np.array_equal(pack_bits(out), arr)


@FUZZ
@given(a=arrays_of_any_dtype, b=arrays_of_any_dtype, n_bits=st.sampled_from([*N_BITS, None]))
def test_hamming_distance_any_input(a, b, n_bits, guarded, cases):
    cases["codes.hamming_distance"] += 1
    out = guarded(hamming_distance, a, b, n_bits)
    if isinstance(out, Exception):
        return
    nb = n_bits if n_bits is not None else 8 * a.shape[1]
    assert out.shape == (a.shape[0], b.shape[0])
    assert np.array_equal(out, slow_hamming(unpack_bits(a, nb), unpack_bits(b, nb)))


@FUZZ
@given(
    arr=hnp.arrays(
        st.sampled_from([np.float16, np.float32, np.float64]),
        hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=6),
    )
)
def test_binarize_floats_with_nan_and_inf(arr, guarded, cases):
    cases["codes.binarize"] += 1
    out = guarded(binarize, arr)
    if np.isnan(arr).any():
        assert isinstance(out, ValueError) and "NaN" in str(out)
        return
    assert np.array_equal(
        out, np.vectorize(lambda v: 1 if v >= 0 else 0, otypes=[np.uint8])(arr) if arr.size else out
    )
    assert out.dtype == np.uint8 and out.shape == arr.shape


@FUZZ
@given(arr=arrays_of_any_dtype)
def test_from_and_to_signed_any_input(arr, guarded, cases):
    cases["codes.signed"] += 1
    out = guarded(from_signed, arr)
    if not isinstance(out, Exception):
        assert arr.ndim == 2 and np.array_equal(out, (arr > 0).astype(np.uint8))
        assert set(np.unique(arr)) <= {-1, 1}
    out = guarded(to_signed, arr)
    if not isinstance(out, Exception):
        assert np.array_equal(out, arr.astype(np.int8) * 2 - 1)


@pytest.mark.parametrize("n_bits", BAD_N_BITS)
def test_bad_n_bits_names_the_argument(n_bits, cases):
    cases["codes.bad_n_bits"] += 1
    with pytest.raises((TypeError, ValueError), match="n_bits"):
        unpack_bits(np.zeros((1, 1), np.uint8), n_bits)
