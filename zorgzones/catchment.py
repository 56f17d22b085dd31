"""Cost-sorted catchment rows for fast threshold 2SFCA recomputation.

Cost-sorted catchment rows: binary (threshold) 2SFCA recomputed from per-service prefixes instead of a pass
over every pair.
"""

from __future__ import annotations

import numpy as np


def sorted_rows(row_code: np.ndarray, col_code: np.ndarray, cost: np.ndarray, n_rows: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR layout ``(indptr, col_code, cost)`` of the pairs grouped by row, each row ordered by increasing cost."""
    order = np.argsort(cost)
    rows = row_code[order]
    if n_rows <= np.iinfo(np.uint16).max:
        rows = rows.astype(np.uint16)  # a stable sort of 16-bit keys is a radix sort: much faster than np.lexsort
    order = order[np.argsort(rows, kind="stable")]
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(row_code, minlength=n_rows), out=indptr[1:])
    return indptr, col_code[order], cost[order]


def prefix_ends(cost: np.ndarray, indptr: np.ndarray, bound: float) -> np.ndarray:
    """End position of each row's prefix of costs ``<= bound`` (rows cost-sorted): one vectorised binary search over all rows."""
    start, stop = indptr[:-1], indptr[1:]
    end = start.copy()
    if not len(cost):
        return end
    step = 1 << (int((stop - start).max()).bit_length() - 1) if len(start) else 0
    while step:
        candidate = end + step
        ok = cost[np.minimum(candidate, stop) - 1] <= bound
        ok &= candidate <= stop
        np.copyto(end, candidate, where=ok)
        step >>= 1
    return end


def row_cumsum(values: np.ndarray, indptr: np.ndarray, *, block: int = 1 << 20) -> np.ndarray:
    """Cumulative sums restarting at every row, each summed along its own row (no global running total, so no cancellation)."""
    out = np.empty(len(values))
    lengths = np.diff(indptr)
    width_class = np.frexp(np.maximum(lengths - 1, 0))[1]  # rows padded to the next power of two, one 2-D cumsum per class
    for k in np.unique(width_class[lengths > 0]):
        width = 1 << int(k)
        rows = np.flatnonzero((width_class == k) & (lengths > 0))
        for first in range(0, len(rows), max(1, block // width)):
            chunk = rows[first : first + max(1, block // width)]
            inside = np.arange(width) < lengths[chunk, None]
            positions = (indptr[chunk, None] + np.arange(width))[inside]
            padded = np.zeros(inside.shape)
            padded[inside] = values[positions]
            np.cumsum(padded, axis=1, out=padded)
            out[positions] = padded[inside]
    return out


class ThresholdRows:
    """Pairs held per destination in cost order, for 2SFCA with binary weights (cost <= bound).

    For a bound every destination's catchment is a prefix of its row, found by :func:`prefix_ends`.
    Step 1 (population reached) reads per-row prefix sums of demand, built when a demand vector is
    used a second time, so a threshold or capacity change costs O(destinations x log pairs) (the
    first call with a new demand sums the prefixes directly, one pass); step 2 adds each ratio to the
    origins of its prefix in one sparse pass, through a matrix whose column ``2j`` holds
    destination ``j``'s prefix and column ``2j + 1`` the rest of its row (multiplied by 0).
    """

    def __init__(self, indptr: np.ndarray, origin_code: np.ndarray, cost: np.ndarray, n_origins: int):
        self.indptr, self.origin_code, self.cost, self.n_origins = indptr, origin_code, cost, n_origins
        self._split = None
        self._demand = self._demand_cumsum = self._demand_sorted = None

    def compute(self, demand: np.ndarray, supply: np.ndarray, bound: float) -> np.ndarray:
        """Supply per demand unit per origin (0.0 when nothing is in reach, NaN when a reached catchment has zero demand)."""
        from scipy import sparse

        n_dest = len(self.indptr) - 1
        if self._demand is None or not np.array_equal(demand, self._demand):
            self._demand, self._demand_cumsum = demand.copy(), None
            self._demand_sorted = np.append(demand[self.origin_code], 0.0)  # + 0: a row end may equal the pair count
        elif self._demand_cumsum is None:  # the same demand again (threshold or capacity change): prefix sums pay off
            self._demand_cumsum, self._demand_sorted = row_cumsum(self._demand_sorted[:-1], self.indptr), None
        ends = prefix_ends(self.cost, self.indptr, bound)
        inside = ends > self.indptr[:-1]
        pop_reached = np.zeros(n_dest)
        if self._demand_cumsum is not None:
            pop_reached[inside] = self._demand_cumsum[ends[inside] - 1]
        else:  # first call with this demand: sum each prefix directly (one pass, cheaper than building the prefix sums)
            bounds = np.empty(2 * n_dest, dtype=np.intp)
            bounds[0::2], bounds[1::2] = self.indptr[:-1], ends
            pop_reached[inside] = np.add.reduceat(self._demand_sorted, bounds)[0::2][inside]
        split = np.zeros(2 * n_dest)  # even: ratio of the prefix; odd: 0 for the pairs beyond the bound
        ratio = split[0::2]
        np.divide(supply, pop_reached, out=ratio, where=pop_reached > 0)
        ratio[(pop_reached <= 0) & (supply > 0)] = np.nan  # zero-demand catchment: NaN for every origin that reaches it
        if self._split is None:
            indptr = np.repeat(self.indptr, 2)[1:]
            self._split = sparse.csc_matrix((np.ones(len(self.cost)), self.origin_code, indptr), shape=(self.n_origins, 2 * n_dest))
        self._split.indptr[1:-1:2] = ends
        return self._split @ split
