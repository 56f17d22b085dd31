"""Population by year: observed series, projections per unit, units for a year."""

from __future__ import annotations

from typing import Callable, Iterable

import numpy as np
import pandas as pd

from . import readers
from .bundle import Bundle
from .errors import DataError, Report, ValidationError
from .settings import (AGE_BANDS, FPB_FIRST_PROJECTED_YEAR, LEVELS, POPULATION_BASE_YEAR, POPULATION_FIRST_YEAR,
                       PROJECTION_VINTAGE)

#: Population columns of a unit (as in ``bundle.units``), recomputed for each year.
POPULATION_COLUMNS = ["pop_total", "pop_male", "pop_female"] + [c for c, _, _ in AGE_BANDS]
#: Bundle layers written by :func:`build_population_layers`.
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


# -- build ---------------------------------------------------------------------------------------------------
def _code_successors(sector_years: pd.DataFrame, year_before: int = 2018, year_after: int = 2019) -> pd.Series:
    """Municipality code of ``year_before`` -> code of ``year_after``, from statistical sectors (their ids survive mergers)."""
    a = sector_years.loc[sector_years["year"] == year_before, ["sector_id", "nis", "population"]]
    b = sector_years.loc[sector_years["year"] == year_after, ["sector_id", "nis"]].rename(columns={"nis": "nis_after"})
    joined = a.merge(b, on="sector_id").assign(w=lambda f: f["population"] + 1e-6)
    votes = joined.groupby(["nis", "nis_after"])["w"].sum().reset_index().sort_values(["nis", "w"], ascending=[True, False])
    return votes.drop_duplicates("nis").set_index("nis")["nis_after"]


