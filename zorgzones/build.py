"""Build the region bundle from the cached original files.

Build the processed region bundle (units, population, plans, services, provenance) from the cached original
files.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import MultiPolygon

from . import population, population_build, readers
from . import sectors as sector_layers
from .geographies import reference_plans
from .hospitals import classify_hospitals
from .bundle import BUNDLE_VERSION, Bundle, write_layer
from .catalog import Catalog, cached_path, default_catalog
from .errors import Report
from .integrity import layer_checksums
from .settings import AGE_BANDS, BAND_PRESETS, BORDER_BUFFER_M, REGIONS, WORKING_CRS
from .validation import validate_points, validate_units

PSEUDO_MUNICIPALITIES = {"99991", "99992", "99993", "99999"}


class _Sources:
    """Paths of cached files by dataset id and file name."""

    def __init__(self, data_dir: Path, catalog: Catalog):
        self.data_dir, self.catalog = data_dir, catalog

    def __call__(self, dataset_id: str, name: str) -> Path:
        return cached_path(self.data_dir, self.catalog.dataset(dataset_id).file(name))


def age_bands(long: pd.DataFrame, key: str) -> pd.DataFrame:
    """Wide age-band table (``pop_total``, ``pop_male``, ``pop_female`` and settings.AGE_BANDS) from a long sex × age table."""
    grouped = long.groupby(key)
    wide = pd.DataFrame({"pop_total": grouped["population"].sum()})
    for sex, column in (("M", "pop_male"), ("F", "pop_female")):
        wide[column] = long[long["sex"] == sex].groupby(key)["population"].sum()
    for column, first, last in AGE_BANDS:
        mask = long["age"] >= first
        if last is not None:
            mask &= long["age"] <= last
        wide[column] = long[mask].groupby(key)["population"].sum()
    return wide.fillna(0).astype(np.int64)


def apportion_age_bands(units: pd.DataFrame, municipalities: pd.DataFrame) -> pd.DataFrame:
    """Age bands of sub-municipal units estimated from their municipality's age structure (flagged ``age_estimated``)."""
    share_columns = ["pop_male", "pop_female"] + [c for c, _, _ in AGE_BANDS]
    shares = municipalities[share_columns].div(municipalities["pop_total"].replace(0, np.nan), axis=0)
    per_unit = shares.reindex(units["municipality_id"]).fillna(0).to_numpy()
    estimated = np.rint(per_unit * units["pop_total"].to_numpy()[:, None]).astype(np.int64)
    out = units.copy()
    out[share_columns] = estimated
    out["age_estimated"] = True
    return out


def arrondissement_of(municipality_id: pd.Series) -> pd.Series:
    """Administrative arrondissement of 2025 municipalities: the first two digits of the NIS code + "000"."""
    return municipality_id.str[:2] + "000"


def _majority(sectors: pd.DataFrame, unit_column: str, value_column: str) -> pd.Series:
    """For each unit, the value held by most of its population (ties: first by value)."""
    weights = sectors.assign(w=sectors["population"] + 1e-6)  # sectors without people still vote
    summed = weights.groupby([unit_column, value_column])["w"].sum().reset_index()
    summed = summed.sort_values([unit_column, "w", value_column], ascending=[True, False, True])
    return summed.drop_duplicates(unit_column).set_index(unit_column)[value_column]


def _finish_units(frame: gpd.GeoDataFrame, level: str, municipalities: pd.DataFrame | None, report: Report) -> gpd.GeoDataFrame:
    frame = frame.copy()
    frame["level"] = level
    frame["region"] = np.where(frame["municipality_id"].str.startswith("21"), "brussels", "flanders")
    frame["arrondissement_id"] = arrondissement_of(frame["municipality_id"])
    if municipalities is not None:
        frame["province_id"] = municipalities["province_id"].reindex(frame["municipality_id"]).to_numpy()
        frame = apportion_age_bands(frame, municipalities)
    frame["area_km2"] = frame.geometry.area / 1e6
    frame = gpd.GeoDataFrame(frame, geometry="geometry", crs=WORKING_CRS)
    frame, check = validate_units(frame, subject=f"{level} units", population_columns=("pop_total",))
    check.raise_if_problems()
    report.notes.extend(f"{level}: {n}" for n in check.notes)
    frame["geometry"] = [g if g.geom_type == "MultiPolygon" else MultiPolygon([g]) for g in frame.geometry]
    columns = ["unit_id", "name", "level", "region", "province_id", "arrondissement_id", "municipality_id", "pop_total", "pop_male", "pop_female"]
    columns += [c for c, _, _ in AGE_BANDS] + ["age_estimated", "area_km2", "geometry"]
    columns += ["name_fr"] if "name_fr" in frame else []  # official French names (municipalities)
    return frame[columns].set_index("unit_id").sort_index()


