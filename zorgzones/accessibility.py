"""Catchment ratios and nearest service on a cost table (geometry-free).

Geometry-free accessibility measures on a cost table: nearest service, population within reach,
2SFCA/E2SFCA/decay catchment ratios.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import numpy as np
import pandas as pd

from .catchment import ThresholdRows, sorted_rows
from .errors import Report, ValidationError
from .settings import E2SFCA_STEPS

#: Columns every cost table has (``cost`` in minutes unless the caller says otherwise).
COST_COLUMNS = ("origin_id", "dest_id", "cost")
#: Step weights of Luo & Qi (2009) E2SFCA, also PySAL access' default (see settings).
DEFAULT_STEPS = E2SFCA_STEPS


# --------------------------------------------------------------------------- validation


def validate_cost_table(costs: pd.DataFrame, *, name: str = "costs") -> Report:
    """Every problem of a long cost table ``(origin_id, dest_id, cost)`` (missing columns, missing/negative/infinite costs, duplicated pairs)."""
    report = Report(f"{name} table")
    if not isinstance(costs, pd.DataFrame):
        report.problem(f"{name} is a {type(costs).__name__}; expected a DataFrame with columns origin_id, dest_id, cost")
        return report
    missing = [c for c in COST_COLUMNS if c not in costs.columns]
    if missing:
        report.problem(
            f"{name} lacks column(s) {missing}; it has {list(costs.columns)}. "
            "Build it with zorgzones.travel.straight_line_costs or zorgzones.network, or rename your columns"
        )
        return report
    cost = costs["cost"]
    if not pd.api.types.is_numeric_dtype(cost) or pd.api.types.is_bool_dtype(cost):
        report.problem(f"{name}: column cost has dtype {cost.dtype}; expected numbers (minutes)")
        return report
    values = cost.to_numpy(dtype=float, na_value=np.nan)
    if not (np.isfinite(values).all() and (values >= 0).all()):  # counted only when something is wrong
        n_missing = int(np.isnan(values).sum())
        if n_missing:
            report.problem(f"{name}: {n_missing} row(s) have a missing cost; drop unreachable pairs instead of leaving them empty")
        n_negative = int((values < 0).sum())
        if n_negative:
            report.problem(f"{name}: {n_negative} row(s) have a negative cost (minimum {np.nanmin(values):g}); costs must be >= 0")
        n_inf = int(np.isinf(values).sum())
        if n_inf:
            report.problem(f"{name}: {n_inf} row(s) have an infinite cost; drop unreachable pairs instead")
    for column in ("origin_id", "dest_id"):
        ids = costs[column]
        if isinstance(ids.dtype, pd.CategoricalDtype):
            n_ids = int((ids.cat.codes.to_numpy() < 0).sum())
        else:  # a numpy integer column cannot hold a missing id (a nullable Int64 one can)
            n_ids = 0 if isinstance(ids.dtype, np.dtype) and ids.dtype.kind in "iu" else int(ids.isna().sum())
        if n_ids:
            report.problem(f"{name}: {n_ids} row(s) have a missing {column}")
    return report


def check_weights(values, report: Report, *, name: str, what: str) -> None:
    """Add to ``report`` every problem of a non-negative numeric Series with a unique index (demand or supply)."""
    if not isinstance(values, pd.Series):
        report.problem(f"{name} is a {type(values).__name__}; expected a pandas Series of {what} indexed by id")
        return
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        report.problem(f"{name} has dtype {values.dtype}; expected numbers ({what})")
        return
    numbers = values.to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(numbers) | (numbers < 0)
    if bad.any():
        ids = [str(i) for i in values.index[bad][:5]]
        report.problem(f"{name}: {int(bad.sum())} value(s) missing, negative or infinite (first ids {ids}); expected {what} >= 0")
    if values.index.has_duplicates:
        dups = [str(i) for i in values.index[values.index.duplicated()][:5]]
        report.problem(f"{name}: duplicated ids {dups}; give one value per id")


def _check_cost_bound(value, report: Report, *, name: str) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or not (value >= 0) or np.isinf(value):
        report.problem(f"{name} is {value!r}; expected a non-negative finite number (same unit as cost, e.g. minutes)")


def _check_steps(steps, report: Report) -> None:
    if not isinstance(steps, Mapping) or not steps:
        report.problem(f"steps is {steps!r}; expected a dict upper cost bound -> weight, e.g. {DEFAULT_STEPS}")
        return
    for bound, weight in steps.items():
        if isinstance(bound, bool) or not isinstance(bound, (int, float, np.integer, np.floating)) or not np.isfinite(bound) or bound < 0:
            report.problem(f"steps: bound {bound!r} is not a non-negative finite number")
        if isinstance(weight, bool) or not isinstance(weight, (int, float, np.integer, np.floating)) or not np.isfinite(weight) or weight < 0:
            report.problem(f"steps: weight {weight!r} (bound {bound!r}) is not a non-negative finite number")


# --------------------------------------------------------------------------- prepared catchment


def _fca(pairs: CodedPairs, pair_weight, demand, supply, n_o: int, n_d: int) -> np.ndarray:
    """Floating-catchment ratio of the one-call path (``pair_weight`` None = all 1): people reached per service by
    ``np.bincount`` over pairs, each origin's sum over its runs of pairs by ``np.add.reduceat``."""
    o, start, d = pairs.origin, pairs.start, pairs.dest
    wd = np.repeat(demand[o], pairs.lengths())
    if pair_weight is not None:
        wd *= pair_weight
    pop_reached = np.bincount(d, weights=wd, minlength=n_d).astype(np.float64, copy=False)  # empty input -> ints
    ratio = np.zeros(n_d)
    np.divide(supply, pop_reached, out=ratio, where=pop_reached > 0)
    if not len(d):
        return np.zeros(n_o)
    wr = ratio[d] if pair_weight is None else ratio[d] * pair_weight
    result = np.bincount(o, weights=np.add.reduceat(wr, start), minlength=n_o).astype(np.float64, copy=False)
    orphan = (pop_reached <= 0) & (supply > 0)
    if orphan.any():
        hit = orphan[d]  # services in reach whose whole catchment has no people
        if hit.any():
            result[o[np.logical_or.reduceat(hit, start)]] = np.nan
    return result


