"""The moving average of the weights (``ema_decay``) and mirror-image codes (``flip_average``)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from hashlearn.deep.averaging import WeightAverage
from hashlearn.deep.heads import HashHead
from hashlearn.deep.pairwise.dhn import DHN
from hashlearn.deep.pairwise.hashnet import HashNet
from hashlearn.deep.training import HashingNetwork


def test_average_follows_the_warm_up_then_the_decay_and_skips_the_schedule():
    network = HashingNetwork(torch.nn.Identity(), HashHead(2, 2))
    average = WeightAverage(network, decay=0.5)
    assert "head.activation.beta" not in average.shadow
    start = average.shadow["head.fc.bias"].clone()  # zeros
    network.head.fc.bias.data.fill_(1.0)
    average.update(network)  # warm-up: d = min(0.5, 1/10) = 0.1
    assert torch.allclose(average.shadow["head.fc.bias"], start + 0.9)
    average.update(network)  # d = min(0.5, 2/11) = 2/11
    assert torch.allclose(average.shadow["head.fc.bias"], torch.full((2,), 1 - 0.1 * 2 / 11))
    for _ in range(60):
        average.update(network)
    assert torch.allclose(average.shadow["head.fc.bias"], torch.ones(2), atol=1e-12)


def test_applied_swaps_the_average_in_and_the_live_weights_back():
    network = HashingNetwork(torch.nn.Identity(), HashHead(3, 2))
    average = WeightAverage(network, decay=0.9)
    live = network.head.fc.weight.detach().clone()
    network.head.fc.weight.data.add_(1.0)
    network.head.activation.beta.fill_(2.5)
    average.update(network)
    with average.applied(network):
        assert not torch.equal(network.head.fc.weight, live + 1.0)
        assert float(network.head.activation.beta) == 2.5  # the schedule stays live
    assert torch.equal(network.head.fc.weight, live + 1.0)


@pytest.mark.parametrize("decay", [0.0, 1.0, -0.5])
def test_a_decay_outside_the_open_unit_interval_is_refused(decay, digits):
    X, y = digits
    with pytest.raises(ValueError, match="ema_decay must be in"):
        HashNet(n_bits=8, epochs=1, ema_decay=decay).fit(X, y)


@pytest.mark.parametrize("cls", [HashNet, DHN])
def test_the_average_changes_what_is_kept_never_how_the_network_trains(cls, digits):
    X, y = digits
    kw = dict(n_bits=8, epochs=3, hidden_sizes=(32,), random_state=0)
    plain = cls(**kw).fit(X, y)
    averaged = cls(**kw, ema_decay=0.9).fit(X, y)
    assert [h["loss"] for h in averaged.history_] == [h["loss"] for h in plain.history_]
    assert [h["val_map"] for h in averaged.history_] != [h["val_map"] for h in plain.history_]
    kept, live = averaged.module_.state_dict(), plain.module_.state_dict()
    assert not torch.equal(kept["head.fc.weight"], live["head.fc.weight"])


def test_flip_average_codes_the_mean_of_an_image_and_its_mirror(tiny_backbone, two_class_images):
    images, labels = two_class_images(24)
    model = HashNet(n_bits=8, epochs=1, backbone=tiny_backbone, random_state=0)
    model.fit(images, labels)
    plain = model.project(images)
    mirrored = model.project(np.ascontiguousarray(images[:, :, ::-1]))
    both = model.set_params(flip_average=True).project(images)
    np.testing.assert_allclose(both, (plain + mirrored) / 2, rtol=1e-5, atol=1e-6)
    assert not np.allclose(both, plain)


def test_flip_average_on_feature_rows_is_refused(digits):
    X, y = digits
    with pytest.raises(ValueError, match="flip_average=True needs images"):
        DHN(n_bits=8, epochs=1, flip_average=True).fit(X, y)
