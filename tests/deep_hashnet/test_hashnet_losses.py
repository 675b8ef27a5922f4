"""HashNetLoss and DHNLoss against slow double loops over the pairs."""

import math

import numpy as np
import pytest
import torch

from hashlearn.deep.losses import DHNLoss, HashNetLoss


def nll(x, s):
    return math.log1p(math.exp(x)) - s * x


def labelsets(labels):
    if labels.ndim == 1:
        return [{int(v)} for v in labels]
    return [set(np.flatnonzero(r).tolist()) for r in labels]


def reference_hashnet(h, labels, ref, ref_labels, alpha, weighting, sim_weight, class_num, intra):
    A, B = labelsets(labels), labelsets(ref_labels)
    pairs = [(i, j) for i in range(len(h)) for j in range(len(ref)) if not (intra and i == j)]
    sims = {p: float(bool(A[p[0]] & B[p[1]])) for p in pairs}
    n1 = sum(sims.values())
    n0 = len(pairs) - n1
    total = 0.0
    for (i, j), s in sims.items():
        x = alpha * float(np.dot(h[i], ref[j]))
        w = 1.0
        if weighting == "paper":
            w = len(pairs) / n1 if s else len(pairs) / n0
        elif weighting == "caffe" and s:
            w = class_num
        if s and sim_weight == "jaccard":
            w *= len(A[i] & B[j]) / len(A[i] | B[j])
        if s and sim_weight == "caffe_cos2":
            a = np.isin(range(5), list(A[i])).astype(float)
            b = np.isin(range(5), list(B[j])).astype(float)
            w *= 4 * np.dot(a, b) ** 2 / (a.sum() * b.sum())
        total += w * nll(x, s)
    norm = class_num * n1 + n0 if weighting == "caffe" else len(pairs)
    return total / norm


@pytest.mark.parametrize("weighting", ["paper", "caffe", "none"])
@pytest.mark.parametrize("sim_weight", ["jaccard", "caffe_cos2", None])
@pytest.mark.parametrize("multilabel", [False, True])
@pytest.mark.parametrize("with_ref", [False, True])
def test_hashnet_loss_matches_double_loop(weighting, sim_weight, multilabel, with_ref):
    rng = np.random.default_rng(1)
    h = np.tanh(rng.normal(size=(7, 6)))
    ref = np.tanh(rng.normal(size=(5, 6))) if with_ref else h
    if multilabel:
        labels = (rng.random((7, 5)) < 0.4).astype(np.int64)
        labels[:, 0] |= labels.sum(1) == 0
        ref_labels = (rng.random((5, 5)) < 0.4).astype(np.int64) if with_ref else labels
    else:
        labels = rng.integers(0, 3, 7)
        ref_labels = rng.integers(0, 3, 5) if with_ref else labels
    loss = HashNetLoss(n_bits=6, weighting=weighting, similarity_weight=sim_weight, class_num=3.0)
    args = (torch.tensor(ref), torch.tensor(ref_labels)) if with_ref else ()
    got = loss(torch.tensor(h), torch.tensor(labels), *args).item()
    want = reference_hashnet(
        h, labels, ref, ref_labels, 10 / 6, weighting, sim_weight, 3.0, not with_ref
    )
    assert got == pytest.approx(want, rel=1e-9)


def test_hashnet_guard_no_dissimilar_and_no_similar_pairs():
    h = torch.randn(4, 8, dtype=torch.float64, requires_grad=True)
    for labels in (torch.zeros(4, dtype=torch.long), torch.arange(4)):
        value = HashNetLoss(8)(h, labels)
        value.backward()
        assert torch.isfinite(value) and torch.isfinite(h.grad).all()
        # one kind of pair only: |S| / |S_k| = 1, so the weights are all 1
        assert value.item() == pytest.approx(HashNetLoss(8, weighting="none")(h, labels).item())


def test_hashnet_stable_for_huge_inner_products():
    h = torch.full((3, 64), 1e3, dtype=torch.float64)
    value = HashNetLoss(64)(h, torch.tensor([0, 1, 1]))
    assert torch.isfinite(value)


def test_hashnet_reductions_and_self_pairs():
    h = torch.randn(5, 4, dtype=torch.float64)
    y = torch.tensor([0, 0, 1, 1, 2])
    rows = HashNetLoss(4, weighting="none", reduction="none")(h, y)
    assert rows.shape == (5,)
    assert rows.sum().item() == pytest.approx(
        HashNetLoss(4, weighting="none", reduction="sum")(h, y).item()
    )
    mean = HashNetLoss(4, weighting="none")(h, y).item()
    assert mean == pytest.approx(rows.sum().item() / 20)
    with_self = HashNetLoss(4, weighting="none", self_pairs=True, reduction="sum")(h, y).item()
    diag = sum(nll(2.5 * float(h[i] @ h[i]), 1.0) for i in range(5))
    assert with_self == pytest.approx(rows.sum().item() + diag)


def reference_dhn(h, labels, lam, scale, squared):
    n = len(h)
    pairs = [(i, j) for i in range(n) for j in range(n) if i != j]
    like = sum(
        nll(scale * float(np.dot(h[i], h[j])), float(labels[i] == labels[j])) for i, j in pairs
    ) / len(pairs)
    gaps = np.abs(h) - 1
    quant = (gaps**2 if squared else np.log(np.cosh(gaps))).mean()
    return like + lam * quant


@pytest.mark.parametrize("quantization", ["logcosh", "squared"])
@pytest.mark.parametrize("scale", [1.0, 0.5])
def test_dhn_loss_matches_double_loop(quantization, scale):
    rng = np.random.default_rng(2)
    h, labels = np.tanh(rng.normal(size=(6, 5)) * 2), rng.integers(0, 2, 6)
    got = DHNLoss(0.3, quantization, scale)(torch.tensor(h), torch.tensor(labels)).item()
    assert got == pytest.approx(
        reference_dhn(h, labels, 0.3, scale, quantization == "squared"), rel=1e-9
    )


def test_dhn_reference_set_and_bad_arguments():
    h, ref = torch.randn(3, 4, dtype=torch.float64), torch.randn(6, 4, dtype=torch.float64)
    y, ry = torch.tensor([0, 1, 2]), torch.tensor([0, 0, 1, 1, 2, 2])
    rows = DHNLoss(0.0, reduction="none")(h, y, ref, ry)
    want = [
        sum(nll(float(h[i] @ ref[j]), float(y[i] == ry[j])) for j in range(6)) for i in range(3)
    ]
    assert rows.tolist() == pytest.approx(want)
    with pytest.raises(ValueError, match="reference_labels"):
        DHNLoss()(h, y, ref, None)
    with pytest.raises(ValueError, match="quantization"):
        DHNLoss(quantization="cube")
    with pytest.raises(ValueError, match="weighting"):
        HashNetLoss(8, weighting="batch")
