"""Zone proposals: need-profile clustering repaired into a population band."""

from __future__ import annotations

import math
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from sklearn.cluster import AgglomerativeClustering
from threadpoolctl import threadpool_limits

from zorgzones.adjacency import ISLAND_POLICIES, UnitGraph, unit_graph
from zorgzones.errors import Report
from zorgzones.partition import Bisector, LocalSearch
from zorgzones.plan_metrics import MetricContext, finish_metrics, plan_summary
from zorgzones.regionalize import zone_counts
from zorgzones.settings import (CLUSTER_SEED, CLUSTER_THREADS, CLUSTER_ZONE_OVERSPLIT, CLUSTER_ZONE_POLISH_PASSES,
                                DEFAULT_BAND, TYPOLOGY_INDICATORS)
from zorgzones.typology import need_indicators, standardise
from zorgzones.zones import Plan, require_projected

LINKAGES = ("ward", "average", "complete")
RESPECT = ("region", "province")
METHOD_NOTE = ("clustered: agglomerative clustering ({linkage}) of standardised need profiles with the unit adjacency "
               "as connectivity, per {respect} part, into {oversplit}x the zones needed; repaired into the band: zones "
               "above the maximum split along balanced spanning trees (partition.Bisector), zones below the minimum "
               "merged into the most similar neighbouring zone that stays under the maximum (least Ward cost), zones "
               "still outside re-split with one or two neighbours, then single boundary units moved")


def within_zone_variance(profiles: pd.DataFrame, assignment: pd.Series) -> float:
    """Homogeneity of need: mean over zones of the mean variance (over units, ddof 0) of each standardised
    indicator inside the zone; 1.0 = no better than the whole region, lower = zones of more alike units."""
    zone = assignment[~assignment.index.duplicated()].reindex(profiles.index)
    ok = zone.notna().to_numpy()
    variance = profiles[ok].groupby(zone[ok].to_numpy()).var(ddof=0)
    return float(variance.mean(axis=1).mean())


def _connectivity(members: list[int], neighbours: list) -> csr_matrix:
    local = {u: i for i, u in enumerate(members)}
    rows, cols = [], []
    for u in members:
        for w in neighbours[u]:
            if w in local:
                rows.append(local[u])
                cols.append(local[w])
    n = len(members)
    return csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))


def _initial(members: list[int], k: int, z: np.ndarray, neighbours: list, linkage: str) -> np.ndarray:
    """Labels 0..k-1 of ``members`` (a connected set) by connectivity-constrained agglomerative clustering."""
    if k <= 1 or len(members) <= 1:
        return np.zeros(len(members), dtype=np.int64)
    k = min(k, len(members))
    with threadpool_limits(limits=CLUSTER_THREADS), warnings.catch_warnings():
        # a disconnected part would be silently "completed" across borders: make that an error, not a warning
        warnings.filterwarnings("error", message="the number of connected components")
        model = AgglomerativeClustering(n_clusters=k, linkage=linkage, connectivity=_connectivity(members, neighbours))
        return model.fit_predict(z[members])


