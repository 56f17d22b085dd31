"""One orchestration per analysis: a request in, a typed result out.

The CLI, the app and the exports call these functions, so one question gets one answer. Each
request names only what the user chose; :meth:`resolved` fills the rest from the service-type
table in :mod:`zorgzones.settings`. Inputs are checked once here (services against the region,
plan against the level), then the trusted inner functions run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from . import settings
from .access_summary import service_supply, target_population
from .accessibility import nearest_service
from .errors import Report, ValidationError
from .validation import check_services_in_region
from .demand import demand_points, has_sector_demand
from .population import POPULATION_COLUMNS, units_for_year
from .travel import raster_demand_points, straight_line_costs
from .zones import Plan

Progress = Callable[[str], None]


def no_progress(_: str) -> None:
    """Default progress callback: say nothing."""


# --------------------------------------------------------------------------- demand


@dataclass
class Demand:
    """Where the target population is: points, their population and the unit each belongs to.

    ``point_unit`` is missing for the people outside the region who share its services (``inside`` False): they
    take part in catchment ratios and capacity, never in the region's figures.
    """

    points: gpd.GeoDataFrame
    target_pop: pd.Series
    point_unit: pd.Series
    units: gpd.GeoDataFrame
    level: str
    model: str
    target: str
    year: int = settings.POPULATION_BASE_YEAR
    population_label: str = ""

    @property
    def inside(self) -> np.ndarray:
        """True for the points of the region's own people."""
        return self.point_unit.notna().to_numpy()

    @property
    def has_outside(self) -> bool:
        return not self.inside.all()


def service_defaults(service_type: str, *, max_minutes, mode, target, report) -> tuple[float, str, str]:
    """Threshold T, mode and target population of a request: given values, else the service type's defaults
    (settings.SERVICE_TYPES); problems go to ``report``."""
    kind = settings.service_type_defaults(service_type)
    T = float(kind.max_minutes if max_minutes is None else max_minutes)
    if not (np.isfinite(T) and T > 0):
        report.problem(f"max_minutes is {max_minutes!r}; expected a positive number of minutes")
    mode = mode or kind.mode
    if mode not in settings.SPEED_KMH:
        report.problem(f"mode {mode!r} is unknown; expected one of {sorted(settings.SPEED_KMH)}")
    target = target or kind.target
    if target not in settings.TARGET_PRESETS:
        report.problem(f"target {target!r} is unknown; expected one of {sorted(settings.TARGET_PRESETS)}")
    return T, mode, target


def parse_steps(text: str | None) -> dict[float, float] | None:
    """E2SFCA steps typed by a person: ``"10:1, 20:0.68"`` -> {10.0: 1.0, 20.0: 0.68} (None for None); every
    malformed part listed in one ValidationError."""
    if text is None:
        return None
    report = Report("E2SFCA steps")
    steps = {}
    for part in [p for p in text.replace(";", ",").split(",") if p.strip()]:
        try:
            bound, weight = part.split(":")
            steps[float(bound)] = float(weight)
        except ValueError:
            report.problem(f"steps: {part.strip()!r} is not bound:weight (e.g. 10:1,20:0.68,30:0.22)")
    if not steps and report.ok:
        report.problem(f"steps {text!r} hold no step; expected bound:weight,... (e.g. 10:1,20:0.68,30:0.22)")
    report.raise_if_problems()
    return steps


def e2sfca_steps(max_minutes: float) -> dict[float, float]:
    """E2SFCA steps scaled to the threshold T (settings.E2SFCA_STEP_FRACTIONS): 10/20/30 min for T = 30."""
    return {round(max_minutes * fraction, 3): weight for fraction, weight in settings.E2SFCA_STEP_FRACTIONS.items()}


