"""BDNN cost: gradients vs finite differences, low-rank similarity vs the dense matrix."""

import numpy as np
import pytest
import torch

from hashlearn.deep.bdnn.network import BDNNEncoder, identity_decoder
from hashlearn.deep.bdnn.objective import Lambdas, Reconstruction, bdnn_cost, similarity_term
from hashlearn.deep.bdnn.similarity import (
    ChunkedSimilarity,
    class_similarity,
    cosine_similarity,
    make_similarity,
)

F64 = torch.float64


def _dense_cost(H, B, weights, lam, X=None, dec=None, S=None):
    """The BDNN costs written literally, columns = samples."""
    Hc, Bc = H.T, B.T  # L x m as in the paper
    m, L = H.shape
    total = lam.lambda1 / 2 * sum((w**2).sum() for w in weights)
    total = total + lam.lambda2 / (2 * m) * ((Hc - Bc) ** 2).sum()
    total = total + lam.lambda3 / 2 * ((Hc @ Hc.T / m - torch.eye(L, dtype=F64)) ** 2).sum()
    total = total + lam.lambda4 / (2 * m) * ((Hc @ torch.ones(m, 1, dtype=F64)) ** 2).sum()
    if dec is not None:
        W4, c4 = dec
        total = total + ((X.T - W4 @ Bc - c4[:, None]) ** 2).sum() / (2 * m)
    if S is not None:
        total = total + lam.lambda5 / (2 * m) * ((Hc.T @ Hc / L - S) ** 2).sum()
    return total


def _dense_similarity(Y, kind):
    Y = Y.to(F64)
    if kind == "class":
        return torch.where(Y[:, None] == Y[None, :], 1.0, -1.0).to(F64)
    if kind == "exact":
        return torch.where(Y @ Y.T > 0, 1.0, -1.0).to(F64)
    norms = Y.norm(dim=1, keepdim=True).clamp_min(1e-300)
    return 2 * (Y / norms) @ (Y / norms).T - 1


@pytest.fixture
def tiny():
    gen = torch.Generator().manual_seed(0)
    X = torch.rand(9, 5, generator=gen, dtype=F64)
    B = torch.where(torch.rand(9, 3, generator=gen) > 0.5, 1.0, -1.0).to(F64)
    net = BDNNEncoder(5, (4, 4), 3).to(F64)
    return X, B, net, Lambdas(lambda1=0.1, lambda2=0.3, lambda3=0.2, lambda4=0.4, lambda5=0.5)


def test_cost_matches_literal_formula_uh_and_sh(tiny):
    X, B, net, lam = tiny
    dec = identity_decoder(5, 3, F64)
    with torch.no_grad():
        dec[1].add_(0.3)
    y = torch.tensor([0, 1, 2, 0, 1, 2, 0, 0, 1])
    H = net(X)
    weights = [layer.weight for layer in net.layers]
    recon = Reconstruction.of(X, B, block=4)  # blocks of 4 rows: the blocked sums are tested too
    uh = bdnn_cost(H, B, [*weights, dec[0]], lam, reconstruction=recon, decoder=tuple(dec))
    uh = uh["total"]
    expected_uh = _dense_cost(H, B, [*weights, dec[0]], lam, X=X, dec=dec)
    sh = bdnn_cost(H, B, weights, lam, sim=class_similarity(y, F64))["total"]
    expected_sh = _dense_cost(H, B, weights, lam, S=_dense_similarity(y, "class"))
    assert torch.allclose(uh, expected_uh, rtol=1e-12)
    assert torch.allclose(sh, expected_sh, rtol=1e-12)


def test_biases_are_not_decayed(tiny):
    X, B, net, lam = tiny
    H = net(X)
    weights = [layer.weight for layer in net.layers]
    decay = bdnn_cost(H, B, weights, lam)["decay"]
    assert torch.allclose(decay, lam.lambda1 / 2 * sum((w**2).sum() for w in weights))


@pytest.mark.parametrize("supervised", [False, True])
def test_cost_gradient_matches_finite_differences(tiny, supervised):
    X, B, net, lam = tiny
    dec = identity_decoder(5, 3, F64)
    sim = class_similarity(torch.tensor([0, 1, 2, 0, 1, 2, 0, 0, 1]), F64)
    names = [name for name, _ in net.named_parameters()]

    def cost(*params):
        state = dict(zip(names, params[: len(names)], strict=True))
        H = torch.func.functional_call(net, state, (X,))
        weights = [state[f"layers.{i}.weight"] for i in range(3)]
        if supervised:
            return bdnn_cost(H, B, weights, lam, sim=sim)["total"]
        W4, c4 = params[len(names) :]
        recon = Reconstruction.of(X, B)
        return bdnn_cost(H, B, [*weights, W4], lam, reconstruction=recon, decoder=(W4, c4))["total"]

    params = [p.detach().clone().requires_grad_() for p in net.parameters()]
    if not supervised:
        params += [t.detach().clone().requires_grad_() for t in dec]
    assert torch.autograd.gradcheck(cost, tuple(params), eps=1e-6, atol=1e-6)


@pytest.mark.parametrize("kind", ["class", "cosine", "exact"])
def test_similarity_term_equals_dense(kind):
    gen = torch.Generator().manual_seed(1)
    H = torch.randn(23, 6, generator=gen, dtype=F64, requires_grad=True)
    if kind == "class":
        labels = torch.randint(0, 4, (23,), generator=gen)
        sim = class_similarity(labels, F64)
    else:
        labels = (torch.rand(23, 5, generator=gen) > 0.6).to(torch.int8)
        labels[3] = 0  # an unlabelled row: relevant to nothing
        sim = cosine_similarity(labels, F64) if kind == "cosine" else ChunkedSimilarity(labels, 4)
    dense = ((H @ H.T / 6 - _dense_similarity(labels, kind)) ** 2).sum()
    fast = similarity_term(H, sim)
    assert torch.allclose(fast, dense, rtol=1e-12)
    (grad_fast,) = torch.autograd.grad(fast, H)
    (grad_dense,) = torch.autograd.grad(dense, H)
    assert torch.allclose(grad_fast, grad_dense, rtol=1e-10, atol=1e-10)
    index = torch.tensor([0, 3, 5, 7, 11])
    sub_dense = ((H[index] @ H[index].T / 6 - _dense_similarity(labels[index], kind)) ** 2).sum()
    assert torch.allclose(similarity_term(H[index], sim.subset(index)), sub_dense, rtol=1e-12)


def test_chunked_similarity_gradcheck():
    gen = torch.Generator().manual_seed(2)
    H = torch.randn(7, 3, generator=gen, dtype=F64, requires_grad=True)
    labels = (torch.rand(7, 4, generator=gen) > 0.5).to(torch.int8)
    assert torch.autograd.gradcheck(ChunkedSimilarity(labels, 3).inner, (H,))


def test_make_similarity_rejects_unknown_kind():
    with pytest.raises(ValueError, match="similarity must be"):
        make_similarity(torch.zeros(3, 2), "dense", F64)


def test_default_lambdas_are_the_authors():
    assert Lambdas() == Lambdas(1e-5, 5e-2, 1e-2, 0.5e-6, 1e-2)
    assert np.isclose(Lambdas().lambda4, 5e-7)
