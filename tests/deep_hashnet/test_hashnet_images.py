"""HashNet / DHN on images: cached activations, augmentation, resume, real images, bad input."""

from __future__ import annotations

import copy
import os
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

import hashlearn
from hashlearn.data.cnn import prepare_images
from hashlearn.deep.backbones import FeatureMLP
from hashlearn.deep.heads import HashHead
from hashlearn.deep.image_training import ActivationCache, ImageEncoder, _TrainedPart
from hashlearn.deep.losses import HashNetLoss
from hashlearn.deep.pairwise.dhn import DHN
from hashlearn.deep.pairwise.hashnet import HashNet
from hashlearn.deep.training import HashingNetwork

DATA = Path(os.environ.get("HASHLEARN_DATA", Path(__file__).parents[2] / ".." / "shared" / "data"))


@pytest.mark.parametrize("statistics", ["frozen", "batch"])
def test_cached_path_gives_the_loss_and_gradients_of_the_frozen_network(
    statistics, tiny_cnn, two_class_images
):
    torch.manual_seed(0)
    cnn = tiny_cnn().double()
    for module in cnn.modules():  # non-trivial batch-norm statistics
        if isinstance(module, nn.BatchNorm2d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 2.0)
    encoder = ImageEncoder(cnn, FeatureMLP(12, (10,), dropout=0.0)).double()
    whole = HashingNetwork(encoder, HashHead(10, 6, continuation=False)).double()
    cached = copy.deepcopy(whole)
    for net in (whole, cached):
        net.backbone.cnn.batchnorm_statistics = statistics  # "batch": trained stages' BN learns
        net.backbone.cnn.freeze_first(3)  # stem + 2 blocks frozen
    images, labels = two_class_images(16)
    cache = ActivationCache(cached.backbone.cnn, images, 16, 16, 0, "float32")
    part = HashingNetwork(_TrainedPart(cached.backbone), cached.head).train()
    whole.train()
    loss_fn = HashNetLoss(6)
    y = torch.as_tensor(labels)
    loss_whole = loss_fn(whole(prepare_images(images, 16).double()), y)
    loss_cached = loss_fn(part(cache.eval_transform(np.arange(16))), y)
    loss_whole.backward()
    loss_cached.backward()
    assert torch.allclose(loss_whole, loss_cached, rtol=1e-12, atol=0)
    trained = [(n, p) for n, p in whole.named_parameters() if p.requires_grad]
    assert len(trained) > 4
    others = dict(cached.named_parameters())
    for name, param in trained:
        assert torch.allclose(param.grad, others[name].grad, rtol=1e-10, atol=1e-14), name
    frozen = [p for p in whole.backbone.cnn.stages[:3].parameters()]
    assert all(p.grad is None and not p.requires_grad for p in frozen)


def test_batch_norm_statistics_stay_fixed_while_trained_stages_learn(
    tiny_backbone, two_class_images, tiny_cnn
):
    images, labels = two_class_images(40)
    torch.manual_seed(0)  # fit seeds torch with random_state before building the network
    start = tiny_cnn().state_dict()
    model = HashNet(n_bits=6, epochs=2, finetune=1, backbone=tiny_backbone, random_state=0)
    model.fit(images, labels)
    end = model.module_.backbone.cnn.state_dict()
    for name in ("stages.0.1", "stages.3.1"):  # a frozen stage and a trained one
        assert torch.equal(end[f"{name}.running_mean"], start[f"{name}.running_mean"]), name
        assert torch.equal(end[f"{name}.running_var"], start[f"{name}.running_var"]), name
    assert torch.equal(end["stages.0.0.weight"], start["stages.0.0.weight"])  # frozen
    assert not torch.equal(end["stages.3.0.weight"], start["stages.3.0.weight"])  # trained
    assert not torch.equal(end["stages.3.1.weight"], start["stages.3.1.weight"])  # BN affine


def test_frozen_stages_run_every_batch_without_a_cache_and_train_as_with_one(
    tiny_backbone, tiny_cnn, two_class_images
):
    images, labels = two_class_images(40)
    kw = dict(n_bits=6, epochs=2, finetune=1, augment=False, precision="float32")
    fits = {
        views: HashNet(**kw, cache_views=views, backbone=tiny_backbone, random_state=0).fit(
            images, labels
        )
        for views in (None, 2)
    }
    # no augmentation: the cache holds exactly what the frozen stages compute each batch
    losses = {views: [h["loss"] for h in fit.history_] for views, fit in fits.items()}
    np.testing.assert_allclose(losses[None], losses[2], rtol=1e-6)
    torch.manual_seed(0)
    start = tiny_cnn().state_dict()
    end = fits[None].module_.backbone.cnn.state_dict()
    assert torch.equal(end["stages.0.0.weight"], start["stages.0.0.weight"])  # frozen
    assert not torch.equal(end["stages.3.0.weight"], start["stages.3.0.weight"])  # trained


def test_augmentation_is_random_in_training_and_off_at_evaluation(two_class_images):
    images, _ = two_class_images(8)
    torch.manual_seed(0)
    a, b = prepare_images(images, 16, augment=True), prepare_images(images, 16, augment=True)
    assert not torch.equal(a, b)
    assert torch.equal(prepare_images(images, 16), prepare_images(images, 16))