def _pair_step_weights(cost: np.ndarray, steps: Mapping[float, float], *, out: np.ndarray | None = None) -> np.ndarray:
    """Per-pair step weight (PySAL ``weights.step_fn``), written into ``out`` when given."""
    result = np.zeros(len(cost)) if out is None else out
    result[:] = 0.0
    for bound in sorted(steps, key=float, reverse=True):  # a few passes beat a binary search per pair
        result[cost <= float(bound)] = float(steps[bound])
    return result


class Catchment:
    """A cost table integer-coded against demand and supply ids, held as two sparse matrices, for fast recomputation.

    Build once with :meth:`from_costs` (the app does this when the cost table changes); then
    :meth:`two_step_fca`, :meth:`enhanced_two_step_fca`, :meth:`gaussian_two_step_fca` and
    :meth:`gravity_two_step_fca` recompute with any threshold, steps, demand or capacities as
    two sparse matrix-vector products (each matrix keeps the cost of its entries in its own
    order, so new weights are computed in place; when only ``supply`` changes, the population
    reached by each service is reused). Binary 2SFCA instead reads cost-sorted prefixes of each
    service's row (:class:`zorgzones.catchment.ThresholdRows`): a new threshold costs one binary
    search per service and one sparse pass. ``demand``/``supply`` may be Series (reindexed to
    ``origin_index``/``dest_index``; missing supply counts as 0) or float arrays already aligned.

    Conventions (PySAL ``access`` gives the same numbers wherever it gives a finite number):
    origins with no service within reach get 0.0 (PySAL: NaN); origins that reach a service
    with supply whose whole catchment has zero demand — only possible for zero-population
    origins — get NaN (PySAL: inf); cost rows whose origin is not in ``origin_index`` are
    ignored, as are rows whose destination is not in ``dest_index`` (no supply).
    """

    def __init__(self, origin_index: pd.Index, dest_index: pd.Index, origin_code: np.ndarray, dest_code: np.ndarray, cost: np.ndarray):
        from scipy import sparse

        self.origin_index, self.dest_index = origin_index, dest_index
        n_o, n_d, n = len(origin_index), len(dest_index), len(cost)
        # per destination in cost order (binary 2SFCA reads prefixes of these rows); per origin in input order
        indptr, origin_sorted, self._cost_dest = sorted_rows(dest_code, origin_code, cost, n_d)
        self._to_dest = sparse.csr_matrix((np.ones(n), origin_sorted, indptr), shape=(n_d, n_o))
        self._threshold = ThresholdRows(indptr, origin_sorted, self._cost_dest, n_o)
        position = np.arange(1, n + 1, dtype=np.float64)  # +1: no explicit zeros
        self._to_origin = sparse.csr_matrix((position, (origin_code, dest_code)), shape=(n_o, n_d))
        self._cost_origin = cost[self._to_origin.data.astype(np.int64) - 1]  # new weights are computed in place
        self.n_pairs = n
        self._weights_key = None
        self._demand = None
        self._pop_reached = None

    @classmethod
    def from_costs(cls, costs: pd.DataFrame, demand_index: pd.Index, supply_index: pd.Index, *, validate: bool = True) -> Catchment:
        """Code ``costs`` against ``demand_index`` (origins) and ``supply_index`` (destinations)."""
        pairs = coded_pairs(costs, demand_index, supply_index, validate=validate)
        return cls(demand_index, supply_index, pairs.origin_per_row(), pairs.dest, pairs.cost)

    def _aligned(self, values, index: pd.Index, name: str) -> np.ndarray:
        if isinstance(values, pd.Series):
            if values.index is index or values.index.equals(index):
                return values.to_numpy(dtype=np.float64)
            return values.reindex(index).fillna(0.0).to_numpy(dtype=np.float64)
        array = np.asarray(values, dtype=np.float64)
        if array.shape != (len(index),):
            raise ValidationError("catchment input", [f"{name} has shape {array.shape}; expected ({len(index)},) aligned to the {name} index"])
        return array

    def _compute(self, key, make_weights, demand, supply) -> pd.Series:
        demand = self._aligned(demand, self.origin_index, "demand")
        supply = self._aligned(supply, self.dest_index, "supply")
        if key != self._weights_key:
            for matrix, cost in ((self._to_dest, self._cost_dest), (self._to_origin, self._cost_origin)):
                weights = make_weights(cost, matrix.data)
                if weights is not matrix.data:
                    matrix.data[:] = weights
            self._weights_key, self._demand = key, None
        if self._demand is None or not np.array_equal(demand, self._demand):
            self._pop_reached = self._to_dest @ demand
            self._demand = demand.copy()
        pop_reached = self._pop_reached
        ratio = np.zeros(len(self.dest_index))
        np.divide(supply, pop_reached, out=ratio, where=pop_reached > 0)
        result = self._to_origin @ ratio
        orphan = (pop_reached <= 0) & (supply > 0)
        if orphan.any():
            result[(self._to_origin @ orphan.astype(np.float64)) > 0] = np.nan
        return pd.Series(result, index=self.origin_index, name="supply_per_demand")

    def two_step_fca(self, demand, supply, *, max_cost: float | None) -> pd.Series:
        """2SFCA (Luo & Wang 2003): supply per demand unit within ``max_cost`` (inclusive; None = every pair)."""
        demand = self._aligned(demand, self.origin_index, "demand")
        values = self._threshold.compute(demand, self._aligned(supply, self.dest_index, "supply"), np.inf if max_cost is None else float(max_cost))
        return pd.Series(values, index=self.origin_index, name="supply_per_demand")

    def enhanced_two_step_fca(self, demand, supply, *, steps: Mapping[float, float]) -> pd.Series:
        """E2SFCA: step weights (cost <= bound -> weight, 0 beyond the last bound) applied in both steps, as PySAL access does."""
        key = ("e2sfca", tuple(sorted((float(b), float(w)) for b, w in steps.items())))
        return self._compute(key, lambda cost, out: _pair_step_weights(cost, steps, out=out), demand, supply)

    def gaussian_two_step_fca(self, demand, supply, *, max_cost: float | None, sigma: float) -> pd.Series:
        """2SFCA with Gaussian decay ``exp(-c^2 / (2 sigma^2))`` (PySAL ``weights.gaussian``), within ``max_cost``."""
        bound = np.inf if max_cost is None else float(max_cost)
        return self._compute(
            ("gaussian", bound, float(sigma)), lambda cost, out: np.where(cost <= bound, np.exp(-cost * cost / (2.0 * sigma**2)), 0.0), demand, supply
        )

    def gravity_two_step_fca(self, demand, supply, *, max_cost: float | None, scale: float, alpha: float, min_cost: float = 0.0) -> pd.Series:
        """2SFCA with gravity decay ``(max(c, min_cost) / scale) ** alpha`` (PySAL ``weights.gravity``; alpha < 0 for decay)."""
        bound = np.inf if max_cost is None else float(max_cost)

        def weights(cost, out):
            with np.errstate(divide="ignore"):
                w = np.power(np.maximum(cost, min_cost) / scale, alpha)
            return np.where(cost <= bound, w, 0.0)

        return self._compute(("gravity", bound, float(scale), float(alpha), float(min_cost)), weights, demand, supply)