def build_demand(bundle, *, level: str, target: str, model: str | None = None, raster: str | None = None,
                 outside: bool = True, year: int | None = None) -> Demand:
    """Demand points of ``level`` with their target population (or the cells of a population raster).

    ``model`` None: statistical sectors where the bundle has them (real bundles), else one point per unit (the
    demo); see :func:`zorgzones.demand.demand_points`. With ``outside`` the people across the border named by
    settings.OUTSIDE_DEMAND are added (their ``point_unit`` is missing). ``year`` (default the base year): each
    point's people and age bands move with its unit's series (:func:`zorgzones.population.units_for_year`), an
    estimate below the municipality; the people across the border stay at the base year.
    """
    if year is not None and year != settings.POPULATION_BASE_YEAR and level == "raster":
        raise ValidationError("demand", [f"year {year}: a population raster is one year (GHS-POP 2020); use a unit level"])
    if level == "raster":
        units = bundle.units("municipality")
        if settings.TARGET_PRESETS.get(target) != {"pop_total": 1.0}:
            raise ValidationError("demand", [f"target {target!r}: a population raster holds only total population; "
                                             "use target 'all' or a unit level"])
        cells = raster_demand_points(bundle_file(bundle, raster or "ghs_pop_100m_westflanders", "--raster"))
        joined = gpd.sjoin(cells[["geometry"]], units[["geometry"]].rename_axis("_unit"), how="left", predicate="within")
        cell_unit = joined.loc[~joined.index.duplicated(), "_unit"]
        keep = cell_unit.notna().to_numpy()
        cells = cells[keep]
        return Demand(cells, cells["pop_total"].astype(float).rename("target_pop"), cell_unit[keep], units,
                      "raster", "raster", target)
    problems = []
    if level not in settings.LEVELS:
        problems.append(f"level {level!r} is unknown; expected one of {[*settings.LEVELS, 'raster']}")
    if model is not None and model not in settings.DEMAND_MODELS:
        problems.append(f"demand model {model!r} is unknown; expected one of {', '.join(settings.DEMAND_MODELS)}")
    if model == "sector" and not has_sector_demand(bundle):
        problems.append("this bundle has no statistical-sector demand (the synthetic demo, or a bundle built before "
                        "version 3): use the centroid model or rebuild the bundle with `zorgzones data fetch`")
    if problems:
        raise ValidationError("demand", problems)
    model = model or ("sector" if has_sector_demand(bundle) else "centroid")
    points = demand_points(bundle, level=level, model=model, include_outside=settings.OUTSIDE_DEMAND if outside else False)
    point_unit = points["unit_id"].where(points["inside_region"].astype(bool))
    units, label = bundle.units(level), "observed (Statbel)" if not bundle.is_demo else "synthetic"
    if year is not None and year != settings.POPULATION_BASE_YEAR:
        units = units_for_year(bundle, level, year)
        points = points_for_year(points, point_unit, bundle.units(level), units)
        label = units.attrs["population_label"]
    return Demand(points, target_population(points, target=target), point_unit.rename("unit_id"), units,
                  level, model, target, year or settings.POPULATION_BASE_YEAR, label)


def points_for_year(points: pd.DataFrame, point_unit: pd.Series, base: pd.DataFrame, year: pd.DataFrame) -> pd.DataFrame:
    """Demand points of the base year moved to another year: each population column times its unit's ratio
    year / base year (0 where the base is 0); points without a unit (across the border) are left as they are."""
    columns = [c for c in POPULATION_COLUMNS if c in points.columns and c in base.columns]
    ratio = year[columns].astype(float) / base[columns].astype(float).where(base[columns] > 0)
    factors = ratio.fillna(0.0).reindex(point_unit.to_numpy()).to_numpy()
    inside = point_unit.notna().to_numpy()
    out = points.copy()
    out.loc[inside, columns] = points.loc[inside, columns].to_numpy(dtype=float) * factors[inside]
    if "pop_estimated" in out.columns:  # moved with its unit's series: an estimate for a point within the unit
        out["pop_estimated"] = out["pop_estimated"].astype(bool) | inside
    return out


def ratio_supply(demand: Demand, services: Services) -> pd.Series:
    """Capacity that takes part in catchment ratios: every service when the people across the border are in the
    demand, else only the services inside the region (their capacity would go to border residents alone)."""
    if demand.has_outside:
        return services.supply
    return services.supply[services.inside.reindex(services.supply.index).to_numpy()]


def bundle_file(bundle, value: str, what: str) -> Path:
    """A file path given directly or as a key of the bundle's paths."""
    path = Path(value)
    if path.suffix and path.is_file():
        return path
    found = bundle.path(value)
    if found is None or not Path(found).is_file():
        hint = " (the demo bundle has none: run `zorgzones data fetch` or pass a path)" if bundle.is_demo else ""
        raise ValidationError(what, [f"{value!r} is neither an existing file nor a file in the bundle{hint}"])
    return Path(found)


# --------------------------------------------------------------------------- services and plans


@dataclass
class Services:
    """The services one analysis uses: points, capacity, and which of them lie inside the region."""

    points: gpd.GeoDataFrame
    supply: pd.Series
    inside: pd.Series
    notes: list[str]


