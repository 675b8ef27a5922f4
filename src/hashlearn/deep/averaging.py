"""An exponential moving average of a network's weights, for validation and the final model.

After every optimiser step the average moves towards the live weights:
``avg <- d avg + (1 - d) w`` with ``d = min(decay, (1 + t) / (10 + t))`` at step
``t`` (the warm-up keeps the random initial weights from lingering in the
average). The average covers every floating-point entry of the network's
state (weights, biases, batch-norm statistics) except the continuation
schedule of the hash layer (``ContinuationTanh.beta``, a function of the step
count, not a learned value); the live network keeps training on its own
weights, and the average is swapped in only to score and to keep.

Examples
--------
>>> from torch import nn
>>> net = nn.Linear(1, 1, bias=False)
>>> _ = net.weight.data.fill_(0.0)
>>> average = WeightAverage(net, decay=0.5)
>>> _ = net.weight.data.fill_(1.0)
>>> average.update(net)
>>> with average.applied(net):
...     round(float(net.weight), 4)
0.9
>>> float(net.weight)
1.0
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import nn

#: State entries that are schedules, not learned values: never averaged.
SCHEDULE_SUFFIXES = (".activation.beta",)


class WeightAverage:
    """The running average of ``network``'s weights (module docstring)."""

    def __init__(self, network: nn.Module, decay: float) -> None:
        if not 0.0 < float(decay) < 1.0:
            raise ValueError(f"ema_decay must be in (0, 1) or None, got {decay!r}")
        self.decay, self.steps = float(decay), 0
        self.shadow = {
            name: value.detach().clone()
            for name, value in network.state_dict().items()
            if value.is_floating_point() and not name.endswith(SCHEDULE_SUFFIXES)
        }

    @torch.no_grad()
    def update(self, network: nn.Module) -> None:
        """One step of the average towards the live weights of ``network``."""
        weight = 1.0 - min(self.decay, (1.0 + self.steps) / (10.0 + self.steps))
        live = network.state_dict()
        for name, value in self.shadow.items():
            value.lerp_(live[name].detach().to(value.dtype), weight)
        self.steps += 1

    def load_into(self, network: nn.Module) -> None:
        """Replace ``network``'s averaged entries by the average (the schedule stays)."""
        network.load_state_dict(self.shadow, strict=False)

    @contextmanager
    def applied(self, network: nn.Module) -> Iterator[None]:
        """``network`` holds the averaged weights inside the block, its own after it."""
        state = network.state_dict()
        live = {name: state[name].detach().clone() for name in self.shadow}
        self.load_into(network)
        try:
            yield
        finally:
            network.load_state_dict(live, strict=False)

    def tensors(self) -> dict[str, torch.Tensor]:
        """What a checkpoint keeps: the averaged entries and the step count."""
        return {**self.shadow, "__steps__": torch.tensor(self.steps)}

    def restore(self, tensors: dict[str, torch.Tensor]) -> None:
        """The state of :meth:`tensors`, as saved in a checkpoint."""
        if "__steps__" not in tensors:
            raise ValueError("the checkpoint holds no moving average of the weights")
        self.steps = int(tensors["__steps__"])
        for name, value in self.shadow.items():
            value.copy_(tensors[name])
