"""Gaps, overlaps, coverage, zone benchmark and siting as requests."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import geopandas as gpd
import numpy as np
import pandas as pd

from . import settings
from .access_summary import target_population
from .accessibility import two_step_fca
from .analysis import (
    Demand,
    Progress,
    Services,
    build_demand,
    json_records,
    nearest_times,
    no_progress,
    prepare_services,
    province_mask,
    ratio_supply,
    service_defaults,
    unit_zones,
)
from .coverage import (
    CapacityCoverage,
    benchmark_table,
    capacity_limited_coverage,
    gap_areas,
    ranked,
    service_units,
    summarise_by_zone,
)
from .errors import Report, ValidationError
from .population import units_for_year
from .siting import SitingResult, candidate_grid, maximal_covering, p_median
from .travel import straight_line_costs
from .zones import Plan

#: How many top gaps/overlaps a summary lists.
TOP_N = 10


@dataclass(frozen=True)
class GapsRequest:
    """Who is beyond reach; None means "the default of the service type" (settings.SERVICE_TYPES)."""

    service_type: str = "pharmacy"
    level: str = "neighbourhood"
    mode: str | None = None
    max_minutes: float | None = None
    target: str | None = None
    provinces: tuple[str, ...] = ()
    norm_per_1000: float | None = None
    min_services: int = settings.OVERLAP_MIN_SERVICES
    population_per_capacity: float | None = None
    include_inactive: bool = False
    demand_model: str | None = None
    year: int | None = None

    def resolved(self) -> GapsRequest:
        report = Report("gaps request")
        T, mode, target = service_defaults(self.service_type, max_minutes=self.max_minutes, mode=self.mode,
                                           target=self.target, report=report)
        kind = settings.service_type_defaults(self.service_type)
        if self.norm_per_1000 is not None and not (np.isfinite(self.norm_per_1000) and self.norm_per_1000 > 0):
            report.problem(f"norm_per_1000 is {self.norm_per_1000!r}; expected a positive supply per 1,000")
        if not (isinstance(self.min_services, (int, np.integer)) and self.min_services >= 2):
            report.problem(f"min_services is {self.min_services!r}; expected a whole number >= 2")
        per_capacity = kind.population_per_capacity if self.population_per_capacity is None else self.population_per_capacity
        if per_capacity is not None and not (np.isfinite(per_capacity) and per_capacity > 0):
            report.problem(f"population_per_capacity is {per_capacity!r}; expected a positive number of inhabitants")
        report.raise_if_problems()
        return replace(self, mode=mode, max_minutes=T, target=target, population_per_capacity=per_capacity,
                       provinces=tuple(self.provinces))


@dataclass
class GapsResult:
    """Per unit gaps and overlaps, gap areas, capacity-limited coverage, and per zone with a plan."""

    request: GapsRequest
    demand: Demand
    services: Services
    costs: pd.DataFrame
    per_point: pd.DataFrame
    units: pd.DataFrame
    areas: gpd.GeoDataFrame
    coverage: CapacityCoverage | None = None
    by_zone: pd.DataFrame | None = None
    benchmark: pd.DataFrame | None = None
    plan: Plan | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ranked_gaps(self) -> pd.DataFrame:
        return ranked(self.units, column="pop_beyond")

    @property
    def ranked_overlaps(self) -> pd.DataFrame:
        return ranked(self.units, column="pop_overlap")

    def summary(self) -> dict:
        """The JSON answer of ``zorgzones gaps`` (and the figures the app and exports show)."""
        r, units = self.request, self.units
        total = float(units["target_pop"].sum())
        out = {
            "service_type": r.service_type, "services": len(self.services.points), "mode": r.mode, "max_minutes": r.max_minutes,
            "level": r.level, "target": r.target, "demand_model": self.demand.model, "year": self.demand.year,
            "population": self.demand.population_label, "units": len(units),
            "provinces": list(r.provinces), "target_pop": total, "pop_beyond": float(units["pop_beyond"].sum()),
            "share_beyond": float(units["pop_beyond"].sum() / total) if total else None,
            "units_beyond": int((units["pop_beyond"] > 0).sum()),
            "units_mostly_beyond": int((units["share_beyond"].fillna(0.0) >= settings.GAP_AREA_MIN_SHARE).sum()),
            "pop_overlap": float(units["pop_overlap"].sum()),
            "min_services": r.min_services, "gap_areas": len(self.areas), "notes": list(self.notes),
            "top_gaps": json_records(self.ranked_gaps[["rank", "name", "target_pop", "pop_beyond", "share_beyond", "nearest_cost"]], TOP_N),
            "top_overlaps": json_records(self.ranked_overlaps[["rank", "name", "pop_overlap", "services_within"]], TOP_N),
        }
        if r.norm_per_1000 is not None:
            out.update(norm_per_1000=r.norm_per_1000, units_below_norm=int(units["below_norm"].sum()),
                       pop_below_norm=float(units["pop_below_norm"].sum()))
        if self.coverage is not None:
            facilities = self.coverage.facilities
            out["capacity_limited"] = {
                "population_per_capacity": r.population_per_capacity, "order": "largest capacity first",
                "covered_pop": float(units["covered_pop"].sum()), "residual_pop": float(units["residual_pop"].sum()),
                "covered_share": float(units["covered_pop"].sum() / total) if total else None,
                "capacity_realised": float(facilities["capacity_realised"].sum()),
                "capacity_residual": float(facilities["capacity_residual"].sum()),
            }
        if self.by_zone is not None:
            out["plan"] = self.plan.name
            out["zones"] = json_records(self.by_zone.sort_values("pop_beyond", ascending=False))
            out["benchmark"] = json_records(self.benchmark)
        return out

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table of the result, for files: units (with geometry), ranked, gap areas, facilities, zones, benchmark."""
        geometry = self.demand.units.geometry.reindex(self.units.index)
        out = {"units": gpd.GeoDataFrame(self.units, geometry=geometry.to_numpy(), crs=self.demand.units.crs),
               "ranked": self.ranked_gaps, "gap_areas": self.areas}
        if self.coverage is not None:
            out["facilities"] = self.coverage.facilities
        if self.by_zone is not None:
            out.update(zones=self.by_zone, benchmark=self.benchmark)
        return out