def prepare_services(bundle, service_type: str, *, services: gpd.GeoDataFrame | None = None,
                     include_inactive: bool = False) -> Services:
    """Services of ``service_type`` with capacity > 0, checked against the region once.

    ``services`` (e.g. a user's file) replaces the bundle's. Services without coordinates are left out;
    services more than settings.BORDER_BUFFER_M outside the region are kept (they count only where in
    reach) and noted; a set with no service in or near the region is refused by
    :func:`zorgzones.validation.check_services_in_region` (swapped coordinates, wrong CRS).
    """
    notes: list[str] = []
    frame = bundle.services(service_type) if services is None else services
    if services is not None and "service_type" in frame.columns and frame["service_type"].notna().any():
        frame = frame[frame["service_type"].astype(str) == service_type]
    supply = service_supply(frame, include_inactive=include_inactive)
    supply = supply[supply > 0]
    frame = frame.loc[supply.index]
    missing = (frame.geometry.isna() | frame.geometry.is_empty).to_numpy()
    if missing.any():
        notes.append(f"{int(missing.sum())} {service_type} service(s) without coordinates were left out")
        frame, supply = frame[~missing], supply[~missing]
    if not len(frame):
        what = "active " if not include_inactive else ""
        raise ValidationError(f"{service_type} services", [
            f"no {what}{service_type} service with capacity > 0 and coordinates; check the service type and the file"])
    region = bundle.boundaries("region").union_all()
    unusable = check_services_in_region(frame, region, name=f"{service_type} services")
    if unusable:  # e.g. swapped coordinates or a wrong CRS: refused, never "everybody is beyond reach"
        raise ValidationError(f"{service_type} services", unusable)
    near = frame.geometry.intersects(region.buffer(settings.BORDER_BUFFER_M)).to_numpy()
    if not near.all():
        notes.append(f"{int((~near).sum())} {service_type} service(s) lie more than {settings.BORDER_BUFFER_M / 1000:g} km "
                     "outside the region (kept: they count only where in reach)")
    inside = pd.Series(frame.geometry.within(region).to_numpy(), index=frame.index)
    if "inside_region" in frame.columns:  # the bundle's flag where known (computed on the exact region border)
        known = frame["inside_region"].notna().to_numpy()
        inside[known] = frame["inside_region"][known].astype(bool).to_numpy()
    return Services(frame, supply, inside.astype(bool), notes)


def unit_zones(plan: Plan, units: pd.DataFrame) -> pd.Series:
    """Zone of every unit of ``units`` under ``plan``: directly, or through the municipality of finer units."""
    level = str(units["level"].iloc[0]) if "level" in units.columns and len(units) else "?"
    if plan.level in (level, "mixed"):
        zones = plan.assignment.reindex(units.index)
    elif plan.level == "municipality" and "municipality_id" in units.columns:
        zones = pd.Series(plan.assignment.reindex(units["municipality_id"]).to_numpy(), index=units.index)
    else:
        raise ValidationError(f"plan {plan.name!r}", [
            f"the plan is made of {plan.level} units and cannot summarise {level} units; use --level {plan.level} "
            "(or a finer level for a municipality plan)"])
    missing = zones.isna()
    if missing.all():
        raise ValidationError(f"plan {plan.name!r}", ["the plan assigns none of the analysed units; is it a plan of this region?"])
    return zones.rename("zone_id")


def province_mask(units: pd.DataFrame, provinces: tuple[str, ...]) -> pd.Series | None:
    """Units of the chosen provinces (None = all); unknown province codes are refused."""
    if not provinces:
        return None
    known = set(units["province_id"].dropna())
    unknown = sorted(set(provinces) - known)
    if unknown:
        raise ValidationError("provinces", [f"province {unknown} not found; known: {sorted(known)}"])
    return units["province_id"].isin(provinces)


def nearest_times(points: gpd.GeoDataFrame, services: gpd.GeoDataFrame, costs: pd.DataFrame, *, mode: str,
                  reach: float) -> pd.DataFrame:
    """Nearest service per point; points with none within ``reach`` are searched again with a doubled
    cutoff up to settings.NEAREST_SEARCH_MAX_MINUTES (NaN beyond), so no full matrix is built."""
    nearest = nearest_service(costs, origin_index=points.index)
    while nearest["nearest_cost"].isna().any() and reach < settings.NEAREST_SEARCH_MAX_MINUTES:
        reach = min(reach * 2.0, settings.NEAREST_SEARCH_MAX_MINUTES)
        far = nearest.index[nearest["nearest_cost"].isna().to_numpy()]
        more = straight_line_costs(points.loc[far], services, mode=mode, max_minutes=reach)
        if len(more):
            found = nearest_service(more, origin_index=far)
            nearest.loc[far, ["nearest_cost", "nearest_dest_id"]] = found[["nearest_cost", "nearest_dest_id"]].to_numpy()
    nearest["nearest_cost"] = nearest["nearest_cost"].astype(float)
    return nearest


def json_records(frame: pd.DataFrame | None, n: int | None = None) -> list[dict] | None:
    """JSON-ready rows (index as a column, NaN/inf as None)."""
    if frame is None:
        return None
    frame = frame.head(n) if n else frame
    clean = pd.DataFrame(frame.drop(columns="geometry", errors="ignore")).reset_index()
    clean = clean.replace([np.inf, -np.inf], np.nan).astype(object)
    return clean.where(clean.notna(), None).to_dict(orient="records")

