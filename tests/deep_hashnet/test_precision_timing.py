"""precision="auto" on images: a long whole-network run times both precisions and trains
in the faster, without touching the network or the random stream it trains with."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from hashlearn import _precision
from hashlearn.deep import precision_timing
from hashlearn.deep.pairwise.dhn import DHN
from hashlearn.deep.pairwise.hashnet import HashNet
from hashlearn.deep.precision_timing import BFLOAT16_MARGIN, faster_training_precision


def _squared_loss(codes: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    return (codes - labels[:, None]).pow(2).mean()


def test_timing_leaves_the_network_and_the_random_stream_as_they_were():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(5, 8), nn.Dropout(0.5), nn.Linear(8, 3))
    before = {k: v.clone() for k, v in net.state_dict().items()}
    torch.manual_seed(1)
    after_seed = torch.rand(3)
    torch.manual_seed(1)
    choice, speeds = faster_training_precision(
        net, _squared_loss, torch.ones(16, 5), torch.ones(16)
    )
    assert choice in ("float32", "bfloat16")
    assert set(speeds) == {"float32", "bfloat16"} and min(speeds.values()) > 0
    assert torch.equal(torch.rand(3), after_seed)  # the global stream did not move
    for key, value in net.state_dict().items():
        assert torch.equal(value, before[key]), key


@pytest.mark.parametrize(
    ("bf16_seconds", "expected"),
    [(1.0, "float32"), (0.95, "float32"), (1.0 / (BFLOAT16_MARGIN + 0.05), "bfloat16")],
)
def test_bfloat16_is_chosen_only_when_clearly_faster(monkeypatch, bf16_seconds, expected):
    def fake_step(network, optimizer, loss_fn, x, y, device, dtype):
        return 1.0 if dtype is None else bf16_seconds

    monkeypatch.setattr(precision_timing, "_timed_step", fake_step)
    choice, speeds = faster_training_precision(
        nn.Linear(2, 2), _squared_loss, torch.ones(4, 2), torch.ones(4)
    )
    assert choice == expected
    assert speeds["float32"] == pytest.approx(4.0)
    assert speeds["bfloat16"] == pytest.approx(4.0 / bf16_seconds)


@pytest.fixture()
def bfloat16_cpu(monkeypatch, tiny_backbone):
    """A CPU that has bfloat16 instructions, a tiny CNN, and runs long enough to be timed."""
    monkeypatch.setattr(_precision, "cpu_has_native_bfloat16", lambda: True)
    monkeypatch.setattr(precision_timing, "MIN_TIMED_STEPS", 2)


def _images(n: int = 24) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.integers(0, 255, (n, 8, 8, 3), dtype=np.uint8), np.arange(n) % 2


@pytest.mark.parametrize("method", [HashNet, DHN])
@pytest.mark.parametrize("timed", ["float32", "bfloat16"])
def test_auto_whole_network_trains_in_the_timed_choice_and_infers_in_bfloat16(
    bfloat16_cpu, monkeypatch, method, timed
):
    calls = []

    def fake_timing(network, loss_fn, x, y):
        calls.append(tuple(x.shape))
        return timed, {"float32": 10.0, "bfloat16": 20.0 if timed == "bfloat16" else 5.0}

    monkeypatch.setattr(precision_timing, "faster_training_precision", fake_timing)
    images, labels = _images()
    model = method(n_bits=6, epochs=1, batch_size=8, backbone="tiny", image_size=16, random_state=0)
    settings = model.fit(images, labels).settings_
    assert calls and calls[0][1:] == (3, 16, 16)  # one batch of training images
    assert settings["precision"] == timed
    assert settings["inference_precision"] == "bfloat16"
    assert settings["precision_speeds"]["float32"] == 10.0
    assert model.encode(images[:3]).shape == (3, 1)


def test_short_runs_explicit_precision_and_cached_blocks_are_not_timed(bfloat16_cpu, monkeypatch):
    def no_timing(*args):
        raise AssertionError("timed")

    monkeypatch.setattr(precision_timing, "faster_training_precision", no_timing)
    monkeypatch.setattr(precision_timing, "MIN_TIMED_STEPS", 1000)
    images, labels = _images()
    short = HashNet(n_bits=6, epochs=1, batch_size=8, backbone="tiny", image_size=16).fit(
        images, labels
    )
    assert short.settings_["precision"] == short.settings_["inference_precision"] == "bfloat16"
    monkeypatch.setattr(precision_timing, "MIN_TIMED_STEPS", 2)
    given = HashNet(
        n_bits=6, epochs=1, batch_size=8, backbone="tiny", image_size=16, precision="float32"
    )
    assert given.fit(images, labels).settings_["inference_precision"] == "float32"
    cached = HashNet(n_bits=6, epochs=1, batch_size=8, backbone="tiny", image_size=16, finetune=1)
    assert cached.fit(images, labels).settings_["precision"] == "float32"
    assert "precision_speeds" not in cached.settings_


def test_a_training_inference_pair_repeats_what_auto_chose(bfloat16_cpu, monkeypatch):
    speeds = {"float32": 10.0, "bfloat16": 5.0}
    monkeypatch.setattr(
        precision_timing, "faster_training_precision", lambda *args: ("float32", speeds)
    )
    images, labels = _images()
    given = {"n_bits": 6, "epochs": 1, "batch_size": 8, "backbone": "tiny", "image_size": 16}
    auto = HashNet(**given, random_state=0).fit(images, labels)
    pinned = HashNet(**given, random_state=0, precision="float32/bfloat16").fit(images, labels)
    assert (auto.settings_["precision"], auto.settings_["inference_precision"]) == (
        "float32",
        "bfloat16",
    )
    assert pinned.settings_["precision"] == "float32"
    assert pinned.settings_["inference_precision"] == "bfloat16"
    np.testing.assert_array_equal(pinned.encode(images), auto.encode(images))
    with pytest.raises(ValueError, match="precision must be one of"):
        HashNet(**given, precision="float32/float64").fit(images, labels)


def _projection(model: HashNet, images: np.ndarray, precision: str) -> np.ndarray:
    from hashlearn.deep.image_training import image_transforms
    from hashlearn.deep.training import project_rows

    _, evaluation = image_transforms(int(model.image_size), augment=False)
    return project_rows(model.module_, images, evaluation, 64, precision)


def test_auto_encodes_in_the_precision_of_the_hardware_that_encodes(bfloat16_cpu, monkeypatch):
    """A model trained in bfloat16 (a GPU, or a CPU with bfloat16 instructions) encodes in
    float32 on a CPU without them; a precision the user named is kept."""
    images, labels = _images()
    given = {"n_bits": 6, "epochs": 1, "batch_size": 8, "backbone": "tiny", "image_size": 16}
    auto = HashNet(**given, random_state=0).fit(images, labels)
    named = HashNet(**given, random_state=0, precision="bfloat16").fit(images, labels)
    assert auto.settings_["inference_precision"] == named.settings_["inference_precision"]
    np.testing.assert_array_equal(auto.project(images), _projection(auto, images, "bfloat16"))
    monkeypatch.setattr(_precision, "cpu_has_native_bfloat16", lambda: False)
    in_float32 = auto.project(images)
    np.testing.assert_array_equal(in_float32, _projection(auto, images, "float32"))
    assert not np.array_equal(in_float32, _projection(auto, images, "bfloat16"))
    np.testing.assert_array_equal(named.project(images), _projection(named, images, "bfloat16"))
