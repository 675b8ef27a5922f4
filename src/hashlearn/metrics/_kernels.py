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

The database may also arrive in blocks (streaming): a first pass over the
blocks adds up the histograms, and a second pass ranks each block's relevant
items given the ``totals`` of the whole database and the histograms of the
blocks already seen (accumulated in ``hist``).  The ranks, and the order in
which the AP sums accumulate (database order), are those of one pass over
the whole database, so both give bit-identical results.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from hashlearn.bits import njit_popcount
from hashlearn.metrics._inputs import CLASS, DENSE, MULTI

popcount = njit_popcount()


@njit(cache=True)
def _fill_distances(qv, dbw, dist):
    if dbw.shape[1] == 1:  # up to 64 bits: a loop the compiler vectorises
        q0 = qv[0]
        for i in range(dbw.shape[0]):
            dist[i] = popcount(q0 ^ dbw[i, 0])
        return
    for i in range(dbw.shape[0]):
        d = 0
        for w in range(dbw.shape[1]):
            d += popcount(qv[w] ^ dbw[i, w])
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
def _stable_ranks(full, prefix, rel_key, n_rel, ks, ranks, ap, trap, relk, rank_hist):
    """Exact ranks under stable ties; accumulate AP sums for every cut-off in ``ks``.

    ``full`` is the histogram of the whole database, ``prefix`` that of the
    database rows before this block (zero when the block is the whole database).
    """
    n_dist = full.shape[0]
    first_tot = np.zeros(n_dist, np.int64)  # items ranked before this block's first at d
    first_rel = np.zeros(n_dist, np.int64)
    closer_tot, closer_rel = 0, 0
    for d in range(n_dist):
        first_tot[d] = closer_tot + prefix[d, 0] + prefix[d, 1]
        first_rel[d] = closer_rel + prefix[d, 1]
        closer_tot += full[d, 0] + full[d, 1]
        closer_rel += full[d, 1]
    seen = np.zeros(n_dist, np.int64)
    for j in range(n_rel):
        d = rel_key[j] & 0xFFFF
        seen[d] += 1
        pos = first_tot[d] + (rel_key[j] >> 16)
        found = first_rel[d] + seen[d]
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
def _query_block(lo, hi, qw, dbw, mode, rel_args, n_bits, ks, ranks, stable, self_offset, totals,
                 out):  # fmt: skip
    """Add this database block's statistics to the rows ``lo:hi`` of ``out``, with own buffers.

    With ``self_offset >= 0``, query ``q`` is database row ``self_offset + q``
    and that row is left out (leave-one-out).  An empty ``totals`` means that
    the block is the whole database: its own histograms rank it.
    """
    hist, ap, trap, relk, rank_hist = out
    n = dbw.shape[0]
    dist = np.empty(n, np.uint16)
    relb = np.empty(n, np.uint8)
    rel_key = np.empty(n + 1, np.int64)
    tot = np.empty(n_bits + 2, np.int64)  # the last slot collects the left-out row
    block = np.empty((n_bits + 1, 2), np.int64)
    for q in range(lo, hi):
        _fill_distances(qw[q], dbw, dist)
        _fill_relevance(q, mode, *rel_args, relb)
        if self_offset >= 0:
            dist[self_offset + q] = n_bits + 1
            relb[self_offset + q] = 0
        tot[:] = 0
        n_rel = _count(dist, relb, tot, rel_key)
        block[:] = 0
        for j in range(n_rel):
            block[rel_key[j] & 0xFFFF, 1] += 1
        for d in range(n_bits + 1):
            block[d, 0] = tot[d] - block[d, 1]
        if stable:
            full = block if totals.shape[0] == 0 else totals[q]
            _stable_ranks(full, hist[q], rel_key, n_rel, ks, ranks, ap[q], trap[q], relk[q],
                          rank_hist[q])  # fmt: skip
        hist[q] += block


@njit(parallel=True, cache=True)
def query_stats(qw, dbw, mode, rel_args, n_bits, ks, ranks, stable, n_threads, self_offset, totals,
                out):  # fmt: skip
    """Add one database block's statistics to ``out``, for every query.

    ``rel_args`` is ``Relevance.rows(...)``; ``self_offset`` is -1, or the
    database row of the first query, to leave each query's own row out;
    ``totals`` (nq, n_bits+1, 2) are the histograms of the whole database, or
    empty when the block is the whole database.  ``out`` holds ``hist`` (nq,
    n_bits+1, 2) (the block's histograms are added to it), ``ap`` and ``trap``
    (nq, len(ks)) sums of precision (plain and trapezoid) at relevant ranks
    <= k, ``relk`` (nq, len(ks)) relevant items within rank k, and
    ``rank_hist`` (nq, len(ranks)+1): relevant items whose rank falls in
    (ranks[i-1], ranks[i]]; the last four only with ``stable``.  Queries are
    split into ``n_threads`` contiguous blocks.
    """
    nq = qw.shape[0]
    n_threads = min(n_threads, nq)
    for t in prange(n_threads):
        lo, hi = t * nq // n_threads, (t + 1) * nq // n_threads
        _query_block(lo, hi, qw, dbw, mode, rel_args, n_bits, ks, ranks, stable, self_offset,
                     totals, out)  # fmt: skip


@njit(cache=True)
def query_stats_serial(qw, dbw, mode, rel_args, n_bits, ks, ranks, stable, n_threads, self_offset,
                       totals, out):  # fmt: skip
    """:func:`query_stats` on the calling thread only (``n_threads`` is ignored).

    For small calls, where waking the thread pool costs more than the work
    (tens of milliseconds on a busy machine).
    """
    _query_block(0, qw.shape[0], qw, dbw, mode, rel_args, n_bits, ks, ranks, stable, self_offset,
                 totals, out)  # fmt: skip