def build_municipalities(src: _Sources, report: Report) -> tuple[gpd.GeoDataFrame, pd.DataFrame, pd.Series]:
    """304 municipalities (2025 borders) with population by age on 2025 borders; also the long table and the crosswalk."""
    shapes = readers.read_vector(src("municipalities_2025", "gemeente.shp"))
    names = readers.read_table(src("municipalities_2025", "gemeente.xlsx"), code_columns=("geoitem code",))
    province = readers.read_table(src("municipalities_2025", "gemeente_provincie.xlsx"), code_columns=("gemeente", "provincie"))
    crosswalk_table = readers.read_table(src("municipalities_2019_2024", "gemeente2024_gemeente.xlsx"), code_columns=("gemeente2024", "gemeente"))
    crosswalk = crosswalk_table.set_index("gemeente2024")["gemeente"]
    crosswalk = crosswalk[~crosswalk.index.isin(PSEUDO_MUNICIPALITIES)]

    statbel = readers.read_statbel_population(src("population_age", "TF_SOC_POP_STRUCT_2022.zip"))
    statbel = statbel[statbel["nis"].isin(crosswalk.index)].copy()
    unknown = sorted(set(crosswalk.index) - set(statbel["nis"]))
    if unknown:
        report.problem(f"population: no Statbel rows for municipalities {unknown}")
    statbel["municipality_id"] = crosswalk.reindex(statbel["nis"]).to_numpy()
    long = statbel.groupby(["municipality_id", "sex", "age"], as_index=False)["population"].sum()

    units = gpd.GeoDataFrame({
        "unit_id": readers.nis_code(shapes["geoitem"]).to_numpy(),
        "geometry": shapes.geometry.to_numpy(),
    }, geometry="geometry", crs=WORKING_CRS)
    units["name"] = names.set_index("geoitem code")["name"].reindex(units["unit_id"]).fillna(shapes["naam"]).to_numpy()
    units["municipality_id"] = units["unit_id"]
    # official French names (Statbel TX_DESCR_FR) where the 2022 file has the code; merged 2025 municipalities keep Dutch
    french = readers.read_statbel_names(src("population_age", "TF_SOC_POP_STRUCT_2022.zip")).set_index("nis")["name_fr"]
    units["name_fr"] = french.reindex(units["unit_id"]).to_numpy()
    units["name_fr"] = units["name_fr"].fillna(units["name"])
    units["province_id"] = province.set_index("gemeente")["provincie"].reindex(units["unit_id"]).to_numpy()
    wide = age_bands(long, "municipality_id")
    missing = sorted(set(units["unit_id"]) - set(wide.index))
    if missing:
        report.problem(f"municipalities without population: {missing}")
    units = units.join(wide, on="unit_id")
    units["age_estimated"] = False
    units = _finish_units(units, "municipality", None, report)
    return units, long, crosswalk


