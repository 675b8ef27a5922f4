"""HashNet's hash layer with continuation: h = tanh(beta z).

beta_t = beta0 * (1 + gamma t)^power, recomputed when the training-iteration
counter t is a multiple of ``step_size`` (authors' defaults gamma 0.005,
power 0.5, step_size 200, beta0 1). t advances by one per forward pass in
training mode only, so evaluation passes never move the schedule. Both t and
beta are buffers: they are saved with the weights and restored on resume.

In evaluation mode the head returns z itself: bits are z >= 0 (the sign of
tanh(beta z)), so an exact zero gives bit 1 and codes never hold a sign(0) = 0.
"""

from __future__ import annotations

import torch
from torch import nn


class ContinuationTanh(nn.Module):
    """tanh(beta z) with the continuation schedule; identity in eval mode.

    Parameters
    ----------
    gamma, power, step_size, beta0 : schedule beta = beta0 (1 + gamma t)^power.
    continuation : False keeps beta = beta0 for ever (the ablation and DHN).

    Examples
    --------
    >>> act = ContinuationTanh(step_size=2)
    >>> for _ in range(3):
    ...     _ = act(torch.zeros(1))
    >>> int(act.t), round(float(act.beta), 4)
    (3, 1.005)
    """

    t: torch.Tensor
    beta: torch.Tensor

    def __init__(
        self,
        gamma: float = 0.005,
        power: float = 0.5,
        step_size: int = 200,
        beta0: float = 1.0,
        continuation: bool = True,
    ) -> None:
        super().__init__()
        if int(step_size) < 1:
            raise ValueError(f"step_size must be >= 1, got {step_size}")
        self.gamma, self.power, self.step_size = float(gamma), float(power), int(step_size)
        self.beta0, self.continuation = float(beta0), bool(continuation)
        self.register_buffer("t", torch.zeros((), dtype=torch.int64))
        self.register_buffer("beta", torch.tensor(float(beta0), dtype=torch.float64))

    def step(self) -> None:
        """Advance the iteration counter (recomputing beta on multiples of step_size)."""
        t = int(self.t)
        if self.continuation and t % self.step_size == 0:
            self.beta.fill_(self.beta0 * (1.0 + self.gamma * t) ** self.power)
        self.t += 1

    def relaxed(self, z: torch.Tensor) -> torch.Tensor:
        """tanh(beta z) with the current beta, whatever the mode."""
        return torch.tanh(self.beta.to(z.dtype) * z)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        if not self.training:
            return z
        self.step()
        return self.relaxed(z)


class HashHead(nn.Module):
    """Linear hash layer fch (weights N(0, 0.01^2), bias 0) followed by :class:`ContinuationTanh`.

    Examples
    --------
    >>> head = HashHead(8, 4).eval()
    >>> head(torch.zeros(2, 8)).shape
    torch.Size([2, 4])
    """

    def __init__(
        self,
        in_features: int,
        n_bits: int,
        init_std: float = 0.01,
        **continuation: float | int | bool,
    ) -> None:
        super().__init__()
        self.fc = nn.Linear(int(in_features), int(n_bits))
        nn.init.normal_(self.fc.weight, std=init_std)
        nn.init.zeros_(self.fc.bias)
        self.activation = ContinuationTanh(**continuation)  # type: ignore[arg-type]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.activation(self.fc(x))