def points_to_units(per_point: pd.DataFrame, point_unit: pd.Series, *, min_services: int) -> pd.DataFrame:
    """Per unit from per point: people, people beyond T, nearest time (population-weighted mean of the points
    reached), most services within T of any point, people within T of >= ``min_services`` services."""
    frame = per_point.assign(_unit=point_unit.reindex(per_point.index).to_numpy())
    pop = frame["target_pop"]
    cost = frame["nearest_cost"]
    reached = cost.notna()
    frame["_w"] = pop.where(reached, 0.0)
    frame["_wt"] = (pop * cost).where(reached, 0.0)
    frame["_overlap"] = pop.where(frame["services_within"] >= min_services, 0.0)
    frame["_supply"] = pop * frame["supply_within_per_1000"].fillna(0.0)
    grouped = frame.groupby("_unit", sort=False)
    out = pd.DataFrame({"target_pop": grouped["target_pop"].sum(), "pop_beyond": grouped["pop_beyond"].sum(),
                        "services_within": grouped["services_within"].max(), "pop_overlap": grouped["_overlap"].sum()})
    w = grouped["_w"].sum()
    out["nearest_cost"] = grouped["_wt"].sum() / w.where(w > 0)
    out["supply_within_per_1000"] = grouped["_supply"].sum() / out["target_pop"].where(out["target_pop"] > 0)
    out["supply_within_per_1000"] = out["supply_within_per_1000"].fillna(0.0)
    out["share_beyond"] = out["pop_beyond"] / out["target_pop"].where(out["target_pop"] > 0)
    out["covered"] = out["pop_beyond"] <= 0
    out["overlap"] = out["pop_overlap"] > 0
    out.index.name = "unit_id"
    return out