def read_sectors(src: _Sources, crosswalk: pd.Series, report: Report) -> pd.DataFrame:
    """Statistical sectors of Flanders + Brussels with population 2022 and the units/zones they belong to."""
    population = readers.read_sector_population(src("population_sectors", "BE_POP_SECTOR.rda"))
    table = readers.read_table(src("neighbourhoods", "statsec2024_ggw72024.xlsx")).rename(columns={"statsec2024": "sector_id", "ggw72024": "neighbourhood_id"})
    deelgemeente = readers.read_table(src("deelgemeenten", "statsec2024_deelgemeente2024.xlsx")).rename(columns={"statsec2024": "sector_id", "deelgemeente2024": "deelgemeente_id"})
    municipality = readers.read_table(src("deelgemeenten", "statsec2024_gemeente.xlsx"), code_columns=("gemeente",)).rename(columns={"statsec2024": "sector_id", "gemeente": "municipality_id"})
    antwerp = readers.read_table(src("antwerp_zones", "statsec_elzantw.xlsx")).rename(columns={"statsec": "sector_id", "ELZantw": "antwerp_zone"})
    sectors = table.merge(deelgemeente, on="sector_id", how="outer").merge(municipality, on="sector_id", how="outer")
    sectors = sectors.merge(antwerp, on="sector_id", how="left")
    for column in ("sector_id", "neighbourhood_id", "deelgemeente_id"):
        sectors[column] = sectors[column].astype("string").str.strip().astype(object)
    pop = population.set_index("sector_id")["population"]
    sectors["population"] = pop.reindex(sectors["sector_id"]).fillna(0).astype(np.int64).to_numpy()
    in_region = population[population["nis"].isin(crosswalk.index)]
    unmatched = in_region[~in_region["sector_id"].isin(sectors["sector_id"])]
    if len(unmatched):
        report.note(f"sectors: {len(unmatched)} sectors of 2022 ({int(unmatched['population'].sum()):,} inhabitants) are not in the 2024 sector set and are left out of sub-municipal totals")
    sectors["antwerp_zone"] = pd.to_numeric(sectors["antwerp_zone"], errors="coerce").astype("Int64")
    return sectors


def build_sub_units(src: _Sources, level: str, sectors: pd.DataFrame, municipalities: gpd.GeoDataFrame, report: Report) -> gpd.GeoDataFrame:
    """Deelgemeenten or neighbourhoods: polygons, names, population summed from sectors, municipality by majority."""
    dataset, stem, key = {
        "deelgemeente": ("deelgemeenten", "deelgemeente2024", "deelgemeente_id"),
        "neighbourhood": ("neighbourhoods", "ggw72024", "neighbourhood_id"),
    }[level]
    shapes = readers.read_vector(src(dataset, f"{stem}.shp"))
    names = readers.read_table(src(dataset, f"{stem}.xlsx"))
    names["geoitem code"] = names["geoitem code"].astype(str).str.strip()
    units = gpd.GeoDataFrame({"unit_id": shapes["geoitem"].astype(str).str.strip().to_numpy()}, geometry=shapes.geometry.to_numpy(), crs=WORKING_CRS)
    units["name"] = names.set_index("geoitem code")["name"].reindex(units["unit_id"]).fillna(pd.Series(shapes["naam"].to_numpy(), index=units.index)).to_numpy()
    located = sectors.dropna(subset=[key])
    units["pop_total"] = located.groupby(key)["population"].sum().reindex(units["unit_id"]).fillna(0).astype(np.int64).to_numpy()
    units["municipality_id"] = _majority(located.dropna(subset=["municipality_id"]), key, "municipality_id").reindex(units["unit_id"]).to_numpy()
    no_municipality = units["municipality_id"].isna()
    if no_municipality.any():
        report.problem(f"{level}: no municipality for {list(units.loc[no_municipality, 'unit_id'])}")
    unlocated = located[~located[key].isin(units["unit_id"])]
    if unlocated["population"].sum():
        report.note(f"{level}: {int(unlocated['population'].sum()):,} inhabitants live in sectors without a polygon (e.g. 'unlocated' ZZZZ sectors)")
    return _finish_units(units, level, municipalities.drop(columns="geometry"), report)


def _fill_by_longest_border(units: gpd.GeoDataFrame, zone: pd.Series) -> pd.Series:
    """Fill missing zones (index = unit_id) with the zone of the placed units sharing the longest border.

    Units touching no placed unit wait for their neighbours; any left after that take the nearest placed unit's zone.
    """
    zone = zone.copy()
    while zone.isna().any():
        progressed = False
        for unit in zone.index[zone.isna()]:
            edge = units.geometry[unit].boundary.buffer(1.0)
            placed = units.loc[zone.index[zone.notna()]]
            touching = placed[placed.geometry.intersects(edge)]
            if len(touching):
                shared = touching.geometry.boundary.intersection(edge).length
                zone[unit] = shared.groupby(zone[touching.index]).sum().idxmax()
                progressed = True
        if not progressed:
            placed = units.loc[zone.index[zone.notna()]]
            for unit in zone.index[zone.isna()]:
                zone[unit] = zone[placed.geometry.distance(units.geometry[unit]).idxmin()]
    return zone


