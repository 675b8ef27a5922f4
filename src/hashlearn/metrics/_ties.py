"""Closed-form expectations over random orderings inside tie blocks.

A tie block holds the ``n`` items at one Hamming distance, ``m`` of them
relevant, and starts after ``p`` items of which ``rb`` are relevant.  If the
block is ordered uniformly at random, position ``t`` (1-based inside the
block) is relevant with probability ``m/n``, and given that, the expected
number of relevant items before it inside the block is ``(t-1)(m-1)/(n-1)``.
So the expected sum of precisions at relevant positions over the first
``nn`` positions of the block is

    sum_{t=1..nn} (m/n) (rb + 1 + (t-1) c) / (p + t),   c = (m-1)/(n-1)
  = (m/n) [c nn + (rb + 1 - c (1 + p)) (H(p+nn) - H(p))]

with H the harmonic numbers.  Summing blocks gives the expected AP when its
denominator is fixed (all relevant items, or min(k, R)).  When AP@k is
normalised by the relevant items *retrieved* and the cut-off splits a block,
the denominator is random: we condition on the hypergeometric number ``x`` of
relevant items among the ``nn`` positions kept, which again makes the block
a fully kept block of ``nn`` items with ``x`` relevant.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange


@njit(cache=True)
def harmonic_diff(p, nn):
    """sum_{t=p+1}^{p+nn} 1/t, accurate for any p (asymptotic H beyond 64 terms)."""
    if nn <= 64 or p + nn <= 256:
        s = 0.0
        for t in range(p + 1, p + nn + 1):
            s += 1.0 / t
        return s
    a = float(max(p, 64))
    b = float(p + nn)
    s = 0.0
    for t in range(p + 1, max(p, 64) + 1):
        s += 1.0 / t
    s += math.log1p((b - a) / a) + 0.5 / b - 0.5 / a
    s += 1.0 / (12.0 * a * a) - 1.0 / (12.0 * b * b)
    s += 1.0 / (120.0 * b**4) - 1.0 / (120.0 * a**4)
    return s


@njit(cache=True)
def block_sum(p, rb, n, m, nn):
    """Expected sum of precisions at relevant positions among a block's first nn."""
    if m == 0 or nn == 0:
        return 0.0
    c = (m - 1) / (n - 1) if n > 1 else 0.0
    return (m / n) * (c * nn + (rb + 1 - c * (1 + p)) * harmonic_diff(p, nn))


@njit(cache=True)
def _log_hypergeom(x, n, m, nn):
    lc = lambda a, b: math.lgamma(a + 1) - math.lgamma(b + 1) - math.lgamma(a - b + 1)  # noqa: E731
    return lc(m, x) + lc(n - m, nn - x) - lc(n, nn)


@njit(cache=True)
def _split_block_ap(s_before, p, rb, n, m, nn):
    """E[(s_before + S) / (rb + X)] with X ~ hypergeometric(n, m, nn) relevant kept."""
    lo, hi = max(0, nn - (n - m)), min(m, nn)
    mode = min(max((nn + 1) * (m + 1) // (n + 2), lo), hi)
    total = 0.0
    for step in (1, -1):
        x = mode if step == 1 else mode - 1
        while lo <= x <= hi:
            pmf = math.exp(_log_hypergeom(x, n, m, nn))
            if rb + x > 0:
                total += pmf * (s_before + block_sum(p, rb, nn, x, nn)) / (rb + x)
            if pmf < 1e-18 and x != mode:
                break
            x += step
    return total


@njit(cache=True)
def _one_query(h, k, out, with_ap):
    """out = (E[sum of precisions within k], E[relevant within k], E[AP@k retrieved-normalised]).

    With ``with_ap`` False only the expected relevant count is filled.
    """
    p, rb, s = 0, 0, 0.0
    for d in range(h.shape[0]):
        n, m = h[d, 0] + h[d, 1], h[d, 1]
        if n == 0:
            continue
        if p >= k:
            break
        nn = min(n, k - p)
        if nn < n:
            out[1] = rb + m * nn / n
            if with_ap:
                out[0] = s + block_sum(p, rb, n, m, nn)
                out[2] = _split_block_ap(s, p, rb, n, m, nn)
            return
        if with_ap:
            s += block_sum(p, rb, n, m, n)
        p += n
        rb += m
    out[0] = s
    out[1] = rb
    out[2] = s / rb if rb > 0 else 0.0


@njit(cache=True)
def _one_row(hist, ks, with_ap, out, q):
    for c in range(ks.shape[0]):
        _one_query(hist[q], ks[c], out[q, c], with_ap)


@njit(parallel=True, cache=True)
def tie_average_stats(hist, ks, with_ap=True):
    """Per query and cut-off: expected precision sum, relevant count and AP (3rd axis)."""
    out = np.zeros((hist.shape[0], ks.shape[0], 3))
    for q in prange(hist.shape[0]):
        _one_row(hist, ks, with_ap, out, q)
    return out


@njit(cache=True)
def tie_average_stats_serial(hist, ks, with_ap=True):
    """:func:`tie_average_stats` on the calling thread only (small calls)."""
    out = np.zeros((hist.shape[0], ks.shape[0], 3))
    for q in range(hist.shape[0]):
        _one_row(hist, ks, with_ap, out, q)
    return out
