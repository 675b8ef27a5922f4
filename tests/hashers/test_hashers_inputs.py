"""Bad input, memory safety on 60,000 points and the paper-specific pieces of each method."""

import tracemalloc

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

import hashlearn
from hashlearn.hashers._bre_kernel import best_step
from hashlearn.hashers.bre import target_distances
from hashlearn.hashers.sh import smallest_modes

ALL = ["pcah", "itq-cca", "sh", "ksh", "sdh", "bre", "bre-sup"]
SUPERVISED = ["itq-cca", "ksh", "sdh", "bre-sup"]
SMALL = {
    "ksh": {"n_anchors": 20, "n_iter": 5},
    "sdh": {"n_anchors": 20},
    "bre": {"n_base": 5, "n_sweeps": 1},
    "bre-sup": {"n_base": 5, "n_sweeps": 1},
}


@pytest.fixture(autouse=True)
def one_thread():
    with threadpool_limits(1):
        yield


def make(name, n_bits=4, **extra):
    return hashlearn.create(name, n_bits=n_bits, random_state=0, **{**SMALL.get(name, {}), **extra})


def data(n=60, d=6, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)), rng.integers(0, 3, n)


@pytest.mark.parametrize("name", SUPERVISED)
def test_supervised_without_y_is_a_clear_error(name):
    X, _ = data()
    with pytest.raises(ValueError, match="y is required"):
        make(name).fit(X)


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_non_finite_input_rejected(name, value):
    X, y = data()
    X[5, 2] = value
    with pytest.raises(ValueError, match="NaN or infinite"):
        make(name).fit(X, y)


@pytest.mark.parametrize("name", ALL)
def test_too_few_samples_and_bad_n_bits(name):
    X, y = data()
    with pytest.raises(ValueError, match="at least 2 sample"):
        make(name).fit(X[:1], y[:1])
    with pytest.raises(ValueError, match="n_bits must be between"):
        make(name, n_bits=0).fit(X, y)
    with pytest.raises(TypeError, match="n_bits must be an integer"):
        make(name, n_bits=4.5).fit(X, y)


@pytest.mark.parametrize("name", ["pcah", "itq-cca"])
def test_linear_pca_methods_need_n_bits_at_most_n_features(name):
    X, y = data(d=6)
    with pytest.raises(ValueError, match=r"n_bits must be <= n_features \(6\)"):
        make(name, n_bits=7).fit(X, y)


def test_wrong_label_count_named():
    X, y = data()
    with pytest.raises(ValueError, match="y has 59 rows"):
        make("sdh").fit(X, y[:-1])


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("sdh", {"n_anchors": 50, "n_iter": 2}),
        ("ksh", {"n_anchors": 50, "n_iter": 5}),
        ("bre-sup", {"n_base": 5, "n_sweeps": 1}),
        ("bre", {"n_base": 5, "n_sweeps": 1}),
    ],
)
def test_sixty_thousand_points_never_allocate_n_by_n(name, params):
    """An n x n float64 matrix at n = 60,000 is 28.8 GB; the peak must stay near n x anchors."""
    X, y = data(n=60_000, d=8, seed=1)
    tracemalloc.start()
    try:
        make(name, n_bits=8, **params).fit(X, y)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 150e6, f"{name} peak {peak / 1e6:.0f} MB"


def test_sh_modes_are_the_smallest_eigenvalues():
    """Eigenvalues grow with (k / range)^2: a range-4 axis gives 4 modes before a range-1 axis."""
    dims, ks = smallest_modes(np.array([1.0, 4.0]), 6)
    assert list(zip(dims.tolist(), ks.tolist(), strict=True)) == [
        (1, 1),
        (1, 2),
        (1, 3),
        (0, 1),
        (1, 4),
        (1, 5),
    ]


def test_bre_step_is_the_exact_optimum_of_one_weight():
    """Compare the chosen step with a brute-force scan of the piecewise-constant cost."""
    rng = np.random.default_rng(3)
    n, b = 25, 4
    target = rng.uniform(size=(n, n))
    target = (target + target.T) / 2
    np.fill_diagonal(target, 0)
    others = rng.integers(0, 2, (n, b - 1))
    y, k = rng.normal(size=n), rng.normal(size=n)

    def cost(bits):
        H = np.column_stack([others, bits])
        ham = (H[:, None, :] != H[None, :, :]).sum(-1) / b
        return ((target - ham) ** 2).sum() / 2

    h = (y >= 0).astype(np.int8)
    H0 = np.column_stack([others, h])
    E = target - (H0[:, None, :] != H0[None, :, :]).sum(-1) / b
    step, gain = best_step(E, h.copy(), y, k, 1.0 / b)
    alphas = np.concatenate([np.linspace(-50, 50, 20001), -y / k + 1e-9, -y / k - 1e-9])
    brute = min(cost((y + a * k >= 0).astype(int)) for a in alphas)
    assert cost((y + step * k >= 0).astype(int)) == pytest.approx(brute)
    assert cost(h) + gain == pytest.approx(brute)


def test_bre_targets():
    X = np.array([[1.0, 0.0], [0.0, 2.0], [3.0, 0.0]])
    D = target_distances(X, None)
    assert D[0, 2] == 0 and D[0, 1] == pytest.approx(1.0) and np.allclose(D, D.T)
    Z = np.eye(2)[[0, 1, 0]]
    assert target_distances(X, Z).tolist() == [[0, 1, 0], [1, 0, 1], [0, 1, 0]]
