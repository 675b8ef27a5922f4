"""Numba kernels of multi-index hashing (internal).

Layout. The code is cut into ``m`` substrings; substring ``j`` is bits
``b0 : b0 + s`` of the code, bit ``b0`` lowest (``layout[j] = (b0, s, t, base)``).
Table ``j`` holds every code again, as little-endian uint64 words, sorted by
substring ``j``: entry ``b`` of table ``j`` is ``codes[j * n + b]`` and came
from row ``rows[j * n + b]``. The entries of one bucket are contiguous, so
verifying them reads memory sequentially. A directory on the top ``t`` bits
of the substring, ``dirs[base : base + 2**t + 1]``, gives the entries of each
slot: they form one bucket when ``t == s``; otherwise a binary search over the
slot (sorted by the whole substring) finds the bucket.

Generalised pigeonhole (Norouzi et al., 2012): write ``r = m * a + c`` with
``0 <= c < m``. A row within distance ``r`` of the query is within ``a`` on
some substring ``j <= c``, or within ``a - 1`` on some substring ``j > c``.
So after the probing steps ``r' = 0..r`` (step ``r'`` visits the buckets of
table ``r' mod m`` at substring distance exactly ``r' // m``) every row within
``r`` has been seen. A row is reported at its first visit only, the smallest
``j + m * e_j`` over its substring distances ``e_j``, which the verification
computes anyway (they sum to the distance): no deduplication is needed.

Latency. A probe costs two cache misses (directory slot, then entries).
Probes are staged, up to ``_STAGE`` of them over a group of queries: every
directory slot is read first (independent loads, whose misses overlap), then
the entries are prefetched, then verified. The verification is one loop nest:
an njit helper that takes arrays and branches keeps the reference counting of
its arrays (atomic operations on every call), so per-entry helpers here are
branch-free.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

from hashlearn.bits import njit_popcount

popcount = njit_popcount()

# Work in rows of a flat scan: a probe, its cache misses and its few entries, cost about
# 100-250 rows at 1M rows of 64 or 128 bits (benchmarks/mih_bench.py machine); a verified
# entry, a few popcounts, about 8.
PROBE_COST = 256
_ROW_COST = 8
_GROUP = 256  # queries searched together (their probes staged together), at most
_STAGE = 512  # probes staged at once
_PREFETCH_LINES = 16  # cache lines prefetched per bucket, at most


@intrinsic
def _prefetch(typingctx: Any, array: Any, index: Any) -> Any:
    """Hint the CPU to load ``array[index]`` (a tuple of ints) into cache; no effect on results."""
    if not isinstance(array, types.Array) or not isinstance(index, types.BaseTuple):
        return None

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        array_type, index_type = signature.args
        arr = context.make_array(array_type)(context, builder, args[0])
        indices = cgutils.unpack_tuple(builder, args[1], len(index_type))
        ptr = cgutils.get_item_pointer(context, builder, array_type, arr, indices)
        if getattr(ptr.type, "is_opaque", False):  # llvmlite >= 0.44: opaque pointers
            name = "llvm.prefetch.p0"
        else:
            name, ptr = "llvm.prefetch.p0i8", builder.bitcast(ptr, ir.IntType(8).as_pointer())
        i32 = ir.IntType(32)
        fn_type = ir.FunctionType(ir.VoidType(), [ptr.type, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fn_type, name)
        builder.call(fn, [ptr, i32(0), i32(3), i32(1)])  # read, keep in all cache levels, data
        return context.get_dummy_value()

    return types.void(array, index), codegen


def as_words64(rows: np.ndarray) -> np.ndarray:
    """Packed rows of any unsigned word type as little-endian uint64 words, zero padded
    (a view when they are such words already).

    >>> as_words64(np.array([[1, 2]], np.uint16)).tolist()
    [[131073]]
    """
    if rows.dtype == np.uint64 and rows.flags.c_contiguous:
        return rows
    packed = rows.view(np.uint8)
    out = np.zeros((rows.shape[0], -(-packed.shape[1] // 8) * 8), np.uint8)
    out[:, : packed.shape[1]] = packed
    return out.view("<u8").astype(np.uint64, copy=False)


def extract_keys(rows: np.ndarray, b0: int, b1: int) -> np.ndarray:
    """Bits ``b0:b1`` (at most 64) of each packed row as an integer, bit ``b0`` lowest.

    >>> extract_keys(np.array([[0b1011_0000, 0b1]], np.uint8), 4, 9).tolist()
    [27]
    """
    return _keys(as_words64(rows), b0, b1 - b0)


@njit
def _word_key(words, i, b0, s):
    """Bits ``b0 : b0 + s`` (``1 <= s <= 64``) of row ``i`` of uint64 words, bit ``b0`` lowest.

    Branch-free: the next word is read even when no bit of it is needed (the last
    word again at the end of a row), and its bits are then shifted or masked away.
    """
    w, off = b0 >> 6, np.uint64(b0 & 63)
    low = words[i, w] >> off
    high = (words[i, min(w + 1, words.shape[1] - 1)] << (np.uint64(63) - off)) << np.uint64(1)
    return (low | high) & (~np.uint64(0) >> np.uint64(64 - s))


@njit(cache=True)
def _keys(words, b0, s):
    """Bits ``b0 : b0 + s`` of every row of uint64 words."""
    out = np.empty(words.shape[0], np.uint64)
    for i in range(words.shape[0]):
        out[i] = _word_key(words, i, b0, s)
    return out


# ------------------------------------------------------------------------------------ build
@njit(cache=True)
def _sift_down(order, keys, root, size):
    """Restore the max-heap ``order[:size]`` (by ``keys``) below ``root``."""
    while 2 * root + 1 < size:
        child = 2 * root + 1
        if child + 1 < size and keys[order[child]] < keys[order[child + 1]]:
            child += 1
        if keys[order[root]] >= keys[order[child]]:
            return
        order[root], order[child] = order[child], order[root]
        root = child


@njit(cache=True)
def _sorting_order(keys):
    """The order that sorts ``keys`` (a heap sort: O(n log n), quick to compile)."""
    order, size = np.arange(keys.shape[0]), keys.shape[0]
    for root in range(size // 2 - 1, -1, -1):
        _sift_down(order, keys, root, size)
    for end in range(size - 1, 0, -1):
        order[0], order[end] = order[end], order[0]
        _sift_down(order, keys, 0, end)
    return order


@njit(cache=True)
def _sort_slot(codes, rows, keys, lo, hi):
    """Sort the entries ``lo:hi`` (codes, rows and their substring ``keys``) by key."""
    if hi - lo > 32:
        order = _sorting_order(keys[lo:hi])
        old_codes, old_rows, old_keys = codes[lo:hi].copy(), rows[lo:hi].copy(), keys[lo:hi].copy()
        for i in range(hi - lo):
            for w in range(codes.shape[1]):
                codes[lo + i, w] = old_codes[order[i], w]
            rows[lo + i], keys[lo + i] = old_rows[order[i]], old_keys[order[i]]
        return
    for i in range(lo + 1, hi):
        t = i
        while t > lo and keys[t - 1] > keys[t]:
            for w in range(codes.shape[1]):
                codes[t, w], codes[t - 1, w] = codes[t - 1, w], codes[t, w]
            rows[t], rows[t - 1] = rows[t - 1], rows[t]
            keys[t], keys[t - 1] = keys[t - 1], keys[t]
            t -= 1


@njit(cache=True)
def _fill_table(words, b0, s, t, codes, rows, slots):
    """One table: a counting sort of the rows by their top ``t`` substring bits (the
    directory ``slots``), each slot then sorted by the whole substring when ``t < s``."""
    n, shift = words.shape[0], np.uint64(s - t)
    keys = _keys(words, b0, s)
    slots[:] = 0
    for i in range(n):
        slots[np.int64(keys[i] >> shift) + 1] += 1
    for h in range(slots.shape[0] - 1):
        slots[h + 1] += slots[h]
    free = slots[:-1].copy()
    for i in range(n):  # rows read in order, entries written once each
        h = np.int64(keys[i] >> shift)
        rows[free[h]] = i
        for w in range(words.shape[1]):
            codes[free[h], w] = words[i, w]
        free[h] += 1
    if t < s:
        entry_keys = np.empty_like(keys)
        for b in range(n):
            entry_keys[b] = keys[rows[b]]
        for h in range(slots.shape[0] - 1):
            if slots[h + 1] - slots[h] > 1:
                _sort_slot(codes, rows, entry_keys, slots[h], slots[h + 1])


@njit(cache=True)
def build_tables(words, layout, codes, rows, dirs):
    """Fill the tables of the module docstring from the rows as uint64 words (one thread:
    a parallel loop would add about 2 s of compilation to save a fraction of a second)."""
    n = words.shape[0]
    for j in range(layout.shape[0]):
        b0, s, t, base = layout[j, 0], layout[j, 1], layout[j, 2], layout[j, 3]
        table = slice(j * n, (j + 1) * n)
        _fill_table(words, b0, s, t, codes[table], rows[table], dirs[base : base + (1 << t) + 1])


# ----------------------------------------------------------------------------------- probes
@njit(cache=True)
def n_combinations(s, e, cap):
    """``comb(s, e)``, or ``cap + 1`` when it is larger than ``cap``.

    >>> n_combinations(21, 2, 1000), n_combinations(64, 30, 10)
    (210, 11)
    """
    count = 1
    for i in range(min(e, s - e)):
        count = count * (s - i) // (i + 1)
        if count > cap:  # grows with i, so it stays above cap: stop before it overflows
            return cap + 1
    return count if e <= s else 0


@njit
def _first_mask(e):
    """The smallest integer with ``e`` set bits."""
    return ~np.uint64(0) if e == 64 else (np.uint64(1) << np.uint64(e)) - np.uint64(1)


@njit
def _next_mask(x):
    """The next larger integer with as many set bits as ``x`` (Gosper's hack)."""
    low = x & (~x + np.uint64(1))
    if low == 0:  # no bits: the only mask
        return x
    ripple = x + low
    return (((ripple ^ x) >> np.uint64(2)) // low) | ripple


@njit(cache=True)
def probe_list(layout, radius):
    """Table, substring distance and flip mask of each probe of the steps ``0..radius``.

    >>> tables, flips, masks = probe_list(np.array([[0, 3, 3, 0], [3, 3, 3, 9]]), 2)
    >>> tables.tolist(), flips.tolist(), masks.tolist()
    ([0, 1, 0, 0, 0], [0, 0, 1, 1, 1], [0, 0, 1, 2, 4])
    """
    m, total = layout.shape[0], 0
    for step in range(radius + 1):
        total += n_combinations(layout[step % m, 1], step // m, 1 << 40)
    tables, flips, masks = (
        np.empty(total, np.int64),
        np.empty(total, np.int64),
        np.empty(total, np.uint64),
    )
    i = 0
    for step in range(radius + 1):
        j, e = step % m, step // m
        mask = _first_mask(e)
        for _ in range(n_combinations(layout[j, 1], e, 1 << 40)):
            tables[i], flips[i], masks[i] = j, e, mask
            mask = _next_mask(mask)
            i += 1
    return tables, flips, masks


@njit
def _slot(dirs, layout, j, key):
    """Bounds of the directory slot of substring value ``key`` in table ``j``."""
    h = layout[j, 3] + np.int64(key >> np.uint64(layout[j, 1] - layout[j, 2]))
    return np.int64(dirs[h]), np.int64(dirs[h + 1])


@njit(cache=True)
def _query_keys(q, q0, q1, layout):
    """Substrings of the queries ``q0:q1``, one row per query."""
    out = np.empty((q1 - q0, layout.shape[0]), np.uint64)
    for g in range(q1 - q0):
        for j in range(layout.shape[0]):
            out[g, j] = _word_key(q, q0 + g, layout[j, 0], layout[j, 1])
    return out


@njit(cache=True)
def _new_stage():
    """Staged probes: query ``group[i]`` of the group, table ``table[i]``, substring distance
    ``flips[i]`` and value ``keys[i]``; ``lo[i]:hi[i]``, its directory slot once read."""
    group, table, flips = (
        np.empty(_STAGE, np.int64),
        np.empty(_STAGE, np.int64),
        np.empty(_STAGE, np.int64),
    )
    lo, hi = np.empty(_STAGE, np.int64), np.empty(_STAGE, np.int64)
    return group, table, flips, np.empty(_STAGE, np.uint64), lo, hi


@njit(cache=True)
def _new_found(size):
    """Growable (query of the group, distance, row) triples, and how many are held."""
    return np.empty(size, np.int64), np.empty(size, np.int64), np.empty(size, np.int64), 0


@njit(cache=True)
def _bucket_in_slot(codes, base, lo, hi, b0, s, key):
    """Entries of the slot ``lo:hi`` (sorted by substring) whose substring is ``key``."""
    start, stop = lo, hi
    while start < stop:
        mid = (start + stop) >> 1
        if _word_key(codes, base + mid, b0, s) < key:
            start = mid + 1
        else:
            stop = mid
    stop = start
    while stop < hi and _word_key(codes, base + stop, b0, s) == key:
        stop += 1
    return start, stop


@njit(cache=True)
def _reserve(found, extra):
    """``found`` with room for ``extra`` more triples."""
    found_g, found_d, found_p, size = found
    if size + extra <= found_g.shape[0]:
        return found
    capacity = max(2 * found_g.shape[0], size + extra)
    grown = np.empty((3, capacity), np.int64)
    for i in range(size):
        grown[0, i], grown[1, i], grown[2, i] = found_g[i], found_d[i], found_p[i]
    return grown[0], grown[1], grown[2], size


@njit(cache=True)
def _flush(stage, count, index, q, q0, qkeys, limits, found, hist, scanned):
    """Verify ``count`` staged probes of the group of queries ``q[q0:]`` (substrings
    ``qkeys``): append each row at its first visit within ``limits[g]`` of query ``g``
    to ``found`` (returned, grown if it had to), count its distance in ``hist[g]``, and
    the entries read in ``scanned[g]``."""
    group, table, flips, keys, lo, hi = stage
    codes, rows, dirs, layout = index
    m, n = layout.shape[0], rows.shape[0] // layout.shape[0]
    in_slots = 0
    for i in range(count):
        lo[i], hi[i] = _slot(dirs, layout, table[i], keys[i])
        in_slots += hi[i] - lo[i]
    per_line = max(1, 8 // codes.shape[1])  # entries per 64-byte cache line
    for i in range(count):  # no branch (mispredicted): an empty slot prefetches entry 0
        _prefetch(codes, ((table[i] * n + lo[i]) * (lo[i] < hi[i]), 0))
        for b in range(lo[i] + per_line, min(hi[i], lo[i] + _PREFETCH_LINES * per_line), per_line):
            _prefetch(codes, (table[i] * n + b, 0))
    # room for every entry of the slots: no growth (nor reference counting) in the loop
    found_g, found_d, found_p, size = _reserve(found, in_slots)
    new = size
    for i in range(count):
        g, j, e = group[i], table[i], flips[i]
        start, stop = lo[i], hi[i]
        if layout[j, 1] != layout[j, 2] and start < stop:
            start, stop = _bucket_in_slot(
                codes, j * n, start, stop, layout[j, 0], layout[j, 1], keys[i]
            )
        scanned[g] += stop - start
        for b in range(j * n + start, j * n + stop):
            d = 0
            for w in range(codes.shape[1]):
                d += np.int64(popcount(codes[b, w] ^ q[q0 + g, w]))
            if d > limits[g]:
                continue
            for j2 in range(m):  # first visit: no other table's step j2 + m * e_j2 comes first
                if j2 != j:
                    e2 = np.int64(
                        popcount(_word_key(codes, b, layout[j2, 0], layout[j2, 1]) ^ qkeys[g, j2])
                    )
                    if e2 < e or (e2 == e and j2 < j):
                        d = -1
                        break
            if d >= 0:
                found_g[size], found_d[size], found_p[size] = g, d, b
                size += 1
                hist[g, d] += 1
    for i in range(new, size):  # entry -> row: independent loads, their misses overlap
        found_p[i] = rows[found_p[i]]
    return found_g, found_d, found_p, size


@njit(cache=True)
def _by_query(found, limits, n):
    """Keys ``distance * n + row`` of the found triples within ``limits[g]`` of their query
    ``g``, grouped by query (a counting sort), and where each query's keys start."""
    found_g, found_d, found_p, size = found
    first = np.zeros(limits.shape[0] + 1, np.int64)
    for i in range(size):
        first[found_g[i] + 1] += found_d[i] <= limits[found_g[i]]
    for g in range(limits.shape[0]):
        first[g + 1] += first[g]
    key, free = np.empty(first[-1], np.int64), first[:-1].copy()
    for i in range(size):
        if found_d[i] <= limits[found_g[i]]:
            key[free[found_g[i]]] = found_d[i] * n + found_p[i]
            free[found_g[i]] += 1
    return key, first


@njit(cache=True)
def _sort_keys(key, lo, hi):
    """Sort ``key[lo:hi]`` in place (by insertion when short, else by a heap sort)."""
    if hi - lo > 32:
        old = key[lo:hi].copy()
        order = _sorting_order(old)
        for i in range(hi - lo):
            key[lo + i] = old[order[i]]
        return
    for i in range(lo + 1, hi):
        value, t = key[i], i
        while t > lo and key[t - 1] > value:
            key[t] = key[t - 1]
            t -= 1
        key[t] = value


@njit(cache=True)
def _top_keys(key, lo, hi, out):
    """The ``len(out)`` smallest of ``key[lo:hi]``, sorted, into ``out``; returns how many."""
    k, kept = out.shape[0], 0
    for i in range(lo, hi):
        value = key[i]
        if kept == k and value >= out[k - 1]:
            continue
        t = kept if kept < k else k - 1
        kept = min(kept + 1, k)
        while t > 0 and out[t - 1] > value:
            out[t] = out[t - 1]
            t -= 1
        out[t] = value
    return kept


# ----------------------------------------------------------------------------------- radius
@njit(cache=True)
def _stage_probes(stage, qkeys, probes, g, p):
    """Stage probes ``p``, ``p + 1``, ... of query ``g``, then of the next queries, until
    the stage is full; returns how many and the next ``(g, p)``."""
    tables, flips, masks = probes
    stage_g, stage_j, stage_e, stage_key = stage[0], stage[1], stage[2], stage[3]
    staged = 0
    while g < qkeys.shape[0] and staged < _STAGE:
        stage_g[staged], stage_j[staged], stage_e[staged] = g, tables[p], flips[p]
        stage_key[staged] = qkeys[g, tables[p]] ^ masks[p]
        staged += 1
        p += 1
        if p == masks.shape[0]:
            g, p = g + 1, 0
    return staged, g, p


@njit(cache=True)
def _range_group(index, q, q0, q1, radius, probes, counts):
    """Radius search of the queries ``q0:q1``: their results, sorted, and counts.

    Arrays rebound in a loop cost reference counting at every turn, so the loop that
    rebinds ``found`` turns once per stage, not per query.
    """
    n_group, n = q1 - q0, index[1].shape[0] // index[3].shape[0]
    qkeys, stage = _query_keys(q, q0, q1, index[3]), _new_stage()
    limits, scanned = np.empty(n_group, np.int64), np.zeros(n_group, np.int64)
    limits[:] = radius
    hist, found = np.zeros((n_group, radius + 1), np.int64), _new_found(n_group)
    g, p = 0, 0
    while g < n_group:
        staged, g, p = _stage_probes(stage, qkeys, probes, g, p)
        found = _flush(stage, staged, index, q, q0, qkeys, limits, found, hist, scanned)
    key, first = _by_query(found, limits, n)
    for g in range(n_group):
        _sort_keys(key, first[g], first[g + 1])
    distances, rows = np.empty(key.shape[0], np.int32), np.empty(key.shape[0], np.int64)
    for i in range(key.shape[0]):
        distances[i], rows[i] = key[i] // n, key[i] % n
    for g in range(n_group):
        counts[q0 + g] = first[g + 1] - first[g]
    return distances, rows


@njit(nogil=True, cache=True)
def range_search(codes, rows, dirs, layout, q, radius):
    """Exact radius search of every query row of ``q`` (uint64 words), ``_GROUP`` queries
    at a time: CSR ``(lims, distances, rows)``, each query's results sorted by (distance,
    row). Releases the GIL: threads may search parts of a batch."""
    index, probes = (codes, rows, dirs, layout), probe_list(layout, radius)
    nq = q.shape[0]
    n_groups = (nq + _GROUP - 1) // _GROUP
    counts = np.zeros(nq, np.int64)
    group_d = [np.empty(0, np.int32) for _ in range(n_groups)]
    group_p = [np.empty(0, np.int64) for _ in range(n_groups)]
    for gi in range(n_groups):
        q0 = gi * _GROUP
        q1 = min(nq, q0 + _GROUP)
        group_d[gi], group_p[gi] = _range_group(index, q, q0, q1, radius, probes, counts)
    lims = np.zeros(nq + 1, np.int64)
    for qi in range(nq):
        lims[qi + 1] = lims[qi] + counts[qi]
    out_d, out_p = np.empty(lims[nq], np.int32), np.empty(lims[nq], np.int64)
    for gi in range(n_groups):  # loops, not slice assignments: those compile slowly
        start, part_d, part_p = lims[gi * _GROUP], group_d[gi], group_p[gi]
        for i in range(part_d.shape[0]):
            out_d[start + i], out_p[start + i] = part_d[i], part_p[i]
    return lims, out_d, out_p


# -------------------------------------------------------------------------------------- kNN
@njit(cache=True)
def _kth_distance(hist, g, k):
    """Smallest distance with at least ``k`` candidates at or below it (the last one if none)."""
    total = 0
    for d in range(hist.shape[1]):
        total += hist[g, d]
        if total >= k:
            return d
    return hist.shape[1] - 1


@njit(cache=True)
def _stage_flips(stage, qkeys, active, j, e, n_masks, g, done, mask):
    """Stage the probes of table ``j`` at substring distance ``e`` of the active queries,
    from query ``g`` (``done`` of its ``n_masks`` masks staged, ``mask`` the next) on,
    until the stage is full; returns how many and the next ``(g, done, mask)``."""
    stage_g, stage_j, stage_e, stage_key = stage[0], stage[1], stage[2], stage[3]
    staged = 0
    while g < qkeys.shape[0] and staged < _STAGE:
        if not active[g] or done == n_masks:
            g, done, mask = g + 1, 0, _first_mask(e)
            continue
        stage_g[staged], stage_j[staged], stage_e[staged] = g, j, e
        stage_key[staged] = qkeys[g, j] ^ mask
        mask = _next_mask(mask)
        done += 1
        staged += 1
    return staged, g, done, mask


@njit(cache=True)
def _knn_group(index, q, q0, q1, k, n_bits, budget, od, op, over):
    """Exact kNN of the queries ``q0:q1``, growing their radius together, step by step.

    After step ``r`` every row within ``r`` is known (module docstring), so a query is
    done once ``k`` candidates are within ``r``. Candidates farther than the current k-th
    are dropped. A query whose probing would cost more than ``budget`` is left to the scan.
    """
    layout, n_group, n = index[3], q1 - q0, index[1].shape[0] // index[3].shape[0]
    m, cap = layout.shape[0], budget // PROBE_COST
    qkeys, stage = _query_keys(q, q0, q1, layout), _new_stage()
    limits, scanned = np.empty(n_group, np.int64), np.zeros(n_group, np.int64)
    limits[:] = n_bits
    hist, found = np.zeros((n_group, n_bits + 1), np.int64), _new_found(16 * n_group)
    active, certain = np.ones(n_group, np.bool_), np.zeros(n_group, np.int64)
    n_active, probed = n_group, 0
    for step in range(n_bits + 1):
        j, e = step % m, step // m
        n_masks = n_combinations(layout[j, 1], e, cap)
        probed += n_masks
        for g in range(n_group):
            if active[g] and PROBE_COST * probed + _ROW_COST * scanned[g] > budget:
                active[g], over[q0 + g], n_active = False, True, n_active - 1
        g, done, mask = 0, 0, _first_mask(e)
        while g < n_group:
            staged, g, done, mask = _stage_flips(stage, qkeys, active, j, e, n_masks, g, done, mask)
            found = _flush(stage, staged, index, q, q0, qkeys, limits, found, hist, scanned)
        for g in range(n_group):
            if active[g]:
                limits[g] = _kth_distance(hist, g, k)
                certain[g] += hist[g, step]
                if certain[g] >= k:  # every row within `step` is known: done
                    active[g], n_active = False, n_active - 1
        if n_active == 0:
            break
    key, first = _by_query(found, limits, n)
    top = np.empty(k, np.int64)
    for g in range(n_group):
        if not over[q0 + g]:
            for i in range(_top_keys(key, first[g], first[g + 1], top)):
                od[q0 + g, i], op[q0 + g, i] = top[i] // n, top[i] % n


@njit(nogil=True, cache=True)
def knn_search(codes, rows, dirs, layout, q, k, n_bits, budget, od, op):
    """Exact kNN of every query row of ``q`` (uint64 words), ``_GROUP`` queries at a time,
    into ``od``/``op`` (-1 padded). Releases the GIL: threads may search parts of a batch.

    Returns a mask of the queries whose probing ran over ``budget`` (left untouched).
    """
    over = np.zeros(q.shape[0], np.bool_)
    index = (codes, rows, dirs, layout)
    for q0 in range(0, q.shape[0], _GROUP):
        q1 = min(q.shape[0], q0 + _GROUP)
        _knn_group(index, q, q0, q1, k, n_bits, budget, od, op, over)
    return over