@pytest.mark.parametrize("finetune", ["all", 2, "frozen"])
def test_encoding_never_augments(tiny_backbone, finetune, two_class_images):
    images, labels = two_class_images(40)
    model = DHN(n_bits=8, epochs=1, finetune=finetune, backbone=tiny_backbone, random_state=0)
    model.fit(images, labels)
    np.testing.assert_array_equal(model.project(images), model.project(images))


@pytest.mark.parametrize("finetune", ["all", 2])
def test_resume_after_a_kill_ends_as_an_uninterrupted_run(
    tiny_backbone, tmp_path, finetune, two_class_images
):
    images, labels = two_class_images(48)
    kw = dict(
        n_bits=6,
        epochs=3,
        batch_size=8,
        lr_step=5,
        backbone=tiny_backbone,
        finetune=finetune,
        cache_views=2,
        random_state=1,
        precision="float32",
    )
    full = HashNet(**kw).fit(images, labels)
    HashNet(**kw, checkpoint_dir=str(tmp_path)).set_params(epochs=1).fit(images, labels)
    resumed = HashNet(**kw, checkpoint_dir=str(tmp_path), resume=True).fit(images, labels)
    assert [h["loss"] for h in resumed.history_] == [h["loss"] for h in full.history_]
    for key, value in full.module_.state_dict().items():
        assert torch.equal(value, resumed.module_.state_dict()[key]), key


def test_image_model_saves_and_loads(tiny_backbone, tmp_path, two_class_images):
    images, labels = two_class_images(40)
    model = HashNet(n_bits=10, epochs=1, backbone=tiny_backbone, random_state=0).fit(images, labels)
    loaded = hashlearn.load(model.save(tmp_path / "m"))
    assert loaded.settings_ == model.settings_
    np.testing.assert_array_equal(loaded.encode(images), model.encode(images))


def test_bad_image_input_gets_a_clear_error(tiny_backbone, two_class_images):
    images, labels = two_class_images(20)
    model = HashNet(n_bits=8, epochs=1, backbone=tiny_backbone)
    with pytest.raises(ValueError, match=r"grey images.*3 colour channels"):
        model.fit(images[..., 0], labels)
    with pytest.raises(ValueError, match="mixed sizes"):
        model.fit([images[0], images[1, :10]], labels[:2])
    with pytest.raises(ValueError, match=r"finetune.*1\.\.3"):
        HashNet(n_bits=8, epochs=1, backbone=tiny_backbone, finetune=7).fit(images, labels)
    with pytest.raises(ValueError, match=r"cache_views must be .* or None"):
        HashNet(n_bits=8, epochs=1, backbone=tiny_backbone, finetune=1, cache_views=-1).fit(
            images, labels
        )
    with pytest.raises(ValueError, match="y"):
        model.fit(images, labels[:5])
    with pytest.raises(ValueError, match=r"backbone: unknown 'resnet-9000'"):
        HashNet(n_bits=8, backbone="resnet-9000").fit(images, labels)
    with pytest.raises(TypeError, match="uint8"):
        model.fit(images.astype(np.float32), labels)


@pytest.mark.realdata
@pytest.mark.slow
@pytest.mark.skipif(not (DATA / "cifar10").is_dir(), reason=f"no CIFAR-10 folder at {DATA}")
def test_training_on_real_images_lifts_validation_map_well_above_random():
    from hashlearn.data import load_cifar10
    from hashlearn.metrics import mean_average_precision

    cifar = load_cifar10(DATA)
    pick = np.random.default_rng(0).permutation(len(cifar))[:900]
    X, y = cifar.images[pick], cifar.labels[pick]
    model = HashNet(n_bits=48, epochs=8, finetune=3, image_size=64, random_state=0)
    model.fit(X[:600], y[:600])
    first, best = model.history_[0]["val_map"], max(h["val_map"] for h in model.history_)
    test_map = mean_average_precision(
        model.encode(X[600:]), model.encode(X[:600]), y[600:], y[:600], n_bits=48
    )
    assert best > 0.25 and test_map > 0.25  # random codes: about 0.1 (10 classes)
    assert best > first + 0.05


def test_pretrained_cnn_new_layers_and_hash_layer_get_their_own_learning_rates(tiny_cnn):
    from hashlearn.deep.training import TrainConfig, make_optimizer

    encoder = ImageEncoder(tiny_cnn(), FeatureMLP(12, (10,)))
    net = HashingNetwork(encoder, HashHead(10, 6))
    encoder.cnn.freeze_first(2)
    opt = make_optimizer(net, TrainConfig(lr=0.01, pretrained_lr_mult=0.1))
    assert [g["lr"] for g in opt.param_groups] == pytest.approx([0.001, 0.01, 0.1])
    trained_cnn = [p for p in encoder.cnn.parameters() if p.requires_grad]
    assert [id(p) for p in opt.param_groups[0]["params"]] == [id(p) for p in trained_cnn]
    assert opt.param_groups[2]["params"][0] is net.head.fc.weight


def test_auto_precision_trains_cached_last_blocks_in_float32(tiny_backbone, two_class_images):
    images, labels = two_class_images(24)
    model = HashNet(n_bits=6, epochs=1, finetune=2, backbone=tiny_backbone, random_state=0)
    assert model.fit(images, labels).settings_["precision"] == "float32"
    forced = HashNet(n_bits=6, epochs=1, finetune=2, backbone=tiny_backbone, precision="bfloat16")
    assert forced.fit(images, labels).settings_["precision"] == "bfloat16"
