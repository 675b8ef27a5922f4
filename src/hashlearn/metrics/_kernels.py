"""Numba kernels: per-query counting passes that replace the sort.

There are only ``n_bits + 1`` distinct Hamming distances, so one pass over
the database fills, per query, a histogram ``hist[d, r]`` = number of items at
distance ``d`` that are relevant (``r = 1``) or not (``r = 0``).  For stable
ties (distance, then database index) a second pass over the stored distances
gives each relevant item its exact rank: the items strictly closer plus the
items at the same distance seen so far in database order.  Queries run in
parallel (``prange`` over per-thread blocks of queries, each thread with its
own distance and relevance buffers of ``n_db`` bytes).  Leave-one-out
(``self_offset >= 0``, when the queries are the database) moves each query's
own row past the last distance, where no histogram or rank counts it.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange
from numba.core import types
from numba.extending import intrinsic

from hashlearn.metrics._inputs import CLASS, DENSE, MULTI


@intrinsic
def _popcount(typingctx, x):
    """Set bits of an unsigned integer through LLVM's ``ctpop``."""
    if not isinstance(x, types.Integer):
        return None

    def codegen(context, builder, signature, args):
        fn = builder.module.declare_intrinsic("llvm.ctpop", [args[0].type])
        return builder.call(fn, args)

    return x(x), codegen


@njit(cache=True)
def _fill_distances(qv, dbw, dist):
    if dbw.shape[1] == 1:  # up to 64 bits: a loop the compiler vectorises
        q0 = qv[0]
        for i in range(dbw.shape[0]):
            dist[i] = _popcount(q0 ^ dbw[i, 0])
        return
    for i in range(dbw.shape[0]):
        d = 0
        for w in range(dbw.shape[1]):
            d += _popcount(qv[w] ^ dbw[i, w])
        dist[i] = d


@njit(cache=True)
def _fill_relevance(q, mode, q_int, db_int, q_words, db_words, dense, indptr, indices, relb):
    n = relb.shape[0]
    if mode == CLASS:
        label = q_int[q]
        for i in range(n):
            relb[i] = db_int[i] == label
    elif mode == MULTI:
        for i in range(n):
            acc = np.uint64(0)
            for w in range(db_words.shape[1]):
                acc |= q_words[q, w] & db_words[i, w]
            relb[i] = acc != 0
    elif mode == DENSE:
        for i in range(n):
            relb[i] = dense[q, i]
    else:
        relb[:] = 0
        for p in range(indptr[q], indptr[q + 1]):  # indptr is sliced, indices is not
            relb[indices[p]] = 1


@njit(cache=True)
def _count(dist, relb, tot, rel_key):
    """One pass: items per distance; for relevant items, distance and running count.

    ``rel_key[j] = (c << 16) | d`` for the j-th relevant item in database
    order, at distance ``d``, being the ``c``-th item (1-based, relevant or
    not) at that distance.  Branch-free with one store per item besides the
    histogram: the slot is always written, ``r`` advances on relevant items.
    """
    r = 0
    for i in range(dist.shape[0]):
        d = dist[i]
        c = tot[d] + 1
        tot[d] = c
        rel_key[r] = (c << 16) | d
        r += relb[i]
    return r


@njit(cache=True)
def _stable_ranks(h, rel_key, n_rel, ks, ranks, ap, trap, relk, rank_hist):
    """Exact ranks under stable ties; accumulate AP sums for every cut-off in ``ks``."""
    n_dist = h.shape[0]
    before_tot = np.zeros(n_dist + 1, np.int64)
    before_rel = np.zeros(n_dist + 1, np.int64)
    for d in range(n_dist):
        before_tot[d + 1] = before_tot[d] + h[d, 0] + h[d, 1]
        before_rel[d + 1] = before_rel[d] + h[d, 1]
    seen = np.zeros(n_dist, np.int64)
    for j in range(n_rel):
        d = rel_key[j] & 0xFFFF
        seen[d] += 1
        pos = before_tot[d] + (rel_key[j] >> 16)
        found = before_rel[d] + seen[d]
        p1 = found / pos
        p0 = 1.0 if pos == 1 else (found - 1) / (pos - 1)
        for c in range(ks.shape[0]):
            if pos <= ks[c]:
                ap[c] += p1
                trap[c] += 0.5 * (p0 + p1)
                relk[c] += 1
        if ranks.size:
            rank_hist[np.searchsorted(ranks, pos)] += 1


