"""Numba kernel of BRE's exact coordinate update (Kulis and Darrell 2009, section 3.2)."""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True)
def _flip(E: np.ndarray, h: np.ndarray, i: int, inv_b: float, apply: bool) -> float:
    """Cost change of flipping bit ``h[i]``; with ``apply`` also update ``E`` and ``h``."""
    delta_cost = 0.0
    for j in range(h.shape[0]):
        if j == i:
            continue
        d = inv_b if h[i] == h[j] else -inv_b
        delta_cost += d * d - 2.0 * E[i, j] * d
        if apply:
            E[i, j] -= d
            E[j, i] -= d
    if apply:
        h[i] = 1 - h[i]
    return delta_cost


@numba.njit(cache=True)
def _sweep(E, h, order, alphas, inv_b):
    """Best prefix of flips along ``order``: (its length, its cost change); no writes.

    Flipping a set F changes only pairs with one end in F, so adding point i to
    F adds ``sum_{j not in F} f(i, j) - sum_{j in F} f(i, j)``.
    """
    n = h.shape[0]
    in_set = np.zeros(n, dtype=np.bool_)
    total, best, best_n = 0.0, 0.0, 0
    for s in range(order.shape[0]):
        i = order[s]
        for j in range(n):
            if j == i:
                continue
            d = inv_b if h[i] == h[j] else -inv_b
            f = d * d - 2.0 * E[i, j] * d
            total += -f if in_set[j] else f
        in_set[i] = True
        last = s + 1 == order.shape[0]
        if (last or alphas[order[s + 1]] != alphas[i]) and total < best - 1e-12:
            best, best_n = total, s + 1
    return best_n, best


@numba.njit(cache=True)
def best_step(E, h, y, k, inv_b):
    """Optimal change ``alpha`` of one weight: ``y + alpha k`` flips bits at ``-y/k``.

    ``E`` (residual target - Hamming/b over pairs) and ``h`` (0/1 bits) are
    updated for the chosen step, which is returned with its cost change.
    """
    alphas = np.full(y.shape[0], np.inf)
    for i in range(y.shape[0]):
        if k[i] != 0.0:
            alphas[i] = -y[i] / k[i]
    ranked = np.argsort(alphas)
    pos = ranked[(alphas[ranked] > 0.0) & np.isfinite(alphas[ranked])]
    neg = ranked[alphas[ranked] < 0.0][::-1]
    n_pos, gain_pos = _sweep(E, h, pos, alphas, inv_b)
    n_neg, gain_neg = _sweep(E, h, neg, alphas, inv_b)
    if min(gain_pos, gain_neg) >= 0.0:
        return 0.0, 0.0
    order, n = (pos, n_pos) if gain_pos <= gain_neg else (neg, n_neg)
    for s in range(n):
        _flip(E, h, order[s], inv_b, True)
    a = alphas[order[n - 1]]
    step = (a + alphas[order[n]]) / 2.0 if n < order.shape[0] else 2.0 * a  # a != 0
    return step, min(gain_pos, gain_neg)
