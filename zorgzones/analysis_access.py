"""Accessibility as one request: nearest service and catchment supply."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import geopandas as gpd
import numpy as np
import pandas as pd

from . import settings
from .access_summary import summarise_access
from .accessibility import Catchment, nearest_service, per_1000
from .analysis import (
    Demand,
    Progress,
    Services,
    build_demand,
    bundle_file,
    e2sfca_steps,
    json_records,
    nearest_times,
    no_progress,
    prepare_services,
    province_mask,
    ratio_supply,
    service_defaults,
    unit_zones,
)
from .errors import Report
from .network import RoadNetwork, network_costs
from .travel import straight_line_costs
from .zones import Plan


@dataclass(frozen=True)
class AccessRequest:
    """What to measure; None means "the default of the service type" (settings.SERVICE_TYPES)."""

    service_type: str = "pharmacy"
    level: str = "neighbourhood"
    method: str = settings.DEFAULT_ACCESS_METHOD
    mode: str | None = None
    max_minutes: float | None = None
    steps: Mapping[float, float] | None = None
    sigma_minutes: float | None = None
    target: str | None = None
    engine: str = "straight"
    osm: str = "osm_antwerp"
    raster: str = "ghs_pop_100m_westflanders"
    include_inactive: bool = False
    provinces: tuple[str, ...] = ()
    demand_model: str | None = None
    year: int | None = None

    def resolved(self) -> AccessRequest:
        """Every None filled from the service type's defaults; every problem of the request listed at once."""
        report = Report("access request")
        T, mode, target = service_defaults(self.service_type, max_minutes=self.max_minutes, mode=self.mode,
                                           target=self.target, report=report)
        if self.method not in settings.ACCESS_METHODS:
            report.problem(f"method {self.method!r} is unknown; expected one of {settings.ACCESS_METHODS}")
        if self.engine not in ("straight", "network"):
            report.problem(f"engine {self.engine!r} is unknown; expected straight or network")
        if self.sigma_minutes is not None and not (np.isfinite(self.sigma_minutes) and self.sigma_minutes > 0):
            report.problem(f"sigma_minutes is {self.sigma_minutes!r}; expected a positive number of minutes")
        steps = None
        if self.method == "e2sfca":
            steps = dict(self.steps) if self.steps else (e2sfca_steps(T) if report.ok else None)
            for bound, weight in (steps or {}).items():
                if not (np.isfinite(bound) and bound > 0 and np.isfinite(weight) and weight >= 0):
                    report.problem(f"step {bound!r}:{weight!r}: expected a positive bound (minutes) and a weight >= 0")
        report.raise_if_problems()
        sigma = None
        if self.method == "gaussian":
            sigma = float(self.sigma_minutes or T * settings.GAUSSIAN_SIGMA_FRACTION)
        return replace(self, mode=mode, max_minutes=T, steps=steps, sigma_minutes=sigma, target=target,
                       provinces=tuple(self.provinces))

    @property
    def reach_minutes(self) -> float:
        """Cost-table cutoff: the threshold, the last E2SFCA step or 3 sigma, whichever is farthest."""
        T = float(self.max_minutes)
        return max(T, max(self.steps) if self.steps else 0.0, 3 * self.sigma_minutes if self.sigma_minutes else 0.0)


@dataclass
class AccessResult:
    """Per demand point, per unit, per zone and for the whole region (and a province selection)."""

    request: AccessRequest
    demand: Demand
    services: Services
    per_point: pd.DataFrame
    by_unit: pd.DataFrame
    region: pd.Series
    selection: pd.Series | None = None
    by_zone: pd.DataFrame | None = None
    plan: Plan | None = None
    pairs: int = 0
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict:
        """The JSON answer of ``zorgzones access`` (and what the app shows)."""
        r = self.request
        out = {
            "service_type": r.service_type, "services": len(self.services.points), "engine": r.engine, "mode": r.mode,
            "method": r.method, "max_minutes": r.max_minutes, "steps": r.steps, "sigma_minutes": r.sigma_minutes,
            "level": r.level, "target": r.target, "demand_model": self.demand.model, "year": self.demand.year,
            "population": self.demand.population_label, "points": int(self.demand.inside.sum()),
            "points_outside": int((~self.demand.inside).sum()),
            "pairs": self.pairs, "region": json_records(self.region.to_frame().T)[0],
            "selection": json_records(self.selection.to_frame().T)[0] if self.selection is not None else None,
            "provinces": list(r.provinces), "notes": list(self.notes),
        }
        if self.by_zone is not None:
            out["plan"] = self.plan.name
            out["zones"] = json_records(self.by_zone)
        return out


def _costs(request: AccessRequest, bundle, demand: Demand, services: Services, notes: list[str]):
    """The cost table of the request's engine (points without a road within the snap limit are dropped)."""
    reach = request.reach_minutes
    if request.engine == "straight":
        return demand, straight_line_costs(demand.points, services.points, mode=request.mode, max_minutes=reach)
    network = RoadNetwork.from_osm(bundle_file(bundle, request.osm, "--osm"), mode=request.mode)
    costs = network_costs(network, demand.points, services.points, max_minutes=reach)
    covered = (network.snap(demand.points)["node"] >= 0).to_numpy()
    if not covered.all():
        notes.append(f"{int((~covered).sum()):,} of {len(covered):,} demand points lie farther than the snap limit from "
                     "the road network and were left out: the figures cover the network's area only")
    demand = replace(demand, points=demand.points[covered], target_pop=demand.target_pop[covered],
                     point_unit=demand.point_unit[covered])
    return demand, costs