def run_gaps(bundle, request: GapsRequest, *, plan: Plan | None = None, services: gpd.GeoDataFrame | None = None,
             progress: Progress = no_progress) -> GapsResult:
    """People beyond T of every service, duplicated coverage, supply within T per 1,000, capacity-limited
    coverage (when the type has a planning rule or one is given), per unit and per zone of ``plan``."""
    request = request.resolved()
    notes: list[str] = []
    prepared = prepare_services(bundle, request.service_type, services=services, include_inactive=request.include_inactive)
    notes += prepared.notes
    demand = build_demand(bundle, level=request.level, target=request.target, model=request.demand_model, year=request.year)
    selected = province_mask(demand.units, request.provinces)
    zones = unit_zones(plan, demand.units) if plan is not None else None
    progress("demand")
    T = request.max_minutes
    costs = straight_line_costs(demand.points, prepared.points, mode=request.mode, max_minutes=T)
    progress("costs")
    within = costs[costs["cost"] <= T]
    counts = within.groupby("origin_id").size().reindex(demand.points.index).fillna(0).astype(int)
    per_point = pd.DataFrame({"target_pop": demand.target_pop.to_numpy(dtype=float), "services_within": counts.to_numpy()},
                             index=demand.points.index)
    per_point = per_point.join(nearest_times(demand.points, prepared.points, costs, mode=request.mode, reach=T))
    per_point["pop_beyond"] = per_point["target_pop"].where(per_point["services_within"] == 0, 0.0)
    ratio = two_step_fca(costs, demand.target_pop, ratio_supply(demand, prepared), max_cost=T)
    per_point["supply_within_per_1000"] = ratio.to_numpy(dtype=float) * 1000.0
    units = points_to_units(per_point, demand.point_unit, min_services=request.min_services)
    units = units.reindex(demand.units.index)
    units.insert(0, "name", demand.units["name"].to_numpy())
    if request.norm_per_1000 is not None:
        units["below_norm"] = units["supply_within_per_1000"] < request.norm_per_1000
        units["pop_below_norm"] = units["target_pop"].where(units["below_norm"], 0.0)
    coverage = None
    if request.population_per_capacity is not None:
        coverage = capacity_limited_coverage(costs, demand.target_pop, prepared.supply, max_cost=T,
                                             population_per_capacity=request.population_per_capacity)
        by_unit = coverage.units.groupby(demand.point_unit.reindex(coverage.units.index).to_numpy())[["covered_pop", "residual_pop"]].sum()
        units["covered_pop"] = by_unit["covered_pop"].reindex(units.index).fillna(0.0)
        units["residual_pop"] = by_unit["residual_pop"].reindex(units.index).fillna(0.0)
        coverage = CapacityCoverage(coverage.facilities, units[["target_pop", "covered_pop", "residual_pop"]])
    progress("measures")
    by_zone = benchmark = None
    if zones is not None:
        by_zone = summarise_by_zone(units.drop(columns=["name"]), zones)
        by_zone.insert(0, "zone_name", [plan.zone_name(z) for z in by_zone.index])
        benchmark = zone_benchmark(bundle, plan, demand.target, prepared, year=request.year)
    if selected is not None:
        units = units[selected.reindex(units.index).to_numpy()]
        if by_zone is not None:
            shown = zones[selected.reindex(zones.index).to_numpy()].unique()
            by_zone, benchmark = by_zone[by_zone.index.isin(shown)], benchmark[benchmark.index.isin(shown)]
    mostly = units[units["share_beyond"].fillna(0.0) >= settings.GAP_AREA_MIN_SHARE]
    areas = gap_areas(mostly, demand.units.loc[mostly.index])
    progress("summaries")
    return GapsResult(request, demand, prepared, costs, per_point, units, areas, coverage, by_zone, benchmark, plan, notes)


def zone_benchmark(bundle, plan: Plan, target: str, services: Services, *, year: int | None = None) -> pd.DataFrame:
    """Each zone's capacity per 1,000 target inhabitants (services located in its units) next to its region's,
    at the plan's own level over the whole region."""
    level = plan.level if plan.level in settings.LEVELS else "municipality"
    units = bundle.units(level) if year is None else units_for_year(bundle, level, year)
    units = units[units.index.isin(plan.assignment.index)]
    demand = target_population(units, target=target)
    inside = services.supply[services.inside.reindex(services.supply.index).to_numpy()]
    bench = benchmark_table(demand.astype(float), inside, unit_zone=plan.assignment.reindex(units.index),
                            service_unit=service_units(services.points.loc[inside.index], units), unit_region=units["region"])
    bench.insert(0, "zone_name", [plan.zone_name(z) for z in bench.index])
    return bench


# --------------------------------------------------------------------------- siting


@dataclass(frozen=True)
class SiteRequest:
    """Where to add ``p`` services; the gaps part follows :class:`GapsRequest`'s defaults."""

    gaps: GapsRequest = GapsRequest()
    p: int = 3
    objective: str = "coverage"
    method: str = "exact"
    candidates: str = "gap-units"
    grid_spacing_m: float = settings.SITING_GRID_SPACING_M
    cutoff_minutes: float = settings.SITING_CUTOFF_MINUTES
    time_limit_s: float = settings.SITING_TIME_LIMIT_S

    def checked(self) -> SiteRequest:
        report = Report("siting request")
        if not (isinstance(self.p, (int, np.integer)) and self.p >= 1):
            report.problem(f"p is {self.p!r}; expected a whole number >= 1")
        if self.objective not in ("coverage", "median"):
            report.problem(f"objective {self.objective!r} is unknown; expected coverage or median")
        if self.method not in ("exact", "greedy"):
            report.problem(f"method {self.method!r} is unknown; expected exact or greedy")
        if self.candidates not in ("gap-units", "units", "grid", "file"):
            report.problem(f"candidates {self.candidates!r} is unknown; expected gap-units, units, grid or file")
        for name in ("grid_spacing_m", "cutoff_minutes", "time_limit_s"):
            value = getattr(self, name)
            if not (np.isfinite(value) and value > 0):
                report.problem(f"{name} is {value!r}; expected a positive number")
        report.raise_if_problems()
        return replace(self, gaps=self.gaps.resolved())


