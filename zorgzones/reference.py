"""Each zone next to its arrondissement, province, region and the whole area."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from zorgzones.errors import ValidationError
from zorgzones.indicators import INDICATORS, KEY_FIGURES
from zorgzones.zones import Plan

#: Reference levels, finest first: unit column holding the reference area of each unit ("all" = every unit).
REFERENCE_LEVELS = {"arrondissement": "arrondissement_id", "province": "province_id", "region": "region", "all": None}
DEFAULT_COMPARE_WITH = ("arrondissement", "province", "region", "all")
#: Name of the whole area of a Flanders + Brussels bundle.
ALL_NAME = "Vlaanderen + Brussel"
REGION_NAMES = {"flanders": "Vlaanderen", "brussels": "Brussel"}
#: Indicators compared by default (keys of zorgzones.indicators.INDICATORS whose columns the units can get).
DEFAULT_INDICATORS = ("share_65plus", "share_80plus", "informal_care_ratio", "pharmacies_per_10000", "hospital_beds_per_1000",
                      "general_beds_per_1000", "psychiatric_beds_per_1000")
_FRACTIONS = {"share_0_14", "share_65plus", "share_80plus"}


@dataclass(frozen=True)
class Ratio:
    """An indicator as a ratio of sums: ``scale * sum(numerator) / sum(denominator)`` over any set of units.

    With ``weighted=True`` the numerator is a per-unit value (e.g. ``travel_min``) and the ratio is its mean weighted by
    the denominator (e.g. ``pop_total``) over the units that have a value: ``sum(value * w) / sum(w)``.
    """

    key: str
    numerator: str
    denominator: str | None = None
    scale: float = 1.0
    weighted: bool = False

    @classmethod
    def from_indicator(cls, key: str) -> "Ratio":
        """The ratio of an indicator of the catalogue (shares stay fractions, per-N ratios are scaled)."""
        indicator = INDICATORS[key]
        return cls(key, indicator.numerator, indicator.denominator, 1.0 if key in _FRACTIONS else indicator.scale)

    def columns(self) -> list[str]:
        return [c for c in (self.numerator, self.denominator) if c]


def unit_service_sums(units: gpd.GeoDataFrame, services: gpd.GeoDataFrame) -> pd.DataFrame:
    """Per unit (aligned to ``units.index``): ``n_<type>`` and ``capacity_<type>`` of the active services inside it,
    for every ``service_type`` and every ``service_subtype`` (``hospital_general`` beside ``hospital``)."""
    if "active" in services.columns:
        services = services[services["active"].fillna(True).astype(bool)]
    if services.crs is not None and units.crs is not None and services.crs != units.crs:
        services = services.to_crs(units.crs)
    tree = shapely.STRtree(units.geometry.to_numpy())
    point, unit = tree.query(services.geometry.to_numpy(), predicate="within")
    first = pd.Series(unit).groupby(point).first()
    holder = pd.Series(-1, index=range(len(services)))
    holder[first.index] = first.to_numpy()
    capacity = services["capacity"].fillna(1.0).to_numpy(dtype=float) if "capacity" in services else np.ones(len(services))
    out = pd.DataFrame(index=units.index)
    kinds = {"service_type": services["service_type"].astype(object).to_numpy()}
    if "service_subtype" in services.columns:
        kinds["service_subtype"] = services["service_subtype"].astype(object).to_numpy()
    for values in kinds.values():
        for kind in sorted({k for k in values if isinstance(k, str) and k}):
            rows = np.flatnonzero((values == kind) & (holder.to_numpy() >= 0))
            count, cap = np.zeros(len(units)), np.zeros(len(units))
            np.add.at(count, holder.to_numpy()[rows], 1)
            np.add.at(cap, holder.to_numpy()[rows], capacity[rows])
            out[f"n_{kind}"], out[f"capacity_{kind}"] = count, cap
    return out


def _sums(frame: pd.DataFrame, groups: pd.Series, ratios: list[Ratio]) -> pd.DataFrame:
    """Numerator and denominator sums of each ratio per group (weighted means: value x weight over units with a value)."""
    out = {}
    for r in ratios:
        num = pd.to_numeric(frame[r.numerator], errors="coerce").astype(float)
        den = pd.to_numeric(frame[r.denominator], errors="coerce").astype(float) if r.denominator else pd.Series(1.0, index=frame.index)
        if r.weighted:
            ok = num.notna()
            num, den = (num * den).where(ok), den.where(ok)
        out[f"{r.key}__num"] = num.groupby(groups).sum(min_count=1)
        out[f"{r.key}__den"] = den.groupby(groups).sum(min_count=1)
    return pd.DataFrame(out)


def _ratio(sums: pd.DataFrame, r: Ratio) -> pd.Series:
    den = sums[f"{r.key}__den"].replace(0, np.nan)
    return sums[f"{r.key}__num"] / den * r.scale


def reference_comparison(units: pd.DataFrame, plan: Plan, *, indicators=DEFAULT_INDICATORS, values: pd.DataFrame | None = None,
                         compare_with=DEFAULT_COMPARE_WITH, names: dict[str, dict] | None = None) -> pd.DataFrame:
    """Each zone's indicators next to those of its arrondissement, province, region and the whole area.

    ``units`` (index unit_id) carries the indicator columns (population, ``n_``/``capacity_`` of services, ...) and
    ``arrondissement_id``, ``province_id``, ``region``; ``values`` adds per-unit columns (aligned on unit_id).
    ``indicators`` are keys of the indicator catalogue or :class:`Ratio` objects; every figure, for a zone and for
    a reference area alike, is a ratio of sums over its units, never a mean of unit ratios. A zone's reference
    area is the one holding most of its population (``<level>_share`` says how much of the zone lies in it).
    A reference area that is the zone itself is left empty, and Brussels belongs to no province: a Brussels zone
    is compared with Brussels and the whole area only. ``names``: level -> {id: name} for reference areas.

    Returns a long table, one row per zone and indicator (index ``zone_id, indicator``): ``zone_name``, ``zone``
    (the zone's value) and per level ``<level>_id``, ``<level>_name``, ``<level>_share``, ``<level>`` (value).
    """
    frame = units.drop(columns="geometry", errors="ignore")
    if values is not None:
        frame = frame.join(values.reindex(frame.index), rsuffix="_value")
    ratios = [r if isinstance(r, Ratio) else Ratio.from_indicator(r) for r in indicators]
    missing = sorted({c for r in ratios for c in r.columns() if c not in frame.columns})
    if missing:
        raise ValidationError("reference comparison", [f"the units lack column(s) {missing} needed for "
                                                       f"{[r.key for r in ratios if set(r.columns()) & set(missing)]}; "
                                                       "add services with unit_service_sums() or pass values="])
    unknown = [lvl for lvl in compare_with if lvl not in REFERENCE_LEVELS]
    if unknown:
        raise ValidationError("reference comparison", [f"unknown level(s) {unknown}; choose from {list(REFERENCE_LEVELS)}"])
    zone = plan.assignment[~plan.assignment.index.duplicated()].reindex(frame.index)
    in_plan = zone.notna()
    zone_sums = _sums(frame[in_plan], zone[in_plan], ratios)
    pop = pd.to_numeric(frame.get("pop_total", pd.Series(1.0, index=frame.index)), errors="coerce").fillna(0.0)
    members = {z: set(ix) for z, ix in frame.index[in_plan].groupby(zone[in_plan]).items()}
    names = names or {}
    table = pd.DataFrame({"zone_name": [plan.zone_name(z) for z in zone_sums.index]}, index=zone_sums.index)
    for r in ratios:
        table[r.key] = _ratio(zone_sums, r)
    levels = {}
    for level in compare_with:
        column = REFERENCE_LEVELS[level]
        area = pd.Series("all", index=frame.index, dtype=object) if column is None else frame[column].astype(object)
        if level == "province" and "region" in frame:
            area = area.where(frame["region"].ne("brussels"))  # Brussels belongs to no province
        sums = _sums(frame, area, ratios)
        area_units = {a: set(ix) for a, ix in frame.index[area.notna()].groupby(area[area.notna()]).items()}
        share = pop[in_plan].groupby([zone[in_plan].to_numpy(), area[in_plan].fillna("").to_numpy()]).sum()
        share = share.rename_axis(["zone", "area"]).rename("pop").reset_index()
        total = share.groupby("zone")["pop"].sum()
        named = share[share["area"] != ""]
        best = named.loc[named.groupby("zone")["pop"].idxmax()] if len(named) else named  # the area holding most people
        chosen, chosen_share = {}, {}
        for z, a, people in best[["zone", "area", "pop"]].itertuples(index=False):
            if area_units.get(a) == members.get(z):
                continue  # the reference area is the zone itself: never compare a zone with itself
            chosen[z], chosen_share[z] = a, float(people / total[z]) if total[z] > 0 else np.nan
        default_names = {"all": ALL_NAME} if column is None else REGION_NAMES if level == "region" else {}
        level_names = {**default_names, **names.get(level, {})}
        values = {r.key: _ratio(sums, r) for r in ratios}  # every area's figure once, not per zone
        levels[level] = (chosen, chosen_share, values, level_names)
    rows = []
    for z in zone_sums.index:
        for r in ratios:
            row = {"zone_id": z, "indicator": r.key, "zone_name": table.at[z, "zone_name"], "zone": table.at[z, r.key]}
            for level, (chosen, chosen_share, values, level_names) in levels.items():
                a = chosen.get(z)
                row[f"{level}_id"] = a
                row[f"{level}_name"] = level_names.get(a, a) if a is not None else None
                row[f"{level}_share"] = chosen_share.get(z, np.nan)
                row[level] = float(values[r.key].get(a, np.nan)) if a is not None else np.nan
            rows.append(row)
    return pd.DataFrame(rows).set_index(["zone_id", "indicator"])


def comparison_wide(comparison: pd.DataFrame) -> pd.DataFrame:
    """The long comparison as one row per zone: ``zone_name`` and ``<indicator>``, ``<indicator>_<level>`` columns."""
    levels = [c for c in comparison.columns if f"{c}_id" in comparison.columns]
    wide = comparison[["zone"] + levels].unstack("indicator")
    wide.columns = [ind if what == "zone" else f"{ind}_{what}" for what, ind in wide.columns]
    order = [c for ind in comparison.index.get_level_values("indicator").unique() for c in [ind] + [f"{ind}_{lvl}" for lvl in levels]]
    names = comparison["zone_name"].groupby(level="zone_id").first()
    return pd.concat([names, wide[order]], axis=1)


#: Areas a zone's key figures are set beside on its pack page and in the app, finest first (then its region).
REFERENCE_COLUMNS = ("arrondissement", "province")
#: Key figures that are sizes, not rates: an arrondissement's population says nothing about the zone's.
SIZE_FIGURES = ("pop_total", "area_km2")


def zone_references(bundle, units: pd.DataFrame, plan: Plan, services) -> pd.DataFrame | None:
    """The key figures (rates) of each zone's arrondissement and province for ``units`` (any population year): ratios
    of sums over their units, the figures of ``zorgzones plan metrics --compare-with``; None when the units have no
    arrondissement/province."""
    if not {"arrondissement_id", "province_id", "region"} <= set(units.columns):
        return None
    frame = units.join(unit_service_sums(units, services)) if services is not None and len(services) else units
    keys = [k for k in KEY_FIGURES if k not in SIZE_FIGURES and set(Ratio.from_indicator(k).columns()) <= set(frame.columns)]
    return reference_comparison(frame, plan, indicators=keys, compare_with=REFERENCE_COLUMNS, names=reference_names(bundle))


def zone_areas(references: pd.DataFrame | None, zone_id) -> dict[str, str | None]:
    """Per level of :data:`REFERENCE_COLUMNS` the name of the area a zone of :func:`zone_references` is set beside
    (None where it has none: Brussels' province, an area that is the zone itself)."""
    if references is None or zone_id not in references.index.get_level_values(0):
        return dict.fromkeys(REFERENCE_COLUMNS)
    rows = references.xs(zone_id, level="zone_id")
    return {level: (name if isinstance(name := rows[f"{level}_name"].iloc[0], str) else None) for level in REFERENCE_COLUMNS}


def reference_names(bundle) -> dict[str, dict]:
    """Names of reference areas from a bundle's reference plans (arrondissement, province)."""
    names = {}
    for level in ("arrondissement", "province"):
        if level in bundle.plan_names():
            rows = bundle.plan_assignment(level)
            names[level] = dict(rows.drop_duplicates("zone_id")[["zone_id", "zone_name"]].itertuples(index=False))
    return names


def bundle_reference_comparison(bundle, plan: Plan, *, level: str | None = None, indicators=None,
                                compare_with=DEFAULT_COMPARE_WITH) -> pd.DataFrame:
    """:func:`reference_comparison` of a plan on a bundle's units (of ``level``, default the plan's) and its active
    services; with ``indicators=None`` the default set the data can give. One call for CLI, app and export pack."""
    units = bundle.units(level or (plan.level if plan.level in ("municipality", "deelgemeente", "neighbourhood") else "municipality"))
    frame = units.join(unit_service_sums(units, bundle.services()))
    if indicators is None:
        indicators = [k for k in DEFAULT_INDICATORS if set(Ratio.from_indicator(k).columns()) <= set(frame.columns)]
    return reference_comparison(frame, plan, indicators=indicators, compare_with=compare_with, names=reference_names(bundle))
