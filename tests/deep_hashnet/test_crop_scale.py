"""``crop_scale``: training crops of a random side, resized to the network's input."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.nn.functional import interpolate

from hashlearn.data import cnn
from hashlearn.data.cnn import prepare_images, scaled_crop_flip
from hashlearn.deep.pairwise.hashnet import HashNet


def test_the_whole_image_is_the_plain_resize_and_a_mirror_flips_it():
    x = torch.rand(2, 3, 8, 8)
    side, centre = torch.ones(2), torch.zeros(2, 2)
    resized = interpolate(x, size=(20, 20), mode="bilinear", align_corners=False)
    plain = scaled_crop_flip(x, 20, side, centre, torch.tensor([False, False]))
    mirrored = scaled_crop_flip(x, 20, side, centre, torch.tensor([True, False]))
    torch.testing.assert_close(plain, resized, atol=1e-6, rtol=0)
    torch.testing.assert_close(mirrored[0], resized[0].flip(-1), atol=1e-6, rtol=0)
    torch.testing.assert_close(mirrored[1], resized[1], atol=1e-6, rtol=0)


def test_a_quarter_crop_at_its_own_size_is_that_quarter_of_the_pixels():
    x = torch.rand(1, 3, 8, 8)
    top_left = torch.tensor([[-0.5, -0.5]])  # (x, y) centre of the top-left quarter
    crop = scaled_crop_flip(x, 4, torch.tensor([0.5]), top_left, torch.tensor([False]))
    torch.testing.assert_close(crop, x[:, :, :4, :4], atol=1e-6, rtol=0)


def test_drawn_crops_have_a_side_in_range_and_stay_in_the_padded_image(monkeypatch):
    drawn = {}

    def record(x, size, side, centre, mirror):
        drawn.update(side=side, centre=centre, mirror=mirror)
        return scaled_crop_flip(x, size, side, centre, mirror)

    monkeypatch.setattr(cnn, "scaled_crop_flip", record)
    torch.manual_seed(0)
    images = np.random.default_rng(0).integers(0, 256, (500, 8, 8, 3), dtype=np.uint8)
    out = prepare_images(images, 12, augment=True, crop_scale=0.6)
    assert out.shape == (500, 3, 12, 12)
    side, centre = drawn["side"], drawn["centre"]
    assert 0.6 <= side.min() < 0.65 and 0.95 < side.max() <= 1.0
    assert bool((centre.abs() + side[:, None] <= 1.25 + 1e-6).all())
    assert 0.4 < drawn["mirror"].float().mean() < 0.6


def test_scaled_crops_are_random_in_training_and_off_at_evaluation(two_class_images):
    images, _ = two_class_images(8)
    torch.manual_seed(0)
    a = prepare_images(images, 16, augment=True, crop_scale=0.5)
    b = prepare_images(images, 16, augment=True, crop_scale=0.5)
    assert not torch.equal(a, b)
    plain = prepare_images(images, 16)
    torch.testing.assert_close(prepare_images(images, 16, crop_scale=0.5), plain)


@pytest.mark.parametrize("finetune", ["all", 2])
def test_crop_scale_changes_training_and_is_checked(tiny_backbone, finetune, two_class_images):
    images, labels = two_class_images(40)
    kw = dict(n_bits=6, epochs=1, batch_size=8, backbone=tiny_backbone, finetune=finetune)
    fixed = HashNet(**kw, random_state=0).fit(images, labels)
    scaled = HashNet(**kw, crop_scale=0.6, random_state=0).fit(images, labels)
    assert scaled.history_[0]["loss"] != fixed.history_[0]["loss"]
    for bad in (0, 1.5, "0.5", True):
        with pytest.raises(ValueError, match=r"crop_scale must be a fraction in \(0, 1\]"):
            HashNet(**kw, crop_scale=bad).fit(images, labels)
