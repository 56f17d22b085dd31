"""Population by year: observed series, projections per unit, units for a year."""

from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd

from .bundle import Bundle
from .errors import DataError, ValidationError
from .settings import AGE_BANDS, GROWTH_COLUMNS, GROWTH_YEARS, LEVELS, POPULATION_BASE_YEAR, PROJECTION_VINTAGE

#: Population columns of a unit (as in ``bundle.units``), recomputed for each year.
POPULATION_COLUMNS = ["pop_total", "pop_male", "pop_female"] + [c for c, _, _ in AGE_BANDS]
#: Bundle layers written by ``population_build.build_population_layers``.
LAYERS = ("population_years", "population_projection", "sector_population")
SEXES = ("M", "F")


# -- age groups: the finest disjoint groups the AGE_BANDS are made of ------------------------------------------
def age_group_edges() -> np.ndarray:
    """First ages of the disjoint groups that every band of settings.AGE_BANDS is a union of (0, 3, 15, 50, …)."""
    edges = {0}
    for _, first, last in AGE_BANDS:
        edges.add(first)
        if last is not None:
            edges.add(last + 1)
    return np.array(sorted(edges))


AGE_GROUP_EDGES = age_group_edges()


def age_group(age) -> np.ndarray:
    """Index of the age group (see :data:`AGE_GROUP_EDGES`) of each age."""
    return np.searchsorted(AGE_GROUP_EDGES, np.asarray(age), side="right") - 1


