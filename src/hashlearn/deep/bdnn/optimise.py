"""Network steps: full-batch L-BFGS (the authors' minFunc) or mini-batch Adam."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch


def lbfgs_step(
    params: Sequence[torch.Tensor],
    cost: Callable[[], torch.Tensor],
    max_iter: int,
    history_size: int = 100,
) -> float:
    """Minimise ``cost()`` over ``params`` with full-batch L-BFGS and strong-Wolfe search.

    A fresh optimiser per call, as minFunc restarts at every W-step of the
    authors' code; ``history_size`` = 100 corrections is minFunc's default.
    Returns the final cost.

    >>> w = torch.zeros(2, requires_grad=True)
    >>> round(lbfgs_step([w], lambda: ((w - 3) ** 2).sum(), 20), 6)
    0.0
    """
    if max_iter <= 0:
        return float(cost().detach())
    optimiser = torch.optim.LBFGS(
        list(params),
        lr=1.0,
        max_iter=max_iter,
        max_eval=int(max_iter * 1.25) + 1,
        history_size=history_size,
        tolerance_grad=1e-9,
        tolerance_change=1e-12,
        line_search_fn="strong_wolfe",
    )

    def closure() -> torch.Tensor:
        optimiser.zero_grad()
        value = cost()
        value.backward()
        return value

    optimiser.step(closure)
    with torch.no_grad():
        return float(cost())


def adam_step(
    params: Sequence[torch.Tensor],
    batch_cost: Callable[[torch.Tensor], torch.Tensor],
    n_samples: int,
    *,
    batch_size: int,
    n_epochs: int,
    learning_rate: float,
    generator: torch.Generator,
) -> float:
    """Mini-batch Adam: ``n_epochs`` shuffled passes, ``batch_cost(index)`` per batch.

    The batch cost uses the batch size as m, so every term keeps its scale.
    The shuffling uses ``generator`` (checkpointed with the model for resume).
    Returns the mean batch cost of the last epoch.

    >>> w = torch.zeros(1, requires_grad=True)
    >>> x = torch.full((8,), 2.0)
    >>> _ = adam_step([w], lambda i: ((w - x[i]) ** 2).mean(), 8, batch_size=4,
    ...               n_epochs=300, learning_rate=0.05, generator=torch.Generator())
    >>> round(float(w.detach()), 2)
    2.0
    """
    optimiser = torch.optim.Adam(list(params), lr=learning_rate)
    last = 0.0
    for _ in range(n_epochs):
        order = torch.randperm(n_samples, generator=generator)
        total = 0.0
        for start in range(0, n_samples, batch_size):
            optimiser.zero_grad()
            value = batch_cost(order[start : start + batch_size])
            value.backward()
            optimiser.step()
            total += float(value.detach())
        last = total / max(1, -(-n_samples // batch_size))
    return last