def build_plans(src: _Sources, municipalities: gpd.GeoDataFrame, neighbourhoods: gpd.GeoDataFrame,
                sectors: pd.DataFrame, report: Report) -> tuple[pd.DataFrame, dict]:
    """The official eerstelijnszone plan at municipality level, and at neighbourhood level with Antwerp's 4 city zones."""
    composition = readers.read_table(src("eerstelijnszones", "gemeente_elz.xlsx"), code_columns=("gemeente",))
    composition = composition[~composition["gemeente"].isin(PSEUDO_MUNICIPALITIES)]
    names = readers.read_table(src("eerstelijnszones", "elz.xlsx")).set_index("geoitem code")["name"]
    zone_of = composition.set_index("gemeente")["elz"].astype(str)
    missing = sorted(set(municipalities.index) - set(zone_of.index))
    if missing:
        report.problem(f"eerstelijnszones: municipalities without a zone: {missing}")
    municipal = pd.DataFrame({"unit_id": municipalities.index, "zone_id": zone_of.reindex(municipalities.index).to_numpy()})
    municipal["zone_name"] = names.reindex(municipal["zone_id"]).to_numpy()
    municipal["plan"], municipal["level"] = "elz", "municipality"

    # neighbourhood level: each neighbourhood in its municipality's zone, except the city zones of Antwerpen en rand
    nb = pd.DataFrame({"unit_id": neighbourhoods.index, "zone_id": zone_of.reindex(neighbourhoods["municipality_id"]).to_numpy()})
    antwerp_sectors = sectors.dropna(subset=["antwerp_zone", "neighbourhood_id"])
    city_zone = _majority(antwerp_sectors, "neighbourhood_id", "antwerp_zone")
    antwerp_zone_id = zone_of.get("11002")
    in_antwerp_elz = nb["zone_id"].eq(antwerp_zone_id)
    nb.loc[in_antwerp_elz, "zone_id"] = [f"{antwerp_zone_id}-{city_zone[u]}" if u in city_zone.index else None for u in nb.loc[in_antwerp_elz, "unit_id"]]
    unplaced = nb["zone_id"].isna()
    if unplaced.any():
        city = nb["zone_id"].isna() | nb["zone_id"].str.startswith(f"{antwerp_zone_id}-", na=False)
        filled = _fill_by_longest_border(neighbourhoods.loc[nb.loc[city, "unit_id"]], nb.loc[city].set_index("unit_id")["zone_id"])
        nb.loc[city, "zone_id"] = filled.reindex(nb.loc[city, "unit_id"]).to_numpy()
        report.note(f"elz_neighbourhood: {int(unplaced.sum())} neighbourhoods of Antwerpen en rand have sectors missing from the "
                    "city-zone table; each joins the city zone it shares the longest border with")
    split = antwerp_sectors.groupby("neighbourhood_id")["antwerp_zone"].nunique()
    if (split > 1).any():
        report.note(f"elz_neighbourhood: {int((split > 1).sum())} neighbourhoods span two Antwerp city zones; each goes to the zone of most of its inhabitants")
    base_names = names.reindex(nb["zone_id"].str.split("-").str[0]).to_numpy()
    suffix = np.where(nb["zone_id"].str.contains("-"), " " + nb["zone_id"].str.split("-").str[1].fillna(""), "")
    nb["zone_name"] = pd.Series(base_names, dtype=object) + pd.Series(suffix, dtype=object)
    nb["plan"], nb["level"] = "elz_neighbourhood", "neighbourhood"
    plans = pd.concat([municipal, nb], ignore_index=True)

    info = {}
    for plan, units in (("elz", municipalities), ("elz_neighbourhood", neighbourhoods)):
        rows = plans[plans["plan"] == plan]
        pop = units["pop_total"].groupby(rows.set_index("unit_id")["zone_id"].reindex(units.index)).sum()
        smallest, largest = pop.idxmin(), pop.idxmax()
        zone_name = rows.drop_duplicates("zone_id").set_index("zone_id")["zone_name"]
        info[plan] = {
            "name": plan,
            "title": "Eerstelijnszones (officieel)" if plan == "elz" else "Eerstelijnszones met de 4 Antwerpse stadszones",
            "kind": "official",
            "level": rows["level"].iloc[0],
            "zones": int(pop.size),
            "min_population": int(pop.min()), "min_zone": f"{smallest} {zone_name[smallest]}",
            "max_population": int(pop.max()), "max_zone": f"{largest} {zone_name[largest]}",
            "band": list(BAND_PRESETS["flanders_elz"]), "band_preset": "flanders_elz",
            "notes": ("Official composition (Provincies in Cijfers, 2025 municipalities). Brussels is one zone, elz7 'Bruzel' "
                      "(its 5 zorgzones have no published delimitation). "
                      + ("Antwerpen en rand (Antwerpen, Schoten, Stabroek, Wijnegem) is one zone at this level."
                         if plan == "elz" else
                         "Antwerpen en rand is split into its 4 city zones (elz2-1 … elz2-4) along statistical sectors; "
                         "each neighbourhood follows the zone of most of its inhabitants.")),
            "sources": ["eerstelijnszones", "antwerp_zones", "municipalities_2025"],
        }
    return plans, info


