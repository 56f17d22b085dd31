"""Target populations, capacities, and travel/supply summaries per group."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from .errors import Report
from .settings import SERVICE_TYPES, TARGET_PRESETS

#: Default target population per service type (from settings.SERVICE_TYPES).
SERVICE_TARGETS: dict[str, str] = {key: kind.target for key, kind in SERVICE_TYPES.items()}


def target_population(units: pd.DataFrame, *, target: str | Mapping[str, float] = "all") -> pd.Series:
    """Target population per unit (aligned to ``units.index``): a preset name of TARGET_PRESETS or a
    service type of SERVICE_TARGETS, or a dict ``{column: weight}`` summed over age-band columns."""
    report = Report("target population input")
    if isinstance(target, str):
        weights = TARGET_PRESETS.get(SERVICE_TARGETS.get(target, target))
        if weights is None:
            report.problem(f"target is {target!r}; expected one of {sorted(TARGET_PRESETS)}, a service type {sorted(SERVICE_TARGETS)} or a dict column -> weight")
    elif isinstance(target, Mapping) and target:
        weights = dict(target)
    else:
        weights = None
        report.problem(f"target is {target!r}; expected a preset name or a non-empty dict column -> weight")
    if weights:
        for column, weight in weights.items():
            if column not in units.columns:
                report.problem(f"units lack column {column!r} needed for target {target!r}; columns are {list(units.columns)}")
            elif not pd.api.types.is_numeric_dtype(units[column]) or (pd.to_numeric(units[column], errors="coerce").fillna(-1) < 0).any():
                report.problem(f"units column {column!r} has missing, negative or non-numeric values")
            if not (isinstance(weight, (int, float, np.integer, np.floating)) and np.isfinite(weight) and weight >= 0):
                report.problem(f"target weight for {column!r} is {weight!r}; expected a number >= 0")
    report.raise_if_problems()
    total = sum(units[column].to_numpy(dtype=float) * float(weight) for column, weight in weights.items())
    return pd.Series(total, index=units.index, name="target_pop")


def service_supply(
    services: pd.DataFrame, *, service_type: str | None = None, capacity_column: str = "capacity", include_inactive: bool = False
) -> pd.Series:
    """Capacity per service id: ``capacity_column`` where known, 1 per site where missing (or no such column);
    services with ``active`` False are left out unless ``include_inactive``; optionally one ``service_type``."""
    report = Report("services input")
    frame = services
    if service_type is not None:
        if "service_type" not in frame.columns:
            report.problem("services lack column 'service_type'; cannot select a service type")
        else:
            frame = frame[frame["service_type"] == service_type]
            if frame.empty:
                report.problem(f"no services of type {service_type!r}; types present: {sorted(services['service_type'].dropna().unique())}")
    if frame.index.has_duplicates:
        report.problem("services: the index (service ids) has duplicates")
    capacity = pd.Series(1.0, index=frame.index)
    if capacity_column in frame.columns:
        given = pd.to_numeric(frame[capacity_column], errors="coerce")
        negative = given < 0
        if negative.any():
            report.problem(f"services: {int(negative.sum())} negative {capacity_column} value(s) (e.g. {list(frame.index[negative.to_numpy()][:3])})")
        capacity = given.astype(float).fillna(1.0)
    report.raise_if_problems()
    if not include_inactive and "active" in frame.columns:
        capacity = capacity[frame["active"].fillna(True).astype(bool).to_numpy()]
    return capacity.rename("capacity")


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """Smallest value v with (weight of values <= v) >= q * total weight; NaN when the total weight is 0."""
    total = weights.sum()
    if not total > 0:
        return np.nan
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cumulative, q * total * (1 - 1e-12), side="left")])


def summarise_access(
    per_point: pd.DataFrame, demand: pd.Series, groups: pd.Series | None = None, *, max_minutes: float, region_ratio: float | None = None
) -> pd.DataFrame:
    """Aggregate per-point results to groups (units, or zones of a plan).

    ``per_point`` is indexed like ``demand`` with ``nearest_cost`` (minutes; NaN = no service
    reached) and optionally ``supply_per_demand`` (a 2SFCA/E2SFCA result). ``groups`` maps a
    point id to its group id (unit -> zone Series, or cell -> unit); without it everything is one
    group "all". Columns: target_pop, mean_travel_min (population-weighted, over reached points),
    p50_travel_min, p90_travel_min (weighted; inf when the quantile falls on unreached people),
    share_beyond (travel > max_minutes or unreached), pop_beyond and, with supply,
    supply_per_1000 (target-population-weighted) and ratio_to_region (vs ``region_ratio`` or the
    total of all points). Groups with zero target population get NaN and ``note`` says why —
    no division by zero happens.
    """
    report = Report("access summary input")
    if "nearest_cost" not in per_point.columns:
        report.problem(f"per_point lacks column nearest_cost; it has {list(per_point.columns)} (use accessibility.nearest_service)")
    if groups is not None and groups.reindex(demand.index).isna().any():
        missing = demand.index[groups.reindex(demand.index).isna().to_numpy()]
        report.problem(f"{len(missing)} demand point(s) have no group (e.g. {[str(i) for i in missing[:5]]}); give every point a group id")
    report.raise_if_problems()
    pop = demand.to_numpy(dtype=float)
    cost = per_point["nearest_cost"].reindex(demand.index).to_numpy(dtype=float)
    time = np.where(np.isnan(cost), np.inf, cost)
    key = np.full(len(pop), "all", dtype=object) if groups is None else groups.reindex(demand.index).to_numpy()
    has_supply = "supply_per_demand" in per_point.columns
    supply = per_point["supply_per_demand"].reindex(demand.index).to_numpy(dtype=float) if has_supply else None
    codes, names = pd.factorize(key, sort=True)
    rows = []
    for g in range(len(names)):
        sel = codes == g
        p, t = pop[sel], time[sel]
        total = p.sum()
        reached = np.isfinite(t)
        row = {"target_pop": total, "n_points": int(sel.sum()), "note": ""}
        if total > 0:
            reached_pop = p[reached].sum()
            row["mean_travel_min"] = float((p[reached] * t[reached]).sum() / reached_pop) if reached_pop > 0 else np.nan
            row["p50_travel_min"] = weighted_quantile(t, p, 0.5)
            row["p90_travel_min"] = weighted_quantile(t, p, 0.9)
            row["pop_beyond"] = float(p[t > max_minutes].sum())
            row["share_beyond"] = row["pop_beyond"] / total
            if supply is not None:
                s = supply[sel]
                ok = np.isfinite(s)
                row["supply_per_1000"] = float((p[ok] * s[ok]).sum() / total * 1000.0)
        else:
            row.update(mean_travel_min=np.nan, p50_travel_min=np.nan, p90_travel_min=np.nan, pop_beyond=0.0, share_beyond=np.nan)
            row["note"] = "no target population: travel and supply figures undefined"
            if supply is not None:
                row["supply_per_1000"] = np.nan
        rows.append(row)
    frame = pd.DataFrame(rows, index=pd.Index(names, name="group_id" if groups is None else (groups.name or "group_id")))
    if supply is not None:
        if region_ratio is None:
            ok = np.isfinite(supply)
            region_pop = pop.sum()
            region_ratio = float((pop[ok] * supply[ok]).sum() / region_pop * 1000.0) if region_pop > 0 else np.nan
        frame["region_supply_per_1000"] = region_ratio
        ratio = np.full(len(frame), np.nan)
        values = frame["supply_per_1000"].to_numpy(dtype=float)
        if np.isfinite(region_ratio) and region_ratio > 0:
            np.divide(values, region_ratio, out=ratio, where=np.isfinite(values))
        frame["ratio_to_region"] = ratio
    return frame


def zone_of_points(point_unit: pd.Series, unit_zone: pd.Series) -> pd.Series:
    """Compose point -> unit and unit -> zone into point -> zone (NaN where a unit has no zone)."""
    return point_unit.map(unit_zone).rename("zone_id")


def in_region(services: pd.DataFrame) -> pd.Series:
    """True for services inside the study region; without an ``inside_region`` column, or where it is missing (an
    upload checked without a region), a service counts as inside."""
    if "inside_region" not in services.columns:
        return pd.Series(True, index=services.index)
    flag = services["inside_region"]
    return flag.where(flag.notna(), True).astype(bool)
