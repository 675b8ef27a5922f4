"""The pairwise losses give the values of the code before their shared template
``forward`` (``PairLoss``) was introduced, to rounding.

``loss_template_reference.json`` holds, for every case of :func:`cases`, two
fixed random projections of the loss value(s) and of the gradient with respect
to the codes, with the sums of their absolute terms (the scale of the rounding
error), computed with that code (commit 79c6007) by running this file as a
script. The inputs come from numpy's seeded generator, so they are the same on
every machine; the results are not bit for bit (exp and log are vectorised
differently on AVX2 and AVX-512 processors), hence a tolerance of a few units in
the last place of the dtype, relative to the projections' scale.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from hashlearn.deep.losses import DHNLoss, HashNetLoss

REFERENCE = Path(__file__).with_name("loss_template_reference.json")


def cases() -> list[dict[str, Any]]:
    """Every option of both losses, with intra-batch and reference pairs, 1-D and 2-D labels."""
    pairs = ((False, False), (False, True), (True, False))  # (with_ref, self_pairs)
    dtypes, reductions = ("float64", "float32"), ("mean", "sum", "none")
    common = itertools.product(dtypes, reductions, (False, True), pairs)
    out = []
    for dtype, reduction, multilabel, (with_ref, self_pairs) in common:
        base = {
            "dtype": dtype,
            "reduction": reduction,
            "multilabel": multilabel,
            "with_ref": with_ref,
            "self_pairs": self_pairs,
        }
        for weighting, sim in itertools.product(
            ("paper", "caffe", "none"), ("jaccard", "caffe_cos2", None)
        ):
            options = {"weighting": weighting, "similarity_weight": sim}
            out.append({**base, "loss": "hashnet", **options})
        for quantization, weight, scale in itertools.product(
            ("logcosh", "squared"), (0.0, 0.1), (1.0, 0.5)
        ):
            options = {"quantization": quantization, "quantization_weight": weight, "scale": scale}
            out.append({**base, "loss": "dhn", **options})
    return out


def case_id(case: dict[str, Any]) -> str:
    return "-".join(str(v) for v in case.values())


def _inputs(case: dict[str, Any]) -> tuple[torch.Tensor, ...]:
    rng = np.random.default_rng(7)
    dtype = getattr(torch, case["dtype"])

    def labels(n: int) -> torch.Tensor:
        if not case["multilabel"]:
            return torch.as_tensor(rng.integers(0, 3, n))
        y = (rng.random((n, 5)) < 0.4).astype(np.int64)
        y[::3, :] = 0  # rows without any label
        return torch.as_tensor(y)

    codes = torch.as_tensor(np.tanh(2 * rng.normal(size=(7, 6))), dtype=dtype)
    codes[0, 0] = 0.0  # an exact zero
    y = labels(7)
    if not case["with_ref"]:
        return codes.requires_grad_(), y
    ref = torch.as_tensor(np.tanh(2 * rng.normal(size=(5, 6))), dtype=dtype)
    return codes.requires_grad_(), y, ref, labels(5)


def _loss(case: dict[str, Any]) -> torch.nn.Module:
    shared = {"self_pairs": case["self_pairs"], "reduction": case["reduction"]}
    if case["loss"] == "hashnet":
        return HashNetLoss(
            6,
            weighting=case["weighting"],
            class_num=3.0,
            similarity_weight=case["similarity_weight"],
            **shared,
        )
    return DHNLoss(case["quantization_weight"], case["quantization"], case["scale"], **shared)


def outcome(case: dict[str, Any]) -> list[float]:
    """[value . a, sum |value * a|, grad . b, sum |grad * b|] for fixed random a, b."""
    inputs = _inputs(case)
    value = _loss(case)(*inputs)
    value.sum().backward()
    grad = inputs[0].grad
    assert grad is not None
    weights = np.random.default_rng(11)
    out = []
    for tensor in (value.detach(), grad):
        terms = tensor.double().numpy().ravel() * weights.normal(size=tensor.numel())
        out += [float(terms.sum()), float(np.abs(terms).sum())]
    return out


@pytest.fixture(scope="module")
def reference() -> dict[str, str]:
    return json.loads(REFERENCE.read_text())


@pytest.mark.parametrize("case", cases(), ids=case_id)
def test_loss_equals_the_code_before_the_template(case, reference):
    value, value_scale, grad, grad_scale = outcome(case)
    old_value, old_value_scale, old_grad, old_grad_scale = reference[case_id(case)]
    tolerance = 16 * float(np.finfo(case["dtype"]).eps)
    assert abs(value - old_value) <= tolerance * old_value_scale
    assert abs(grad - old_grad) <= tolerance * old_grad_scale
    assert value_scale == pytest.approx(old_value_scale, rel=tolerance)
    assert grad_scale == pytest.approx(old_grad_scale, rel=tolerance)


def test_the_reference_covers_every_case(reference):
    assert sorted(reference) == sorted(map(case_id, cases()))


@pytest.mark.parametrize(
    "make", [lambda r: HashNetLoss(8, reduction=r), lambda r: DHNLoss(reduction=r)], ids=["h", "d"]
)
def test_both_losses_refuse_a_bad_reduction_with_one_message(make):
    with pytest.raises(ValueError, match=r"reduction must be one of \('mean', 'sum', 'none'\)"):
        make("max")


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_the_template_alone_is_the_unweighted_pair_likelihood(reduction):
    from hashlearn.deep.losses import PairLoss

    case = {"dtype": "float64", "multilabel": True, "with_ref": True}
    codes, labels, ref, ref_labels = _inputs(case)
    plain = PairLoss(0.5, reduction=reduction)(codes, labels, ref, ref_labels)
    no_penalty = DHNLoss(0.0, scale=0.5, reduction=reduction)(codes, labels, ref, ref_labels)
    torch.testing.assert_close(plain, no_penalty, rtol=0, atol=0)


if __name__ == "__main__":  # how loss_template_reference.json was written
    table = {case_id(case): outcome(case) for case in cases()}
    REFERENCE.write_text(json.dumps(table, indent=0) + "\n")