class CodedPairs(NamedTuple):
    """Cost rows coded against the demand and supply indexes, rows of unknown ids dropped: the rows come in runs of
    one origin each (the travel adapters write every origin's pairs together, so usually one run per origin)."""

    origin: np.ndarray  # position in the demand index of each run's origin
    start: np.ndarray  # first row of each run
    dest: np.ndarray  # position in the supply index of each row's destination
    cost: np.ndarray

    def lengths(self) -> np.ndarray:
        return np.diff(self.start, append=len(self.dest))

    def origin_per_row(self) -> np.ndarray:
        return np.repeat(self.origin, self.lengths())

    def take(self, keep: np.ndarray) -> CodedPairs:
        """The rows where ``keep`` is true, in runs again."""
        origin = self.origin_per_row()[keep]
        start = _run_starts(origin)
        return CodedPairs(origin[start], start, self.dest[keep], self.cost[keep])


def _run_starts(values: np.ndarray) -> np.ndarray:
    """First position of each run of equal values."""
    if not len(values):
        return np.zeros(0, dtype=np.intp)
    return np.concatenate([[0], np.flatnonzero(values[1:] != values[:-1]) + 1])


def _origin_runs(ids: pd.Series, index: pd.Index) -> tuple[np.ndarray, np.ndarray]:
    """Runs of equal ``ids``: each run's position in ``index`` (-1 when absent) and its first row; each run looked up once."""
    if isinstance(ids.dtype, pd.CategoricalDtype):  # the travel adapters' ids
        key, lookup = ids.cat.codes.to_numpy(), np.append(index.get_indexer(ids.cat.categories), -1)
    elif isinstance(ids.dtype, np.dtype) and ids.dtype.kind in "iu":
        key, lookup = ids.to_numpy(), None
    else:
        key, uniques = pd.factorize(ids, use_na_sentinel=True)
        lookup = np.append(index.get_indexer(uniques) if len(uniques) else np.zeros(0, dtype=np.intp), -1)
    start = _run_starts(key)
    run_key = key[start]
    origin = index.get_indexer(run_key) if lookup is None else lookup[run_key]  # key -1 (missing) picks the appended -1
    return origin.astype(np.intp, copy=False), start


