"""Per-zone metrics of a plan, computed from unit sums.

Per-zone metrics of a plan (population against the band, ageing, area, compactness, services) computed from
unit sums.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from zorgzones.adjacency import UnitGraph, unit_graph
from zorgzones.errors import ValidationError
from zorgzones.settings import (BAND_PRESETS, DEFAULT_BAND, GENERATION_PRESETS, GROWTH_COLUMNS, GROWTH_YEARS,
                                POPULATION_BASE_YEAR, SAME_AS_REGION_SHARE)
from zorgzones.zones import Plan, require_projected

#: Population columns summed per zone when the units have them.
POP_COLUMNS = ("pop_total", "pop_0_14", "pop_0_2", "pop_15_64", "pop_50_64", "pop_65plus", "pop_75plus", "pop_80plus", "pop_85plus",
               *(f"{column}_{year}" for column in GROWTH_COLUMNS for year in (POPULATION_BASE_YEAR, *GROWTH_YEARS)))


@dataclass(frozen=True)
class BandChoice:
    """The population band a plan is checked against, the preset it comes from and why it was chosen."""

    low: float | None
    high: float | None
    preset: str | None
    reason: str

    @property
    def band(self) -> tuple[float | None, float | None]:
        return self.low, self.high

    def describe(self) -> str:
        """``band 60,000 - no maximum (flanders_elz): the plan's units are Flemish ...``."""
        if self.low is None and self.high is None:
            return f"no population band: {self.reason}"
        low = f"{self.low:,.0f}" if self.low is not None else "no minimum"
        high = f"{self.high:,.0f}" if self.high is not None else "no maximum"
        return f"band {low} - {high}" + (f" ({self.preset})" if self.preset else "") + f": {self.reason}"


def plan_regions(plan: Plan, units: pd.DataFrame | None = None) -> set[str]:
    """Regions (``flanders``, ``brussels``) of a plan's units: from ``units['region']`` when given, else from the
    ids (NIS codes starting with 21 are Brussels); empty when the ids are not NIS-based."""
    ids = pd.Index(plan.assignment.index.astype(str))
    if units is not None and "region" in units.columns:
        return set(units["region"].reindex(ids).dropna().astype(str))
    nis = ids[ids.str.match(r"^\d{5}")]
    return {("brussels" if i.startswith("21") else "flanders") for i in nis}


def choose_band(plan: Plan | None, *, units: pd.DataFrame | None = None, min_population=None, max_population=None,
                preset: str | None = None) -> BandChoice:
    """The band to check and why: a preset asked for, else explicit bounds, else none for a reference geography,
    else the plan's own band, else the band of the plan's region and level (Brussels only: the Brussels zorgzone
    band 200k-300k; Flemish units, also with Brussels as one zone as in the official plan: the eerstelijnszone
    minimum 60k), else the default band."""
    if preset is not None:
        return BandChoice(*BAND_PRESETS[preset], preset, f"preset {preset!r} asked for")
    if min_population is not None or max_population is not None:
        return BandChoice(min_population, max_population, None, "bounds given explicitly")
    if plan is None:
        return BandChoice(*DEFAULT_BAND, "brussels", "default band (no plan to take it from)")
    if plan.kind == "reference":
        return BandChoice(None, None, None, f"{plan.name!r} is a reference geography (province, arrondissement, care region), "
                                            "a level to compare zones with, not a plan held to a band")
    if plan.min_population is not None or plan.max_population is not None:
        return BandChoice(plan.min_population, plan.max_population, _preset_of(plan.min_population, plan.max_population),
                          f"the plan's own band ({plan.name!r})")
    regions = plan_regions(plan, units)
    level = plan.level or "municipality"
    if regions == {"brussels"}:
        return BandChoice(*BAND_PRESETS["brussels"], "brussels",
                          f"the plan has no band and its {level} units are all in Brussels: Brussels zorgzones band")
    if "flanders" in regions:
        also = " (and Brussels, one zone in the official plan)" if "brussels" in regions else ""
        return BandChoice(*BAND_PRESETS["flanders_elz"], "flanders_elz",
                          f"the plan has no band and its {level} units are Flemish{also}: eerstelijnszone minimum")
    return BandChoice(*DEFAULT_BAND, "brussels", "the plan has no band and its region is unknown: default band")


