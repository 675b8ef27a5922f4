"""Numba kernels of multi-index hashing (internal).

The code is cut into ``m`` substrings; table ``j`` lists the rows sorted by
their substring ``j`` (``order[j]``). Bucket bounds live in ``bstart`` from
``base[j]`` on: a *direct* table (short substrings) has ``2**s + 1`` bounds,
indexed by the substring value; a *sorted* table keeps its distinct values in
``keys[ks[j]:ks[j + 1]]`` (binary search) and one bound per value plus one.
The tables travel as one tuple ``tab = (keys, bstart, ks, base, order, sizes,
direct, bit_bounds)``; substring ``j`` is bits ``bit_bounds[j]:bit_bounds[j + 1]``
of the code, and the kernels cut each query's substrings themselves.

Generalised pigeonhole (Norouzi et al., 2012): write ``r = m * q + a`` with
``0 <= a < m``. A row within distance ``r`` of the query is within ``q`` on
some substring ``j <= a``, or within ``q - 1`` on some substring ``j > a``.
So after probing, for each step ``r' = 0..r``, table ``r' mod m`` at exact
substring distance ``r' // m``, every row within ``r`` has been seen.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from hashlearn.index._kernels import _distance

# Work units (one unit ~ one row of a flat scan): a bucket look-up is a binary
# search with cache misses, a verified row a random access.
_PROBE_COST = 1024
_ROW_COST = 8


@njit(inline="always")
def _sub_key(row_u8, b0, b1):
    """Bits ``b0:b1`` (at most 64) of one packed row as an integer (bit ``b0`` lowest)."""
    key, shift = np.uint64(0), -(b0 & 7)
    for byte in range(b0 >> 3, (b1 + 7) >> 3):
        value = np.uint64(row_u8[byte])
        key |= value >> np.uint64(-shift) if shift < 0 else value << np.uint64(shift)
        shift += 8
    if b1 - b0 < 64:
        key &= (np.uint64(1) << np.uint64(b1 - b0)) - np.uint64(1)
    return key


@njit(cache=True)
def extract_keys(rows_u8, b0, b1):
    """Bits ``b0:b1`` of each packed row as an integer (bit ``b0`` lowest)."""
    out = np.empty(rows_u8.shape[0], np.uint64)
    for i in range(rows_u8.shape[0]):
        out[i] = _sub_key(rows_u8[i], b0, b1)
    return out


@njit(cache=True)
def counting_order(keys, bucket_bounds, out):
    """Rows sorted by key, stably, given where each key's bucket starts (direct tables)."""
    free = bucket_bounds[:-1].copy()
    for i in range(keys.shape[0]):
        key = keys[i]
        out[free[key]] = i
        free[key] += 1


@njit(inline="always")
def _query_key(tab, q_u8, qi, j):
    """Substring ``j`` of query ``qi`` (substring bit bounds in ``tab[7]``)."""
    return _sub_key(q_u8[qi], tab[7][j], tab[7][j + 1])


@njit(cache=True)
def _bucket(tab, j, key):
    keys, bstart, ks, base, direct = tab[0], tab[1], tab[2], tab[3], tab[6]
    if direct[j]:
        i = base[j] + np.int64(key)
        return bstart[i], bstart[i + 1]
    lo, hi = ks[j], ks[j + 1]
    i = np.searchsorted(keys[lo:hi], key)
    if lo + i < hi and keys[lo + i] == key:
        return bstart[base[j] + i], bstart[base[j] + i + 1]
    return 0, 0


@njit(cache=True)
def _flip_masks(s, e):
    """All ``s``-bit masks with exactly ``e`` bits set."""
    count = 1
    for t in range(e):
        count = count * (s - t) // (t + 1)
    out = np.empty(count, np.uint64)
    idx = np.arange(e)
    for n in range(count):
        mask = np.uint64(0)
        for t in range(e):
            mask |= np.uint64(1) << np.uint64(idx[t])
        out[n] = mask
        t = e - 1
        while t >= 0 and idx[t] == s - e + t:
            t -= 1
        if t >= 0:
            idx[t] += 1
            for u in range(t + 1, e):
                idx[u] = idx[u - 1] + 1
    return out


