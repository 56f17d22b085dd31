"""Generation of zone plans inside a population band.

Generation of zone plans: contiguous zones inside a population band, within regional (or provincial) borders,
compact, optionally close to a base plan, with oversize units kept as flagged zones; several ranked
alternatives.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np

from zorgzones.adjacency import ISLAND_POLICIES, UnitGraph, unit_graph
from zorgzones.errors import Report
from zorgzones.partition import Bisector, LocalSearch
from zorgzones.plan_metrics import MetricContext, finish_metrics, plan_summary
from zorgzones.settings import DEFAULT_BAND
from zorgzones.zones import Plan, require_projected

RESPECT = ("region", "province", None)
SCORE_RULE = ("plans are ranked by (zones outside the band that hold no oversize unit, non-contiguous zones, units moved "
              "from the base plan, -mean Polsby-Popper); score = mean_polsby_popper - zones_out_of_band - non_contiguous "
              "- units_moved / n_units (higher is better)")


def zone_counts(total: float, low: float, high: float) -> tuple[int, int]:
    """Smallest and largest number of zones a connected set of ``total`` inhabitants can hold inside [low, high]."""
    fewest = max(1, math.ceil(total / high)) if high and high < math.inf else 1
    most = math.floor(total / low) if low else 10 ** 9
    return fewest, most


def _choose_counts(totals: list[float], low, high, n_zones: int | None) -> list[int]:
    """Zones per connected part: near total / ideal size, or ``n_zones`` spread in proportion to population."""
    finite_high = high if high and high < math.inf else None
    ideal = (low + finite_high) / 2 if low and finite_high else (low or finite_high or sum(totals))
    ranges = [zone_counts(t, low, high) for t in totals]
    counts = [min(max(round(t / ideal), lo), max(hi, lo)) for t, (lo, hi) in zip(totals, ranges)]
    if n_zones is None:
        return [max(c, 1) for c in counts]
    counts = [max(lo, 1) if lo <= hi else max(lo, 1) for lo, hi in ranges]
    while sum(counts) < n_zones:  # add a zone where the mean zone is biggest and the band still allows it
        room = [(totals[i] / counts[i], i) for i in range(len(totals)) if counts[i] < max(ranges[i][1], 1)]
        if not room:
            break
        counts[max(room)[1]] += 1
    return counts


def _ids(zone: np.ndarray) -> list:
    return sorted(set(int(z) for z in zone if z >= 0))


def _from_scratch(neighbours, graph: UnitGraph, pop, oversize, low, high, n_zones, bisector) -> tuple[np.ndarray, list]:
    notes = []
    zone = np.full(graph.n, -1, dtype=np.int64)
    next_id = 0
    for u in np.flatnonzero(oversize):
        zone[u] = next_id
        next_id += 1
    rest = np.flatnonzero(~oversize)
    parts = graph.components(rest, [[w for w in nb if not oversize[w]] for nb in neighbours])
    parts = sorted(parts, key=lambda p: min(graph.unit_ids[p]))
    totals = [float(pop[p].sum()) for p in parts]
    counts = _choose_counts(totals, low, high, None if n_zones is None else n_zones - int(oversize.sum()))
    if n_zones is not None and sum(counts) + int(oversize.sum()) != n_zones:
        notes.append(f"{n_zones} zones were asked but the band allows {sum(counts) + int(oversize.sum())} "
                     f"({int(oversize.sum())} oversize unit(s) kept alone)")
    for part, total, k in zip(parts, totals, counts):
        lo, hi = zone_counts(total, low, high)
        if lo > hi:
            notes.append(f"units {', '.join(graph.unit_ids[part][:8])}{' …' if len(part) > 8 else ''} ({total:,.0f} inhabitants) form a "
                         f"connected part that no number of zones fits inside the band; kept as {k} zone(s) outside the band")
        for members in bisector.partition(list(part), k, low, high):
            zone[members] = next_id
            next_id += 1
    return zone, notes


def _repair_base(base: Plan, neighbours, graph: UnitGraph, pop, oversize, low, high, bisector) -> tuple:
    """Start from the base plan: oversize units alone, parts split along blocked borders and gaps, zones above the
    band bisected, zones below it merged into the neighbour sharing the longest border."""
    notes, labels = [], []
    zone = np.full(graph.n, -1, dtype=np.int64)
    start = base.assignment[~base.assignment.index.duplicated()].reindex(graph.unit_ids).to_numpy(dtype=object)
    for u in np.flatnonzero(oversize):
        zone[u] = len(labels)
        labels.append(start[u] if isinstance(start[u], str) and (start == start[u]).sum() == 1 else f"{graph.unit_ids[u]}")
    free = [[w for w in nb if not oversize[w]] for nb in neighbours]
    groups: dict = {}
    for u in np.flatnonzero(~oversize):
        if isinstance(start[u], str):
            groups.setdefault(start[u], []).append(int(u))
    for label in sorted(groups):
        for i, part in enumerate(graph.components(np.array(groups[label]), free)):
            zone[part] = len(labels)
            labels.append(label if i == 0 else f"{label}-{i + 1}")
    pending = [int(u) for u in np.flatnonzero(zone < 0)]
    while pending:  # units the base plan does not place join a neighbouring zone
        placed = [u for u in pending if any(zone[w] >= 0 and not oversize[w] for w in free[u])]
        if not placed:
            for u in pending:
                zone[u] = len(labels)
                labels.append(f"new-{graph.unit_ids[u]}")
            break
        for u in placed:
            zone[u] = next(zone[w] for w in free[u] if zone[w] >= 0 and not oversize[w])
        pending = [u for u in pending if zone[u] < 0]
    fixed = {int(zone[u]) for u in np.flatnonzero(oversize)}
    for z in _ids(zone):  # too big: bisect
        members = np.flatnonzero(zone == z).tolist()
        total = float(pop[members].sum())
        if z in fixed or high is None or total <= high:
            continue
        lo, hi = zone_counts(total, low, high)
        pieces = sorted(bisector.partition(members, max(lo, 1), low, high), key=lambda p: -pop[p].sum())
        for i, piece in enumerate(pieces[1:]):
            zone[piece] = len(labels)
            labels.append(f"{labels[z]}-{chr(ord('b') + i)}")
    for _ in range(2 * len(labels)):  # too small: merge with a neighbour
        totals = {z: float(pop[zone == z].sum()) for z in _ids(zone) if z not in fixed}
        small = sorted((t, z) for z, t in totals.items() if low is not None and t < low)
        progress = False
        for _, z in small:
            members = np.flatnonzero(zone == z)
            border: dict = {}
            for u in members:
                for w in free[u]:
                    if zone[w] != z and zone[w] >= 0 and zone[w] not in fixed:
                        border[int(zone[w])] = border.get(int(zone[w]), 0.0) + graph.edge_length.get((int(u), w), 0.0)
            if not border:
                continue
            fits = [b for b in border if high is None or totals[z] + totals[b] <= high]
            other = max(fits, key=lambda b: (border[b], -b)) if fits else min(border, key=lambda b: (totals[b], b))
            if not fits and totals[z] + totals[other] < 2 * low:
                continue  # merging would overflow and re-splitting cannot give two zones in the band
            keep, drop = (other, z) if totals[other] >= totals[z] else (z, other)
            zone[zone == drop] = keep
            merged = np.flatnonzero(zone == keep).tolist()
            if high is not None and totals[z] + totals[other] > high:
                pieces = sorted(bisector.partition(merged, 2, low, high), key=lambda p: -pop[p].sum())
                zone[pieces[1]] = drop
            progress = True
            break
        if not progress:
            if small:
                notes.append(f"{len(small)} zone(s) stay below the minimum: no neighbouring zone to merge with")
            break
    home = np.array([labels.index(s) if isinstance(s, str) and s in labels else -1 for s in start], dtype=np.int64)
    return zone, labels, notes + [f"started from base plan {base.name!r}"], home


def generate_plans(units: gpd.GeoDataFrame, *, min_population: float | None = DEFAULT_BAND[0],
                   max_population: float | None = DEFAULT_BAND[1], n_zones: int | None = None, respect: str | None = "region",
                   base_plan: Plan | None = None, seed: int = 0, n_alternatives: int = 1,
                   island_policy: str = "nearest", max_passes: int = 30, name: str = "generated",
                   graph: UnitGraph | None = None) -> list[tuple[Plan, dict]]:
    """Contiguous zones of ``units`` within [min_population, max_population], ranked best first (see ``SCORE_RULE``).

    Method: units above the maximum become their own flagged zone; the rest, split by region (or province) and
    connected part, is cut by recursive spanning-tree bisection (each cut keeps both sides able to hold their zones
    inside the band, and among such cuts the one with the shortest shared border is kept), then boundary units move
    between zones to remove band violations, units moved from ``base_plan`` and the sum of 1 / Polsby-Popper,
    keeping zones contiguous. With ``base_plan`` the search starts from it (repaired) instead. Islands follow
    ``island_policy`` ("nearest"/"allow": joined to the nearest unit of their region; "strict": own zone).
    Deterministic for a ``seed``; alternative k uses seed sequence (seed, k).
    """
    require_projected(units)
    check = Report("plan generation")
    if min_population is not None and max_population is not None and min_population > max_population:
        check.problem(f"min_population {min_population:,} is above max_population {max_population:,}; swap them")
    if respect not in RESPECT:
        check.problem(f"respect={respect!r}; expected one of {RESPECT}")
    if island_policy not in ISLAND_POLICIES:
        check.problem(f"island_policy={island_policy!r}; expected one of {ISLAND_POLICIES}")
    if n_alternatives < 1:
        check.problem(f"n_alternatives={n_alternatives}; ask for at least 1")
    if "pop_total" not in units.columns:
        check.problem("units have no pop_total column; join population first")
    elif units["pop_total"].isna().any():
        check.problem(f"pop_total is missing for units {list(units.index[units['pop_total'].isna()][:10])}")
    if n_zones is not None and n_zones < 1:
        check.problem(f"n_zones={n_zones}; ask for at least 1 zone")
    check.raise_if_problems()
    band = (min_population, max_population)
    low = 0.0 if min_population is None else float(min_population)
    high = math.inf if max_population is None else float(max_population)
    if graph is None:
        graph = unit_graph(units, island_policy="strict" if island_policy == "strict" else "nearest")
    neighbours = graph.allowed_edges(respect)
    pop = units["pop_total"].to_numpy(dtype=float)
    oversize = pop > high
    context = MetricContext(units, graph=graph)
    runs = 1 if n_alternatives == 1 else n_alternatives + 2
    results, seen = [], set()
    for k in range(runs):
        rng = np.random.default_rng([seed, k])
        bisector = Bisector(neighbours, graph.edge_length, pop, rng)
        home = None
        if base_plan is not None:
            zone, labels, notes, home = _repair_base(base_plan, neighbours, graph, pop, oversize, low, high, bisector)
        else:
            zone, notes = _from_scratch(neighbours, graph, pop, oversize, low, high, n_zones, bisector)
            labels = None
        search = LocalSearch(neighbours, graph.edge_length, pop, graph.area_m2, graph.perimeter_m, zone, low, high,
                             fixed=oversize, home=home)
        zone = search.run(rng, max_passes=max_passes)
        if _recombine(zone, neighbours, graph, pop, oversize, low, high, bisector):
            search = LocalSearch(neighbours, graph.edge_length, pop, graph.area_m2, graph.perimeter_m, zone, low, high,
                                 fixed=oversize, home=home)
            zone = search.run(rng, max_passes=max_passes)
        plan = _to_plan(units, graph, zone, labels, oversize, *band, name=f"{name}-{seed}-{k}" if runs > 1 else name,
                        notes=notes, respect=respect, island_policy=island_policy)
        key = tuple(plan.assignment.sort_index().tolist())
        if key in seen:
            continue
        seen.add(key)
        results.append((plan, _score(plan, context, base_plan, oversize, *band, seed=seed, run=k)))
    results.sort(key=lambda item: item[1]["rank_key"])
    return results[:n_alternatives]


def _recombine(zone, neighbours, graph: UnitGraph, pop, oversize, low, high, bisector, *, rounds: int = 3) -> bool:
    """Fix zones left outside the band by re-splitting each with a neighbour along a new spanning tree (a ReCom
    step); kept only when both new zones are inside the band. Returns whether anything changed."""
    fixed = {int(zone[u]) for u in np.flatnonzero(oversize)}
    changed = False
    for _ in range(rounds):
        totals = {z: float(pop[zone == z].sum()) for z in _ids(zone)}
        bad = [z for z, t in totals.items() if z not in fixed and ((low is not None and t < low) or (high is not None and t > high))]
        if not bad:
            break
        for z in bad:
            members = np.flatnonzero(zone == z)
            border: dict = {}
            for u in members:
                for w in neighbours[u]:
                    if zone[w] != z and zone[w] not in fixed:
                        border[int(zone[w])] = border.get(int(zone[w]), 0.0) + graph.edge_length.get((int(u), w), 0.0)
            near = sorted(border, key=lambda b: (-border[b], b))
            groups = [[z, b] for b in near] + [[z, b, c] for i, b in enumerate(near[:4]) for c in near[i + 1:4]]
            for group in groups:
                if _resplit(zone, group, pop, low, high, bisector):
                    changed = True
                    break
    return changed


def _resplit(zone, group: list, pop, low, high, bisector) -> bool:
    """Re-split the union of the zones ``group`` into as many (or one fewer) zones, all inside the band."""
    union = np.flatnonzero(np.isin(zone, group)).tolist()
    total = float(pop[union].sum())
    fewest, most = zone_counts(total, low, high)
    for k in (len(group), len(group) - 1):
        if not fewest <= k <= most or k < 1:
            continue
        pieces = bisector.partition(union, k, low or 0.0, high or total)
        if all((low is None or pop[p].sum() >= low) and (high is None or pop[p].sum() <= high) for p in pieces):
            free = list(group)
            for piece in sorted(pieces, key=len, reverse=True):
                owner = max(free, key=lambda g: (int(np.sum(zone[piece] == g)), -g))
                free.remove(owner)
                zone[piece] = owner
            return True
    return False


def _to_plan(units, graph, zone, labels, oversize, low, high, *, name, notes, respect, island_policy) -> Plan:
    ids = _ids(zone)
    if labels is None:  # number zones west to east by their first unit's position, deterministic
        order = sorted(ids, key=lambda z: min(graph.unit_ids[zone == z]))
        width = max(2, len(str(len(order))))
        labels_of = {z: f"Z{i + 1:0{width}d}" for i, z in enumerate(order)}
    else:
        labels_of = {z: labels[z] for z in ids}
    names = {}
    flagged = []
    unit_names = units["name"] if "name" in units.columns else None
    for z in ids:
        members = np.flatnonzero(zone == z)
        label = labels_of[z]
        if oversize[members].any():
            flagged.append(label)
            shown = unit_names.iloc[members[0]] if unit_names is not None else graph.unit_ids[members[0]]
            names[label] = f"{shown} (oversize unit)"
        else:
            names[label] = label if labels is not None else f"Zone {label[1:].lstrip('0')}"
    assignment = {graph.unit_ids[u]: labels_of[int(zone[u])] for u in range(graph.n) if zone[u] >= 0}
    import pandas as pd

    series = pd.Series(assignment, name="zone_id", dtype=object).rename_axis("unit_id")
    text = [f"generated: band [{low}, {high}], respect={respect}, island policy {island_policy!r}"]
    if flagged:
        text.append(f"oversize unit(s) kept as their own flagged zone(s): {', '.join(flagged)}")
    level = sorted(set(units["level"].astype(str))) if "level" in units.columns else ["municipality"]
    return Plan(series, names, name, level[0] if len(level) == 1 else "mixed", low, high, "; ".join(text + notes))


def _score(plan: Plan, context: MetricContext, base_plan, oversize, low, high, *, seed, run) -> dict:
    rows = {z: context.zone_row(m) for z, m in context.positions(plan).items()}
    metrics = finish_metrics(rows, plan, min_population=low, max_population=high)
    flagged = {plan.assignment[u] for u in context.graph.unit_ids[oversize] if u in plan.assignment.index}
    out_of_band = int((~metrics["in_band"] & ~metrics.index.isin(list(flagged))).sum())
    non_contiguous = int((~metrics["contiguous"]).sum())
    moved = 0
    if base_plan is not None:
        base = base_plan.assignment.reindex(plan.assignment.index)
        moved = int((base.astype(object) != plan.assignment.astype(object)).sum())
    summary = plan_summary(metrics)
    score = summary["mean_polsby_popper"] - out_of_band - non_contiguous - moved / max(len(plan.assignment), 1)
    return {**summary, "zones_flagged": len(flagged), "zones_out_of_band": out_of_band, "non_contiguous": non_contiguous,
            "units_moved": moved if base_plan is not None else None, "seed": seed, "run": run, "score": round(score, 4),
            "rank_key": (out_of_band, non_contiguous, moved, -summary["mean_polsby_popper"]), "rule": SCORE_RULE}