def generation_band(units: pd.DataFrame, *, min_population=None, max_population=None, preset: str | None = None) -> BandChoice:
    """The band zones are generated for: a preset or bounds asked for, else the band of the units' region (Brussels
    units: the zorgzone band 200k-300k; Flemish units: the eerstelijnszone design target 75k-125k). Units of both
    regions, or of an unknown one, are refused: their zones answer to different bands, so one must be chosen."""
    if preset is not None or min_population is not None or max_population is not None:
        return choose_band(None, min_population=min_population, max_population=max_population, preset=preset)
    regions = set(units["region"].dropna().astype(str)) if "region" in units.columns else set()
    if len(regions) == 1 and next(iter(regions)) in GENERATION_PRESETS:
        (region,) = regions
        name = GENERATION_PRESETS[region]
        return BandChoice(*BAND_PRESETS[name], name, f"no band given and the units are all in {region}: preset {name!r}")
    found = ", ".join(sorted(regions)) or "unknown (no region column)"
    raise ValidationError("band", [f"no band given and the units' regions are {found}: Brussels zones answer to "
                                   f"200,000-300,000 and Flemish eerstelijnszones to at least 60,000 (design 75,000-125,000); "
                                   "choose one with --band (" + ", ".join(sorted(BAND_PRESETS)) + "), "
                                   "--min-population/--max-population, or keep one region with --region"])


def _preset_of(low, high) -> str | None:
    return next((k for k, v in BAND_PRESETS.items() if v == (low, high)), None)


def resolve_band(plan: Plan | None, min_population, max_population) -> tuple[float | None, float | None]:
    """The band to check: explicit arguments, else the plan's own band, else one by the plan's region (choose_band)."""
    return choose_band(plan, min_population=min_population, max_population=max_population).band


def comparison_region(metrics: pd.DataFrame, regions: pd.DataFrame, zone_id) -> str:
    """The area a zone's figures are compared with (``zone_metrics`` row vs ``region_summary``): its region, or the
    whole area (``all``) for a zone spanning regions or covering its whole region (Bruzel is Brussels: comparing it
    with Brussels would compare it with itself). The pack and the app's Explore page both ask this."""
    region = str(metrics.at[zone_id, "regions"])
    if region not in regions.index:
        return "all"
    region_pop = float(regions.at[region, "pop_total"])
    if region_pop and abs(float(metrics.at[zone_id, "pop_total"]) - region_pop) <= SAME_AS_REGION_SHARE * region_pop:
        return "all"
    return region


