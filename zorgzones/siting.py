"""Where to add p services: maximal covering and p-median.

By a fast greedy method or an exact MILP (HiGHS).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from .accessibility import check_weights
from .coverage import check_cost_table, check_ids, check_threshold, positions
from .errors import Report, ValidationError
from .travel import demand_points
from .validation import check_projected

METHODS = ("greedy", "exact")


@dataclass
class SitingResult:
    """Chosen sites and how good they are; ``gap`` is the relative optimality gap proven by the exact solver."""

    objective: str  # "coverage" (maximal covering) or "p_median"
    method: str  # "greedy" or "exact"
    sites: list  # chosen candidate ids, in pick order (exact: re-ordered by marginal gain / population served)
    value: float  # coverage: newly covered target population; p_median: population-weighted total cost
    baseline: float  # coverage: population covered by existing services; p_median: weighted cost with existing only
    total_demand: float
    status: str  # "optimal", "time_limit", "heuristic"
    bound: float = np.nan  # best proven bound on ``value`` (exact), NaN for greedy
    gap: float = np.nan  # relative gap |bound - value| / |value|
    seconds: float = 0.0
    site_table: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def mean_cost(self) -> float:
        """p-median: population-weighted mean travel cost (minutes)."""
        return self.value / self.total_demand if self.total_demand > 0 else np.nan

    def to_dict(self) -> dict:
        out = {
            "objective": self.objective, "method": self.method, "sites": [str(s) for s in self.sites],
            "value": _number(self.value), "baseline": _number(self.baseline), "total_demand": _number(self.total_demand),
            "status": self.status, "bound": _number(self.bound), "gap": _number(self.gap), "seconds": round(self.seconds, 4),
        }
        if self.objective == "coverage":
            out["covered_total"] = _number(self.baseline + self.value)
        else:
            out["mean_cost"] = _number(self.mean_cost)
        out["site_table"] = [{k: v.item() if isinstance(v, np.generic) else v for k, v in row.items()}
                             for row in self.site_table.reset_index().to_dict(orient="records")]
        return out


def _number(value: float) -> float | None:
    """JSON-safe float: None for NaN and infinities."""
    return float(value) if np.isfinite(value) else None


def _validate(costs, demand, candidates, *, p, method, time_limit_s, existing_costs, max_cost=None, subject,
              problems=()) -> pd.Index:
    report = Report(subject, list(problems))
    check_cost_table(costs, report)
    check_weights(demand, report, name="demand", what="target population")
    if existing_costs is not None:
        check_cost_table(existing_costs, report, name="existing_costs")
    if isinstance(demand, pd.Series):
        for table, label in ((costs, "costs"), (existing_costs, "existing_costs")):
            check_ids(table, "origin_id", demand.index, report, name=label, other="demand")
    if max_cost is not None or subject.startswith("maximal"):
        check_threshold(max_cost, report)
    cands = pd.Index(list(candidates)) if candidates is not None else pd.Index([])
    if len(cands) == 0:
        report.problem("the candidate set is empty; give candidate sites (e.g. candidates_from_units or candidate_grid)")
    if cands.has_duplicates:
        report.problem("candidate ids are duplicated; give each candidate once")
    if not isinstance(p, (int, np.integer)) or p < 1:
        report.problem(f"p is {p!r}; expected a whole number of new sites >= 1")
    elif len(cands) and p > len(cands):
        report.problem(f"p is {p} but there are only {len(cands)} candidate site(s); lower p or add candidates")
    if method not in METHODS:
        report.problem(f"method is {method!r}; expected one of {METHODS}")
    if not (np.isfinite(time_limit_s) and time_limit_s > 0):
        report.problem(f"time_limit_s is {time_limit_s!r}; expected a positive number of seconds")
    if isinstance(costs, pd.DataFrame) and "dest_id" in costs and len(cands):
        unknown = pd.Index(costs["dest_id"].unique()).difference(cands)
        if len(unknown):
            report.problem(f"costs has {len(unknown)} dest_id(s) that are not candidates (first {[str(i) for i in unknown[:5]]})")
    report.raise_if_problems()
    return cands


def _existing_best(existing_costs: pd.DataFrame | None, demand: pd.Series) -> np.ndarray:
    """Cost from each demand unit to its nearest existing service (inf when none)."""
    best = np.full(len(demand), np.inf)
    if existing_costs is not None and len(existing_costs):
        table = positions(existing_costs, demand)
        grouped = table.groupby("o")["cost"].min()
        best[grouped.index.to_numpy()] = grouped.to_numpy()
    return best


#: Below this many constraint non-zeros HiGHS' presolve costs more (~0.1 s fixed) than it saves; our own
#: reductions (merged units, dropped candidates) already do its main work on covering models.
PRESOLVE_MIN_NONZEROS = 20_000


def _solve(c, integrality, constraints, bounds, *, time_limit_s, mip_rel_gap):
    nonzeros = sum(k.A.nnz for k in constraints)
    options = {"time_limit": float(time_limit_s), "mip_rel_gap": float(mip_rel_gap), "disp": False,
               "presolve": nonzeros >= PRESOLVE_MIN_NONZEROS}
    return milp(c, integrality=integrality, bounds=bounds, constraints=constraints, options=options)


# --------------------------------------------------------------------------- maximal covering


def maximal_covering(
    costs: pd.DataFrame,
    demand: pd.Series,
    candidates: Sequence,
    *,
    p: int,
    max_cost: float,
    existing_costs: pd.DataFrame | None = None,
    method: str = "exact",
    time_limit_s: float = 60.0,
    mip_rel_gap: float = 0.0,
) -> SitingResult:
    """Choose ``p`` candidates that cover the most target population not yet within ``max_cost`` of an existing service.

    ``costs`` links demand units to candidate ids, ``existing_costs`` (optional) links them to the services that stay.
    A unit counts as covered when some open site or existing service is within ``max_cost`` (inclusive).
    """
    cands = _validate(costs, demand, candidates, p=p, method=method, time_limit_s=time_limit_s,
                      existing_costs=existing_costs, max_cost=max_cost, subject="maximal covering input")
    start = time.perf_counter()
    weights = demand.to_numpy(dtype=float)
    covered_before = _existing_best(existing_costs, demand) <= max_cost
    residual = np.where(covered_before, 0.0, weights)
    table = positions(costs, demand, cands)
    table = table[(table["cost"] <= max_cost) & (residual[table["o"].to_numpy()] > 0)]
    a = sparse.csr_matrix((np.ones(len(table)), (table["o"].to_numpy(), table["d"].to_numpy())), shape=(len(demand), len(cands)))
    a.sum_duplicates()
    a.data[:] = 1.0
    greedy_sites, gains = _greedy_cover(a, residual, p)
    if method == "greedy":
        value, bound, gap, status = float(np.sum(gains)), np.nan, np.nan, "heuristic"
        chosen = greedy_sites
    else:
        chosen, value, bound, gap, status = _exact_cover(a, residual, p, greedy_sites, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap)
        order, gains = _greedy_cover(a[:, chosen], residual, len(chosen))  # list the optimal sites biggest gain first
        chosen = [chosen[k] for k in order]
    site_table = pd.DataFrame({"pick": np.arange(1, len(chosen) + 1), "pop_gain": gains}, index=cands[chosen])
    site_table.index.name = "site_id"
    return SitingResult(
        objective="coverage", method=method, sites=list(cands[chosen]), value=value,
        baseline=float(weights[covered_before].sum()), total_demand=float(weights.sum()), status=status,
        bound=bound, gap=gap, seconds=time.perf_counter() - start, site_table=site_table,
    )


def _greedy_cover(a: sparse.csr_matrix, residual: np.ndarray, p: int) -> tuple[list[int], np.ndarray]:
    """Pick, p times, the candidate with the largest newly covered population (ties: first candidate)."""
    csc = a.tocsc()
    w = residual.copy()
    gain = np.asarray(csc.T @ w).ravel()
    chosen, gains = [], []
    available = np.ones(a.shape[1], dtype=bool)
    for _ in range(p):
        j = int(np.argmax(np.where(available, gain, -np.inf)))
        chosen.append(j)
        gains.append(float(gain[j]))
        available[j] = False
        rows = csc.indices[csc.indptr[j]:csc.indptr[j + 1]]
        rows = rows[w[rows] > 0]
        if len(rows):
            gain -= np.asarray(a[rows].T @ w[rows]).ravel()
            w[rows] = 0.0
    return chosen, np.array(gains)


def _exact_cover(a, residual, p, greedy_sites, *, time_limit_s, mip_rel_gap):
    """MILP: max sum w_i z_i, z_i <= sum_{j in N_i} y_j, sum y <= p (then padded to p).

    Reductions that keep the optimum: units with identical covering sets are merged, candidates that
    cover no uncovered unit are dropped, and of candidates with identical covering sets one is kept.
    """
    rows = np.flatnonzero((residual > 0) & (np.diff(a.indptr) > 0))
    if len(rows) == 0:
        return greedy_sites, 0.0, 0.0, 0.0, "optimal"
    sub = a[rows].tocsr()
    sub.sort_indices()  # identical covering sets must give identical keys
    codes = pd.factorize(pd.Index([sub.indices[sub.indptr[k]:sub.indptr[k + 1]].tobytes() for k in range(len(rows))]))[0]
    first_row = np.unique(codes, return_index=True)[1]
    w = np.bincount(codes, weights=residual[rows])
    cover = sub[first_row].tocsc()
    cover.sort_indices()
    useful = np.flatnonzero(np.diff(cover.indptr) > 0)
    col_keys = [cover.indices[cover.indptr[j]:cover.indptr[j + 1]].tobytes() for j in useful]
    keep = useful[np.unique(pd.factorize(pd.Index(col_keys))[0], return_index=True)[1]]
    cover = cover[:, keep].tocsr()
    n, m = cover.shape
    # variables: y (m kept candidates, binary) then z (n merged units, continuous 0..1)
    c = np.concatenate([np.zeros(m), -w])
    link = sparse.hstack([-cover, sparse.identity(n, format="csr")], format="csr")
    count = sparse.csr_matrix(np.concatenate([np.ones(m), np.zeros(n)])[None, :])
    constraints = [LinearConstraint(link, -np.inf, 0.0), LinearConstraint(count, 0, p)]
    integrality = np.concatenate([np.ones(m), np.zeros(n)])
    res = _solve(c, integrality, constraints, Bounds(0, 1), time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap)
    bound = -float(res.mip_dual_bound) if getattr(res, "mip_dual_bound", None) is not None else np.nan
    value_of = lambda sites: float(residual[np.asarray(a[:, sites].sum(axis=1)).ravel() > 0].sum())  # noqa: E731
    greedy_value = value_of(greedy_sites)
    if res.x is None:
        return greedy_sites, greedy_value, bound, _gap(greedy_value, bound), "time_limit"
    chosen = [int(j) for j in keep[res.x[:m] > 0.5]]
    for j in list(greedy_sites) + list(range(a.shape[1])):  # pad to exactly p sites (extra sites add nothing)
        if len(chosen) >= p:
            break
        if j not in chosen:
            chosen.append(int(j))
    value = value_of(chosen)
    if res.status != 0 and greedy_value > value:  # stopped early with an incumbent worse than greedy
        chosen, value = greedy_sites, greedy_value
    if np.isnan(bound):
        bound = value
    return chosen, value, bound, _gap(value, bound), "optimal" if res.status == 0 else "time_limit"


def _gap(value: float, bound: float) -> float:
    if np.isnan(bound):
        return np.nan
    return abs(bound - value) / max(abs(value), 1e-9)


# --------------------------------------------------------------------------- p-median


def p_median(
    costs: pd.DataFrame,
    demand: pd.Series,
    candidates: Sequence,
    *,
    p: int,
    existing_costs: pd.DataFrame | None = None,
    unreachable_cost: float | None = None,
    method: str = "exact",
    time_limit_s: float = 60.0,
    mip_rel_gap: float = 0.0,
) -> SitingResult:
    """Choose ``p`` candidates minimising population-weighted travel cost to the nearest site or existing service.

    A unit missing from both tables costs ``unreachable_cost``; without it every unit with demand must reach at
    least one candidate (or existing service) in the tables.
    """
    bad_cost = unreachable_cost is not None and not (np.isfinite(unreachable_cost) and unreachable_cost > 0)
    cands = _validate(costs, demand, candidates, p=p, method=method, time_limit_s=time_limit_s, existing_costs=existing_costs,
                      subject="p-median input",
                      problems=[f"unreachable_cost is {unreachable_cost!r}; expected a positive number of minutes"] if bad_cost else [])
    start = time.perf_counter()
    weights = demand.to_numpy(dtype=float)
    fallback = _existing_best(existing_costs, demand)
    if unreachable_cost is not None:
        fallback = np.minimum(fallback, unreachable_cost)
    table = positions(costs, demand, cands)
    o, d, c = table["o"].to_numpy(), table["d"].to_numpy(), table["cost"].to_numpy()
    keep = (c < fallback[o]) & (weights[o] > 0)
    o, d, c = o[keep], d[keep], c[keep]
    stranded = (weights > 0) & ~np.isfinite(fallback) & (np.bincount(o, minlength=len(weights)) == 0)
    if stranded.any():
        ids = [str(i) for i in demand.index[stranded][:5]]
        raise ValidationError("p-median input", [
            f"{int(stranded.sum())} demand unit(s) reach no candidate and no existing service (first {ids}); "
            "add candidates, widen the cost table or pass unreachable_cost"])
    finite = np.isfinite(fallback)
    baseline = float(np.sum(weights[finite] * fallback[finite])) if finite.all() or not (weights[~finite] > 0).any() else np.inf
    greedy_sites = _greedy_median(o, d, c, weights, fallback, len(cands), p)
    if method == "greedy":
        chosen, status, bound = greedy_sites, "heuristic", np.nan
        value = _median_value(o, d, c, weights, fallback, chosen)
    else:
        chosen, value, bound, status = _exact_median(o, d, c, weights, fallback, len(cands), p, greedy_sites,
                                                     time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap)
    if not np.isfinite(value):
        raise ValidationError("p-median input", [
            f"no choice of {p} site(s) reaches every demand unit; raise p, add candidates or pass unreachable_cost"])
    served = _median_served(o, d, c, weights, fallback, chosen)
    if method == "exact":  # list the optimal sites by population served, most first
        order = np.argsort(-served, kind="stable")
        chosen, served = [chosen[k] for k in order], served[order]
    site_table = pd.DataFrame({"pick": np.arange(1, len(chosen) + 1), "pop_served": served}, index=cands[chosen])
    site_table.index.name = "site_id"
    return SitingResult(
        objective="p_median", method=method, sites=list(cands[chosen]), value=value, baseline=baseline,
        total_demand=float(weights.sum()), status=status, bound=bound,
        gap=_gap(value, bound) if method == "exact" else np.nan, seconds=time.perf_counter() - start, site_table=site_table,
    )


def _best_costs(o, d, c, fallback, chosen) -> np.ndarray:
    best = fallback.copy()
    mask = np.isin(d, chosen)
    np.minimum.at(best, o[mask], c[mask])
    return best


def _median_value(o, d, c, weights, fallback, chosen) -> float:
    best = _best_costs(o, d, c, fallback, chosen)
    used = weights > 0
    return float(np.sum(weights[used] * best[used]))


def _median_served(o, d, c, weights, fallback, chosen) -> np.ndarray:
    """Target population whose nearest option is each chosen site (ties to the first chosen)."""
    best = _best_costs(o, d, c, fallback, chosen)
    served = np.zeros(len(chosen))
    taken = np.zeros(len(weights), dtype=bool)
    for k, j in enumerate(chosen):
        mask = (d == j) & (c <= best[o]) & ~taken[o]
        served[k] = weights[o[mask]].sum()
        taken[o[mask]] = True
    return served


def _greedy_median(o, d, c, weights, fallback, m, p) -> list[int]:
    """Add, p times, the candidate that lowers total weighted cost most (unreached units count as a large cost)."""
    big = (np.max(c) if len(c) else 1.0) * 10.0 + 1.0
    best = np.where(np.isfinite(fallback), fallback, big)
    chosen: list[int] = []
    available = np.ones(m, dtype=bool)
    for _ in range(p):
        saving = np.bincount(d, weights=weights[o] * np.maximum(best[o] - c, 0.0), minlength=m)
        j = int(np.argmax(np.where(available, saving, -np.inf)))
        chosen.append(j)
        available[j] = False
        mask = d == j
        np.minimum.at(best, o[mask], c[mask])
    return chosen


def _exact_median(o, d, c, weights, fallback, m, p, greedy_sites, *, time_limit_s, mip_rel_gap):
    """MILP: min sum w_i (c_ij - e_i) x_ij (+ const), x_ij <= y_j, sum_j x_ij <= 1 (= 1 without fallback), sum y = p."""
    k = len(o)
    must = ~np.isfinite(fallback)
    e = np.where(must, 0.0, fallback)
    const = float(np.sum(weights[~must] * e[~must]))
    cost = np.concatenate([np.zeros(m), weights[o] * (c - e[o])])
    rows = np.arange(k)
    link = sparse.csr_matrix((np.concatenate([np.ones(k), -np.ones(k)]),
                              (np.concatenate([rows, rows]), np.concatenate([m + rows, d]))), shape=(k, m + k))
    origins, o_codes = np.unique(o, return_inverse=True)
    assign = sparse.csr_matrix((np.ones(k), (o_codes, m + rows)), shape=(len(origins), m + k))
    lower = np.where(must[origins], 1.0, 0.0)
    count = sparse.csr_matrix(np.concatenate([np.ones(m), np.zeros(k)])[None, :])
    constraints = [LinearConstraint(link, -np.inf, 0.0), LinearConstraint(assign, lower, 1.0), LinearConstraint(count, p, p)]
    integrality = np.concatenate([np.ones(m), np.zeros(k)])
    res = _solve(cost, integrality, constraints, Bounds(0, 1), time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap)
    if res.x is None:
        if res.status == 2:  # infeasible
            return greedy_sites, np.inf, np.nan, "infeasible"
        value = _median_value(o, d, c, weights, fallback, greedy_sites)
        bound = float(res.mip_dual_bound) + const if res.mip_dual_bound is not None else np.nan
        return greedy_sites, value, bound, "time_limit"
    chosen = list(np.flatnonzero(res.x[:m] > 0.5))
    value = _median_value(o, d, c, weights, fallback, chosen)
    bound = float(res.mip_dual_bound) + const if res.mip_dual_bound is not None else value
    greedy_value = _median_value(o, d, c, weights, fallback, greedy_sites)
    if res.status != 0 and greedy_value < value:  # stopped early with an incumbent worse than greedy
        chosen, value = greedy_sites, greedy_value
    return chosen, value, bound, "optimal" if res.status == 0 else "time_limit"


# --------------------------------------------------------------------------- candidate sites


def candidates_from_units(units: gpd.GeoDataFrame, *, mask: pd.Series | None = None) -> gpd.GeoDataFrame:
    """One candidate per unit (optionally only where ``mask`` is True, e.g. gap units): its centroid, or a point
    surely inside when the centroid falls outside the polygon. Indexed by the unit id."""
    report = Report("candidate units")
    check_projected(units, report, name="units")
    report.raise_if_problems()
    chosen = units if mask is None else units[mask.reindex(units.index).fillna(False).astype(bool)]
    points = demand_points(chosen[[chosen.geometry.name]].assign(weight=0.0), weight_column="weight")
    out = gpd.GeoDataFrame({"source_unit": chosen.index.to_numpy()}, geometry=points.geometry.to_numpy(), crs=units.crs,
                           index=chosen.index.copy())
    out.index.name = "site_id"
    return out


def candidate_grid(area: gpd.GeoDataFrame, *, spacing_m: float) -> gpd.GeoDataFrame:
    """Regular grid points ``spacing_m`` apart inside ``area`` (cell centres), indexed ``grid_000000``, ..."""
    report = Report("candidate grid")
    check_projected(area, report, name="area")
    if not (np.isfinite(spacing_m) and spacing_m > 0):
        report.problem(f"spacing_m is {spacing_m!r}; expected a positive distance in metres (e.g. 1000)")
    report.raise_if_problems()
    shape = area.geometry.union_all()
    xmin, ymin, xmax, ymax = shape.bounds
    xs = np.arange(xmin + spacing_m / 2, xmax, spacing_m)
    ys = np.arange(ymin + spacing_m / 2, ymax, spacing_m)
    gx, gy = np.meshgrid(xs, ys)
    points = gpd.GeoSeries(gpd.points_from_xy(gx.ravel(), gy.ravel()), crs=area.crs)
    points = points[points.within(shape)].reset_index(drop=True)
    out = gpd.GeoDataFrame(geometry=points, crs=area.crs)
    out.index = pd.Index([f"grid_{k:06d}" for k in range(len(out))], name="site_id")
    return out