@njit(cache=True)
def _probe(tab, j, qkey, e, flat, q, qi, wit, stamp, sid, keep, buf_d, buf_p, c):
    """Visit table ``j`` at substring distance ``e``; keep new rows within ``keep``.

    Returns the (possibly grown) buffers, their new size and the work done.
    """
    order, sizes = tab[4], tab[5]
    if e > sizes[j]:
        return buf_d, buf_p, c, 0
    masks = _flip_masks(sizes[j], e)
    work = _PROBE_COST * masks.shape[0]
    for mask in masks:
        lo, hi = _bucket(tab, j, qkey ^ mask)
        work += _ROW_COST * (hi - lo)
        for b in range(lo, hi):
            p = order[j, b]
            if stamp.shape[0]:  # kNN marks seen rows; radius search removes repeats at the end
                if stamp[p] == sid:
                    continue
                stamp[p] = sid
            d = _distance(flat, p, q, qi, wit)
            if d <= keep:
                if c == buf_d.shape[0]:
                    buf_d = np.concatenate((buf_d, np.empty_like(buf_d)))
                    buf_p = np.concatenate((buf_p, np.empty_like(buf_p)))
                buf_d[c], buf_p[c] = d, p
                c += 1
    return buf_d, buf_p, c, work


@njit(cache=True)
def _sort_pairs(bd, bp, c, n):
    """Sort the first ``c`` (distance, row) pairs (rows < n), dropping repeats."""
    key = np.sort(bd[:c].astype(np.int64) * n + bp[:c])
    if key.shape[0] > 1:
        keep = np.ones(key.shape[0], np.bool_)
        keep[1:] = key[1:] != key[:-1]
        key = key[keep]
    return (key // n).astype(np.int32), key % n


@njit(cache=True)
def _range_one(tab, q_u8, flat, q, qi, wit, radius):
    m = tab[5].shape[0]
    c = 0
    bd, bp, no_stamp = np.empty(64, np.int32), np.empty(64, np.int64), np.empty(0, np.int64)
    for step in range(radius + 1):
        e, j = divmod(step, m)
        qkey = _query_key(tab, q_u8, qi, j)
        bd, bp, c, _ = _probe(tab, j, qkey, e, flat, q, qi, wit, no_stamp, 0, radius, bd, bp, c)
    return _sort_pairs(bd, bp, c, flat.shape[0] // len(wit))


@njit(cache=True)
def _knn_one(tab, q_u8, flat, q, qi, wit, k, n_bits, stamp, sid, budget):
    """Exact top-k by growing the radius; ``None``-like empty result when over budget."""
    m = tab[5].shape[0]
    bd, bp = np.empty(256, np.int32), np.empty(256, np.int64)
    c, work, radius = 0, 0, 0
    for radius in range(n_bits + 1):
        e, j = divmod(radius, m)
        qkey = _query_key(tab, q_u8, qi, j)
        bd, bp, c, w = _probe(tab, j, qkey, e, flat, q, qi, wit, stamp, sid, n_bits, bd, bp, c)
        work += w
        if np.sum(bd[:c] <= radius) >= k:
            break
        if work > budget:
            return np.empty(0, np.int32), np.empty(0, np.int64), False
    sel = bd[:c] <= radius
    d, p = _sort_pairs(bd[:c][sel], bp[:c][sel], sel.sum(), flat.shape[0] // len(wit))
    return d[:k], p[:k], True


@njit(parallel=True, cache=True)
def knn_mih(tab, db, q, k, n_bits, n_chunks, budget, od, op, wit):
    """Exact kNN for every query; returns a mask of the queries that ran over ``budget``."""
    flat, q_u8 = db.ravel(), q.view(np.uint8)
    nq = q.shape[0]
    over = np.zeros(nq, np.bool_)
    for ci in prange(n_chunks):
        stamp = np.full(db.shape[0], -1, np.int64)
        for qi in range(nq * ci // n_chunks, nq * (ci + 1) // n_chunks):
            d, p, ok = _knn_one(tab, q_u8, flat, q, qi, wit, k, n_bits, stamp, qi, budget)
            if ok:
                od[qi, : d.shape[0]] = d
                op[qi, : p.shape[0]] = p
            over[qi] = not ok
    return over


@njit(parallel=True, cache=True)
def range_mih(tab, db, q, radius, wit):
    """Exact radius search; returns CSR ``(lims, distances, rows)`` sorted by (distance, row)."""
    flat, q_u8 = db.ravel(), q.view(np.uint8)
    nq = q.shape[0]
    per_d = [np.empty(0, np.int32) for _ in range(nq)]
    per_p = [np.empty(0, np.int64) for _ in range(nq)]
    for qi in prange(nq):
        per_d[qi], per_p[qi] = _range_one(tab, q_u8, flat, q, qi, wit, radius)
    lims = np.zeros(nq + 1, np.int64)
    for qi in range(nq):
        lims[qi + 1] = lims[qi] + per_d[qi].shape[0]
    out_d, out_p = np.empty(lims[nq], np.int32), np.empty(lims[nq], np.int64)
    for qi in range(nq):
        out_d[lims[qi] : lims[qi + 1]] = per_d[qi]
        out_p[lims[qi] : lims[qi + 1]] = per_p[qi]
    return lims, out_d, out_p


@njit(cache=True)
def _visit(tab, j, key, flat, q, qi, wit, radius, bd, bp, c):
    """Rows of one bucket within ``radius``: stored while there is room, all counted."""
    lo, hi = _bucket(tab, j, key)
    for b in range(lo, hi):
        p = tab[4][j, b]
        d = _distance(flat, p, q, qi, wit)
        if d <= radius:
            if c < bd.shape[0]:
                bd[c], bp[c] = d, p
            c += 1
    return c


@njit(cache=True)
def _sort_unique(bd, bp, c):
    """Insertion sort of ``c`` (distance, row) pairs in place, dropping repeats."""
    for i in range(1, c):
        d, p, t = bd[i], bp[i], i
        while t > 0 and (bd[t - 1] > d or (bd[t - 1] == d and bp[t - 1] > p)):
            bd[t], bp[t] = bd[t - 1], bp[t - 1]
            t -= 1
        bd[t], bp[t] = d, p
    u = min(c, 1)
    for i in range(1, c):
        if bp[i] != bp[u - 1]:
            bd[u], bp[u] = bd[i], bp[i]
            u += 1
    return u


@njit(parallel=True, cache=True)
def range_mih_small(tab, db, q, radius, bd, bp, counts, wit):
    """Radius search into fixed buffers (nq, cap): ``counts[i]`` is -1 where they overflowed."""
    flat = db.ravel()
    sizes, m, q_u8 = tab[5], tab[5].shape[0], q.view(np.uint8)
    for qi in prange(q.shape[0]):
        c = 0
        for step in range(radius + 1):
            e, j = divmod(step, m)
            qkey = _query_key(tab, q_u8, qi, j)
            if e == 0:
                c = _visit(tab, j, qkey, flat, q, qi, wit, radius, bd[qi], bp[qi], c)
            elif e <= sizes[j]:
                for mask in _flip_masks(sizes[j], e):
                    key = qkey ^ mask
                    c = _visit(tab, j, key, flat, q, qi, wit, radius, bd[qi], bp[qi], c)
        counts[qi] = _sort_unique(bd[qi], bp[qi], c) if c <= bd.shape[1] else -1


@njit(cache=True)
def gather_small(bd, bp, counts, lims, out_d, out_p):
    """Copy each query's buffered results (``counts[i] >= 0``) to its CSR slot."""
    for qi in range(counts.shape[0]):
        for t in range(counts[qi]):
            out_d[lims[qi] + t], out_p[lims[qi] + t] = bd[qi, t], bp[qi, t]