def to_cells(long: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """A long ``keys…, sex, age, population`` table summed to ``keys…, sex, group, population`` cells."""
    cells = long.assign(group=age_group(long["age"].to_numpy()))
    return cells.groupby(keys + ["sex", "group"], as_index=False)["population"].sum()


def bands_from_cells(cells: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """``pop_total``, ``pop_male``, ``pop_female`` and the AGE_BANDS columns per ``keys`` from sex × group cells."""
    wide = cells.pivot_table(index=keys, columns=["sex", "group"], values="population", aggfunc="sum", fill_value=0)
    groups = wide.columns.get_level_values("group").to_numpy()
    sexes = wide.columns.get_level_values("sex").to_numpy()
    values = wide.to_numpy(dtype=np.float64)
    out = pd.DataFrame(index=wide.index)
    out["pop_total"] = values.sum(axis=1)
    out["pop_male"] = values[:, sexes == "M"].sum(axis=1)
    out["pop_female"] = values[:, sexes == "F"].sum(axis=1)
    starts = AGE_GROUP_EDGES[groups]
    for column, first, last in AGE_BANDS:
        inside = starts >= first
        if last is not None:
            inside &= starts <= last
        out[column] = values[:, inside].sum(axis=1)
    return out.round().astype(np.int64).reset_index()


# -- the share method -----------------------------------------------------------------------------------------
def round_preserving(values, groups) -> np.ndarray:
    """Integers closest to ``values`` whose sum per group equals the group's rounded sum (largest remainders).

    Ties go to the earlier row, so the result is deterministic.
    """
    values = np.asarray(values, dtype=np.float64)
    codes = pd.factorize(np.asarray(groups))[0]
    floor = np.floor(values)
    remainder = values - floor
    target = np.rint(np.bincount(codes, weights=values))
    missing = (target - np.bincount(codes, weights=floor)).astype(np.int64)
    order = np.lexsort((np.arange(len(values)), -remainder, codes))
    sorted_codes = codes[order]
    starts = np.searchsorted(sorted_codes, sorted_codes, side="left")
    rank = np.arange(len(values)) - starts
    bump = np.zeros(len(values), dtype=np.int64)
    bump[order] = (rank < missing[sorted_codes]).astype(np.int64)
    return floor.astype(np.int64) + bump


def share_projection(base: pd.DataFrame, area_of: pd.Series, projection: pd.DataFrame) -> pd.DataFrame:
    """Carry area projections down to units by constant base-year shares per sex and age group.

    ``base``: ``unit_id, sex, group, population`` in the base year; ``area_of``: unit_id -> area_id;
    ``projection``: ``area_id, year, sex, group, population``. Each unit gets, in every year, its base-year share
    of its area's cell (sex × age group) times the area's projected cell, rounded so that the units of an area
    add up exactly to the area's figure. Where an area's base cell is empty the unit's share of the area's whole
    base population is used instead. Returns ``unit_id, year, sex, group, population`` (integers).
    """
    units = pd.Index(area_of.index, name="unit_id")
    grid = pd.MultiIndex.from_product([units, list(SEXES), range(len(AGE_GROUP_EDGES))], names=["unit_id", "sex", "group"])
    pop = base.groupby(["unit_id", "sex", "group"])["population"].sum().reindex(grid, fill_value=0).astype(np.float64)
    cells = pop.reset_index()
    cells["area_id"] = area_of.reindex(cells["unit_id"]).to_numpy()
    cell_total = cells.groupby(["area_id", "sex", "group"])["population"].transform("sum")
    unit_total = cells.groupby("unit_id")["population"].transform("sum")
    area_total = cells.groupby("area_id")["population"].transform("sum")
    fallback = (unit_total / area_total.replace(0, np.nan)).fillna(0)
    cells["share"] = np.where(cell_total > 0, cells["population"] / cell_total.replace(0, np.nan), fallback)
    merged = cells[["unit_id", "area_id", "sex", "group", "share"]].merge(
        projection[["area_id", "year", "sex", "group", "population"]], on=["area_id", "sex", "group"], how="inner")
    key = merged["area_id"].astype(str) + "|" + merged["year"].astype(str) + "|" + merged["sex"] + "|" + merged["group"].astype(str)
    merged["population"] = round_preserving(merged["share"].to_numpy() * merged["population"].to_numpy(), key.to_numpy())
    return merged[["unit_id", "year", "sex", "group", "population"]]


def interpolate_cells(before: pd.DataFrame, after: pd.DataFrame, totals: pd.DataFrame, *, year_before: int,
                      year_after: int) -> pd.DataFrame:
    """Sex × age-group cells for years between two observed years, from the known totals of each year.

    ``before``/``after``: ``unit_id, sex, group, population``; ``totals``: ``unit_id, year, population``. Each
    unit's shares of its cells move linearly from ``year_before`` to ``year_after``; the cells are rounded to add
    up to the unit's total of the year.
    """
    grid = pd.MultiIndex.from_product([sorted(set(before["unit_id"]) | set(after["unit_id"])), list(SEXES),
                                       range(len(AGE_GROUP_EDGES))], names=["unit_id", "sex", "group"])
    shares = []
    for frame in (before, after):
        pop = frame.groupby(["unit_id", "sex", "group"])["population"].sum().reindex(grid, fill_value=0).astype(np.float64)
        shares.append(pop / pop.groupby(level="unit_id").transform("sum").replace(0, np.nan))
    cells = pd.DataFrame({"share_before": shares[0], "share_after": shares[1]}).fillna(0).reset_index()
    out = cells.merge(totals[["unit_id", "year", "population"]].rename(columns={"population": "total"}), on="unit_id")
    w = (out["year"] - year_before) / (year_after - year_before)
    out["value"] = ((1 - w) * out["share_before"] + w * out["share_after"]) * out["total"]
    out = out[["unit_id", "year", "sex", "group", "value"]]
    key = out["unit_id"].astype(str) + "|" + out["year"].astype(str)
    out["population"] = round_preserving(out["value"].to_numpy(), key.to_numpy())
    return out.drop(columns="value")


# -- runtime --------------------------------------------------------------------------------------------------
def _years_layer(bundle: Bundle) -> pd.DataFrame:
    try:
        return bundle.layer("population_years")
    except DataError as exc:
        raise DataError("this bundle has no population by year (layer population_years); rebuild it with "
                        "`zorgzones data fetch` (add `--mirror DIR` to read a local mirror)") from exc


def available_years(bundle: Bundle) -> list[int]:
    """Years with population figures in the bundle (observed and projected)."""
    return sorted(int(y) for y in _years_layer(bundle)["year"].unique())


def population_kind_label(kind: str, *, synthetic: bool = False) -> str:
    """Human label of a population kind: ``observed (Statbel)`` or ``projection (Planning Bureau, vintage 2022)``."""
    if synthetic:
        return f"{kind} (synthetic demo data)"
    return "observed (Statbel)" if kind == "observed" else f"projection (Planning Bureau, vintage {PROJECTION_VINTAGE})"


def check_years(bundle: Bundle, years: Iterable[int]) -> list[int]:
    """The given years as ints; every year outside the bundle's range is reported in one ValidationError."""
    known = available_years(bundle)
    asked = [int(y) for y in years]
    outside = [y for y in asked if y not in known]
    if outside:
        cover = f"the bundle covers {known[0]}-{known[-1]} (observed up to {POPULATION_BASE_YEAR}, projected after)"
        if len(outside) > 3:
            raise ValidationError("year", [f"no population for {len(outside)} of the years asked "
                                           f"({min(outside)}-{max(outside)}); {cover}"])
        raise ValidationError("year", [f"no population for {y}; {cover}" for y in outside])
    return asked


def parse_years(text: str) -> list[int]:
    """``2022-2040`` or ``2022,2030,2040`` (or one year) as a list of ints; malformed text is a ValidationError."""
    try:
        if "-" in text.strip("-"):
            first, last = (int(p) for p in text.split("-", 1))
            if last < first:
                raise ValueError
            return list(range(first, last + 1))
        return [int(p) for p in text.split(",") if p.strip()]
    except ValueError:
        raise ValidationError("years", [f"{text!r} is not a year range; write e.g. 2022-2040 or 2022,2030,2040"]) from None


def municipalities_for_years(bundle: Bundle, years: Iterable[int]) -> pd.DataFrame:
    """Rows of ``population_years`` for these years (``municipality_id, year, population_kind, …``)."""
    layer = _years_layer(bundle)
    return layer[layer["year"].isin(check_years(bundle, years))]


def _sub_unit_factor(bundle: Bundle, units: pd.DataFrame, level: str, year: int, muni_now: pd.Series,
                     muni_base: pd.Series) -> pd.Series:
    """Population of each sub-municipal unit in ``year`` divided by its base-year population.

    A unit keeps its base-year share of its municipality; where sector totals of ``year`` exist its share moves
    with them (share among the municipality's units).
    """
    key = {"deelgemeente": "deelgemeente_id", "neighbourhood": "neighbourhood_id"}[level]
    base_pop = units["pop_total"].astype(np.float64)
    growth = (muni_now / muni_base.replace(0, np.nan)).reindex(units["municipality_id"]).fillna(0).to_numpy()
    factor = pd.Series(growth, index=units.index)
    if year == POPULATION_BASE_YEAR:
        return factor
    try:
        sector_pop = bundle.layer("sector_population")
    except DataError:  # the demo bundle has no sectors
        return factor
    if year not in set(sector_pop["year"].unique()):
        return factor
    sectors = bundle.sectors.dropna(subset=[key])
    now = sector_pop.loc[sector_pop["year"] == year, ["sector_id", "population"]]
    per_unit_now = sectors[["sector_id", key]].merge(now, on="sector_id").groupby(key)["population"].sum()
    per_unit_now = per_unit_now.reindex(units.index).fillna(0)
    share_now = per_unit_now / per_unit_now.groupby(units["municipality_id"]).transform("sum").replace(0, np.nan)
    share_base = base_pop / base_pop.groupby(units["municipality_id"]).transform("sum").replace(0, np.nan)
    usable = share_now.notna() & share_base.gt(0)
    usable &= per_unit_now.groupby(units["municipality_id"]).transform("sum").gt(0)
    factor[usable] = factor[usable] * (share_now[usable] / share_base[usable])
    return factor


def units_for_year(bundle: Bundle, level: str, year: int) -> pd.DataFrame:
    """``bundle.units(level)`` with the population columns of ``year`` (observed or projected).

    Adds ``year``, ``population_kind`` ('observed'/'projection') and ``population_estimated``; ``frame.attrs``
    holds ``year``, ``population_kind`` and ``population_label``. Municipalities take their own series;
    deelgemeenten and neighbourhoods keep their base-year share of their municipality (moved by observed sector
    totals 2011-2022 where available) and their age bands from their municipality: both flagged as estimates.
    """
    if level not in LEVELS:
        raise ValidationError("level", [f"unknown level {level!r}; choose one of {', '.join(LEVELS)}"])
    (year,) = check_years(bundle, [year])
    layer = _years_layer(bundle)
    rows = layer[layer["year"] == year].set_index("municipality_id")
    units = bundle.units(level)
    kind = str(rows["population_kind"].iloc[0])
    if level == "municipality":
        units[POPULATION_COLUMNS] = rows[POPULATION_COLUMNS].reindex(units.index).fillna(0).astype(np.int64).to_numpy()
        units["age_estimated"] = rows["age_estimated"].reindex(units.index).fillna(True).astype(bool).to_numpy()
        units["population_estimated"] = bool(bundle.is_demo)
    elif year == POPULATION_BASE_YEAR:
        units["population_estimated"] = bool(bundle.is_demo)
    else:
        base_rows = layer[layer["year"] == POPULATION_BASE_YEAR].set_index("municipality_id")
        factor = _sub_unit_factor(bundle, units, level, year, rows["pop_total"].astype(np.float64),
                                  base_rows["pop_total"].astype(np.float64))
        total = np.rint(units["pop_total"].to_numpy() * factor.to_numpy()).astype(np.int64)
        municipal = rows[POPULATION_COLUMNS].astype(np.float64)
        shares = municipal.div(municipal["pop_total"].replace(0, np.nan), axis=0).reindex(units["municipality_id"]).fillna(0)
        units[POPULATION_COLUMNS[1:]] = np.rint(shares[POPULATION_COLUMNS[1:]].to_numpy() * total[:, None]).astype(np.int64)
        units["pop_total"] = total
        units["age_estimated"] = True
        units["population_estimated"] = True
    units["year"] = year
    units["population_kind"] = kind
    units.attrs.update(year=year, population_kind=kind, population_label=population_kind_label(kind, synthetic=bundle.is_demo))
    return units


def growth_columns(bundle: Bundle, level: str) -> pd.DataFrame:
    """Per unit of ``level``: the population of each of :data:`GROWTH_COLUMNS` in each of :data:`GROWTH_YEARS`
    (columns ``pop_80plus_2035`` …), as :func:`units_for_year` gives it (projections; below the municipality an
    estimate), and of the base year (``pop_80plus_2022``), which the growth indicators divide by: a unit table of
    another year (:func:`units_for_year`) keeps the same growth. Years the bundle lacks are left out."""
    units = bundle.units(level)
    out = pd.DataFrame(index=units.index)
    known = set(available_years(bundle))
    for column in GROWTH_COLUMNS:  # the base year too: a unit table of another year keeps the growth's denominator
        out[f"{column}_{POPULATION_BASE_YEAR}"] = units[column].to_numpy()
    for year in (y for y in GROWTH_YEARS if y in known):
        future = units_for_year(bundle, level, year)
        for column in GROWTH_COLUMNS:
            out[f"{column}_{year}"] = future[column].reindex(out.index).to_numpy()
    return out


#: Indicators of :func:`population_series`.
SERIES_COLUMNS = ["pop_total", "pop_50_64", "pop_65plus", "pop_80plus", "pop_85plus", "share_65plus", "share_80plus",
                  "informal_care_ratio", "growth_vs_base_pct"]


def population_series(bundle: Bundle, *, level: str = "municipality", plan=None, ids: Iterable[str] | None = None,
                      years: Iterable[int] | None = None) -> pd.DataFrame:
    """Population and ageing per unit (or per zone of ``plan``) and year, with observed/projection labels.

    ``plan``: a ``zones.Plan`` (its level is used); ``ids``: only these units (or zones). Columns: ``id, name,
    year, population_kind, population_estimated`` and :data:`SERIES_COLUMNS` (shares 65+/80+ in %, informal-care
    ratio = people 50-64 per person 80+, growth in % of the base year 2022).
    """
    years = available_years(bundle) if years is None else check_years(bundle, years)
    if plan is not None:
        level = plan.level
        if level not in LEVELS:
            raise ValidationError("plan", [f"plan {plan.name!r} mixes levels ({level}); population series need one level"])
    wanted = None if ids is None else [str(i) for i in ids]
    if plan is not None and wanted is not None:
        unknown = sorted(set(wanted) - set(plan.assignment.astype(str)))
        if unknown:
            raise ValidationError("zone", [f"plan {plan.name!r} has no zone {z!r}; zones: {', '.join(plan.zone_ids[:40])}" for z in unknown])
    parts = []
    wanted_years = sorted(set(years) | {POPULATION_BASE_YEAR})
    if level == "municipality":  # one grouping over all years (the layer is per municipality already)
        names = bundle.units("municipality")["name"]
        rows = municipalities_for_years(bundle, wanted_years)
        key = rows["municipality_id"].map(plan.assignment) if plan is not None else rows["municipality_id"]
        grouped = rows.assign(id=key.to_numpy()).dropna(subset=["id"]).groupby(["id", "year"])
        frame = grouped[POPULATION_COLUMNS].sum()
        frame["population_kind"] = grouped["population_kind"].first()
        frame = frame.reset_index()
        frame["name"] = [plan.zone_name(z) for z in frame["id"]] if plan is not None else frame["id"].map(names).to_numpy()
        frame["population_estimated"] = bool(bundle.is_demo)
        if wanted is not None:
            missing = sorted(set(wanted) - set(frame["id"].astype(str)))
            if missing and plan is None:
                raise ValidationError("unit", [f"no municipality {u!r} in the bundle" for u in missing[:20]])
            frame = frame[frame["id"].astype(str).isin(wanted)]
        parts.append(frame)
    for year in wanted_years if level != "municipality" else []:
        units = units_for_year(bundle, level, year)
        if plan is not None:
            zone = plan.assignment.reindex(units.index)
            grouped = units[POPULATION_COLUMNS].groupby(zone.to_numpy()).sum()
            grouped["name"] = [plan.zone_name(z) for z in grouped.index]
            grouped["population_estimated"] = units["population_estimated"].groupby(zone.to_numpy()).any()
        else:
            grouped = units[POPULATION_COLUMNS + ["name", "population_estimated"]]
        if wanted is not None:
            missing = sorted(set(wanted) - set(grouped.index.astype(str)))
            if missing and plan is None:
                raise ValidationError("unit", [f"no {level} {u!r} in the bundle" for u in missing[:20]])
            grouped = grouped[grouped.index.astype(str).isin(wanted)]
        parts.append(grouped.assign(year=year, population_kind=units.attrs["population_kind"]).rename_axis("id").reset_index())
    series = pd.concat(parts, ignore_index=True)
    base = series[series["year"] == POPULATION_BASE_YEAR].set_index("id")["pop_total"]
    series = series[series["year"].isin(years)].copy()
    total = series["pop_total"].replace(0, np.nan)
    series["share_65plus"] = 100 * series["pop_65plus"] / total
    series["share_80plus"] = 100 * series["pop_80plus"] / total
    series["informal_care_ratio"] = series["pop_50_64"] / series["pop_80plus"].replace(0, np.nan)
    series["growth_vs_base_pct"] = 100 * (series["pop_total"] / series["id"].map(base).replace(0, np.nan) - 1)
    series = series[["id", "name", "year", "population_kind", "population_estimated"] + SERIES_COLUMNS]
    series = series.sort_values(["id", "year"]).reset_index(drop=True)
    series.attrs.update(level=level, plan=None if plan is None else plan.name, synthetic=bundle.is_demo)
    return series


#: Status of a zone that is one unit above the maximum: flagged, not failing (as ``plan validate`` treats it).
BAND_FLAGGED = "above (one unit, flagged)"


def band_by_year(series: pd.DataFrame, *, min_population: float | None, max_population: float | None,
                 units_per_zone: pd.Series | None = None) -> pd.DataFrame:
    """Zones of a :func:`population_series` against a population band in each year: ``id, name, year,
    population_kind, pop_total, status`` with status 'below', 'above' or 'in band'; with ``units_per_zone`` (zone id
    -> number of units) a zone of one unit above the maximum is :data:`BAND_FLAGGED` instead of 'above'."""
    out = series[["id", "name", "year", "population_kind", "pop_total"]].copy()
    below = out["pop_total"] < min_population if min_population is not None else False
    above = out["pop_total"] > max_population if max_population is not None else False
    out["status"] = np.select([below, above], ["below", "above"], default="in band")
    if units_per_zone is not None:
        out.loc[out["id"].map(units_per_zone).eq(1) & out["status"].eq("above"), "status"] = BAND_FLAGGED
    return out


def band_runs(bands: pd.DataFrame) -> pd.DataFrame:
    """Consecutive years a zone of :func:`band_by_year` spends outside the band: ``id, name, status, first_year,
    last_year`` (one row per run, zones that stay in band are left out)."""
    ordered = bands.sort_values(["id", "year"])
    new_run = (ordered["status"] != ordered.groupby("id")["status"].shift()) | (ordered["year"].diff() != 1)
    runs = ordered.assign(run=new_run.cumsum()).groupby("run").agg(
        id=("id", "first"), name=("name", "first"), status=("status", "first"), first_year=("year", "min"),
        last_year=("year", "max"))
    return runs[runs["status"] != "in band"].reset_index(drop=True)
