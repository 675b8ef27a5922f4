"""A CNN cut into stages, so that its first stages can be frozen and their output cached.

:class:`StagedCNN` runs its stages in turn: for EfficientNet-Lite0 the stem,
16 blocks and the head (1x1 convolution, average-pooled).
:meth:`StagedCNN.freeze_first` fixes the first stages (no gradients, batch-norm
statistics frozen: they stay in evaluation mode whatever ``train()`` says), so
that their output can be computed once and reused every epoch
(:meth:`StagedCNN.prefix` / :meth:`StagedCNN.suffix`). :func:`efficientnet_lite0_staged` gives
EfficientNet-Lite0 (ImageNet weights, 16 blocks, 1280-D pooled output) in that
form, each block keeping its own drop-connect rate.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn


class StagedCNN(nn.Module):
    """A CNN as a list of ``stages`` (stem, blocks, pooled head) giving ``out_features``.

    ``batchnorm_statistics``: "frozen" (the default) keeps the pretrained batch-norm
    statistics while training; "batch" lets the trained stages' batch-norm
    layers use and update each batch's statistics in ``train()`` mode (much worse when
    fine-tuning on CIFAR-10: benchmarks/results/deep.md, section 3ac).

    Examples
    --------
    >>> net = StagedCNN([nn.Conv2d(3, 4, 3), nn.Conv2d(4, 4, 1), GlobalAvgPool()], out_features=4)
    >>> net(torch.zeros(2, 3, 8, 8)).shape
    torch.Size([2, 4])
    >>> net.freeze_first(2)
    >>> net.suffix(net.prefix(torch.zeros(2, 3, 8, 8))).shape
    torch.Size([2, 4])
    """

    def __init__(self, stages: Sequence[nn.Module], out_features: int) -> None:
        super().__init__()
        self.stages = nn.ModuleList(stages)
        self.out_features = int(out_features)
        self.n_frozen = 0
        self.batchnorm_statistics = "frozen"

    def freeze_first(self, n_stages: int) -> None:
        """Freeze the first ``n_stages`` stages (0 = train everything, all = a fixed extractor)."""
        if not 0 <= int(n_stages) <= len(self.stages):
            raise ValueError(f"n_stages must be in 0..{len(self.stages)}, got {n_stages}")
        self.n_frozen = int(n_stages)
        for stage in self.stages[: self.n_frozen]:
            stage.requires_grad_(False)
        self.train(self.training)

    def train(self, mode: bool = True) -> StagedCNN:
        super().train(mode)
        for stage in self.stages[: self.n_frozen]:
            stage.eval()
        if self.batchnorm_statistics == "frozen":
            for module in self.modules():
                if isinstance(module, nn.modules.batchnorm._BatchNorm):
                    module.eval()
        return self

    def prefix(self, x: torch.Tensor) -> torch.Tensor:
        """Output of the frozen stages (``x`` itself when none is frozen)."""
        for stage in self.stages[: self.n_frozen]:
            x = stage(x)
        return x

    def suffix(self, x: torch.Tensor) -> torch.Tensor:
        """The trained stages, from the frozen part's output to the pooled features."""
        for stage in self.stages[self.n_frozen :]:
            x = stage(x)
        return x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.suffix(self.prefix(x))


class GlobalAvgPool(nn.Module):
    """(N, C, H, W) -> (N, C), the mean over space."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean(dim=(2, 3))


class _DropConnectBlock(nn.Module):
    """An EfficientNet MBConv block called with its fixed drop-connect rate."""

    def __init__(self, block: nn.Module, rate: float) -> None:
        super().__init__()
        self.block, self.rate = block, float(rate)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.block(x, drop_connect_rate=self.rate or None)


def efficientnet_lite0_staged() -> StagedCNN:
    """EfficientNet-Lite0 with ImageNet weights as a :class:`StagedCNN` (16 blocks, 1280-D).

    Examples
    --------
    >>> efficientnet_lite0_staged().n_blocks  # doctest: +SKIP
    16
    """
    from hashlearn.data.cnn import efficientnet_lite0

    net = efficientnet_lite0()
    rate = float(net._global_params.drop_connect_rate or 0.0)
    n = len(net._blocks)
    blocks = [_DropConnectBlock(b, rate * i / n) for i, b in enumerate(net._blocks)]
    stem = nn.Sequential(net._conv_stem, net._bn0, net._swish)
    head = nn.Sequential(net._conv_head, net._bn1, net._swish, GlobalAvgPool())
    return StagedCNN([stem, *blocks, head], out_features=net._conv_head.out_channels)


BACKBONES: dict[str, Callable[[], StagedCNN]] = {"efficientnet-lite0": efficientnet_lite0_staged}
"""Image backbones by name (a function building the pretrained :class:`StagedCNN`)."""