def coded_pairs(costs: pd.DataFrame, demand_index: pd.Index, supply_index: pd.Index, *, validate: bool,
                table_checked: bool = False) -> CodedPairs:
    """``costs`` coded against ``demand_index`` (origins) and ``supply_index`` (destinations), rows of unknown ids
    dropped; ``validate`` also checks the table (unless ``table_checked``), the indexes and duplicated pairs."""
    if validate:
        report = Report("costs table") if table_checked else validate_cost_table(costs)
        for index, label in ((demand_index, "demand_index"), (supply_index, "supply_index")):
            if not isinstance(index, pd.Index):
                report.problem(f"{label} is a {type(index).__name__}; expected a pandas Index of ids")
            elif index.has_duplicates:
                report.problem(f"{label} has duplicated ids; give one row per id")
        report.raise_if_problems()
    origin, start = _origin_runs(costs["origin_id"], demand_index)
    pairs = CodedPairs(origin, start, _codes(costs["dest_id"], supply_index), costs["cost"].to_numpy(dtype=np.float64))
    if (origin < 0).any() or (pairs.dest < 0).any():
        pairs = pairs.take((pairs.origin_per_row() >= 0) & (pairs.dest >= 0))
    if validate and len(pairs.dest):
        _check_unique_pairs(pairs, len(demand_index), len(supply_index))
    return pairs