class MetricContext:
    """Unit-level arrays (populations, areas, perimeters, hulls, services) from which any zone's metrics are summed.

    Built once per set of units; editing reuses it to update the metrics of the zones a move touches.
    """

    def __init__(self, units: gpd.GeoDataFrame, *, services: gpd.GeoDataFrame | None = None,
                 graph: UnitGraph | None = None, island_policy: str = "nearest"):
        require_projected(units)
        self.units = units
        self.graph = graph if graph is not None else unit_graph(units, island_policy=island_policy)
        self.pop = {c: units[c].to_numpy(dtype=float) for c in POP_COLUMNS if c in units.columns}
        if "pop_total" not in self.pop:
            self.pop["pop_total"] = np.zeros(len(units))
        self.region = self.graph.region
        self.service_types: list[str] = []
        self.service_count: dict[str, np.ndarray] = {}
        self.service_capacity: dict[str, np.ndarray] = {}
        self.nearest_unit: dict[str, np.ndarray] = {}
        if services is not None:
            self._add_services(services)

    def with_population(self, units: gpd.GeoDataFrame) -> "MetricContext":
        """The same units (graph, areas, services) with the population columns of ``units`` (the same unit ids, e.g.
        another year's figures from ``population.units_for_year``): no adjacency or service work is redone."""
        if not np.array_equal(self.graph.unit_ids, units.index.to_numpy()):
            raise ValueError("with_population needs the same units in the same order as the context")
        other = copy.copy(self)
        other.units = units
        other.pop = {c: units[c].to_numpy(dtype=float) for c in POP_COLUMNS if c in units.columns}
        if "pop_total" not in other.pop:
            other.pop["pop_total"] = np.zeros(len(units))
        return other

    def _add_services(self, services: gpd.GeoDataFrame) -> None:
        require_projected(services, "services")
        if services.crs != self.units.crs:
            services = services.to_crs(self.units.crs)
        if "active" in services.columns:
            services = services[services["active"].fillna(True).astype(bool)]
        if "service_subtype" in services.columns:  # subtypes (hospital_general, ...) are counted beside their family
            sub = services[services["service_subtype"].notna()]
            services = pd.concat([services, sub.assign(service_type=sub["service_subtype"])])
        tree = shapely.STRtree(self.units.geometry.to_numpy())
        point_idx, unit_idx = tree.query(services.geometry.to_numpy(), predicate="within")
        first = pd.Series(unit_idx).groupby(point_idx).first()
        types = services["service_type"].astype(str).to_numpy() if "service_type" in services else np.array(["service"] * len(services))
        capacity = services["capacity"].fillna(1.0).to_numpy(dtype=float) if "capacity" in services else np.ones(len(services))
        for kind in sorted(set(types)):
            count, cap = np.zeros(self.graph.n), np.zeros(self.graph.n)
            rows = first.index.to_numpy()
            sel = rows[types[rows] == kind]
            np.add.at(count, first[sel].to_numpy(), 1)
            np.add.at(cap, first[sel].to_numpy(), capacity[sel])
            self.service_types.append(kind)
            self.service_count[kind], self.service_capacity[kind] = count, cap
            # nearest service of this type (straight line from each unit's representative point) and the unit holding it
            of_kind = np.flatnonzero(types == kind)
            tree_kind = shapely.STRtree(services.geometry.to_numpy()[of_kind])
            nearest = tree_kind.nearest(shapely.point_on_surface(self.units.geometry.to_numpy()))
            holder = first.reindex(of_kind[nearest]).fillna(-1).to_numpy(dtype=np.int64)
            self.nearest_unit[kind] = holder

    def positions(self, plan: Plan) -> dict:
        """Zone id -> positions of its units (units of the plan missing from ``units`` are ignored)."""
        zone = plan.assignment[~plan.assignment.index.duplicated()].reindex(self.graph.unit_ids)
        groups: dict = {}
        for pos, z in enumerate(zone.tolist()):
            if isinstance(z, str) and z:
                groups.setdefault(z, []).append(pos)
        return groups

    def perimeter_m(self, members) -> float:
        inside = set(members)
        internal = sum(self.graph.edge_length.get((a, b), 0.0) for a in members for b in self.graph.neighbours[a] if b in inside)
        return float(self.graph.perimeter_m[members].sum() - internal)  # each internal edge counted twice = 2 x shared

    def bounding_radius_m(self, members) -> float:
        points = np.concatenate([self.graph.hulls[m] for m in members])
        return float(shapely.minimum_bounding_radius(shapely.multipoints(points)))

    def zone_row(self, members: list[int]) -> dict:
        """Metrics of one zone from the positions of its units (band-independent part)."""
        members = list(members)
        row = {"n_units": len(members)}
        for column, values in self.pop.items():
            row[column] = float(values[members].sum())
        area = float(self.graph.area_m2[members].sum())
        perimeter = self.perimeter_m(members)
        radius = self.bounding_radius_m(members)
        row["area_km2"] = area / 1e6
        row["perimeter_km"] = perimeter / 1e3
        row["polsby_popper"] = 4 * math.pi * area / perimeter ** 2 if perimeter > 0 else np.nan
        row["reock"] = area / (math.pi * radius ** 2) if radius > 0 else np.nan
        parts = self.graph.components(np.asarray(members))
        row["n_parts"] = len(parts)
        row["regions"] = ",".join(sorted(set(self.region[members].tolist())))
        for kind in self.service_types:
            row[f"n_{kind}"] = float(self.service_count[kind][members].sum())
            row[f"capacity_{kind}"] = float(self.service_capacity[kind][members].sum())
            pop = self.pop["pop_total"][members]
            inside = np.isin(self.nearest_unit[kind][members], members)
            row[f"self_contained_{kind}"] = float(pop[inside].sum() / pop.sum()) if pop.sum() > 0 else np.nan
        return row