def build_population_layers(src: Callable[[str, str], object], long_2022: pd.DataFrame, crosswalk: pd.Series,
                            report: Report) -> dict[str, pd.DataFrame]:
    """Layers ``population_years`` (municipalities, 2025 borders), ``population_projection`` (Planning Bureau areas)
    and ``sector_population`` (sector totals by year) from the cached originals.

    ``src(dataset_id, file_name)`` gives a cached path; ``long_2022`` is the 2022 ``municipality_id, sex, age,
    population`` table and ``crosswalk`` maps 2019-2024 codes to 2025 codes (both from ``build.build_municipalities``).
    """
    refnis = readers.read_refnis(src("statistical_sectors", "TU_COM_REFNIS.txt"))
    sector_years = readers.read_sector_population_years(src("population_sectors", "BE_POP_SECTOR.rda"))
    history = readers.read_population_history(src("population_history", "BE_POP_MUNTY.rda"))
    statbel_2022 = readers.read_statbel_population(src("population_age", "TF_SOC_POP_STRUCT_2022.zip"))
    fpb = {level: readers.read_population_projection(src("population_projections", f"BE_POP_PROJ_{suffix}.rda"))
           for level, suffix in (("arrondissement", "ARRD"), ("province", "PROV"), ("region", "RGN"))}

    # codes of 2009-2018 -> 2019-2024 (sectors) -> 2025 (crosswalk); every Flemish or Brussels code of 2018 must arrive
    codes = pd.Series(history["nis"].unique(), index=history["nis"].unique())
    to_2025 = _code_successors(sector_years).reindex(codes.index).fillna(codes).map(crosswalk)
    parent = refnis.drop_duplicates("nis", keep="last").set_index("nis")["parent"]
    region_of = parent.map(parent).map(parent).fillna(parent.map(parent))  # municipality -> arrondissement -> province -> region
    on_2018 = refnis[(refnis["level"] == 4) & (refnis["valid_from"] <= pd.Timestamp("2018-01-01"))
                     & (refnis["valid_to"] >= pd.Timestamp("2018-01-01"))]["nis"]
    in_region = on_2018[on_2018.map(region_of).isin(["02000", "04000"])]
    lost = sorted(set(in_region) - set(to_2025.dropna().index))
    if lost:
        report.problem(f"population history: municipalities of 2018 without a 2025 municipality: {lost}")
    frames = []

    # observed 2009-2018: Statbel by municipality, sex and single age
    old = history[history["nis"].map(to_2025).notna()].copy()
    old["municipality_id"] = old["nis"].map(to_2025)
    cells_old = to_cells(old, ["municipality_id", "year"])
    observed = bands_from_cells(cells_old, ["municipality_id", "year"]).assign(population_kind="observed", age_estimated=False)
    frames.append(observed)

    # observed totals 2019-2021 from sectors; sex and age interpolated between 2018 and 2022 (flagged)
    sector_region = sector_years[sector_years["nis"].isin(crosswalk.index)]
    totals = (sector_region.assign(unit_id=sector_region["nis"].map(crosswalk))
              .groupby(["unit_id", "year"], as_index=False)["population"].sum())
    cells_2022 = to_cells(long_2022, ["municipality_id"]).rename(columns={"municipality_id": "unit_id"})
    cells_2018 = cells_old[cells_old["year"] == 2018].drop(columns="year").rename(columns={"municipality_id": "unit_id"})
    gap_years = [y for y in range(2019, POPULATION_BASE_YEAR)]
    between = interpolate_cells(cells_2018, cells_2022, totals[totals["year"].isin(gap_years)],
                                year_before=2018, year_after=POPULATION_BASE_YEAR)
    frames.append(bands_from_cells(between.rename(columns={"unit_id": "municipality_id"}), ["municipality_id", "year"])
                  .assign(population_kind="observed", age_estimated=True))
    check = totals[totals["year"] == 2018].set_index("unit_id")["population"]
    diff = (observed[observed["year"] == 2018].set_index("municipality_id")["pop_total"] - check.reindex(
        observed.loc[observed["year"] == 2018, "municipality_id"]).to_numpy()).abs()
    if diff.sum():
        report.note(f"population 2018: municipal series and sector totals differ by {int(diff.sum()):,} inhabitants in total")

    # observed 2022: the bundle's own Statbel table
    frames.append(bands_from_cells(long_2022.assign(year=POPULATION_BASE_YEAR).pipe(to_cells, ["municipality_id", "year"]),
                                   ["municipality_id", "year"]).assign(population_kind="observed", age_estimated=False))

    # projections: 2022 shares of each 2019-2024 municipality in its Planning Bureau arrondissement (pre-2025 borders)
    valid = refnis[(refnis["level"] == 4) & (refnis["valid_from"] <= pd.Timestamp(f"{POPULATION_BASE_YEAR}-01-01"))
                   & (refnis["valid_to"] >= pd.Timestamp(f"{POPULATION_BASE_YEAR}-01-01"))]
    area_of = valid.set_index("nis")["parent"].reindex(crosswalk.index)
    arrondissements = fpb["arrondissement"]
    missing_area = sorted(set(area_of.dropna()) - set(arrondissements["area_id"]))
    if area_of.isna().any() or missing_area:
        report.problem(f"projections: no Planning Bureau arrondissement for municipalities "
                       f"{sorted(area_of.index[area_of.isna()])} / arrondissements {missing_area}")
    moved = area_of[area_of != crosswalk.reindex(area_of.index).str[:2] + "000"]
    if len(moved):
        report.note("projections: the Planning Bureau's arrondissements have pre-2025 borders; "
                    + ", ".join(f"{m} ({a}) now in {crosswalk[m]} ({crosswalk[m][:2]}000)" for m, a in moved.items())
                    + " moved arrondissement with the 2025 mergers, so those 2025 arrondissements differ from the Planning Bureau's")
    base = to_cells(statbel_2022[statbel_2022["nis"].isin(crosswalk.index)].rename(columns={"nis": "unit_id"}), ["unit_id"])
    future = to_cells(arrondissements[arrondissements["year"] > POPULATION_BASE_YEAR], ["area_id", "year"])
    projected = share_projection(base, area_of.dropna(), future)
    projected["municipality_id"] = projected["unit_id"].map(crosswalk)
    frames.append(bands_from_cells(projected, ["municipality_id", "year"]).assign(population_kind="projection", age_estimated=False))

    years = pd.concat(frames, ignore_index=True).sort_values(["municipality_id", "year"]).reset_index(drop=True)
    years = years[years["year"] >= POPULATION_FIRST_YEAR]
    columns = ["municipality_id", "year", "population_kind", "age_estimated"] + POPULATION_COLUMNS
    report.note(f"population by year: observed {POPULATION_FIRST_YEAR}-{POPULATION_BASE_YEAR} (2019-2021: sector totals, "
                f"sex and age interpolated), projected {POPULATION_BASE_YEAR + 1}-{int(years['year'].max())} by constant "
                f"{POPULATION_BASE_YEAR} shares per sex and age group of the Planning Bureau's arrondissements")

    areas = []
    for level, frame in fpb.items():
        bands = bands_from_cells(to_cells(frame, ["area_id", "year"]), ["area_id", "year"])
        bands["area_name"] = bands["area_id"].map(frame.drop_duplicates("area_id").set_index("area_id")["area_name"])
        bands["area_level"] = level
        areas.append(bands)
    projection = pd.concat(areas, ignore_index=True)
    projection["population_kind"] = np.where(projection["year"] >= FPB_FIRST_PROJECTED_YEAR, "projection", "observed")
    projection = projection[["area_level", "area_id", "area_name", "year", "population_kind"] + POPULATION_COLUMNS]

    sectors = sector_years[sector_years["nis"].isin(to_2025.dropna().index) | sector_years["nis"].isin(crosswalk.index)]
    return {"population_years": years[columns].reset_index(drop=True), "population_projection": projection,
            "sector_population": sectors[["year", "sector_id", "population"]].reset_index(drop=True)}


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


def band_by_year(series: pd.DataFrame, *, min_population: float | None, max_population: float | None) -> pd.DataFrame:
    """Zones of a :func:`population_series` against a population band in each year: ``id, name, year,
    population_kind, pop_total, status`` with status 'below', 'above' or 'in band'."""
    out = series[["id", "name", "year", "population_kind", "pop_total"]].copy()
    below = out["pop_total"] < min_population if min_population is not None else False
    above = out["pop_total"] > max_population if max_population is not None else False
    out["status"] = np.select([below, above], ["below", "above"], default="in band")
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
