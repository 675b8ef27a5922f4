"""The PCA routes and the ITQ iteration against exact float64 references.

Tolerances (relative to the largest eigenvalue, or absolute for unit vectors):
float64 routes 1e-9 on eigenvalues and residuals, 1e-7 on directions of a
well-separated spectrum; float32 routes 1e-4 and 1e-3. ITQ must reproduce the
previous float64 solver's codes (at least 99.99% of the bits; 100% measured).
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
from threadpoolctl import threadpool_limits

import hashlearn
from hashlearn.hashers import _itq, _pca
from hashlearn.hashers.itq_cca import cca_directions

ROUTES = {"covariance": _pca.covariance_directions, "gram": _pca.gram_directions}
TOLERANCE = {np.float64: (1e-9, 1e-7), np.float32: (1e-4, 1e-3)}


@pytest.fixture(autouse=True)
def one_thread():
    with threadpool_limits(1):
        yield


def with_spectrum(n, d, singular_values, seed=0, offset=3.0):
    """Rows whose centered scatter is exactly ``Q diag(s^2) Q^T``; returns X and Q."""
    rng = np.random.default_rng(seed)
    G = rng.normal(size=(n, len(singular_values)))
    U = np.linalg.qr(G - G.mean(axis=0))[0]  # orthonormal columns, orthogonal to the ones
    Q = np.linalg.qr(rng.normal(size=(d, len(singular_values))))[0]
    return U * singular_values @ Q.T + offset * rng.normal(size=d), Q


def exact_scatter(X):
    Xc = X.astype(np.float64) - X.astype(np.float64).mean(axis=0)
    return Xc.T @ Xc


CASES = {  # name: (X, n_components, exact directions or None where not unique)
    "n>d": (*with_spectrum(200, 30, 1.5 ** -np.arange(30.0), seed=1), 10),
    "n<d": (*with_spectrum(40, 120, 1.3 ** -np.arange(39.0), seed=2), 20),
    "repeated": (with_spectrum(100, 20, np.array([3, 3, 3, 2, 2, 1, 1, 1.0]), seed=3)[0], None, 4),
    "rank-deficient": (with_spectrum(60, 30, np.array([5, 4, 3, 2, 1.0]), seed=4)[0], None, 8),
    "n_components=d, n<d": (np.random.default_rng(5).normal(size=(10, 25)), None, 25),
    "n_components=d, n>d": (np.random.default_rng(6).normal(size=(80, 10)), None, 10),
}


def constant_column_case():
    X = np.random.default_rng(7).normal(size=(80, 10))
    X[:, 2] = 5.0
    return X, None, 10


CASES["constant column"] = constant_column_case()


def check_eigenbasis(W, values, X, n_components, dtype):
    """W: orthonormal eigenvectors of the scatter with eigenvalues ``values`` = the top ones."""
    tol, _ = TOLERANCE[dtype]
    C = exact_scatter(X)
    top = np.linalg.eigvalsh(C)[::-1][:n_components]
    scale = top[0]
    assert W.shape == (X.shape[1], n_components) and W.dtype == np.float64
    np.testing.assert_allclose(W.T @ W, np.eye(n_components), atol=1e-10)
    np.testing.assert_allclose(values, np.maximum(top, 0), atol=tol * scale)
    assert np.abs(C @ W - W * values).max() <= tol * scale


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("route", sorted(ROUTES))
@pytest.mark.parametrize("case", sorted(CASES))
def test_each_route_is_a_top_eigenbasis_of_the_exact_scatter(case, route, dtype):
    X, exact_directions, k = CASES[case]
    centered = (X - X.mean(axis=0)).astype(dtype)
    W, values = ROUTES[route](centered, k)
    check_eigenbasis(W, values, X, k, dtype)
    if exact_directions is not None:  # well-separated spectrum: unique directions
        expected = _pca.deterministic_signs(exact_directions[:, :k])
        np.testing.assert_allclose(_pca.deterministic_signs(W), expected, atol=TOLERANCE[dtype][1])


@pytest.mark.parametrize("case", sorted(CASES))
def test_top_directions_sign_convention_and_variances(case):
    X, _, k = CASES[case]
    W, variances = _pca.top_directions(X - X.mean(axis=0), k)
    largest = W[np.abs(W).argmax(axis=0), np.arange(k)]
    assert (largest > 0).all()
    check_eigenbasis(W, variances * (X.shape[0] - 1), X, k, np.float64)


def test_directions_beyond_the_rank_are_orthogonal_to_the_data():
    X, _, k = CASES["rank-deficient"]
    centered = X - X.mean(axis=0)
    for route in ROUTES.values():
        W, values = route(centered, k)
        assert np.all(values[5:] <= 1e-9 * values[0])
        assert np.abs(centered @ W[:, 5:]).max() <= 1e-8 * np.sqrt(values[0])


def test_top_pca_moment_route_matches_the_exact_solver():
    """Float32 past 10,000 rows: X^T X - n m m^T, a float32 eigensolver, no centered copy."""
    X, Q = with_spectrum(12_000, 16, 110 * 1.4 ** -np.arange(16.0), seed=8, offset=0.3)
    X32 = X.astype(np.float32)
    mean = X32.mean(axis=0, dtype=np.float64)
    assert _pca.scatter_from_moments(X32, mean) is not None
    got_mean, W, variances = _pca.top_pca(X32, 8)
    np.testing.assert_allclose(got_mean, X32.astype(np.float64).mean(axis=0), atol=1e-12)
    check_eigenbasis(W, variances * (len(X) - 1), X32, 8, np.float32)
    np.testing.assert_allclose(W, _pca.deterministic_signs(Q[:, :8]), atol=1e-3)


@pytest.mark.parametrize("shift", [1e3, "constant column"])
def test_top_pca_falls_back_to_centering_where_the_means_dominate(shift):
    X = np.random.default_rng(9).normal(size=(12_000, 12)).astype(np.float32)
    if shift == "constant column":
        X[:, 4] = 7.0
    else:
        X += np.float32(shift)
    assert _pca.scatter_from_moments(X, X.mean(axis=0, dtype=np.float64)) is None
    _, W, variances = _pca.top_pca(X, 12)
    check_eigenbasis(W, variances * (len(X) - 1), X, 12, np.float32)


def test_n_components_out_of_range_is_named():
    with pytest.raises(ValueError, match="n_components must be between 1 and n_features=4"):
        _pca.top_pca(np.ones((5, 4)), 5)


def test_project_equals_the_direct_product():
    rng = np.random.default_rng(10)
    X, W, mean = (
        rng.normal(size=(700, 9)).astype(np.float32),
        rng.normal(size=(9, 3)),
        rng.normal(size=9),
    )
    direct = (X.astype(np.float64) - mean) @ W
    np.testing.assert_array_equal(_pca.project(X, W, mean), direct)
    np.testing.assert_allclose(_pca.project(X, W, mean, np.float32), direct, rtol=1e-5, atol=1e-5)


# ---- ITQ ---------------------------------------------------------------------------------


def previous_itq(X, n_bits, seed, n_iter=50):
    """The previous solver: float64 (float32 scatter past 10,000 rows), full eigh, plain loop."""
    X = X.astype(np.float64)
    mean = X.mean(axis=0)
    centered = X - mean
    if len(X) > 10_000:
        centered = centered.astype(np.float32)
    values, vectors = np.linalg.eigh((centered.T @ centered).astype(np.float64))
    W = _pca.deterministic_signs(vectors[:, np.argsort(values)[::-1][:n_bits]])
    V = (X - mean) @ W
    R = _itq.random_orthogonal(n_bits, np.random.default_rng(seed))
    for _ in range(n_iter):
        U, _, Wt = np.linalg.svd(np.where(V @ R >= 0, 1.0, -1.0).T @ V)
        R = (U @ Wt).T
    return mean, W @ R


def clustered(n, d, seed):
    """Real-ish rows: 10 overlapping Gaussian clusters with a decaying spectrum, float32."""
    rng = np.random.default_rng(0)  # the same clusters for every seed
    centers = rng.normal(size=(10, d)) * 0.5 + 1.0
    rng = np.random.default_rng(seed)
    spread = rng.normal(size=(n, d)) / np.sqrt(np.arange(1, d + 1))
    return (centers[rng.integers(0, 10, n)] + spread).astype(np.float32)


@pytest.mark.parametrize(("n", "d", "n_bits"), [(3_000, 64, 32), (12_000, 48, 24), (60, 200, 16)])
def test_itq_codes_agree_with_the_previous_solver(n, d, n_bits):
    """Tracked path (V of 96,000 and 288,000 entries), float32 scatter (12,000 rows), Gram route."""
    X, held_out = clustered(n, d, seed=11), clustered(2_000, d, seed=12)
    model = hashlearn.create("itq", n_bits=n_bits, random_state=3).fit(X)
    mean, projection = previous_itq(X, n_bits, seed=3)
    previous = (held_out.astype(np.float64) - mean) @ projection >= 0
    assert np.mean((model.project(held_out) >= 0) == previous) >= 0.9999


def test_tracked_sign_products_equal_the_plain_ones_along_a_sequence_of_rotations():
    """Small steps (sparse updates), one jump (dense update), zero rows and near-zero products."""
    rng = np.random.default_rng(13)
    V = rng.normal(size=(20_000, 16))  # three blocks of rows
    V[:10] = 0.0  # sign(0) = +1
    V[10:20, 1] = V[10:20, 0] * (1 + 1e-12)  # V R within float32 round-off of 0 at first
    tracked, plain = _itq.TrackedSignProducts(V), _itq.plain_sign_products(V)
    R = np.eye(16)
    R[:2, :2] = np.array([[1.0, 1.0], [-1.0, 1.0]]) / np.sqrt(2)
    for step in range(8):
        expected = plain(R)
        assert np.abs(tracked(R) - expected).max() <= 1e-12 * np.abs(expected).max()
        jump = _itq.random_orthogonal(16, rng) if step == 4 else np.eye(16)
        q, r = np.linalg.qr(R @ jump + 1e-3 * rng.normal(size=R.shape))
        R = q * np.sign(np.diag(r))


def test_positive_entries_recomputes_the_uncertain_ones_in_float64():
    V = np.array([[1.0, 1.0 + 1e-9], [2.0, -3.0], [0.0, 0.0]])
    R = np.array([[1.0, 1.0], [-1.0, 1.0]]) / np.sqrt(2)  # first entry -7e-10: float32 says 0
    slack = _itq.float32_product_slack(V)
    got = _itq.positive_entries(V, V.astype(np.float32), slack, R)
    np.testing.assert_array_equal(got, V @ R >= 0)
    assert not got[0, 0]


@pytest.mark.parametrize("name", ["itq", "pcah", "sh", "itq-cca"])
def test_same_random_state_gives_identical_models(name):
    X, held_out = clustered(11_000, 24, seed=14), clustered(500, 24, seed=15)
    y = np.arange(len(X)) % 5

    def fit():
        model = hashlearn.create(name, n_bits=16, random_state=4)
        return model.fit(X, y) if model.supervised else model.fit(X)

    np.testing.assert_array_equal(fit().encode(held_out), fit().encode(held_out))


@pytest.mark.parametrize("name", ["itq", "pcah", "sh"])
def test_float32_input_gives_the_float64_input_codes(name):
    X, held_out = clustered(2_000, 20, seed=16), clustered(500, 20, seed=17)
    codes = [
        hashlearn.create(name, n_bits=8, random_state=0).fit(data).encode(held_out)
        for data in (X, X.astype(np.float64))
    ]
    np.testing.assert_array_equal(*codes)


# ---- CCA ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("n", "d"), [(400, 12), (30, 60)])
def test_cca_directions_solve_the_generalised_eigenproblem(n, d):
    """Cholesky whitening (n >= d) and thin-SVD whitening (n < d) against scipy's eigh."""
    rng = np.random.default_rng(18)
    X = rng.normal(size=(n, d)) * np.linspace(2, 0.5, d)
    labels = np.argmax(X[:, :4] + 0.5 * rng.normal(size=(n, 4)), axis=1)
    Y = np.eye(4)[labels]
    Xc, Yc, reg = X - X.mean(axis=0), Y - Y.mean(axis=0), 1e-2
    cxx = Xc.T @ Xc / (n - 1) + reg * np.eye(d)
    cyy = Yc.T @ Yc / (n - 1) + reg * np.eye(4)
    cxy = Xc.T @ Yc / (n - 1)
    values, vectors = scipy.linalg.eigh(cxy @ np.linalg.solve(cyy, cxy.T), cxx)
    W, corr = cca_directions(Xc, Y, 6, reg)
    np.testing.assert_allclose(corr[:3], np.sqrt(values[::-1][:3]), atol=1e-10)
    assert np.all(corr[3:] <= 1e-6)  # 4 classes: 3 informative directions
    np.testing.assert_allclose(W.T @ cxx @ W, np.eye(6), atol=1e-9)
    expected = _pca.deterministic_signs(vectors[:, ::-1][:, :3])
    np.testing.assert_allclose(W[:, :3], expected, atol=1e-8 * np.abs(expected).max())


def test_sh_falls_back_to_float64_when_float32_overflows():
    """Features near 1e150 overflow a float32 projection; SH must still give valid codes."""
    X = np.random.default_rng(0).normal(size=(50, 3)) * 1e150
    model = hashlearn.create("sh", n_bits=4, random_state=0).fit(X)
    assert np.isfinite(model.low_).all()
    small = hashlearn.create("sh", n_bits=4, random_state=0).fit(X / 1e150)
    np.testing.assert_array_equal(model.encode(X), small.encode(X / 1e150))
