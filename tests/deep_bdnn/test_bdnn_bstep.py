"""B-steps: sign(0) = +1, and DCC against brute force over all 2^L codes."""

import itertools

import pytest
import torch

from hashlearn.deep.bdnn.bstep import dcc_bstep, dcc_objective, sign_pm

F64 = torch.float64


def test_sign_of_zero_is_plus_one():
    H = torch.tensor([[0.0, -0.0, 1e-30, -1e-30]])
    assert sign_pm(H).tolist() == [[1.0, 1.0, 1.0, -1.0]]


def _problem(seed, m=60, L=4, D=7, lambda2=0.5, coupling=0.0):
    """W = orthogonal rows (bits separate: W W^T diagonal) + ``coupling`` x Gaussian noise."""
    gen = torch.Generator().manual_seed(seed)
    H = torch.randn(m, L, generator=gen, dtype=F64)
    W = torch.linalg.qr(torch.randn(D, L, generator=gen, dtype=F64))[0].T
    W = W * (1 + 2 * torch.rand(L, 1, generator=gen, dtype=F64))
    W = W + coupling * torch.randn(L, D, generator=gen, dtype=F64)
    Y = torch.randn(m, D, generator=gen, dtype=F64)
    return H, Y, W, lambda2


def _brute_force(H, Y, W, lambda2):
    codes = torch.tensor(list(itertools.product([-1.0, 1.0], repeat=H.shape[1])), dtype=F64)
    costs = torch.stack([dcc_objective(c.expand_as(H), H, Y, W, lambda2) for c in codes], 1)
    return costs.min(1).values


def test_dcc_is_exact_when_bits_separate():
    H, Y, W, lambda2 = _problem(0)
    B = dcc_bstep(H, Y, W, lambda2)
    assert torch.allclose(dcc_objective(B, H, Y, W, lambda2), _brute_force(H, Y, W, lambda2))


@pytest.mark.parametrize(
    ("seed", "coupling", "share"), [(1, 0.3, 0.8), (2, 0.3, 0.7), (3, 1.0, 0.6)]
)
def test_dcc_reaches_a_single_flip_optimum_near_brute_force(seed, coupling, share):
    H, Y, W, lambda2 = _problem(seed, L=4, coupling=coupling)
    B = dcc_bstep(H, Y, W, lambda2)
    cost = dcc_objective(B, H, Y, W, lambda2)
    best = _brute_force(H, Y, W, lambda2)
    assert torch.all(cost >= best - 1e-9)
    for k in range(4):  # no single bit flip improves any row
        flipped = B.clone()
        flipped[:, k] *= -1
        assert torch.all(dcc_objective(flipped, H, Y, W, lambda2) >= cost - 1e-9)
    # coordinate descent is a local method: with weakly coupled bits (the decoder near
    # its identity start) it finds the optimum for most rows; with strongly coupled
    # random bits (coupling 1.0) only for a fair share of them
    assert (torch.isclose(cost, best)).double().mean() >= share


def test_dcc_sweeps_never_increase_the_objective():
    H, Y, W, lambda2 = _problem(5, L=6, coupling=1.0)
    costs = [
        dcc_objective(dcc_bstep(H, Y, W, lambda2, n), H, Y, W, lambda2).sum() for n in range(1, 6)
    ]
    assert all(b <= a + 1e-9 for a, b in itertools.pairwise(costs))


def test_dcc_starts_from_zeros_not_from_h():
    # with W = 0 the reconstruction is constant: one sweep gives sign(H) whatever came before
    H, Y, _, lambda2 = _problem(7)
    assert torch.equal(dcc_bstep(H, Y, torch.zeros(4, 7, dtype=F64), lambda2, 1), sign_pm(H))