class _Repair:
    """Band repair of a zone array: zones above ``high`` are split along balanced spanning trees; zones below ``low``
    merge into the neighbouring zone with the least Ward cost (size-weighted distance of mean profiles) that keeps
    the union under ``high``; zones still outside the band are re-split together with one or two neighbours (a ReCom
    step, kept only when every new zone is inside the band), and last single boundary units move (``shift``).
    Zones of oversize units are left alone."""

    def __init__(self, zone, neighbours, pop, z, low, high, fixed: set, bisector: Bisector):
        self.zone, self.neighbours, self.pop, self.z = zone, neighbours, pop, z
        self.low, self.high, self.fixed, self.bisector = low, high, fixed, bisector

    def ids(self) -> list[int]:
        return sorted(set(int(v) for v in self.zone if v >= 0))

    def total(self, z: int) -> float:
        return float(self.pop[self.zone == z].sum())

    def bad(self, z: int) -> bool:
        return z not in self.fixed and not self.low <= self.total(z) <= self.high

    def near(self, z: int) -> set:
        return {int(self.zone[w]) for u in np.flatnonzero(self.zone == z) for w in self.neighbours[u]} - {z, -1} - self.fixed

    def ward_cost(self, a: int, b: int) -> float:
        za, zb = self.z[self.zone == a], self.z[self.zone == b]
        return len(za) * len(zb) / (len(za) + len(zb)) * float(((za.mean(axis=0) - zb.mean(axis=0)) ** 2).sum())

    def split(self) -> bool:
        changed = False
        for z in self.ids():
            total = self.total(z)
            if z in self.fixed or total <= self.high:
                continue
            fewest, most = zone_counts(total, self.low, self.high)
            members = np.flatnonzero(self.zone == z).tolist()
            pieces = sorted(self.bisector.partition(members, max(min(fewest, max(most, 1)), 2), self.low, self.high),
                            key=lambda p: -self.pop[p].sum())
            for piece in pieces[1:]:
                self.zone[piece] = int(self.zone.max()) + 1
            changed = True
        return changed

    def merge(self) -> bool:
        """Merge zones below the band, smallest first, while a neighbour takes them without passing the maximum."""
        changed = True
        merged = False
        while changed:
            changed = False
            small = sorted((self.total(z), z) for z in self.ids() if z not in self.fixed and self.total(z) < self.low)
            for total, z in small:
                fits = [b for b in self.near(z) if total + self.total(b) <= self.high]
                if fits:
                    other = min(fits, key=lambda b: (self.ward_cost(z, b), b))
                    self.zone[self.zone == z] = other
                    changed = merged = True
                    break
        return merged

    def recombine(self) -> bool:
        changed = False
        for z in self.ids():
            if z not in set(self.zone.tolist()) or not self.bad(z):
                continue
            near = sorted(self.near(z), key=lambda b: (self.ward_cost(z, b), b))
            groups = [[z, b] for b in near] + [[z, b, c] for i, b in enumerate(near[:4]) for c in near[i + 1:4]]
            for group in groups:
                if self._resplit(group):
                    changed = True
                    break
        return changed

    def _resplit(self, group: list[int]) -> bool:
        union = np.flatnonzero(np.isin(self.zone, group)).tolist()
        total = float(self.pop[union].sum())
        fewest, most = zone_counts(total, self.low, self.high)
        for k in (len(group), len(group) - 1):
            if not (1 <= k and fewest <= k <= most):
                continue
            pieces = self.bisector.partition(union, k, self.low, self.high)
            if all(self.low <= self.pop[p].sum() <= self.high for p in pieces):
                for piece, owner in zip(sorted(pieces, key=len, reverse=True), group):
                    self.zone[piece] = owner
                return True
        return False

    def violation(self, total: float) -> float:
        return max(0.0, self.low - total) + max(0.0, total - self.high)

    def connected_without(self, z: int, unit: int) -> bool:
        rest = set(np.flatnonzero(self.zone == z).tolist()) - {unit}
        if not rest:
            return False
        start = next(iter(rest))
        seen, stack = {start}, [start]
        while stack:
            for w in self.neighbours[stack.pop()]:
                if w in rest and w not in seen:
                    seen.add(w)
                    stack.append(w)
        return len(seen) == len(rest)

    def shift(self) -> bool:
        """Move single boundary units into zones below the band (or out of zones above it) while the summed band
        violation drops and the giving zone stays connected; among such moves the unit most alike its new zone."""
        changed = False
        for z in self.ids():
            while self.bad(z):
                members = np.flatnonzero(self.zone == z)
                if self.total(z) < self.low:
                    moves = {(int(w), int(self.zone[w]), z) for u in members for w in self.neighbours[u]}
                else:
                    moves = {(int(u), z, int(self.zone[w])) for u in members for w in self.neighbours[u]}
                best = None
                for unit, src, dst in sorted(moves):
                    if src == dst or -1 in (src, dst) or src in self.fixed or dst in self.fixed:
                        continue
                    p, ts, td = self.pop[unit], self.total(src), self.total(dst)
                    after = self.violation(ts - p) + self.violation(td + p)
                    if after >= self.violation(ts) + self.violation(td) - 1e-9:
                        continue
                    key = (after, float(((self.z[unit] - self.z[self.zone == dst].mean(axis=0)) ** 2).sum()), unit)
                    if (best is None or key < best[0]) and self.connected_without(src, unit):
                        best = (key, unit, dst)
                if best is None:
                    break
                self.zone[best[1]] = best[2]
                changed = True
        return changed

    def run(self, *, max_rounds: int) -> list[str]:
        for _ in range(max_rounds):
            changed = self.split()
            changed |= self.merge()
            if not changed and not self.recombine() and not self.shift():
                break
        left = [z for z in self.ids() if self.bad(z)]
        return [f"{len(left)} zone(s) stay outside the band after repair"] if left else []