def finish_metrics(rows: dict, plan: Plan, *, min_population=None, max_population=None) -> pd.DataFrame:
    """Turn raw zone rows into the metric table: derived shares, density, deviations from band and ideal size."""
    low, high = resolve_band(plan, min_population, max_population)
    zones = sorted(rows)
    first = rows[zones[0]] if zones else {"n_units": 0, "pop_total": 0, "area_km2": 0, "n_parts": 0}
    columns = {"zone_name": np.array([plan.zone_name(z) for z in zones], dtype=object)}
    for key in first:
        values = [rows[z][key] for z in zones]
        if key.startswith(("pop_", "n_")):
            columns[key] = np.rint(np.asarray(values, dtype=float)).astype(np.int64)
        elif isinstance(first[key], str):
            columns[key] = np.array(values, dtype=object)
        else:
            columns[key] = np.asarray(values, dtype=float)
    pop = columns["pop_total"].astype(float)
    nan = np.full(len(zones), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        columns["share_65plus"] = columns["pop_65plus"] / pop if "pop_65plus" in columns else nan
        columns["share_80plus"] = columns["pop_80plus"] / pop if "pop_80plus" in columns else nan
        if "pop_50_64" in columns and "pop_80plus" in columns:
            over = columns["pop_80plus"].astype(float)
            columns["informal_care_ratio"] = np.where(over > 0, columns["pop_50_64"] / np.where(over > 0, over, 1), np.nan)
        else:
            columns["informal_care_ratio"] = nan
        area = columns["area_km2"]
        columns["density_per_km2"] = np.where(area > 0, pop / np.where(area > 0, area, 1), np.nan)
    ideal = (low + high) / 2 if low is not None and high is not None else float(pop.sum() / max(len(zones), 1))
    columns["ideal_population"] = np.full(len(zones), float(ideal))
    columns["deviation_ideal_pct"] = (pop - ideal) / ideal * 100 if ideal else nan
    below = np.minimum(pop - low, 0) if low is not None else 0 * pop
    above = np.maximum(pop - high, 0) if high is not None else 0 * pop
    columns["deviation_band"] = below + above
    columns["in_band"] = columns["deviation_band"] == 0
    columns["contiguous"] = columns["n_parts"] <= 1
    frame = pd.DataFrame(columns, index=pd.Index(np.array(zones, dtype=object), name="zone_id"))
    return frame


def zone_metrics(units: gpd.GeoDataFrame, plan: Plan, *, services: gpd.GeoDataFrame | None = None,
                 min_population: float | None = None, max_population: float | None = None,
                 context: MetricContext | None = None) -> pd.DataFrame:
    """One row per zone (indexed by ``zone_id``): zone_name, n_units, pop_* sums, area_km2, perimeter_km,
    polsby_popper, reock, n_parts, regions, n_/capacity_<service type>, self_contained_<service type> (share of
    residents whose nearest active service of that type, straight line from the unit, lies in the zone),
    share_65plus, share_80plus,
    informal_care_ratio (pop_50_64 per pop_80plus), density_per_km2, ideal_population, deviation_ideal_pct,
    deviation_band (people below the minimum < 0, above the maximum > 0), in_band, contiguous.

    Compactness is exact for the dissolved zone: perimeter = sum of unit perimeters - 2 x shared borders inside
    the zone; Reock uses the minimum bounding circle of the units' convex hulls.
    """
    ctx = context if context is not None else MetricContext(units, services=services)
    rows = {zone: ctx.zone_row(members) for zone, members in ctx.positions(plan).items()}
    return finish_metrics(rows, plan, min_population=min_population, max_population=max_population)


def plan_summary(metrics: pd.DataFrame) -> dict:
    """Headline figures of a metric table: zones, zones in band, largest deviation, mean compactness."""
    worst = metrics["deviation_ideal_pct"].abs()
    return {
        "zones": int(len(metrics)),
        "zones_in_band": int(metrics["in_band"].sum()),
        "zones_contiguous": int(metrics["contiguous"].sum()),
        "pop_total": int(metrics["pop_total"].sum()),
        "pop_min": int(metrics["pop_total"].min()) if len(metrics) else 0,
        "pop_max": int(metrics["pop_total"].max()) if len(metrics) else 0,
        "largest_deviation_pct": round(float(worst.max()), 2) if len(metrics) else 0.0,
        "largest_deviation_zone": str(worst.idxmax()) if len(metrics) else None,
        "mean_polsby_popper": round(float(metrics["polsby_popper"].mean()), 4),
        "mean_reock": round(float(metrics["reock"].mean()), 4),
    }


def region_summary(units: gpd.GeoDataFrame, *, services: gpd.GeoDataFrame | None = None,
                   context: MetricContext | None = None) -> pd.DataFrame:
    """Regional benchmarks (one row per region plus ``all``): population, ageing shares, informal-care ratio,
    density, and services and capacity per 1,000 inhabitants, to compare each zone with its region."""
    ctx = context if context is not None else MetricContext(units, services=services)
    groups = {r: np.flatnonzero(ctx.region == r).tolist() for r in sorted(set(ctx.region.tolist()))}
    groups["all"] = list(range(ctx.graph.n))
    rows = {}
    for key, members in groups.items():
        row = {c: float(v[members].sum()) for c, v in ctx.pop.items()}
        row["area_km2"] = float(ctx.graph.area_m2[members].sum() / 1e6)
        for kind in ctx.service_types:
            row[f"n_{kind}"] = float(ctx.service_count[kind][members].sum())
            row[f"capacity_{kind}"] = float(ctx.service_capacity[kind][members].sum())
        rows[key] = row
    frame = pd.DataFrame.from_dict(rows, orient="index").rename_axis("region")
    pop = frame["pop_total"]
    frame["share_65plus"] = frame["pop_65plus"] / pop if "pop_65plus" in frame else np.nan
    frame["share_80plus"] = frame["pop_80plus"] / pop if "pop_80plus" in frame else np.nan
    frame["informal_care_ratio"] = frame["pop_50_64"] / frame["pop_80plus"] if {"pop_50_64", "pop_80plus"} <= set(frame) else np.nan
    frame["density_per_km2"] = pop / frame["area_km2"]
    for kind in ctx.service_types:
        frame[f"{kind}_per_1000"] = frame[f"n_{kind}"] / pop * 1000
        frame[f"capacity_{kind}_per_1000"] = frame[f"capacity_{kind}"] / pop * 1000
    return frame


def zones_vs_region(metrics: pd.DataFrame, regions: pd.DataFrame) -> pd.DataFrame:
    """Each zone's ratios next to its region's average (the classic "zone 0.72, Flanders 1.78" table)."""
    out = pd.DataFrame(index=metrics.index)
    out["zone_name"] = metrics["zone_name"]
    region = metrics["regions"].where(metrics["regions"].isin(regions.index), "all")
    for column in ("share_65plus", "share_80plus", "informal_care_ratio", "density_per_km2"):
        out[column] = metrics[column]
        out[f"{column}_region"] = regions[column].reindex(region).to_numpy()
    for column in [c for c in regions.columns if c.endswith("_per_1000")]:
        count = column.removesuffix("_per_1000")
        count = count if count.startswith("capacity_") else f"n_{count}"
        if count in metrics:
            out[column] = metrics[count] / metrics["pop_total"] * 1000
            out[f"{column}_region"] = regions[column].reindex(region).to_numpy()
    return out


def zone_weighted_means(units: pd.DataFrame, plan: Plan, values: pd.DataFrame | pd.Series, *,
                        weight_column: str = "pop_total") -> pd.DataFrame:
    """Population-weighted mean per zone of per-unit values (e.g. accessibility results: ``travel_min`` to the
    nearest service, 2SFCA ratios), indexed by ``zone_id``; units without a value are left out of that column."""
    frame = values.to_frame() if isinstance(values, pd.Series) else values
    frame = frame.reindex(units.index)
    weight = units[weight_column].astype(float)
    zone = plan.assignment[~plan.assignment.index.duplicated()].reindex(units.index)
    out = {}
    for column in frame.columns:
        v = pd.to_numeric(frame[column], errors="coerce")
        ok = v.notna() & zone.notna()
        num = (v[ok] * weight[ok]).groupby(zone[ok]).sum()
        den = weight[ok].groupby(zone[ok]).sum()
        out[column] = num / den.replace(0, np.nan)
    result = pd.DataFrame(out).reindex(sorted(set(zone.dropna())))
    result.index = pd.Index(result.index.astype(object), name="zone_id")
    return result
