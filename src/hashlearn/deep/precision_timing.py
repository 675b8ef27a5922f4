"""Which precision trains a network faster on this machine: a few timed steps of each.

bfloat16 autocast is not faster everywhere a CPU has bfloat16 instructions:
training EfficientNet-Lite0 end to end ran 1.15x faster in it on a 2-core AMD
EPYC and 0.77x as fast on a 2-core Intel Xeon with AMX (benchmarks/results/deep.md,
section 3a). So ``precision="auto"`` times both on a copy of the network before a
long run and trains in the faster one; inference (validation, encoding) keeps
bfloat16 where the hardware has it, since it is faster on both processors.

>>> import torch
>>> net = torch.nn.Linear(4, 2)
>>> loss = lambda codes, labels: codes.pow(2).mean()
>>> x, y = torch.zeros(8, 4), torch.zeros(8)
>>> choice, speeds = faster_training_precision(net, loss, x, y)
>>> choice in ("float32", "bfloat16"), sorted(speeds)
(True, ['bfloat16', 'float32'])
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from hashlearn._precision import autocast

#: bfloat16 is chosen only when it trains at least this much faster: float32 is
#: the exact path, and near-equal timings must not flip the choice between runs.
BFLOAT16_MARGIN = 1.1
#: Runs of fewer optimizer steps than this are not timed (they keep bfloat16 where
#: the hardware has it): the timing, a few steps of each precision, would be a
#: large part of them.
MIN_TIMED_STEPS = 200

Loss = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def faster_training_precision(
    network: nn.Module, loss_fn: Loss, x: torch.Tensor, y: torch.Tensor, n_steps: int = 2
) -> tuple[str, dict[str, float]]:
    """("float32" or "bfloat16", images/s of each) from SGD steps on a copy of ``network``.

    One untimed step of each precision first (one-off kernel set-up), then
    ``n_steps`` timed steps of each, alternating, and each precision's fastest
    step counts. ``network``, its optimiser state and torch's random stream are
    left as they were.
    """
    copy_net = copy.deepcopy(network).train()
    optimizer = torch.optim.SGD([p for p in copy_net.parameters() if p.requires_grad], lr=0.0)
    device = next(copy_net.parameters()).device
    dtypes = {"float32": None, "bfloat16": torch.bfloat16}
    best = dict.fromkeys(dtypes, float("inf"))
    with torch.random.fork_rng(devices=[]):
        for round_ in range(1 + n_steps):
            for name, dtype in dtypes.items():
                seconds = _timed_step(copy_net, optimizer, loss_fn, x, y, device, dtype)
                if round_:
                    best[name] = min(best[name], seconds)
    speeds = {name: len(x) / seconds for name, seconds in best.items()}
    faster = speeds["bfloat16"] >= BFLOAT16_MARGIN * speeds["float32"]
    return ("bfloat16" if faster else "float32"), speeds


def _timed_step(
    network: nn.Module,
    optimizer: torch.optim.Optimizer,
    loss_fn: Loss,
    x: torch.Tensor,
    y: torch.Tensor,
    device: torch.device,
    dtype: Any,
) -> float:
    """Seconds of one forward, backward and optimiser step in ``dtype`` autocast."""
    tic = time.perf_counter()
    with autocast(device, dtype):
        codes = network(x.to(device))
    loss = loss_fn(codes.float(), y.to(device))
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return time.perf_counter() - tic