def cluster_zones(units: gpd.GeoDataFrame, *, profiles: pd.DataFrame | None = None, bundle=None,
                  indicators: tuple = TYPOLOGY_INDICATORS, min_population: float | None = DEFAULT_BAND[0],
                  max_population: float | None = DEFAULT_BAND[1], respect: str = "region", linkage: str = "ward",
                  island_policy: str = "nearest", seed: int = CLUSTER_SEED, oversplit: int = CLUSTER_ZONE_OVERSPLIT,
                  polish_passes: int = CLUSTER_ZONE_POLISH_PASSES, max_rounds: int = 20,
                  name: str = "clustered", graph: UnitGraph | None = None) -> tuple[Plan, dict]:
    """A plan of contiguous zones of units with alike need, inside [min_population, max_population].

    ``profiles`` are standardised indicators aligned to ``units`` (default: :func:`typology.need_indicators` of
    ``indicators`` on ``bundle``, standardised). Units above the maximum are kept as their own flagged zone; each
    connected part of the rest (split at region, or province, borders: zones never cross them) is clustered into
    ``oversplit`` x (population / mid-band) clusters with the adjacency as connectivity, then repaired into the band
    (see ``METHOD_NOTE`` and ``_Repair``); last, ``polish_passes`` passes of partition.LocalSearch move boundary
    units for compactness without leaving the band or breaking contiguity (0 = none). Returns the plan and a score dict (plan_summary figures, zones out of band, non-contiguous
    zones, ``within_zone_variance``). Deterministic for a ``seed`` (it drives the repair's spanning trees).
    """
    require_projected(units)
    check = Report("clustered zones")
    if min_population is None or max_population is None or not 0 < min_population <= max_population:
        check.problem(f"band [{min_population}, {max_population}]; expected 0 < min <= max (both given)")
    if respect not in RESPECT:
        check.problem(f"respect={respect!r}; expected one of {RESPECT} (zones never cross the Flanders/Brussels border)")
    if not (isinstance(polish_passes, int) and polish_passes >= 0):
        check.problem(f"polish_passes={polish_passes!r}; expected a whole number >= 0")
    if not (isinstance(oversplit, int) and oversplit >= 1):
        check.problem(f"oversplit={oversplit!r}; expected a whole number >= 1")
    if linkage not in LINKAGES:
        check.problem(f"linkage={linkage!r}; expected one of {LINKAGES}")
    if island_policy not in ISLAND_POLICIES:
        check.problem(f"island_policy={island_policy!r}; expected one of {ISLAND_POLICIES}")
    if "pop_total" not in units.columns or units["pop_total"].isna().any():
        check.problem("units need a complete pop_total column")
    if profiles is not None and not profiles.index.equals(units.index):
        check.problem("profiles must be aligned to units (same index, same order)")
    check.raise_if_problems()
    if profiles is None:
        values = need_indicators(units, bundle=bundle, indicators=tuple(indicators))
        profiles, _ = standardise(values.drop(columns="age_estimated"))
    low, high = float(min_population), float(max_population)
    method = METHOD_NOTE.format(linkage=linkage, respect=respect, oversplit=oversplit)
    graph = graph if graph is not None else unit_graph(units, island_policy="strict" if island_policy == "strict" else "nearest")
    neighbours = graph.allowed_edges(respect)
    pop = units["pop_total"].to_numpy(dtype=float)
    z = profiles.reindex(graph.unit_ids).to_numpy(dtype=float)
    oversize = pop > high
    zone = np.full(graph.n, -1, dtype=np.int64)
    for u in np.flatnonzero(oversize):
        zone[u] = zone.max() + 1
    fixed = {int(zone[u]) for u in np.flatnonzero(oversize)}
    free = [[w for w in nb if not oversize[w]] for nb in neighbours]
    parts = sorted(graph.components(np.flatnonzero(~oversize), free), key=lambda p: min(graph.unit_ids[p]))
    ideal = (low + high) / 2
    notes = []
    for part in parts:
        total = float(pop[part].sum())
        fewest, most = zone_counts(total, low, high)
        k = min(max(round(total / ideal), fewest, 1), max(most, 1))
        k = min(len(part), k * oversplit)  # more, smaller clusters first: the repair merges them up to the band
        if fewest > most:
            notes.append(f"units {', '.join(map(str, graph.unit_ids[part][:6]))}{' …' if len(part) > 6 else ''} "
                         f"({total:,.0f} inhabitants) cannot form zones inside the band")
        labels = _initial(sorted(part), k, z, free, linkage)
        zone[sorted(part)] = labels + zone.max() + 1
    rng = np.random.default_rng(seed)
    bisector = Bisector(free, graph.edge_length, pop, rng)
    notes += _Repair(zone, free, pop, z, low, high, fixed, bisector).run(max_rounds=max_rounds)
    if polish_passes > 0:  # compactness: boundary moves that keep the band and contiguity (partition.LocalSearch)
        zone = pd.factorize(zone)[0].astype(np.int64)
        search = LocalSearch(free, graph.edge_length, pop, graph.area_m2, graph.perimeter_m, zone, low, high, fixed=oversize)
        zone = search.run(rng, max_passes=polish_passes)
        method += f"; then up to {polish_passes} passes of compactness moves inside the band"
    plan = _to_plan(units, graph, zone, oversize, low, high, name=name, notes=notes, method=method)
    return plan, score_plan(units, plan, profiles, graph=graph, oversize=oversize)


