"""Graph partition core for zone generation.

Balanced spanning-tree bisection with a population ceiling, and compactness local search over boundary
units (geometry-free: works on neighbour lists, populations, areas, borders).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import depth_first_order, minimum_spanning_tree

#: Tightening of the per-zone target around the mean size tried in turn while bisecting.
TOLERANCES = (0.02, 0.05, 0.1, 0.2, math.inf)
TREES_PER_TOLERANCE = (4, 4, 4, 4, 60)
#: Trees tried once a feasible cut is known (the shortest cut border among them wins).
TREES_WHEN_FOUND = 4


class Bisector:
    """Recursive bisection of connected unit sets along random spanning trees, choosing among the cuts that keep
    both sides able to host their zones inside [low, high] the one with the shortest shared border (compact cuts)."""

    def __init__(self, neighbours: list, shared_m: dict, pop: np.ndarray, rng: np.random.Generator):
        self.neighbours, self.shared_m, self.pop, self.rng = neighbours, shared_m, pop, rng

    def partition(self, members: list, k: int, low: float, high: float) -> list[list[int]]:
        """Split the connected set ``members`` into ``k`` connected parts, each within [low, high] when possible."""
        if k <= 1:
            return [sorted(members)]
        k1 = k // 2
        side, rest = self.bisect(members, k1, k - k1, low, high)
        return self.partition(side, k1, low, high) + self.partition(rest, k - k1, low, high)

    def bisect(self, members: list, k1: int, k2: int, low: float, high: float) -> tuple[list, list]:
        members = sorted(members)
        local = {u: i for i, u in enumerate(members)}
        eu, ev, ew = [], [], []
        for u in members:
            for w in self.neighbours[u]:
                if w in local and u < w:
                    eu.append(local[u])
                    ev.append(local[w])
                    ew.append(self.shared_m.get((u, w), 0.0))
        eu, ev, ew = np.array(eu, dtype=np.int64), np.array(ev, dtype=np.int64), np.array(ew, dtype=float)
        n = len(members)
        structure = csr_matrix((np.arange(1, len(eu) + 1, dtype=float), (eu, ev)), shape=(n, n))
        slot = structure.data.astype(np.int64) - 1
        pop = self.pop[members]
        total = float(pop.sum())
        mean = total / (k1 + k2)
        best = None
        possible = any(ka * low <= total - 0 and total <= (ka + kb) * high and ka * low + kb * low <= total
                       for ka, kb in ((k1, k2), (k2, k1)))
        for tol, trees in zip(TOLERANCES, TREES_PER_TOLERANCE if possible else ()):
            lo_t, hi_t = max(low, mean * (1 - tol)), min(high, mean * (1 + tol))
            if lo_t > hi_t:
                lo_t, hi_t = low, high
            for attempt in range(trees):
                if best is not None and attempt >= TREES_WHEN_FOUND:
                    break
                weights = self.rng.random(len(eu)) + 1e-9
                tree = minimum_spanning_tree(csr_matrix((weights[slot], structure.indices, structure.indptr), shape=(n, n)))
                root = int(self.rng.integers(n))
                order, parent = depth_first_order(tree, root, directed=False, return_predecessors=True)
                if len(order) < n:  # not connected: caller's bug or islands; cut along components
                    inside = set(order.tolist())
                    return [members[i] for i in order], [members[i] for i in range(n) if i not in inside]
                sub = pop.copy()
                size = np.ones(n, dtype=np.int64)
                for v in order[:0:-1]:
                    sub[parent[v]] += sub[v]
                    size[parent[v]] += size[v]
                other = total - sub
                ok = np.zeros(n, dtype=bool)
                for ka, kb in {(k1, k2), (k2, k1)}:
                    ok |= (sub >= ka * lo_t) & (sub <= ka * hi_t) & (other >= kb * lo_t) & (other <= kb * hi_t)
                ok[root] = False
                candidates = np.flatnonzero(ok)
                if not len(candidates):
                    continue
                tin = np.empty(n, dtype=np.int64)
                tin[order] = np.arange(n)
                start = tin[candidates][:, None]
                stop = start + size[candidates][:, None]
                in_u = (tin[eu][None, :] >= start) & (tin[eu][None, :] < stop)
                in_v = (tin[ev][None, :] >= start) & (tin[ev][None, :] < stop)
                cut = ((in_u ^ in_v) * ew[None, :]).sum(axis=1)
                pick = int(np.argmin(cut))
                score = float(cut[pick])
                if best is None or score < best[0]:
                    best = (score, candidates[pick], tin, size, order)
            if best is not None:
                break
        if best is None:  # no feasible cut at all: take the cut closest to the balanced share
            weights = self.rng.random(len(eu)) + 1e-9
            tree = minimum_spanning_tree(coo_matrix((weights, (eu, ev)), shape=(n, n)).tocsr())
            order, parent = depth_first_order(tree + tree.T, 0, directed=False, return_predecessors=True)
            sub = pop.copy()
            size = np.ones(n, dtype=np.int64)
            for v in order[:0:-1]:
                sub[parent[v]] += sub[v]
                size[parent[v]] += size[v]
            gap = np.abs(sub - total * k1 / (k1 + k2))
            gap[0] = np.inf
            tin = np.empty(n, dtype=np.int64)
            tin[order] = np.arange(n)
            best = (0.0, int(np.argmin(gap)), tin, size, order)
        _, node, tin, size, order = best
        inside = (tin >= tin[node]) & (tin < tin[node] + size[node])
        side = [members[i] for i in np.flatnonzero(inside)]
        rest = [members[i] for i in np.flatnonzero(~inside)]
        part_pop = float(self.pop[side].sum())
        # give the subtree the zone count that fits it best
        if abs(part_pop - k1 * mean) <= abs(part_pop - k2 * mean):
            return side, rest
        return rest, side


class LocalSearch:
    """Move boundary units between neighbouring zones: first reduce band violations, then (optionally) units moved
    away from a base plan, then the sum of 1 / Polsby-Popper of the zones; contiguity is kept on every move."""

    def __init__(self, neighbours: list, shared_m: dict, pop: np.ndarray, area_m2: np.ndarray, perimeter_m: np.ndarray,
                 zone: np.ndarray, low: float, high: float, *, fixed: np.ndarray, home: np.ndarray | None = None):
        self.neighbours, self.shared_m, self.pop = neighbours, shared_m, pop
        self.area, self.perim = area_m2, perimeter_m
        self.zone = zone.copy()
        self.low, self.high = low if low is not None else -math.inf, high if high is not None else math.inf
        self.fixed, self.home = fixed, home
        nz = int(zone.max()) + 1
        self.members = [set() for _ in range(nz)]
        for u, z in enumerate(zone):
            if z >= 0:
                self.members[z].add(u)
        self.zpop = np.array([pop[list(m)].sum() if m else 0.0 for m in self.members])
        self.zarea = np.array([area_m2[list(m)].sum() if m else 0.0 for m in self.members])
        self.zperim = np.array([self._perimeter(m) for m in self.members])
        self.fixed_zones = {int(zone[u]) for u in np.flatnonzero(fixed) if zone[u] >= 0}

    def _perimeter(self, members: set) -> float:
        internal = sum(self.shared_m.get((a, b), 0.0) for a in members for b in self.neighbours[a] if b in members)
        return float(sum(self.perim[a] for a in members) - internal)

    def violation(self, p: float) -> float:
        return max(0.0, self.low - p) + max(0.0, p - self.high)

    def _compact(self, p: float, a: float) -> float:
        return p * p / a if a > 0 else 0.0

    def stays_connected(self, zone: int, unit: int) -> bool:
        rest = self.members[zone] - {unit}
        if not rest:
            return False
        start = next(w for w in self.neighbours[unit] if w in rest) if any(w in rest for w in self.neighbours[unit]) else None
        if start is None:
            return False
        seen, stack = {start}, [start]
        while stack:
            v = stack.pop()
            for w in self.neighbours[v]:
                if w in rest and w not in seen:
                    seen.add(w)
                    stack.append(w)
        return len(seen) == len(rest)

    def run(self, rng: np.random.Generator, *, max_passes: int = 30) -> np.ndarray:
        movable = np.flatnonzero((self.zone >= 0) & ~self.fixed)
        for _ in range(max_passes):
            changed = 0
            for u in rng.permutation(movable):
                changed += self.try_move(int(u))
            if not changed:
                break
        return self.zone

    def try_move(self, u: int) -> int:
        a = int(self.zone[u])
        options = {int(self.zone[w]) for w in self.neighbours[u]} - {a, -1}
        if not options:
            return 0
        to_a = sum(self.shared_m.get((u, w), 0.0) for w in self.neighbours[u] if self.zone[w] == a)
        p_u, a_u, per_u = self.pop[u], self.area[u], self.perim[u]
        best = None
        for b in sorted(options):
            if self.fixed_zone(b):
                continue
            to_b = sum(self.shared_m.get((u, w), 0.0) for w in self.neighbours[u] if self.zone[w] == b)
            dv = (self.violation(self.zpop[a] - p_u) + self.violation(self.zpop[b] + p_u)
                  - self.violation(self.zpop[a]) - self.violation(self.zpop[b]))
            if dv > 1e-9:
                continue
            dm = 0
            if self.home is not None:
                dm = int(self.home[u] == b) * -1 + int(self.home[u] == a)
            pa, pb = self.zperim[a] - per_u + 2 * to_a, self.zperim[b] + per_u - 2 * to_b
            dc = (self._compact(pa, self.zarea[a] - a_u) + self._compact(pb, self.zarea[b] + a_u)
                  - self._compact(self.zperim[a], self.zarea[a]) - self._compact(self.zperim[b], self.zarea[b]))
            key = (round(dv, 6), dm, dc)
            if key < (0.0, 0, -1e-6) and (best is None or key < best[0]):
                best = (key, b, pa, pb)
        if best is None or not self.stays_connected(a, u):
            return 0
        _, b, pa, pb = best
        self.members[a].discard(u)
        self.members[b].add(u)
        self.zone[u] = b
        self.zpop[a] -= p_u
        self.zpop[b] += p_u
        self.zarea[a] -= a_u
        self.zarea[b] += a_u
        self.zperim[a], self.zperim[b] = pa, pb
        return 1

    def fixed_zone(self, z: int) -> bool:
        return z in self.fixed_zones
