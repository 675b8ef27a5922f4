"""SDH's kernel map as SH-BDNN's input, beyond the paper: ``n_anchors`` > 0.

The network reads, instead of the features x, their RBF kernel values on anchors drawn
from the training rows, exp(-||x - a||^2 / (2 sigma^2)), with SDH's bandwidth (the mean
distance from a training row to its nearest other anchor), centred on the training
rows' mean. The fitted network takes the features as they are: :class:`KernelEncoder`
computes the map in front of the encoder, the centring folded into the first layer.

Examples
--------
>>> X = np.random.default_rng(0).random((30, 4))
>>> mapped = kernel_map(X, None, 10, np.random.default_rng(0))
>>> mapped.X.shape, mapped.X_val is None, bool(np.allclose(mapped.X.mean(0), 0.0))
((30, 10), True, True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from hashlearn.deep.bdnn.network import BDNNEncoder
from hashlearn.hashers._kernel import nearest_anchor_sigma, pick_anchors, rbf_features


@dataclass
class KernelMap:
    """Centred kernel values of the training (and validation) rows, and the map itself."""

    X: np.ndarray
    X_val: np.ndarray | None
    anchors: np.ndarray
    sigma: float
    mean: np.ndarray


def kernel_map(
    X: np.ndarray, X_val: np.ndarray | None, n_anchors: int, rng: np.random.Generator
) -> KernelMap:
    """The RBF map on ``min(n_anchors, len(X))`` anchors drawn from the rows of ``X``
    (never from ``X_val``), applied to both and centred on the mean over ``X``."""
    anchors = pick_anchors(X, n_anchors, rng)
    sigma = nearest_anchor_sigma(X, anchors)
    mapped = rbf_features(X, anchors, sigma)
    mean = mapped.mean(0)
    mapped_val = None if X_val is None else rbf_features(X_val, anchors, sigma) - mean
    return KernelMap(mapped - mean, mapped_val, anchors, sigma, mean)


class KernelEncoder(nn.Module):
    """The RBF kernel values of the rows on fixed anchors, then the BDNN encoder.

    >>> net = KernelEncoder(torch.zeros(3, 2), 1.0, BDNNEncoder(3, (4, 4), 2))
    >>> net(torch.zeros(5, 2)).shape, len(net.linears)
    (torch.Size([5, 2]), 3)
    """

    anchors: torch.Tensor
    sigma: torch.Tensor

    def __init__(self, anchors: torch.Tensor, sigma: float, encoder: BDNNEncoder):
        super().__init__()
        self.register_buffer("anchors", anchors)
        self.register_buffer("sigma", torch.tensor(float(sigma), dtype=anchors.dtype))
        self.encoder = encoder

    @property
    def linears(self) -> list[nn.Linear]:
        """The encoder's three linear layers."""
        return self.encoder.linears

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a = self.anchors
        distances = (x * x).sum(1, keepdim=True) - 2.0 * (x @ a.T) + (a * a).sum(1)
        return self.encoder(torch.exp(-distances.clamp_min(0.0) / (2.0 * self.sigma**2)))


def with_kernel(net: BDNNEncoder, kernel: KernelMap | None) -> BDNNEncoder | KernelEncoder:
    """``net`` alone, or behind the kernel map its inputs went through."""
    if kernel is None:
        return net
    anchors = torch.as_tensor(kernel.anchors, dtype=net.linears[0].weight.dtype)
    return KernelEncoder(anchors, kernel.sigma, net)