@njit(cache=True)
def _outputs(nq, n_bits, n_ks, n_ranks):
    return (
        np.zeros((nq, n_bits + 1, 2), np.int64),
        np.zeros((nq, n_ks)),
        np.zeros((nq, n_ks)),
        np.zeros((nq, n_ks), np.int64),
        np.zeros((nq, n_ranks + 1), np.int64),
    )


@njit(cache=True)
def _query_block(lo, hi, qw, dbw, mode, rel_args, n_bits, ks, ranks, stable, self_offset, out):
    """Fill the rows ``lo:hi`` of the outputs, with this thread's own buffers.

    With ``self_offset >= 0``, query ``q`` is database row ``self_offset + q``
    and that row is left out (leave-one-out).
    """
    hist, ap, trap, relk, rank_hist = out
    n = dbw.shape[0]
    dist = np.empty(n, np.uint16)
    relb = np.empty(n, np.uint8)
    rel_key = np.empty(n + 1, np.int64)
    tot = np.empty(n_bits + 2, np.int64)  # the last slot collects the left-out row
    for q in range(lo, hi):
        _fill_distances(qw[q], dbw, dist)
        _fill_relevance(q, mode, *rel_args, relb)
        if self_offset >= 0:
            dist[self_offset + q] = n_bits + 1
            relb[self_offset + q] = 0
        tot[:] = 0
        n_rel = _count(dist, relb, tot, rel_key)
        h = hist[q]
        for j in range(n_rel):
            h[rel_key[j] & 0xFFFF, 1] += 1
        for d in range(n_bits + 1):
            h[d, 0] = tot[d] - h[d, 1]
        if stable:
            _stable_ranks(h, rel_key, n_rel, ks, ranks, ap[q], trap[q], relk[q], rank_hist[q])


@njit(parallel=True, cache=True)
def query_stats(qw, dbw, mode, rel_args, n_bits, ks, ranks, stable, n_threads, self_offset):
    """Histograms for every query; with ``stable``, also exact-rank sums.

    ``rel_args`` is ``Relevance.rows(...)``; ``self_offset`` is -1, or the
    database row of the first query, to leave each query's own row out.
    Returns ``hist`` (nq, n_bits+1, 2), ``ap`` and ``trap`` (nq, len(ks)) sums
    of precision (plain and trapezoid) at relevant ranks <= k, ``relk`` (nq,
    len(ks)) relevant items within rank k, and ``rank_hist`` (nq,
    len(ranks)+1): relevant items whose rank falls in (ranks[i-1], ranks[i]].
    Queries are split into ``n_threads`` contiguous blocks.
    """
    nq = qw.shape[0]
    out = _outputs(nq, n_bits, ks.shape[0], ranks.shape[0])
    n_threads = min(n_threads, nq)
    for t in prange(n_threads):
        lo, hi = t * nq // n_threads, (t + 1) * nq // n_threads
        _query_block(lo, hi, qw, dbw, mode, rel_args, n_bits, ks, ranks, stable, self_offset, out)
    return out


@njit(cache=True)
def query_stats_serial(qw, dbw, mode, rel_args, n_bits, ks, ranks, stable, n_threads, self_offset):
    """:func:`query_stats` on the calling thread only (``n_threads`` is ignored).

    For small calls, where waking the thread pool costs more than the work
    (tens of milliseconds on a busy machine).
    """
    out = _outputs(qw.shape[0], n_bits, ks.shape[0], ranks.shape[0])
    _query_block(0, qw.shape[0], qw, dbw, mode, rel_args, n_bits, ks, ranks, stable,
                 self_offset, out)  # fmt: skip
    return out
