"""Numba kernels of the flat Hamming index (internal).

Codes are stored as a C-contiguous 2-D array of unsigned words (see
``flat.word_layout``: uint64 for multiples of 8 bytes, else uint32/16/8).
Distances are ``popcount(a ^ b)`` summed over words, through the LLVM
``ctpop`` intrinsic (:func:`hashlearn.bits.njit_popcount`); the word count
is a compile-time constant (a tuple ``wit`` of that length), so the per-row
loop is unrolled and LLVM vectorises the threshold test over 256-row
sub-blocks. Batches are cache-blocked: a group of 16 queries scans each
32 KiB block of rows (4,096 rows of 64 bits) while it sits in L1. A search of
at least ``WORD_MAJOR_FROM`` queries first copies each block of multi-word
codes word-major (word ``w`` of its row ``r`` at ``w * rows + r``): the
vectorised loops then read every word as a contiguous stream, where the
row-major layout needs a shuffle per word and row. Fewer queries read the rows
in place, since the copy would cost more than it saves.

Top-k selection never sorts: per query we keep a small buffer of candidates
found in scan order and a histogram of their distances; once ``k`` candidates
are known, the threshold ``t`` (smallest distance with ``k`` candidates at or
below it) only decreases, and a new row enters only when its distance is
strictly below ``t`` (a later row at distance ``t`` loses the tie by id). The
final answer is a stable counting sort of the buffer over the ``n_bits + 1``
possible distances, so ties are broken by row position, which is id order.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange

from hashlearn.bits import njit_popcount

__all__ = ["knn_search", "range_search"]

_BLOCK_BYTES = 32768  # bytes of database rows per cache block (L1 holds it beside the queries)
_GROUP = 16  # queries sharing one pass over a cache block
_SUB = 256  # rows per vectorised test against the threshold
_FINE = 32  # rows per second, finer test inside a sub-block that passed the first
#: Layouts of a block of multi-word rows, told apart by their length at compile time.
ROW_MAJOR, WORD_MAJOR = (0,), (0, 0)
#: Queries from which a search copies each block word-major: the copy costs about four
#: 128-bit row scans, and saves 40 % of each query's scan.
WORD_MAJOR_FROM = 4

popcount = njit_popcount()
_popcount = popcount  # the name benchmarks/index_bench.py imports


def _layout(n_queries: int) -> tuple[int, ...]:
    """The block layout for a search of ``n_queries``: word-major once the copy pays."""
    return WORD_MAJOR if n_queries >= WORD_MAJOR_FROM else ROW_MAJOR


@njit(inline="always")
def _distance(block, rows, r, q, qi, wit, lay):
    """Distance of row ``r`` of a block of ``rows`` rows, laid out as ``lay``, to query ``qi``."""
    d = 0
    for w in range(len(wit)):  # a compile-time count: unrolled, and the row loops vectorise
        if len(lay) == len(WORD_MAJOR):  # known at compile time: one branch is compiled
            word = np.uint64(w * rows + r)  # unsigned: no negative-index wrap, so it vectorises
        else:
            word = np.uint64(r * len(wit) + w)
        d += np.int64(popcount(block[word] ^ q[qi, w]))
    return d


@njit(inline="always")
def _block_rows(flat, wit):
    """Rows per cache block: ``_BLOCK_BYTES`` of them, a whole number of sub-blocks."""
    return max(_SUB, _BLOCK_BYTES // (flat.itemsize * len(wit)) // _SUB * _SUB)


@njit(inline="always")
def _load_block(flat, b0, b1, scratch, wit, lay):
    """Rows ``b0:b1`` of the row-major words ``flat``, in the layout ``lay``.

    Row-major, or one word per row: a view. Otherwise a word-major copy in ``scratch``.
    """
    if len(wit) == 1 or len(lay) != len(WORD_MAJOR):
        return flat[b0 * len(wit) : b1 * len(wit)]
    rows = b1 - b0
    for w in range(len(wit)):
        for r in range(rows):
            scratch[w * rows + r] = flat[np.uint64((b0 + r) * len(wit) + w)]
    return scratch


@njit(inline="always")
def _count_below(block, rows, r0, r1, q, qi, t, wit, lay):
    c = 0
    for r in range(r0, r1):
        c += _distance(block, rows, r, q, qi, wit, lay) < t
    return c


@njit(cache=True)
def _select(bd, bp, c, k, n_bits, od, op):
    """Stable counting sort of ``c`` buffered (distance, position) pairs; keep ``k``.

    Writes at most ``k`` pairs to ``od``/``op`` in (distance, buffer order)
    order and returns how many were written. ``od``/``op`` must not alias the input.
    """
    start = np.zeros(n_bits + 2, np.int64)
    for i in range(c):
        start[bd[i] + 1] += 1
    for d in range(n_bits + 1):
        start[d + 1] += start[d]
    for i in range(c):
        pos = start[bd[i]]
        if pos < k:
            od[pos] = bd[i]
            op[pos] = bp[i]
        start[bd[i]] += 1
    return min(c, k)


@njit(cache=True)
def _push(d, j, k, n_bits, hist, state, bd, bp, g):
    """Add row ``j`` at distance ``d < threshold`` to query ``g``'s buffer.

    ``state[g]`` = (threshold, buffer size, count <= threshold). Rows of 2-D
    arrays are indexed rather than sliced: views cost reference counting.
    """
    t, c, cum = state[g, 0], state[g, 1], state[g, 2]
    if c == bd.shape[1]:  # full: keep the k best, already in (distance, position) order
        c = cum = _select(bd[g].copy(), bp[g].copy(), c, k, n_bits, bd[g], bp[g])
        hist[g, :] = 0
        for i in range(c):
            hist[g, bd[g, i]] += 1
    bd[g, c], bp[g, c] = d, j
    c += 1
    hist[g, d] += 1
    if t > n_bits:
        if c == k:  # first time k candidates are known: set the threshold
            t, cum = 0, hist[g, 0]
            while cum < k:
                t += 1
                cum += hist[g, t]
    else:
        cum += 1
        while cum - hist[g, t] >= k:
            cum -= hist[g, t]
            t -= 1
    state[g, 0], state[g, 1], state[g, 2] = t, c, cum


@njit(cache=True)
def _scan_group(flat, q, q0, q1, lo, hi, k, n_bits, cap, od, op, wit, lay):
    """Top-k of rows ``lo:hi`` for queries ``q0:q1``, written to ``od``/``op`` rows."""
    g_n = q1 - q0
    hist = np.zeros((g_n, n_bits + 1), np.int64)
    state = np.zeros((g_n, 3), np.int64)
    state[:, 0] = n_bits + 1
    bd = np.empty((g_n, cap), np.int32)
    bp = np.empty((g_n, cap), np.int64)
    # One loop nest on purpose: a function call per (block, query) costs more than the block.
    # A vectorised count skips each sub-block where no row beats the query's threshold, and
    # a second one each of its _FINE-row pieces, so that few rows take the scalar path.
    block_rows = _block_rows(flat, wit)
    scratch = np.empty(block_rows * len(wit), flat.dtype)
    for b0 in range(lo, hi, block_rows):
        rows = min(hi, b0 + block_rows) - b0
        block = _load_block(flat, b0, b0 + rows, scratch, wit, lay)
        for g in range(g_n):
            for r0 in range(0, rows, _SUB):
                r1 = min(rows, r0 + _SUB)
                if _count_below(block, rows, r0, r1, q, q0 + g, state[g, 0], wit, lay) == 0:
                    continue
                for f0 in range(r0, r1, _FINE):
                    f1 = min(r1, f0 + _FINE)
                    if _count_below(block, rows, f0, f1, q, q0 + g, state[g, 0], wit, lay) == 0:
                        continue
                    for r in range(f0, f1):
                        d = _distance(block, rows, r, q, q0 + g, wit, lay)
                        if d < state[g, 0]:
                            _push(d, b0 + r, k, n_bits, hist, state, bd, bp, g)
    for g in range(g_n):
        _select(bd[g], bp[g], state[g, 1], k, n_bits, od[g], op[g])


@njit(parallel=True, cache=True)
def _knn_by_queries(db, q, k, n_bits, cap, od, op, wit, lay):
    n_groups = (q.shape[0] + _GROUP - 1) // _GROUP
    for gi in prange(n_groups):
        q0 = gi * _GROUP
        q1 = min(q.shape[0], q0 + _GROUP)
        _scan_group(
            db.ravel(), q, q0, q1, 0, db.shape[0], k, n_bits, cap, od[q0:q1], op[q0:q1], wit, lay
        )


@njit(parallel=True, cache=True)
def _knn_by_rows(db, q, k, n_bits, cap, n_parts, od, op, wit, lay):
    nq, n = q.shape[0], db.shape[0]
    part_d = np.full((n_parts, nq, k), -1, np.int32)
    part_p = np.full((n_parts, nq, k), -1, np.int64)
    for pi in prange(n_parts):
        lo = n * pi // n_parts
        hi = n * (pi + 1) // n_parts
        _scan_group(db.ravel(), q, 0, nq, lo, hi, k, n_bits, cap, part_d[pi], part_p[pi], wit, lay)
    for qi in prange(nq):  # parts are in row order, so a stable merge keeps id order
        bd = np.empty(n_parts * k, np.int32)
        bp = np.empty(n_parts * k, np.int64)
        c = 0
        for pi in range(n_parts):
            for i in range(k):
                if part_p[pi, qi, i] >= 0:
                    bd[c] = part_d[pi, qi, i]
                    bp[c] = part_p[pi, qi, i]
                    c += 1
        _select(bd, bp, c, k, n_bits, od[qi], op[qi])


def knn_search(
    db: np.ndarray, q: np.ndarray, k: int, n_bits: int, n_threads: int
) -> tuple[np.ndarray, np.ndarray]:
    """Exact k nearest rows of ``db`` for each query row of ``q`` (row positions).

    Returns int32 distances and int64 row positions of shape (nq, k), sorted by
    (distance, position) and padded with -1.
    """
    nq = q.shape[0]
    od = np.full((nq, k), -1, np.int32)
    op = np.full((nq, k), -1, np.int64)
    if nq == 0 or k == 0 or db.shape[0] == 0:
        return od, op
    cap = max(2 * k, 256)
    wit, lay = (0,) * db.shape[1], _layout(nq)
    if nq >= 2 * _GROUP * n_threads or n_threads == 1:
        with numba.parallel_chunksize(1):  # dynamic: a descheduled thread does not stall the rest
            _knn_by_queries(db, q, k, n_bits, cap, od, op, wit, lay)
    else:
        n_parts = max(1, min(n_threads, db.size * db.itemsize // _BLOCK_BYTES))
        _knn_by_rows(db, q, k, n_bits, cap, n_parts, od, op, wit, lay)
    return od, op


@njit(inline="always")
def _range_scan(block, rows, b0, q, qi, radius, wit, lay, od, op, row, c):
    """Append the rows of a block (its first row is ``b0``) within ``radius`` after
    the ``c`` found so far.

    Stores while there is room in ``od[row]``/``op[row]`` and returns the new count.
    """
    for r0 in range(0, rows, _SUB):
        r1 = min(rows, r0 + _SUB)
        if _count_below(block, rows, r0, r1, q, qi, radius + 1, wit, lay) == 0:
            continue
        for r in range(r0, r1):
            d = _distance(block, rows, r, q, qi, wit, lay)
            if d <= radius:
                if c < od.shape[1]:
                    od[row, c], op[row, c] = d, b0 + r
                c += 1
    return c


@njit(inline="always")
def _range_blocks(flat, n, q, q0, q1, radius, wit, lay, od, op, counts):
    """``_range_scan`` of every block of the ``n`` rows for queries ``q0:q1``.

    Query ``qi`` stores in row ``qi - q0`` of ``od``/``op`` and counts in ``counts[qi - q0]``.
    """
    block_rows = _block_rows(flat, wit)
    scratch = np.empty(block_rows * len(wit), flat.dtype)
    for b0 in range(0, n, block_rows):
        rows = min(n, b0 + block_rows) - b0
        block = _load_block(flat, b0, b0 + rows, scratch, wit, lay)
        for qi in range(q0, q1):
            counts[qi - q0] = _range_scan(
                block, rows, b0, q, qi, radius, wit, lay, od, op, qi - q0, counts[qi - q0]
            )


@njit(parallel=True, cache=True)
def _range_first_pass(db, q, radius, bd, bp, counts, wit, lay):
    n_groups = (q.shape[0] + _GROUP - 1) // _GROUP
    for gi in prange(n_groups):
        q0 = gi * _GROUP
        q1 = min(q.shape[0], q0 + _GROUP)
        od, op, found = bd[q0:q1], bp[q0:q1], counts[q0:q1]
        _range_blocks(db.ravel(), db.shape[0], q, q0, q1, radius, wit, lay, od, op, found)


@njit(parallel=True, cache=True)
def _range_finish(db, q, radius, n_bits, bd, bp, lims, out_d, out_p, wit):
    flat = db.ravel()
    for qi in prange(q.shape[0]):
        c = lims[qi + 1] - lims[qi]
        if c <= bd.shape[1]:
            src_d, src_p = bd[qi, :c].copy(), bp[qi, :c].copy()
        else:  # the first pass ran out of room: scan again with the exact size
            big_d, big_p = np.empty((1, c), np.int32), np.empty((1, c), np.int64)
            found = np.zeros(1, np.int64)  # one query: rows read in place, no block copy
            _range_blocks(
                flat, db.shape[0], q, qi, qi + 1, radius, wit, ROW_MAJOR, big_d, big_p, found
            )
            src_d, src_p = big_d[0], big_p[0]
        s = lims[qi]
        _select(src_d, src_p, c, c, n_bits, out_d[s : s + c], out_p[s : s + c])


def range_search(
    db: np.ndarray, q: np.ndarray, radius: int, n_bits: int, cap: int = 32
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All rows of ``db`` within ``radius`` of each query, CSR layout.

    Returns ``lims`` (nq + 1,), int32 distances and int64 row positions; the
    results of query ``i`` are ``lims[i]:lims[i + 1]``, sorted by (distance, position).
    """
    nq = q.shape[0]
    wit, lay = (0,) * db.shape[1], _layout(nq)
    bd = np.empty((nq, cap), np.int32)
    bp = np.empty((nq, cap), np.int64)
    counts = np.zeros(nq, np.int64)
    if nq and db.shape[0]:
        with numba.parallel_chunksize(1):
            _range_first_pass(db, q, radius, bd, bp, counts, wit, lay)
    lims = np.zeros(nq + 1, np.int64)
    np.cumsum(counts, out=lims[1:])
    out_d = np.empty(lims[-1], np.int32)
    out_p = np.empty(lims[-1], np.int64)
    if nq and db.shape[0]:
        _range_finish(db, q, radius, n_bits, bd, bp, lims, out_d, out_p, wit)
    return lims, out_d, out_p