def _to_plan(units, graph, zone, oversize, low, high, *, name, notes, method) -> Plan:
    ids = sorted(set(zone.tolist()), key=lambda z: min(graph.unit_ids[zone == z]))
    width = max(2, len(str(len(ids))))
    label = {z: f"C{i + 1:0{width}d}" for i, z in enumerate(ids)}
    names, flagged = {}, []
    for z in ids:
        members = np.flatnonzero(zone == z)
        if oversize[members].any():
            flagged.append(label[z])
            shown = units["name"].iloc[members[0]] if "name" in units.columns else graph.unit_ids[members[0]]
            names[label[z]] = f"{shown} (oversize unit)"
        else:
            names[label[z]] = f"Cluster zone {label[z][1:].lstrip('0')}"
    assignment = pd.Series({graph.unit_ids[u]: label[int(zone[u])] for u in range(graph.n)}, name="zone_id", dtype=object)
    text = [f"{method}; band [{low:,.0f}, {high:,.0f}]"]
    if flagged:
        text.append(f"oversize unit(s) kept as their own flagged zone(s): {', '.join(flagged)}")
    levels = sorted(set(units["level"].astype(str))) if "level" in units.columns else ["municipality"]
    return Plan(assignment.rename_axis("unit_id"), names, name, levels[0] if len(levels) == 1 else "mixed", low, high,
                "; ".join(text + notes))


def score_plan(units: gpd.GeoDataFrame, plan: Plan, profiles: pd.DataFrame, *, graph: UnitGraph | None = None,
               oversize: np.ndarray | None = None) -> dict:
    """plan_summary figures plus zones out of band (flagged oversize zones excepted), non-contiguous zones and
    the mean within-zone variance of the standardised need profiles: one yardstick for any generator's plan."""
    context = MetricContext(units, graph=graph)
    rows = {zone: context.zone_row(m) for zone, m in context.positions(plan).items()}
    metrics = finish_metrics(rows, plan, min_population=plan.min_population, max_population=plan.max_population)
    high = plan.max_population if plan.max_population is not None else math.inf
    oversize = oversize if oversize is not None else units["pop_total"].to_numpy(dtype=float) > high
    flagged = {plan.assignment.get(u) for u in context.graph.unit_ids[oversize]}
    summary = plan_summary(metrics)
    return {**summary, "zones_flagged": len(flagged),
            "zones_out_of_band": int((~metrics["in_band"] & ~metrics.index.isin(list(flagged))).sum()),
            "non_contiguous": int((~metrics["contiguous"]).sum()),
            "within_zone_variance": round(within_zone_variance(profiles, plan.assignment), 4)}
