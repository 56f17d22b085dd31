"""Gaps, overlaps, capacity-limited coverage and benchmarks on a cost table.

Coverage analyses on a cost table: gaps, overlaps, capacity-limited coverage and zone benchmark tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from .accessibility import check_weights, nearest_service, per_1000, population_within, two_step_fca, validate_cost_table
from .errors import Report
from .validation import check_projected

# --------------------------------------------------------------------------- validation


def check_cost_table(costs: pd.DataFrame, report: Report, *, name: str = "costs") -> None:
    """Add to ``report`` every problem of a long cost table (accessibility's checks, plus duplicated pairs)."""
    found = validate_cost_table(costs, name=name)
    report.problems.extend(found.problems)
    if found.ok and costs.duplicated(["origin_id", "dest_id"]).any():
        report.problem(f"{name}: {int(costs.duplicated(['origin_id', 'dest_id']).sum())} duplicated (origin_id, dest_id) pair(s); keep one cost per pair")


def check_threshold(value: float, report: Report, *, name: str = "max_cost") -> None:
    if not isinstance(value, (int, float, np.number)) or not np.isfinite(value) or value <= 0:
        report.problem(f"{name} is {value!r}; expected a positive number of minutes (e.g. 10)")


def check_ids(costs: pd.DataFrame, column: str, index: pd.Index, report: Report, *, name: str, other: str) -> None:
    """Problem when ids in ``costs[column]`` are not in ``index`` (ids of another type, e.g. int vs str, never match)."""
    if isinstance(costs, pd.DataFrame) and column in costs.columns and isinstance(index, pd.Index):
        unknown = pd.Index(costs[column].unique()).difference(index)
        if len(unknown):
            report.problem(f"{name}: {len(unknown)} {column}(s) not in {other} (first {[str(i) for i in unknown[:5]]}); "
                           f"build the cost table from the same ids (and id type) as {other}")


def positions(costs: pd.DataFrame, demand: pd.Series, supply_index: pd.Index | None = None) -> pd.DataFrame:
    """Columns ``o`` (position in demand), ``d`` (position in supply_index) and ``cost``; unknown ids dropped."""
    dest = pd.Index(costs["dest_id"])
    table = pd.DataFrame({"o": demand.index.get_indexer(pd.Index(costs["origin_id"])),
                          "d": (supply_index if supply_index is not None else dest.unique()).get_indexer(dest),
                          "cost": costs["cost"].to_numpy(dtype=float)})
    return table[(table["o"] >= 0) & (table["d"] >= 0)].reset_index(drop=True)


def _demand_frame(demand: pd.Series) -> pd.DataFrame:
    frame = pd.DataFrame({"target_pop": demand.astype(float)}, index=demand.index.copy())
    frame.index.name = demand.index.name or "origin_id"
    return frame


# --------------------------------------------------------------------------- gaps and overlaps


def services_within(costs: pd.DataFrame, demand: pd.Series, *, max_cost: float) -> pd.DataFrame:
    """Per demand point: cost to the nearest service (NaN when none in the table) and number of services within ``max_cost``."""
    report = Report("coverage input")
    check_cost_table(costs, report)
    check_weights(demand, report, name="demand", what="target population")
    check_threshold(max_cost, report)
    if isinstance(demand, pd.Series):
        check_ids(costs, "origin_id", demand.index, report, name="costs", other="demand")
    report.raise_if_problems()
    table = positions(costs, demand)
    within = np.bincount(table.loc[table["cost"] <= max_cost, "o"], minlength=len(demand))
    nearest = nearest_service(costs, origin_index=demand.index)["nearest_cost"].to_numpy(dtype=float)
    frame = _demand_frame(demand)
    frame["nearest_cost"] = nearest
    frame["services_within"] = within
    return frame


def coverage_gaps(
    costs: pd.DataFrame,
    demand: pd.Series,
    *,
    max_cost: float,
    supply: pd.Series | None = None,
    norm_per_1000: float | None = None,
) -> pd.DataFrame:
    """Per demand unit: target population beyond ``max_cost`` of every service, and (with ``supply``) the 2SFCA
    supply per 1,000 target inhabitants within ``max_cost`` with a ``below_norm`` flag.

    Columns: target_pop, nearest_cost, services_within, covered, pop_beyond and, with supply,
    supply_within_per_1000 (2SFCA), below_norm (only with ``norm_per_1000``), pop_below_norm.
    """
    report = Report("coverage gaps input")
    if supply is not None:
        check_weights(supply, report, name="supply", what="capacity per service")
    if norm_per_1000 is not None and supply is None:
        report.problem("norm_per_1000 was given without supply; pass the supply Series (capacity per service id)")
    if norm_per_1000 is not None and not (np.isfinite(norm_per_1000) and norm_per_1000 > 0):
        report.problem(f"norm_per_1000 is {norm_per_1000!r}; expected a positive supply per 1,000 target inhabitants")
    report.raise_if_problems()
    frame = services_within(costs, demand, max_cost=max_cost)
    frame["covered"] = frame["services_within"] > 0
    frame["pop_beyond"] = frame["target_pop"] - population_within(costs, demand, max_cost=max_cost).to_numpy(dtype=float)
    if supply is not None:
        ratio = per_1000(two_step_fca(costs, demand, supply, max_cost=max_cost))
        frame["supply_within_per_1000"] = ratio.reindex(frame.index).fillna(0.0).to_numpy(dtype=float)
        if norm_per_1000 is not None:
            frame["below_norm"] = frame["supply_within_per_1000"] < norm_per_1000
            frame["pop_below_norm"] = frame["target_pop"].where(frame["below_norm"], 0.0)
    return frame


def coverage_overlaps(costs: pd.DataFrame, demand: pd.Series, *, max_cost: float, min_services: int = 2) -> pd.DataFrame:
    """Per demand unit: target population within ``max_cost`` of at least ``min_services`` services (duplication).

    Columns: target_pop, nearest_cost, services_within, overlap, pop_overlap.
    """
    if not isinstance(min_services, (int, np.integer)) or min_services < 2:
        Report("coverage overlaps input", [f"min_services is {min_services!r}; expected an integer >= 2"]).raise_if_problems()
    frame = services_within(costs, demand, max_cost=max_cost)
    frame["overlap"] = frame["services_within"] >= min_services
    frame["pop_overlap"] = frame["target_pop"].where(frame["overlap"], 0.0)
    return frame


def _check_unit_zone(unit_zone: pd.Series, index: pd.Index, report: Report) -> None:
    if not isinstance(unit_zone, pd.Series):
        report.problem(f"unit_zone is a {type(unit_zone).__name__}; expected a Series unit_id -> zone_id")
        return
    missing = index[unit_zone.reindex(index).isna().to_numpy()] if unit_zone.index.is_unique else index[:0]
    if not unit_zone.index.is_unique:
        report.problem("unit_zone has duplicated unit ids; a plan gives each unit one zone")
    if len(missing):
        report.problem(
            f"unit_zone: {len(missing)} unit(s) have no zone (first {[str(i) for i in missing[:5]]}); "
            "the plan must assign every unit"
        )


def summarise_by_zone(frame: pd.DataFrame, unit_zone: pd.Series) -> pd.DataFrame:
    """Sum a per-unit gaps/overlaps/coverage frame by zone, with units counts and shares of the target population."""
    report = Report("zone summary input")
    _check_unit_zone(unit_zone, frame.index, report)
    report.raise_if_problems()
    zone = unit_zone.reindex(frame.index).to_numpy()
    sums = [c for c in ("target_pop", "pop_beyond", "pop_below_norm", "pop_overlap", "covered_pop", "residual_pop") if c in frame]
    flags = {"covered": "units_covered", "below_norm": "units_below_norm", "overlap": "units_overlap"}
    data = frame[sums].copy()
    data["units"] = 1
    for column, out in flags.items():
        if column in frame:
            data[out] = frame[column].astype(int)
    if "pop_beyond" in frame:
        data["units_beyond"] = (frame["pop_beyond"] > 0).astype(int) if "covered" not in frame else (~frame["covered"]).astype(int)
    if "supply_within_per_1000" in frame:
        data["_supply"] = frame["supply_within_per_1000"] * frame["target_pop"] / 1000.0
    out = data.groupby(zone).sum()
    out.index.name = "zone_id"
    for column in ("pop_beyond", "pop_below_norm", "pop_overlap", "covered_pop", "residual_pop"):
        if column in out:
            share = column.replace("pop_", "share_").replace("_pop", "_share")
            out[share] = out[column] / out["target_pop"].where(out["target_pop"] > 0)
    if "_supply" in out:
        out["supply_within_per_1000"] = out.pop("_supply") / out["target_pop"].where(out["target_pop"] > 0) * 1000.0
    return out


def ranked(frame: pd.DataFrame, *, column: str = "pop_beyond") -> pd.DataFrame:
    """Rows with a positive ``column`` (e.g. pop_beyond, pop_below_norm, pop_overlap), most people first, with a 1-based rank."""
    if column not in frame.columns:
        Report("ranking input", [f"column {column!r} not in {list(frame.columns)}"]).raise_if_problems()
    out = frame[frame[column] > 0].sort_values(column, ascending=False, kind="stable").copy()
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out


def gap_areas(frame: pd.DataFrame, units: gpd.GeoDataFrame, *, column: str = "pop_beyond") -> gpd.GeoDataFrame:
    """Dissolve the units with a positive ``column`` into connected gap polygons, most people first.

    Columns: rank, population (sum of ``column``), units, area_km2, geometry.
    """
    report = Report("gap areas input")
    check_projected(units, report, name="units")
    if column not in frame.columns:
        report.problem(f"column {column!r} not in {list(frame.columns)}")
    report.raise_if_problems()
    chosen = frame.index[frame[column] > 0]
    missing = chosen.difference(units.index)
    if len(missing):
        Report("gap areas input", [f"{len(missing)} gap unit(s) have no geometry in units (first {list(missing[:5])})"]).raise_if_problems()
    parts = gpd.GeoDataFrame(
        {"population": frame.loc[chosen, column].to_numpy(dtype=float)}, geometry=units.geometry.loc[chosen].to_numpy(), crs=units.crs
    )
    if parts.empty:
        return gpd.GeoDataFrame(
            {"rank": pd.Series(dtype=int), "population": pd.Series(dtype=float), "units": pd.Series(dtype=int),
             "area_km2": pd.Series(dtype=float)}, geometry=gpd.GeoSeries([], crs=units.crs),
        )
    # connected groups of units sharing a border (a length, not just a corner); multi-part units stay whole
    left, right = parts.sindex.query(parts.geometry, predicate="intersects")
    geoms = np.asarray(parts.geometry.values)
    shared = (left == right) | (shapely.length(shapely.intersection(geoms[left], geoms[right])) > 0)
    graph = sparse.coo_matrix((np.ones(int(np.sum(shared))), (left[shared], right[shared])), shape=(len(parts), len(parts)))
    parts["area"] = connected_components(graph, directed=False)[1]
    parts["units"] = 1
    merged = parts.dissolve(by="area", aggfunc={"population": "sum", "units": "sum"}).reset_index(drop=True)
    merged["area_km2"] = merged.area / 1e6
    merged = merged.sort_values("population", ascending=False, kind="stable").reset_index(drop=True)
    merged.insert(0, "rank", np.arange(1, len(merged) + 1))
    return merged[["rank", "population", "units", "area_km2", "geometry"]]


# --------------------------------------------------------------------------- benchmark table


def benchmark_table(
    demand: pd.Series,
    supply: pd.Series,
    *,
    unit_zone: pd.Series,
    service_unit: pd.Series,
    unit_region: pd.Series | None = None,
    above_factor: float = 1.5,
) -> pd.DataFrame:
    """Each zone's supply per 1,000 target inhabitants next to its region's and the overall figure.

    ``demand`` is indexed by unit id, ``supply`` by service id, ``unit_zone`` maps unit -> zone (the plan),
    ``service_unit`` maps service -> the unit it lies in (services outside every unit are not counted),
    ``unit_region`` maps unit -> region (e.g. flanders/brussels). Flags: ``below_region``, ``below_overall``
    and ``well_above`` (at least ``above_factor`` times the regional figure: an overlap candidate).
    """
    report = Report("benchmark table input")
    check_weights(demand, report, name="demand", what="target population")
    check_weights(supply, report, name="supply", what="capacity per service")
    if isinstance(demand, pd.Series):
        _check_unit_zone(unit_zone, demand.index, report)
    if not isinstance(service_unit, pd.Series):
        report.problem("service_unit must be a Series service_id -> unit_id")
    elif isinstance(supply, pd.Series) and len(supply.index.difference(service_unit.index)):
        report.problem("service_unit must give a unit (or NaN when outside the region) for every service in supply")
    if unit_region is not None and isinstance(demand, pd.Series) and len(demand.index.difference(unit_region.index)):
        report.problem("unit_region must give a region for every unit in demand")
    if not (np.isfinite(above_factor) and above_factor > 1):
        report.problem(f"above_factor is {above_factor!r}; expected a number > 1 (e.g. 1.5)")
    report.raise_if_problems()
    units = pd.DataFrame({"target_pop": demand.astype(float)})
    units["zone_id"] = unit_zone.reindex(units.index).to_numpy()
    units["region"] = unit_region.reindex(units.index).to_numpy() if unit_region is not None else "all"
    located = service_unit.reindex(supply.index)
    inside = located.notna() & located.isin(units.index)
    units["supply"] = supply[inside].groupby(located[inside].to_numpy()).sum().reindex(units.index).fillna(0.0)
    zones = units.groupby("zone_id").agg(target_pop=("target_pop", "sum"), supply=("supply", "sum"))
    zones["region"] = units.groupby("zone_id")["region"].agg(lambda r: r.mode().iloc[0]).reindex(zones.index)
    zones["mixed_regions"] = units.groupby("zone_id")["region"].nunique().reindex(zones.index) > 1
    zones["supply_per_1000"] = zones["supply"] / zones["target_pop"].where(zones["target_pop"] > 0) * 1000.0
    regions = units.groupby("region")[["target_pop", "supply"]].sum()
    region_ratio = regions["supply"] / regions["target_pop"].where(regions["target_pop"] > 0) * 1000.0
    zones["region_per_1000"] = zones["region"].map(region_ratio).astype(float)
    overall = units["supply"].sum() / units["target_pop"].sum() * 1000.0 if units["target_pop"].sum() > 0 else np.nan
    zones["overall_per_1000"] = overall
    zones["ratio_to_region"] = zones["supply_per_1000"] / zones["region_per_1000"]
    zones["below_region"] = zones["supply_per_1000"] < zones["region_per_1000"]
    zones["below_overall"] = zones["supply_per_1000"] < overall
    zones["well_above"] = zones["supply_per_1000"] >= above_factor * zones["region_per_1000"]
    zones.index.name = "zone_id"
    return zones


# --------------------------------------------------------------------------- capacity-limited coverage


@dataclass
class CapacityCoverage:
    """Result of :func:`capacity_limited_coverage`: one frame per facility and one per demand unit."""

    facilities: pd.DataFrame
    units: pd.DataFrame

    def by_zone(self, unit_zone: pd.Series) -> pd.DataFrame:
        """Covered share and residual population per zone."""
        return summarise_by_zone(self.units, unit_zone)


def capacity_limited_coverage(
    costs: pd.DataFrame,
    demand: pd.Series,
    capacity: pd.Series,
    *,
    max_cost: float,
    order: Sequence | None = None,
    population_per_capacity: float = 1.0,
) -> CapacityCoverage:
    """AccessMod-style geographic coverage: facilities, one after the other, absorb the not-yet-covered target
    population within ``max_cost`` (nearest first) until their capacity is used.

    ``capacity`` (per service id, may be ``inf``) times ``population_per_capacity`` is the population a facility
    can serve. ``order`` lists every service id in processing order; default: largest capacity first (ties keep
    the order of ``capacity``). A unit that only partly fits is covered partly (AccessMod shrinks the catchment).
    """
    report = Report("capacity-limited coverage input")
    check_cost_table(costs, report)
    check_weights(demand, report, name="demand", what="target population")
    check_threshold(max_cost, report)
    if not isinstance(capacity, pd.Series):
        report.problem(f"capacity is a {type(capacity).__name__}; expected a Series service_id -> capacity")
    else:
        numbers = pd.to_numeric(capacity, errors="coerce")
        bad = numbers.isna() | (numbers <= 0)
        if bad.any():
            report.problem(
                f"{int(bad.sum())} service(s) without a positive capacity (first {[str(i) for i in capacity.index[bad][:5]]}); "
                "give each a capacity > 0 (inf for unlimited) or drop them"
            )
        if capacity.index.has_duplicates:
            report.problem("capacity has duplicated service ids; give one capacity per service")
        check_ids(costs, "dest_id", capacity.index, report, name="costs", other="capacity (services without capacity)")
    if isinstance(demand, pd.Series):
        check_ids(costs, "origin_id", demand.index, report, name="costs", other="demand")
    if not (np.isfinite(population_per_capacity) and population_per_capacity > 0):
        report.problem(f"population_per_capacity is {population_per_capacity!r}; expected a positive number")
    if order is not None and isinstance(capacity, pd.Series):
        listed = pd.Index(list(order))
        if listed.has_duplicates:
            report.problem("order lists a service more than once")
        if len(listed.difference(capacity.index)) or len(capacity.index.difference(listed)):
            report.problem(
                f"order must list every service of capacity exactly once; unknown: {[str(i) for i in listed.difference(capacity.index)[:5]]}, "
                f"missing: {[str(i) for i in capacity.index.difference(listed)[:5]]}"
            )
    report.raise_if_problems()
    if order is None:
        sequence = capacity.astype(float).sort_values(ascending=False, kind="stable").index
    else:
        sequence = pd.Index(list(order))
    table = positions(costs, demand, sequence)
    table = table[table["cost"] <= max_cost].sort_values(["d", "cost", "o"], kind="stable")
    starts = np.searchsorted(table["d"].to_numpy(), np.arange(len(sequence) + 1))
    o_all, c_all = table["o"].to_numpy(), table["cost"].to_numpy()
    remaining = demand.to_numpy(dtype=float).copy()
    cap_pop = capacity.reindex(sequence).to_numpy(dtype=float) * population_per_capacity
    within = np.zeros(len(sequence))
    covered = np.zeros(len(sequence))
    reach = np.full(len(sequence), np.nan)
    for k in range(len(sequence)):
        o, c = o_all[starts[k]:starts[k + 1]], c_all[starts[k]:starts[k + 1]]
        take = remaining[o]
        within[k] = take.sum()
        if within[k] > cap_pop[k]:
            before = np.cumsum(take) - take  # absorbed before each unit, nearest first
            take = np.clip(cap_pop[k] - before, 0.0, take)
        remaining[o] -= take
        covered[k] = take.sum()
        if (take > 0).any():
            reach[k] = c[take > 0].max()
    facilities = pd.DataFrame(
        {
            "order": np.arange(1, len(sequence) + 1),
            "capacity": capacity.reindex(sequence).to_numpy(dtype=float),
            "capacity_pop": cap_pop,
            "pop_within": within,
            "covered_pop": covered,
            "capacity_realised": covered / population_per_capacity,
            "catchment_max_cost": reach,
        },
        index=sequence,
    )
    facilities["capacity_residual"] = facilities["capacity"] - facilities["capacity_realised"]
    facilities.index.name = capacity.index.name or "dest_id"
    units = _demand_frame(demand)
    units["covered_pop"] = units["target_pop"] - remaining
    units["residual_pop"] = remaining
    units["covered_share"] = units["covered_pop"] / units["target_pop"].where(units["target_pop"] > 0)
    return CapacityCoverage(facilities=facilities, units=units)


def service_units(services: gpd.GeoDataFrame, units: gpd.GeoDataFrame) -> pd.Series:
    """The unit each service point lies in (NaN outside every unit), indexed like ``services``: the
    ``service_unit`` input of :func:`benchmark_table`."""
    report = Report("service location input")
    check_projected(services, report, name="services")
    check_projected(units, report, name="units")
    report.raise_if_problems()
    if services.crs != units.crs:
        Report("service location input", [f"services are in {services.crs} but units in {units.crs}; reproject one with to_crs()"]).raise_if_problems()
    inside = gpd.sjoin(services[[services.geometry.name]], units[[units.geometry.name]].rename_axis("_unit"),
                       how="left", predicate="within")
    inside = inside[~inside.index.duplicated(keep="first")]  # a point on a shared border goes to the first unit
    return pd.Series(inside["_unit"].to_numpy(), index=services.index, name="unit_id")
