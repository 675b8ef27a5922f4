"""Continuation head: gradient, schedule only in training mode, no zero bits."""

import numpy as np
import pytest
import torch

from hashlearn.deep.heads import ContinuationTanh, HashHead
from hashlearn.deep.training import HashingNetwork, encode_rows


def test_relaxed_gradient_is_beta_times_one_minus_h_squared():
    act = ContinuationTanh().double()
    act.beta.fill_(2.7)
    z = torch.randn(4, 3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(act.relaxed, (z,))
    h = act.relaxed(z)
    h.sum().backward()
    assert torch.allclose(z.grad, 2.7 * (1 - h.detach() ** 2))


def test_head_gradcheck_in_training_mode():
    head = HashHead(5, 3, step_size=1).double().train()
    x = torch.randn(2, 5, dtype=torch.float64, requires_grad=True)
    head.activation.continuation = False  # beta stays put between gradcheck's evaluations
    assert torch.autograd.gradcheck(head, (x,))


def test_beta_schedule_every_step_size_and_only_in_training():
    act = ContinuationTanh(gamma=0.005, power=0.5, step_size=200)
    betas = []
    for _ in range(401):
        act(torch.zeros(1))
        betas.append(float(act.beta))
    assert betas[199] == 1.0 and betas[200] == pytest.approx(2**0.5)
    assert betas[399] == pytest.approx(2**0.5) and betas[400] == pytest.approx(3**0.5)
    act.eval()
    z = torch.tensor([0.3, -2.0])
    for _ in range(500):
        assert torch.equal(act(z), z)  # eval mode returns z: bits are z >= 0
    assert int(act.t) == 401 and float(act.beta) == pytest.approx(3**0.5)


def test_fixed_beta_never_moves():
    act = ContinuationTanh(step_size=1, continuation=False)
    for _ in range(10):
        act(torch.zeros(1))
    assert float(act.beta) == 1.0 and int(act.t) == 10


def test_exact_zero_output_gives_bit_one():
    head = HashHead(4, 16)
    with torch.no_grad():
        head.fc.weight.zero_()
        head.fc.bias.zero_()
        head.fc.bias[:8] = -1.0
    net = HashingNetwork(torch.nn.Identity(), head)
    codes = encode_rows(net, np.zeros((3, 4), np.float32))
    assert codes.tolist() == [[0, 255]] * 3  # bits 0-7 negative -> 0, bits 8-15 exact zero -> 1