def _check_unique_pairs(pairs: CodedPairs, n_o: int, n_d: int) -> None:
    """Refuse duplicated (origin, dest) pairs: cheap when each origin is one run with increasing destinations (the
    adapters' order), else by sorting the pair keys."""
    d = pairs.dest
    increasing = d[1:] > d[:-1]
    increasing[pairs.start[1:] - 1] = True  # a run boundary may step down
    if increasing.all() and (np.bincount(pairs.origin, minlength=n_o) <= 1).all():
        return
    key = np.sort(pairs.origin_per_row().astype(np.int64) * max(n_d, 1) + d)
    n_dup = int((key[1:] == key[:-1]).sum())
    if n_dup:
        raise ValidationError("costs table", [f"costs: {n_dup} duplicated (origin_id, dest_id) pair(s); keep one cost per pair"])


def _codes(ids: pd.Series, index: pd.Index) -> np.ndarray:
    """Positions of ``ids`` in ``index`` (-1 when absent), hashing each distinct id once."""
    dtype = np.intp  # what np.bincount and fancy indexing use: no conversion later
    if isinstance(ids.dtype, pd.CategoricalDtype):  # the travel adapters' ids: each distinct id looked up once
        lookup = np.append(index.get_indexer(ids.cat.categories), -1).astype(dtype)
        return lookup[ids.cat.codes.to_numpy()]  # code -1 (missing) picks the appended -1
    codes, uniques = pd.factorize(ids, use_na_sentinel=True)
    lookup = index.get_indexer(uniques) if len(uniques) else np.zeros(0, dtype=np.intp)
    return np.append(lookup, -1).astype(dtype)[codes]  # the NA sentinel -1 picks the appended -1


# --------------------------------------------------------------------------- public one-call functions


def _one_call(costs, demand, supply, report: Report, pair_weight) -> pd.Series:
    """Validate, code and compute once (no sparse matrices: one ``np.bincount`` per step)."""
    report.problems.extend(validate_cost_table(costs).problems)
    check_weights(demand, report, name="demand", what="(target) population")
    check_weights(supply, report, name="supply", what="capacity")
    report.raise_if_problems()
    pairs = coded_pairs(costs, demand.index, supply.index, validate=True, table_checked=True)
    w = pair_weight(pairs.cost)
    if w.dtype == bool:  # a cut-off: the rows beyond it are dropped, the others weigh 1
        w = None if w.all() else w
        if w is not None:
            pairs, w = pairs.take(w), None
    else:
        positive = w > 0
        if not positive.all():
            pairs, w = pairs.take(positive), w[positive]
        if (w == 1.0).all():
            w = None
    values = _fca(pairs, w, demand.to_numpy(dtype=np.float64), supply.to_numpy(dtype=np.float64), len(demand), len(supply))
    return pd.Series(values, index=demand.index, name="supply_per_demand")


