"""Build the population-by-year layers from Statbel and Planning Bureau files."""

from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd

from . import readers
from .errors import Report
from .population import POPULATION_COLUMNS, bands_from_cells, interpolate_cells, share_projection, to_cells
from .settings import FPB_FIRST_PROJECTED_YEAR, POPULATION_BASE_YEAR, POPULATION_FIRST_YEAR


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
    refnis = readers.read_refnis_history(src("statistical_sectors", "TU_COM_REFNIS.txt"))
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
