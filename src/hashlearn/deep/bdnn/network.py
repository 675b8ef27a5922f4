"""The BDNN encoder network and its layer-wise PCA initialisation.

The encoder is input (D) -> n1 sigmoid -> n2 sigmoid -> L linear units; the
linear output H is the real-valued code (bit = 1 where H >= 0). UH-BDNN adds a
linear decoder that reconstructs the input from the binary codes B, kept as
separate parameters because it never sees H.
"""

from __future__ import annotations

import itertools
from typing import cast

import numpy as np
import torch
from torch import nn

#: Hidden sizes (n1, n2) by code length, from the authors' ``runHash.m``.
HIDDEN_SIZES: dict[int, tuple[int, int]] = {8: (90, 20), 16: (90, 30), 24: (100, 40), 32: (120, 50)}


def hidden_sizes(n_bits: int) -> tuple[int, int]:
    """Hidden layer sizes for a code length: the authors' table, interpolated elsewhere.

    Between two table lengths, each size is interpolated linearly and rounded;
    below 8 bits the 8-bit sizes are used; above 32 bits the slope of the last
    segment (24 -> 32) is continued, so n2 stays above L (n2 = 50 + 1.25 (L - 32)).

    >>> hidden_sizes(16), hidden_sizes(12), hidden_sizes(64)
    ((90, 30), (90, 25), (200, 90))
    """
    keys = sorted(HIDDEN_SIZES)
    if n_bits <= keys[0]:
        return HIDDEN_SIZES[keys[0]]
    lo, hi = (
        (keys[-2], keys[-1])
        if n_bits >= keys[-1]
        else next((a, b) for a, b in itertools.pairwise(keys) if a <= n_bits <= b)
    )
    t = (n_bits - lo) / (hi - lo)
    sizes = (
        round(a + t * (b - a)) for a, b in zip(HIDDEN_SIZES[lo], HIDDEN_SIZES[hi], strict=True)
    )
    return tuple(int(s) for s in sizes)  # type: ignore[return-value]


class BDNNEncoder(nn.Module):
    """Two sigmoid hidden layers and a linear code layer.

    Examples
    --------
    >>> net = BDNNEncoder(10, (6, 5), 4)
    >>> net(torch.zeros(3, 10)).shape
    torch.Size([3, 4])
    """

    def __init__(self, n_features: int, hidden: tuple[int, int], n_bits: int):
        super().__init__()
        self.layers = nn.ModuleList(
            [
                nn.Linear(n_features, hidden[0]),
                nn.Linear(hidden[0], hidden[1]),
                nn.Linear(hidden[1], n_bits),
            ]
        )

    @property
    def linears(self) -> list[nn.Linear]:
        """The three linear layers (hidden 1, hidden 2, code layer)."""
        return [cast(nn.Linear, layer) for layer in self.layers]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        *hidden, code = self.linears
        for layer in hidden:
            x = torch.sigmoid(layer(x))
        return code(x)


def _top_second_moment(A: torch.Tensor, n_rows: int, rng: np.random.Generator) -> torch.Tensor:
    """Top eigenvectors (as rows) of the uncentered second moment A^T A / m.

    Eigenvector signs are fixed (largest entry positive). When more rows are
    asked than the input has dimensions, the missing rows are Gaussian with
    standard deviation 1/sqrt(d) drawn from ``rng`` (the authors' code never
    meets this case: their inputs are wider than the layers).
    """
    moment = (A.T.double() @ A.double()) / A.shape[0]
    values, vectors = torch.linalg.eigh(moment)
    top = vectors[:, torch.argsort(values, descending=True)[:n_rows]].T
    flip = torch.sign(top.gather(1, top.abs().argmax(1, keepdim=True)))
    top = top * torch.where(flip == 0, 1.0, flip)
    if top.shape[0] < n_rows:
        extra = rng.normal(scale=A.shape[1] ** -0.5, size=(n_rows - top.shape[0], A.shape[1]))
        top = torch.cat([top, torch.from_numpy(extra)])
    return top.to(A.dtype)


@torch.no_grad()
def pca_initialise(net: BDNNEncoder, X: torch.Tensor, rng: np.random.Generator) -> None:
    """Greedy layer-wise PCA initialisation of the encoder, biases zero.

    Layer l gets the top n_l eigenvectors of the uncentered second moment of its
    input; the next layer's input is the sigmoid of this layer's output, as in
    the network itself (the code layer is linear and has no successor).

    >>> net = BDNNEncoder(5, (4, 3), 2)
    >>> pca_initialise(net, torch.rand(50, 5), np.random.default_rng(0))
    >>> float(net.layers[0].bias.detach().abs().sum())
    0.0
    """
    A = X
    for layer in net.linears:
        layer.weight.copy_(_top_second_moment(A, layer.out_features, rng))
        layer.bias.zero_()
        A = torch.sigmoid(layer(A))


def identity_decoder(n_features: int, n_bits: int, dtype: torch.dtype) -> list[torch.Tensor]:
    """UH-BDNN decoder (weight D x L with ones on the leading diagonal, bias 0).

    >>> W, c = identity_decoder(3, 2, torch.float64)
    >>> W.tolist(), c.tolist()
    ([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]], [0.0, 0.0, 0.0])
    """
    weight = torch.eye(n_features, n_bits, dtype=dtype)
    return [weight.requires_grad_(), torch.zeros(n_features, dtype=dtype, requires_grad=True)]