def build_services(src: _Sources, municipalities: gpd.GeoDataFrame, region_area, report: Report) -> gpd.GeoDataFrame:
    """Pharmacies and hospital sites inside the region or within the border buffer, with type, capacity and status."""
    pharmacies = readers.read_fagg_pharmacies(src("pharmacies", "last-pharmacies_afmps.json"))
    pharmacies = pharmacies.assign(service_id="pharmacy:" + pharmacies["source_id"], service_type="pharmacy", capacity=1.0,
                                   active=pharmacies["status"].eq("ACTIVE"), emergency=False, dataset="pharmacies")
    hospitals = readers.read_eurostat_hospitals(src("hospitals", "BE.csv"))
    no_beds = hospitals["beds"].isna()
    if no_beds.any():
        report.note(f"hospitals: {int(no_beds.sum())} sites without a bed count get capacity 1")
    hospitals = hospitals.assign(service_id="hospital:" + hospitals["source_id"], service_type="hospital",
                                 capacity=hospitals["beds"].fillna(1.0).astype(float), active=True, status="ACTIVE", dataset="hospitals")
    # general / psychiatric / other: the source's facility_type, else a stated name rule (zorgzones.hospitals)
    hospitals = hospitals.join(classify_hospitals(hospitals))
    pharmacies = pharmacies.assign(service_subtype=None, type_derived=False, type_rule="")
    derived = hospitals[hospitals["type_derived"]]
    report.note(f"hospitals: {len(hospitals) - len(derived)} sites typed by the source's facility_type, {len(derived)} by the name "
                f"rule of zorgzones.hospitals ({', '.join(f'{k} {v}' for k, v in derived['service_subtype'].value_counts().items())})")
    columns = ["service_id", "service_type", "service_subtype", "type_derived", "type_rule", "name", "address", "postcode", "city",
               "capacity", "active", "status", "emergency", "dataset", "geometry"]
    services = gpd.GeoDataFrame(pd.concat([pharmacies[columns], hospitals[columns]], ignore_index=True), geometry="geometry", crs=WORKING_CRS)
    check = validate_points(services, subject="services", id_column="service_id")
    report.notes.extend(f"services: {p}" for p in check.problems)  # duplicates in the source are reported, not fatal
    services = services.drop_duplicates("service_id")
    near = services.geometry.intersects(region_area.buffer(BORDER_BUFFER_M))
    services = services[near].copy()
    services["inside_region"] = services.geometry.intersects(region_area)
    joined = gpd.sjoin_nearest(services[["geometry"]], municipalities[["geometry"]].reset_index(), how="left", max_distance=250)
    joined = joined[~joined.index.duplicated()]
    services["municipality_id"] = joined["unit_id"].where(services["inside_region"]).astype(object).where(lambda s: s.notna(), None)
    report.note(f"services: kept {len(services):,} services inside the region or within {BORDER_BUFFER_M / 1000:g} km of it "
                f"({int((~services['inside_region']).sum()):,} outside)")
    return services.set_index("service_id").sort_index()


