"""Distributed training on PyTorch's own engine.

Pairwise losses compare each local code with codes from the whole global
batch: :func:`gather_with_grad` all-gathers a tensor from every rank and lets
gradients flow back to the rank that produced each row, so that with
``DistributedDataParallel`` (which averages gradients over ranks) a step on R
ranks of n items equals a step on one process with the R * n items, for any
loss that is a mean over (local, reference) pairs. Launch with torchrun::

    python -m torch.distributed.run --nproc_per_node 2 train.py

and call :func:`ddp_train_step` with a loss that accepts ``reference_codes``
and ``reference_labels`` (e.g. ``hashlearn.deep.losses.HashNetLoss``).

:func:`ddp_train_step` is the building block of such a script, for users;
the estimators' own loop (:func:`hashlearn.deep.training.train_hashing`) runs in
one process and does not call it: there the pairs are those within the batch,
without the i == j pairs, while gathered reference codes include each row's
own code, so the step would change what HashNet and DHN learn (and the
checkpoints of their runs would no longer resume to the same result).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.distributed as dist

__all__ = ["ddp_train_step", "gather_codes_and_labels", "gather_with_grad", "world"]


def world() -> tuple[int, int]:
    """(rank, world size); (0, 1) when torch.distributed is not initialised.

    >>> world()
    (0, 1)
    """
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def _gather_padded(tensor: torch.Tensor) -> tuple[list[torch.Tensor], list[int]]:
    """All-gather rows of possibly different counts (pads to the largest)."""
    size = torch.tensor([tensor.shape[0]], dtype=torch.int64, device=tensor.device)
    sizes = [torch.zeros_like(size) for _ in range(dist.get_world_size())]
    dist.all_gather(sizes, size)
    counts = [int(s.item()) for s in sizes]
    padded = tensor.new_zeros((max(counts), *tensor.shape[1:]))
    padded[: tensor.shape[0]] = tensor
    parts = [torch.empty_like(padded) for _ in counts]
    dist.all_gather(parts, padded.contiguous())
    return [p[:c] for p, c in zip(parts, counts, strict=True)], counts


class _GatherWithGrad(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, tensor: torch.Tensor) -> torch.Tensor:
        parts, counts = _gather_padded(tensor)
        ctx.counts = counts
        return torch.cat(parts)

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> torch.Tensor:
        grad = grad.contiguous().clone()
        dist.all_reduce(grad, op=dist.ReduceOp.SUM)
        start = sum(ctx.counts[: dist.get_rank()])
        return grad[start : start + ctx.counts[dist.get_rank()]]


def gather_with_grad(tensor: torch.Tensor) -> torch.Tensor:
    """Concatenate ``tensor`` from all ranks (rank order), differentiably.

    The gradient of the gathered rows is summed over ranks and sent back to
    the rank that owns them. Without an initialised process group this is the
    identity, so the same training code runs on one process.

    >>> t = torch.ones(2, 3, requires_grad=True)
    >>> gather_with_grad(t).shape
    torch.Size([2, 3])
    """
    if world()[1] == 1:
        return tensor
    if not isinstance(tensor, torch.Tensor) or tensor.ndim < 1:
        raise ValueError("tensor must be a torch.Tensor with a leading batch dimension")
    return _GatherWithGrad.apply(tensor)


def gather_codes_and_labels(
    codes: torch.Tensor, labels: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Codes (with gradient) and labels (without) of the global batch.

    >>> c, y = gather_codes_and_labels(torch.zeros(4, 8), torch.arange(4))
    >>> c.shape, y.tolist()
    (torch.Size([4, 8]), [0, 1, 2, 3])
    """
    if codes.shape[0] != labels.shape[0]:
        raise ValueError(
            f"labels has {labels.shape[0]} rows, expected {codes.shape[0]} (one per code)"
        )
    if world()[1] == 1:
        return codes, labels
    gathered_labels, _ = _gather_padded(labels.detach())
    return gather_with_grad(codes), torch.cat(gathered_labels)


def ddp_train_step(
    model: torch.nn.Module,
    loss_fn: Callable[..., torch.Tensor],
    optimizer: torch.optim.Optimizer,
    features: torch.Tensor,
    labels: torch.Tensor,
) -> float:
    """One step on this rank's share of the global batch; returns the global loss.

    ``model`` is usually wrapped in ``DistributedDataParallel``; ``loss_fn`` is
    called as ``loss_fn(codes, labels, reference_codes=..., reference_labels=...)``
    with the codes and labels gathered from all ranks. The returned value is the
    mean of the per-rank losses (the single-process loss for equal shares).

    >>> head = torch.nn.Linear(3, 4)
    >>> def loss(h, y, reference_codes, reference_labels):
    ...     return (h @ reference_codes.T).mean()
    >>> opt = torch.optim.SGD(head.parameters(), lr=0.1)
    >>> isinstance(ddp_train_step(head, loss, opt, torch.ones(5, 3), torch.zeros(5)), float)
    True
    """
    optimizer.zero_grad(set_to_none=True)
    codes = model(features)
    reference_codes, reference_labels = gather_codes_and_labels(codes, labels)
    loss = loss_fn(
        codes, labels, reference_codes=reference_codes, reference_labels=reference_labels
    )
    loss.backward()
    optimizer.step()
    value = loss.detach().clone()
    if world()[1] > 1:
        dist.all_reduce(value, op=dist.ReduceOp.SUM)
        value /= world()[1]
    return float(value)
