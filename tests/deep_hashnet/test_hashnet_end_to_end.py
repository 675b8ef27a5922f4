"""End-to-end path: images -> transform -> CNN backbone -> hash head, lr groups."""

import numpy as np
import torch
from torch import nn

from hashlearn.deep.backbones import PooledCNN, image_transform
from hashlearn.deep.heads import HashHead
from hashlearn.deep.losses import HashNetLoss
from hashlearn.deep.training import HashingNetwork, TrainConfig, make_optimizer, train_hashing


def test_train_on_images_with_a_tiny_cnn():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (40, 12, 12, 3), dtype=np.uint8)
    labels = np.repeat([0, 1], 20)
    images[labels == 1, :, :6] = 255  # a visible class cue
    net = HashingNetwork(PooledCNN(nn.Conv2d(3, 8, 3), out_features=8), HashHead(8, 6))
    cfg = TrainConfig(epochs=2, batch_size=8, lr=0.01, lr_step=None)
    state = train_hashing(
        net,
        HashNetLoss(6),
        images,
        labels,
        cfg,
        val=(images[:10], labels[:10]),
        transform=image_transform(16, flip=True),
    )
    assert len(state["history"]) == 2 and state["iteration"] == 10
    assert all(np.isfinite(row["loss"]) and row["val_map"] is not None for row in state["history"])


def test_hash_layer_gets_ten_times_the_backbone_lr():
    net = HashingNetwork(nn.Linear(4, 5), HashHead(5, 3))
    opt = make_optimizer(net, TrainConfig(lr=0.002))
    assert [g["lr"] for g in opt.param_groups] == [0.002, 0.02]
    assert opt.param_groups[1]["params"][0] is net.head.fc.weight