@dataclass
class SiteResult:
    request: SiteRequest
    result: SitingResult | None
    sites: gpd.GeoDataFrame
    candidates: int
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict:
        g = self.request.gaps
        out = {"service_type": g.service_type, "mode": g.mode, "max_minutes": g.max_minutes, "level": g.level, "year": g.year,
               "target": g.target, "candidates": self.candidates, "candidate_kind": self.request.candidates,
               "objective": self.request.objective, "method": self.request.method, "p": self.request.p,
               "notes": list(self.notes)}
        if self.result is not None:
            out.update(self.result.to_dict())
        out["site_table"] = json_records(self.sites[["pick", "name", "x", "y"]]) if len(self.sites) else []
        return out


def unit_candidates(demand: Demand, weights: pd.Series) -> gpd.GeoDataFrame:
    """One candidate site per unit with positive ``weights`` on its demand points: their weighted centre.

    With the people beyond T as weights these are the gap candidates: a unit that holds services is
    proposed only for its people still out of reach, at the centre of those people."""
    chosen = weights[weights > 0]
    points = demand.points.loc[chosen.index]
    w = chosen.to_numpy(dtype=float)
    frame = pd.DataFrame({"unit": demand.point_unit.reindex(chosen.index).to_numpy(), "w": w,
                          "wx": w * points.geometry.x.to_numpy(), "wy": w * points.geometry.y.to_numpy()})
    frame = frame.groupby("unit", sort=True).sum()
    out = gpd.GeoDataFrame({"source_unit": frame.index.to_numpy()},
                           geometry=gpd.points_from_xy(frame["wx"] / frame["w"], frame["wy"] / frame["w"]),
                           crs=demand.points.crs, index=pd.Index(frame.index, name="site_id"))
    out["name"] = demand.units["name"].reindex(out.index).to_numpy()
    return out


def run_site(bundle, request: SiteRequest, *, gaps: GapsResult | None = None, services: gpd.GeoDataFrame | None = None,
             candidates: gpd.GeoDataFrame | None = None, progress: Progress = no_progress) -> SiteResult:
    """Maximal covering or p-median for ``p`` new sites, existing services kept; ``gaps`` (same request) is reused."""
    request = request.checked()
    if candidates is not None:
        request = replace(request, candidates="file")
    g = request.gaps
    if gaps is None or gaps.request != g:
        gaps = run_gaps(bundle, g, services=services, progress=progress)
    demand, T = gaps.demand, g.max_minutes
    if candidates is None:
        if request.candidates == "grid":
            candidates = candidate_grid(demand.units, spacing_m=request.grid_spacing_m)
        elif request.candidates == "units":
            candidates = unit_candidates(gaps.demand, gaps.demand.target_pop)
        else:
            candidates = unit_candidates(gaps.demand, gaps.per_point["pop_beyond"])
    notes = list(gaps.notes)
    if candidates.empty:
        notes.append(f"no candidate sites: nobody is beyond {T:g} min" if request.candidates == "gap-units" else "no candidate sites")
        return SiteResult(request, None, gpd.GeoDataFrame({"pick": [], "name": [], "x": [], "y": []}, geometry=[],
                                                          crs=demand.points.crs), 0, notes)
    cutoff = T if request.objective == "coverage" else max(request.cutoff_minutes, T)
    existing = gaps.costs if request.objective == "coverage" else straight_line_costs(
        demand.points, gaps.services.points, mode=g.mode, max_minutes=cutoff)
    costs = straight_line_costs(demand.points, candidates, mode=g.mode, max_minutes=cutoff)
    p = request.p
    if p > len(candidates):
        raise ValidationError("siting", [f"p is {p} but there are only {len(candidates)} candidate site(s) "
                                         f"({request.candidates}); ask for fewer sites or more candidates"])
    if request.objective == "coverage":
        found = maximal_covering(costs, demand.target_pop, candidates.index, p=p, max_cost=T, existing_costs=existing,
                                 method=request.method, time_limit_s=request.time_limit_s)
    else:
        found = p_median(costs, demand.target_pop, candidates.index, p=p, existing_costs=existing, unreachable_cost=cutoff,
                         method=request.method, time_limit_s=request.time_limit_s)
    table = found.site_table
    sites = gpd.GeoDataFrame(table, geometry=candidates.geometry.reindex(table.index).to_numpy(), crs=candidates.crs)
    sites["x"], sites["y"] = sites.geometry.x, sites.geometry.y
    sites["name"] = candidates["name"].reindex(sites.index).to_numpy() if "name" in candidates else None
    return SiteResult(request, found, sites, len(candidates), notes)