def build_reference_plans(src: _Sources, municipalities: gpd.GeoDataFrame, report: Report) -> tuple[pd.DataFrame, dict]:
    """Province, arrondissement and regional care zone plans (reference geographies, zorgzones.geographies)."""
    refnis = readers.read_refnis(src("statistical_sectors", "TU_COM_REFNIS.txt"))
    table = readers.read_table(src("care_regions", "gemeente_gezondheidsmakers.xlsx"), code_columns=("gemeente",))
    table = table[~table["gemeente"].isin(PSEUDO_MUNICIPALITIES)]
    care_region_of = pd.Series(("cr" + table["gezondheidsmakers"].astype(str).str.strip()).to_numpy(), index=table["gemeente"].to_numpy())
    names = readers.read_table(src("care_regions", "gezondheidsmakers.xlsx"))
    care_names = pd.Series(names["name"].astype(str).to_numpy(), index=("cr" + names["geoitem code"].astype(str).str.strip()).to_numpy())
    flemish = municipalities.index[municipalities["region"].eq("flanders")]
    unmatched = sorted(set(flemish) - set(care_region_of.index))
    unknown = sorted(set(care_region_of.index) - set(municipalities.index))
    report.note(f"care_region: {len(flemish) - len(unmatched)} of {len(flemish)} Flemish municipalities matched to a regional care zone"
                + (f"; without a zone: {unmatched}" if unmatched else "")
                + (f"; codes of the care-region table not in the bundle: {unknown}" if unknown else ""))
    if unmatched:
        report.problem(f"care_region: Flemish municipalities without a regional care zone: {unmatched}")
    sources = {"province": ["provinces_regions", "statistical_sectors", "municipalities_2025"],
               "arrondissement": ["statistical_sectors", "municipalities_2025"],
               "care_region": ["care_regions", "municipalities_2025"]}
    return reference_plans(municipalities, refnis=refnis, care_region_of=care_region_of, care_region_names=care_names, sources=sources)


def build_boundaries(src: _Sources) -> dict[str, gpd.GeoDataFrame]:
    provinces = readers.read_vector(src("provinces_regions", "provincie.shp"))
    regions = readers.read_vector(src("provinces_regions", "gewest.shp"))
    province_frame = gpd.GeoDataFrame({"id": readers.nis_code(provinces["provincie"]).to_numpy(), "name": provinces["name"].to_numpy()},
                                      geometry=provinces.geometry.to_numpy(), crs=WORKING_CRS)
    region_ids = readers.nis_code(regions["gewest"])
    region_frame = gpd.GeoDataFrame({"id": region_ids.to_numpy(), "name": region_ids.map(REGIONS).to_numpy()},
                                    geometry=regions.geometry.to_numpy(), crs=WORKING_CRS)
    return {"province": province_frame, "region": region_frame}


LAYER_SOURCES = {
    # the units carry projected columns for the growth indicators (population.growth_columns): Planning Bureau
    "units_municipality": ["municipalities_2025", "municipalities_2019_2024", "population_age", "population_projections"],
    "units_deelgemeente": ["deelgemeenten", "population_sectors", "population_age", "population_projections"],
    "units_neighbourhood": ["neighbourhoods", "population_sectors", "population_age", "population_projections"],
    "population_age": ["population_age", "municipalities_2019_2024"],
    "plans": ["eerstelijnszones", "antwerp_zones", "care_regions", "statistical_sectors"],
    "services": ["pharmacies", "hospitals"],
    "boundaries": ["provinces_regions"],
    "sectors": ["population_sectors", "neighbourhoods", "deelgemeenten", "antwerp_zones"],
    "sector_points": ["statistical_sectors", "population_sectors", "population_age", "ghs_pop_100m_westflanders", "ghs_pop_1km"],
    "sector_polygons": ["statistical_sectors"],
    "population_years": ["population_history", "population_sectors", "population_age", "population_projections",
                         "statistical_sectors", "municipalities_2019_2024"],
    "population_projection": ["population_projections"],
    "sector_population": ["population_sectors"],
}
PATHS = {
    "osm_antwerp": ("osm_antwerp", "antwerp.osm.pbf"),
    "ghs_pop_1km": ("ghs_pop_1km", "POP.tif"),
    "ghs_pop_100m_westflanders": ("ghs_pop_100m_westflanders", "westflanders_pop_100m.tif"),
}


