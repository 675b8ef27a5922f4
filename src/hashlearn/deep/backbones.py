"""Backbones for :class:`~hashlearn.deep.training.HashingNetwork`.

* :class:`FeatureMLP`: standardisation (fitted mean/std buffers) + hidden
  ReLU/dropout layers, the "backbone" used on precomputed features.
* :class:`PooledCNN`: any torch CNN (by default EfficientNet-Lite0 with
  ImageNet weights, from :mod:`hashlearn.data.cnn`) average-pooled, for end
  to end training on images; :func:`image_transform` turns uint8 image rows
  into its normalised input.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from hashlearn.deep.training import Transform


class FeatureMLP(nn.Module):
    """(x - mean) / std, then Linear-ReLU-Dropout per hidden size.

    Examples
    --------
    >>> mlp = FeatureMLP(5, (8,))
    >>> mlp.fit_scaler(np.random.default_rng(0).random((10, 5)))
    >>> mlp(torch.zeros(2, 5)).shape, mlp.out_features
    (torch.Size([2, 8]), 8)
    """

    mean: torch.Tensor
    std: torch.Tensor

    def __init__(
        self, n_features: int, hidden_sizes: Sequence[int] = (1024,), dropout: float = 0.5
    ) -> None:
        super().__init__()
        self.register_buffer("mean", torch.zeros(int(n_features)))
        self.register_buffer("std", torch.ones(int(n_features)))
        layers: list[nn.Module] = []
        width = int(n_features)
        for size in hidden_sizes:
            layers += [nn.Linear(width, int(size)), nn.ReLU(), nn.Dropout(dropout)]
            width = int(size)
        self.layers = nn.Sequential(*layers)
        self.out_features = width

    def fit_scaler(self, X: np.ndarray) -> None:
        """Set the standardisation from training rows (constant columns keep std 1)."""
        std = X.std(0)
        self.mean.copy_(torch.as_tensor(X.mean(0)))
        self.std.copy_(torch.as_tensor(np.where(std > 1e-8, std, 1.0)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers((x - self.mean.to(x.dtype)) / self.std.to(x.dtype))


class PooledCNN(nn.Module):
    """A CNN's last feature map, average-pooled; None = EfficientNet-Lite0 (1280-D).

    Examples
    --------
    >>> PooledCNN(nn.Conv2d(3, 4, 3), out_features=4)(torch.zeros(1, 3, 8, 8)).shape
    torch.Size([1, 4])
    """

    def __init__(self, model: nn.Module | None = None, out_features: int = 1280) -> None:
        super().__init__()
        if model is None:
            from hashlearn.data.cnn import efficientnet_lite0

            model = efficientnet_lite0().train()
        self.model, self.out_features = model, int(out_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        extract = getattr(self.model, "extract_features", self.model)
        out = extract(x)
        return out.mean(dim=(2, 3)) if out.ndim == 4 else out.flatten(1)


def image_transform(size: int = 128, flip: bool = False) -> Transform:
    """uint8 (N, H, W, 3) rows -> normalised float (N, 3, size, size); optional random flip.

    The preprocessing is :func:`hashlearn.data.cnn.prepare_images`; ``flip`` mirrors
    each image with probability 1/2 (for random crop + flip, ``prepare_images(...,
    augment=True)``).
    """
    from hashlearn.data.cnn import prepare_images

    def transform(rows: np.ndarray) -> torch.Tensor:
        x = prepare_images(rows, size)
        if flip:
            x = torch.where(torch.rand(len(x), 1, 1, 1) < 0.5, x.flip(-1), x)
        return x

    return transform