def two_step_fca(costs: pd.DataFrame, demand: pd.Series, supply: pd.Series, *, max_cost: float | None) -> pd.Series:
    """2SFCA supply per demand unit for every origin of ``demand`` (aligned to ``demand.index``).

    R_j = S_j / sum_i{c_ij <= max_cost} P_i;  A_i = sum_j{c_ij <= max_cost} R_j — the quantity
    PySAL ``access`` returns for ``two_stage_fca(max_cost=...)`` (multiply by 1,000 with
    :func:`per_1000`). See :class:`Catchment` for the zero-population and unreachable conventions.
    """
    report = Report("2SFCA input")
    _check_cost_bound(max_cost, report, name="max_cost")
    bound = np.inf if max_cost is None else max_cost
    return _one_call(costs, demand, supply, report, lambda cost: cost <= bound)


def enhanced_two_step_fca(costs: pd.DataFrame, demand: pd.Series, supply: pd.Series, *, steps: Mapping[float, float]) -> pd.Series:
    """E2SFCA supply per demand unit: like 2SFCA with the step weight of each pair's cost applied in both steps.

    ``steps`` maps an upper cost bound to a weight (``{10: 1.0, 20: 0.68, 30: 0.22}``): a pair
    with cost <= 10 weighs 1, <= 20 weighs 0.68, <= 30 weighs 0.22, beyond 0 — PySAL
    ``access.weights.step_fn`` and ``enhanced_two_stage_fca`` exactly.
    """
    report = Report("E2SFCA input")
    _check_steps(steps, report)
    return _one_call(costs, demand, supply, report, lambda cost: _pair_step_weights(cost, steps))


def gaussian_two_step_fca(costs: pd.DataFrame, demand: pd.Series, supply: pd.Series, *, max_cost: float | None, sigma: float) -> pd.Series:
    """2SFCA with Gaussian distance decay of width ``sigma`` (same unit as cost) within ``max_cost``."""
    report = Report("Gaussian 2SFCA input")
    _check_cost_bound(max_cost, report, name="max_cost")
    if not (isinstance(sigma, (int, float, np.integer, np.floating)) and np.isfinite(sigma) and sigma > 0):
        report.problem(f"sigma is {sigma!r}; expected a positive number (same unit as cost)")
    bound = np.inf if max_cost is None else max_cost
    return _one_call(costs, demand, supply, report, lambda cost: np.where(cost <= bound, np.exp(-cost * cost / (2.0 * sigma**2)), 0.0))


def gravity_two_step_fca(
    costs: pd.DataFrame, demand: pd.Series, supply: pd.Series, *, max_cost: float | None, scale: float = 1.0, alpha: float = -1.0, min_cost: float = 1.0
) -> pd.Series:
    """2SFCA with gravity decay ``(max(cost, min_cost) / scale) ** alpha`` within ``max_cost`` (``min_cost`` > 0 avoids infinite weight at 0)."""
    report = Report("gravity 2SFCA input")
    _check_cost_bound(max_cost, report, name="max_cost")
    if not (np.isfinite(scale) and scale > 0):
        report.problem(f"scale is {scale!r}; expected a positive number")
    if alpha < 0 and not min_cost > 0:
        report.problem(f"min_cost is {min_cost!r}; with a negative alpha it must be > 0 or a cost of 0 gets infinite weight")
    bound = np.inf if max_cost is None else max_cost
    return _one_call(costs, demand, supply, report, lambda cost: np.where(cost <= bound, np.power(np.maximum(cost, min_cost) / scale, alpha), 0.0))