def supply_ratio(request: AccessRequest, costs: pd.DataFrame, demand: Demand, services: Services) -> pd.Series:
    """Catchment supply per demand unit per point (see :func:`zorgzones.analysis.ratio_supply` for which services)."""
    supply = ratio_supply(demand, services)
    catchment = Catchment.from_costs(costs, demand.target_pop.index, supply.index, validate=False)
    if request.method == "2sfca":
        return catchment.two_step_fca(demand.target_pop, supply, max_cost=request.max_minutes)
    if request.method == "e2sfca":
        return catchment.enhanced_two_step_fca(demand.target_pop, supply, steps=request.steps)
    return catchment.gaussian_two_step_fca(demand.target_pop, supply, max_cost=request.reach_minutes,
                                           sigma=request.sigma_minutes)


def run_access(bundle, request: AccessRequest, *, plan: Plan | None = None, services: gpd.GeoDataFrame | None = None,
               progress: Progress = no_progress) -> AccessResult:
    """Nearest service and (unless method "nearest") catchment supply per 1,000 of the target population."""
    request = request.resolved()
    notes: list[str] = []
    prepared = prepare_services(bundle, request.service_type, services=services, include_inactive=request.include_inactive)
    notes += prepared.notes
    demand = build_demand(bundle, level=request.level, target=request.target, model=request.demand_model, raster=request.raster,
                          year=request.year)
    selected = province_mask(demand.units, request.provinces)
    zones = unit_zones(plan, demand.units) if plan is not None else None
    progress("demand")
    demand, costs = _costs(request, bundle, demand, prepared, notes)
    progress("costs")
    per_point = pd.DataFrame({"unit_id": demand.point_unit.to_numpy(dtype=object), "inside_region": demand.inside,
                              "target_pop": demand.target_pop.to_numpy()}, index=demand.points.index)
    per_point = per_point.join(nearest_times(demand.points, prepared.points, costs, mode=request.mode,
                                             reach=request.reach_minutes)
                               if request.engine == "straight" else
                               nearest_service_within(costs, demand.points.index))
    if request.method != "nearest":
        ratio = supply_ratio(request, costs, demand, prepared)
        per_point["supply_per_demand"] = ratio
        per_point["supply_per_1000"] = per_1000(ratio)
        if not prepared.inside.all() and not demand.has_outside:
            notes.append("services outside the region count for travel times, not for supply ratios (the people "
                         "across the border are not in the demand)")
    per_point["beyond_T"] = ~(per_point["nearest_cost"] <= request.max_minutes)
    per_point.index.name = "point_id"
    progress("measures")
    T = request.max_minutes
    inside = demand.inside  # the region's figures are about its own people
    region = summarise_access(per_point[inside], demand.target_pop[inside], max_minutes=T).iloc[0]
    region_ratio = region.get("supply_per_1000")
    report_points = per_point[inside]
    selection = None
    if selected is not None:
        keep = report_points["unit_id"].map(selected).fillna(False).astype(bool).to_numpy()
        report_points = report_points[keep]
        selection = summarise_access(report_points, demand.target_pop.loc[report_points.index], max_minutes=T,
                                     region_ratio=region_ratio).iloc[0]
    by_unit = summarise_access(report_points, demand.target_pop.loc[report_points.index],
                               report_points["unit_id"].rename("unit_id"), max_minutes=T, region_ratio=region_ratio)
    by_zone = None
    if zones is not None:
        point_zone = report_points["unit_id"].map(zones).rename("zone_id")
        known = point_zone.notna().to_numpy()
        by_zone = summarise_access(report_points[known], demand.target_pop.loc[report_points.index][known],
                                   point_zone[known], max_minutes=T, region_ratio=region_ratio)
        by_zone.insert(0, "zone_name", [plan.zone_name(z) for z in by_zone.index])
    progress("summaries")
    return AccessResult(request, demand, prepared, per_point, by_unit, region, selection, by_zone, plan, len(costs), notes)


def nearest_service_within(costs: pd.DataFrame, index: pd.Index) -> pd.DataFrame:
    """Nearest service per point from a cost table alone (road network: no wider search; NaN = beyond reach)."""
    found = nearest_service(costs, origin_index=index)
    found["nearest_cost"] = found["nearest_cost"].astype(float)
    return found


def unit_access(bundle, *, level: str, service_type: str, services: gpd.GeoDataFrame | None = None,
                year: int | None = None) -> pd.DataFrame:
    """Per unit of ``level`` (aligned to ``bundle.units(level)``): ``travel_min`` to the nearest service and
    ``supply_per_1000`` with every default of the service type (demand of ``year``, default the base year) — the
    figures of the app's Explore maps, equal to ``zorgzones access --service-type T --level L [--year Y]``."""
    result = run_access(bundle, AccessRequest(service_type=service_type, level=level, year=year), services=services)
    units = result.demand.units
    by_unit = result.by_unit.reindex(units.index)
    return pd.DataFrame({"travel_min": by_unit["mean_travel_min"].to_numpy(dtype=float),
                         "supply_per_1000": by_unit["supply_per_1000"].fillna(0.0).to_numpy(dtype=float),
                         "target_pop": by_unit["target_pop"].fillna(0.0).to_numpy(dtype=float)}, index=units.index)