def with_growth_columns(levels: dict, layers: dict, *, synthetic: bool) -> dict:
    """The units of each level with their projected population columns (``population.growth_columns``), computed on
    the layers about to be written."""
    frames = {f"units_{level}": frame for level, frame in levels.items()} | layers
    partial = Bundle.from_frames({"synthetic": synthetic}, frames)
    return {level: frame.join(population.growth_columns(partial, level)) for level, frame in levels.items()}


def build_bundle(data_dir: Path, out_dir: Path, *, catalog: Catalog | None = None, progress: bool = False) -> dict:
    """Read every cached original, validate, and write the bundle layers + ``manifest.json`` into ``out_dir``."""
    from tqdm.auto import tqdm

    start = time.perf_counter()
    catalog = catalog or default_catalog()
    src = _Sources(data_dir, catalog)
    report = Report("region bundle")
    steps = tqdm(total=6, desc="building bundle", disable=not progress)
    municipalities, long, crosswalk = build_municipalities(src, report)
    steps.update()
    sectors = read_sectors(src, crosswalk, report)
    deelgemeenten = build_sub_units(src, "deelgemeente", sectors, municipalities, report)
    neighbourhoods = build_sub_units(src, "neighbourhood", sectors, municipalities, report)
    steps.update(2)
    plans, plan_info = build_plans(src, municipalities, neighbourhoods, sectors, report)
    reference, reference_info = build_reference_plans(src, municipalities, report)
    plans, plan_info = pd.concat([plans, reference], ignore_index=True), plan_info | reference_info
    boundaries = build_boundaries(src)
    region_area = boundaries["region"].union_all()
    steps.update()
    services = build_services(src, municipalities, region_area, report)
    sector_points, sector_polygons = sector_layers.build_sector_demand(
        src, sectors, {"municipality": municipalities, "deelgemeente": deelgemeenten, "neighbourhood": neighbourhoods}, region_area, report)
    steps.update()
    population_layers = population_build.build_population_layers(src, long, crosswalk, report)
    report.raise_if_problems()
    levels = {"municipality": municipalities, "deelgemeente": deelgemeenten, "neighbourhood": neighbourhoods}
    levels = with_growth_columns(levels, population_layers | {"sectors": sectors}, synthetic=False)
    municipalities, deelgemeenten, neighbourhoods = levels.values()

    out_dir.mkdir(parents=True, exist_ok=True)
    for level, frame in (("municipality", municipalities), ("deelgemeente", deelgemeenten), ("neighbourhood", neighbourhoods)):
        write_layer(frame, out_dir / f"units_{level}.parquet")
    write_layer(long, out_dir / "population_age.parquet")
    write_layer(plans, out_dir / "plans.parquet")
    write_layer(services, out_dir / "services.parquet")
    write_layer(sectors, out_dir / "sectors.parquet")
    write_layer(sector_points, out_dir / "sector_points.parquet")
    write_layer(sector_polygons, out_dir / "sector_polygons.parquet")
    for name, frame in population_layers.items():
        write_layer(frame, out_dir / f"{name}.parquet")
    for name, frame in boundaries.items():
        write_layer(frame, out_dir / f"boundary_{name}.parquet")
    steps.update()
    steps.close()
    manifest = {
        "bundle_version": BUNDLE_VERSION,
        "region": catalog.name,
        "title": catalog.title,
        "synthetic": False,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "build_seconds": round(time.perf_counter() - start, 2),
        "catalog_fingerprint": catalog.fingerprint(),
        "sources": [d.to_dict() for d in catalog.datasets],
        "layers": LAYER_SOURCES,
        "plans": plan_info,
        "paths": {key: str(src(*where).relative_to(data_dir)) for key, where in PATHS.items()},
        "notes": report.notes,
        "checksums": layer_checksums(out_dir),
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")
    return manifest