def ratios_by_service_type(
    costs: pd.DataFrame, demand: pd.DataFrame, supply: pd.DataFrame, *, max_cost: float | None = None, steps: Mapping[float, float] | None = None
) -> pd.DataFrame:
    """Several service types in one call: one column per type of ``supply`` (capacity per destination id, 0 where a
    type is absent), each against the same-named column of ``demand`` (its target population per origin).

    2SFCA within ``max_cost``, or E2SFCA with ``steps`` (give exactly one). The cost table is coded
    once (:class:`Catchment`) and reused for every type. Result: DataFrame aligned to ``demand.index``.
    """
    report = validate_cost_table(costs)
    if (max_cost is None) == (steps is None):
        report.problem("give exactly one of max_cost (2SFCA) or steps (E2SFCA)")
    for frame, label in ((demand, "demand"), (supply, "supply")):
        if not isinstance(frame, pd.DataFrame):
            report.problem(f"{label} is a {type(frame).__name__}; expected a DataFrame with one column per service type")
    if report.ok:
        missing = [c for c in supply.columns if c not in demand.columns]
        if missing:
            report.problem(f"demand lacks target-population column(s) {missing} for the supply types; columns are {list(demand.columns)}")
        for column in supply.columns:
            check_weights(supply[column], report, name=f"supply[{column!r}]", what="capacity")
            if column in demand.columns:
                check_weights(demand[column], report, name=f"demand[{column!r}]", what="target population")
        if steps is not None:
            _check_steps(steps, report)
        _check_cost_bound(max_cost, report, name="max_cost")
    report.raise_if_problems()
    catchment = Catchment.from_costs(costs, demand.index, supply.index, validate=True)
    result = {}
    for column in supply.columns:
        if steps is not None:
            result[column] = catchment.enhanced_two_step_fca(demand[column], supply[column], steps=steps)
        else:
            result[column] = catchment.two_step_fca(demand[column], supply[column], max_cost=max_cost)
    return pd.DataFrame(result, index=demand.index)


def per_1000(ratio: pd.Series) -> pd.Series:
    """Supply per demand unit -> supply per 1,000 (target) inhabitants."""
    return (ratio * 1000.0).rename(f"{ratio.name or 'supply'}_per_1000" if ratio.name != "supply_per_demand" else "supply_per_1000")


# --------------------------------------------------------------------------- nearest service and reach


def nearest_service(costs: pd.DataFrame, *, origin_index: pd.Index | None = None) -> pd.DataFrame:
    """Per origin: ``nearest_cost``, ``nearest_dest_id`` (and ``nearest_distance_m`` when ``costs`` has ``distance_m``).

    Indexed by ``origin_index`` when given (origins without any pair get NaN cost and a missing
    id), else by the origins present in ``costs``. Ties go to the first row of the table.
    """
    validate_cost_table(costs).raise_if_problems()
    cost = costs["cost"].to_numpy(dtype=float)
    codes, uniques = pd.factorize(costs["origin_id"])
    best = np.full(len(uniques), np.inf)
    np.minimum.at(best, codes, cost)
    hits = np.flatnonzero(cost == best[codes])[::-1]
    first = np.full(len(uniques), -1, dtype=np.int64)
    first[codes[hits]] = hits  # reversed: the earliest row of each origin is written last and wins
    frame = pd.DataFrame(
        {"nearest_cost": cost[first], "nearest_dest_id": costs["dest_id"].iloc[first].to_numpy()},
        index=pd.Index(uniques, name="origin_id"),
    )
    if "distance_m" in costs.columns:
        frame["nearest_distance_m"] = costs["distance_m"].to_numpy(dtype=float)[first]
    if origin_index is not None:
        frame = frame.reindex(origin_index)
        frame.index.name = origin_index.name or "origin_id"
    return frame


def population_within(costs: pd.DataFrame, demand: pd.Series, *, max_cost: float) -> pd.Series:
    """Per origin: its (target) population when at least one service lies within ``max_cost``, else 0 (``.sum()`` = total reached)."""
    report = validate_cost_table(costs)
    check_weights(demand, report, name="demand", what="(target) population")
    _check_cost_bound(max_cost, report, name="max_cost")
    report.raise_if_problems()
    reached_ids = costs.loc[costs["cost"].to_numpy(dtype=float) <= max_cost, "origin_id"].unique()
    reached = demand.index.isin(reached_ids)
    return pd.Series(np.where(reached, demand.to_numpy(dtype=float), 0.0), index=demand.index, name="pop_within")
