"""A small synthetic demo region, deterministic by seed.

A small synthetic demo region (clearly labelled synthetic), deterministic by seed, so everything runs without
downloads.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import MultiPolygon, Point, Polygon

from .build import age_bands, apportion_age_bands, arrondissement_of, with_growth_columns
from .bundle import BUNDLE_VERSION, Bundle, write_layer
from .geographies import reference_plans
from .hospitals import classify_hospitals
from .integrity import layer_checksums
from .population import AGE_GROUP_EDGES, POPULATION_COLUMNS, bands_from_cells, to_cells
from .settings import AGE_BANDS, BAND_PRESETS, DEMO_DIR, WORKING_CRS

CELL_M = 2_500.0          # neighbourhood lattice cell
NX, NY = 16, 12           # neighbourhood cells; municipalities are 2 x 2 blocks -> 8 x 6 = 48
ORIGIN = (130_000.0, 150_000.0)
BRUSSELS_BLOCKS = {(2, 2), (3, 2), (2, 3), (3, 3)}   # municipality (col, row) in the "Brussels" region
LABEL = "SYNTHETISCH"
CREDIT = "Synthetische demodata (zorgzones) - geen echte gegevens / synthetic demo data, not real"


def _lattice(rng: np.random.Generator) -> np.ndarray:
    """Jittered vertex lattice (shared vertices keep the tiling gap- and overlap-free)."""
    xs, ys = np.meshgrid(np.arange(NX + 1) * CELL_M + ORIGIN[0], np.arange(NY + 1) * CELL_M + ORIGIN[1], indexing="ij")
    jitter = rng.uniform(-0.22, 0.22, size=(NX + 1, NY + 1, 2)) * CELL_M
    jitter[[0, -1], :, 0] = 0  # straight outer border
    jitter[:, [0, -1], 1] = 0
    return np.stack([xs, ys], axis=-1) + jitter


def _cell(v: np.ndarray, i: int, j: int) -> Polygon:
    return Polygon([v[i, j], v[i + 1, j], v[i + 1, j + 1], v[i, j + 1]])


def _age_profile(rng: np.random.Generator, ageing: float) -> np.ndarray:
    ages = np.arange(101)
    survival = 1.0 / (1.0 + np.exp((ages - (78 + 6 * ageing)) / 6.0))
    weights = survival * (1.0 + 0.15 * np.sin(ages / 9.0)) * rng.uniform(0.9, 1.1, size=ages.size)
    return weights / weights.sum()


def _population(rng: np.random.Generator, municipalities: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for unit_id, total in municipalities["pop_total"].items():
        profile = _age_profile(rng, rng.normal(0.0, 1.0))
        for sex, share in (("M", 0.49), ("F", 0.51)):
            counts = rng.multinomial(int(round(total * share)), profile)
            rows.append(pd.DataFrame({"municipality_id": unit_id, "sex": sex, "age": np.arange(101), "population": counts}))
    return pd.concat(rows, ignore_index=True)


def _population_years(seed: int, long: pd.DataFrame, *, first: int = 2012, last: int = 2040, base: int = 2022) -> pd.DataFrame:
    """A synthetic population series per municipality (observed up to ``base``, 'projected' after): each sex x age
    group grows by a municipal rate plus an ageing term (older groups faster). Own random stream, so the other demo
    layers do not change."""
    rng = np.random.default_rng([seed, 14])
    cells = to_cells(long, ["municipality_id"])
    growth = pd.Series(rng.normal(0.005, 0.004, size=cells["municipality_id"].nunique()), index=sorted(cells["municipality_id"].unique()))
    ageing = np.interp(AGE_GROUP_EDGES, [0, 50, 65, 80, 85], [-0.004, 0.0, 0.012, 0.025, 0.03])
    rate = cells["municipality_id"].map(growth).to_numpy() + ageing[cells["group"].to_numpy()]
    frames = []
    for year in range(first, last + 1):
        counts = np.rint(cells["population"].to_numpy() * (1 + rate) ** (year - base)).astype(np.int64)
        frames.append(cells.assign(year=year, population=counts))
    years = bands_from_cells(pd.concat(frames, ignore_index=True), ["municipality_id", "year"])
    years["population_kind"] = np.where(years["year"] <= base, "observed", "projection")
    years["age_estimated"] = False
    return years[["municipality_id", "year", "population_kind", "age_estimated"] + POPULATION_COLUMNS]


def _random_point(rng: np.random.Generator, polygon) -> Point:
    minx, miny, maxx, maxy = polygon.bounds
    while True:
        p = Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
        if polygon.contains(p):
            return p


def demo_frames(seed: int = 0) -> tuple[dict, dict[str, pd.DataFrame]]:
    """Manifest and layers of the synthetic region for ``seed``."""
    rng = np.random.default_rng(seed)
    lattice = _lattice(rng)
    rows = []
    for i in range(NX):
        for j in range(NY):
            col, row = i // 2, j // 2
            brussels = (col, row) in BRUSSELS_BLOCKS
            rows.append({
                "unit_id": f"D{col:01d}{row:01d}{i % 2}{j % 2}",
                "municipality_id": f"9{col}{row:02d}{1 if brussels else 0}",
                "deelgemeente_id": f"9{col}{row:02d}{1 if brussels else 0}{'AB'[i % 2]}",
                "brussels": brussels,
                "pop_total": int(rng.lognormal(np.log(9_000 if brussels else 4_500), 0.45)),
                "geometry": _cell(lattice, i, j),
            })
    cells = gpd.GeoDataFrame(rows, geometry="geometry", crs=WORKING_CRS)

    def units(key: str, level: str, names: str) -> gpd.GeoDataFrame:
        source = cells.assign(_key=cells[key])
        aggregate = {"pop_total": "sum", "brussels": "first"} | ({"municipality_id": "first"} if key != "municipality_id" else {})
        out = source.dissolve(by="_key", aggfunc=aggregate).reset_index().rename(columns={"_key": "unit_id"})
        if key == "municipality_id":
            out["municipality_id"] = out["unit_id"]
        out["name"] = [f"{names} {k} ({LABEL})" for k in out["unit_id"]]
        out["level"] = level
        out["region"] = np.where(out["brussels"], "brussels", "flanders")
        out["province_id"] = np.where(out["brussels"], "94000", np.where(out["municipality_id"].str[1].astype(int) < 4, "91000", "92000"))
        out["arrondissement_id"] = np.where(out["brussels"], "21000", arrondissement_of(out["municipality_id"]))  # as Statbel: one Brussels arrondissement
        out["geometry"] = [g if g.geom_type == "MultiPolygon" else MultiPolygon([g]) for g in out.geometry]
        out["area_km2"] = out.geometry.area / 1e6
        return out

    muni = units("municipality_id", "municipality", "Demogemeente")
    long = _population(rng, muni.set_index("unit_id"))
    wide = age_bands(long, "municipality_id")
    muni = muni.drop(columns="pop_total").join(wide, on="unit_id")
    muni["age_estimated"] = False
    muni["name_fr"] = [f"Commune de démo {k} ({LABEL})" for k in muni["unit_id"]]  # French names, as Statbel gives them
    columns = ["unit_id", "name", "level", "region", "province_id", "arrondissement_id", "municipality_id", "pop_total", "pop_male", "pop_female"]
    columns += [c for c, _, _ in AGE_BANDS] + ["age_estimated", "area_km2", "geometry"]
    frames = {"units_municipality": muni[columns + ["name_fr"]].set_index("unit_id").sort_index()}
    municipal_ages = frames["units_municipality"].drop(columns="geometry")
    for key, level, names in (("deelgemeente_id", "deelgemeente", "Demodeelgemeente"), ("unit_id", "neighbourhood", "Demowijk")):
        sub = apportion_age_bands(units(key, level, names), municipal_ages)
        frames[f"units_{level}"] = gpd.GeoDataFrame(sub[columns].set_index("unit_id").sort_index(), crs=WORKING_CRS)
    frames["population_age"] = long
    frames["population_years"] = _population_years(seed, long)  # synthetic series, labelled via the manifest
    levels = {level: frames[f"units_{level}"] for level in ("municipality", "deelgemeente", "neighbourhood")}
    for level, frame in with_growth_columns(levels, {"population_years": frames["population_years"]}, synthetic=True).items():
        frames[f"units_{level}"] = frame

    # plan: 2-column x 3-row blocks of municipalities, the Brussels block as its own zone
    m = frames["units_municipality"]
    col = m.index.str[1].astype(int)
    row = m.index.str[2:4].astype(int)
    zone = np.where(m["region"] == "brussels", "zbru", "z" + (col // 2).astype(str) + (row // 3).astype(str))
    plan = pd.DataFrame({"unit_id": m.index, "zone_id": zone})
    plan["zone_name"] = [f"Demozone Brussel ({LABEL})" if z == "zbru" else f"Demozone {z[1:]} ({LABEL})" for z in plan["zone_id"]]
    plan["plan"], plan["level"] = "elz", "municipality"
    zone_pop = m["pop_total"].groupby(zone).sum()
    # reference geographies: demo provinces and arrondissements (named like Statbel's REFNIS) and two care regions
    codes = sorted(set(m["province_id"]) | set(m["arrondissement_id"]))
    refnis = pd.DataFrame({"code": codes, "name_nl": [f"Demogebied {c} ({LABEL})" for c in codes],
                           "name_fr": [f"Zone démo {c} ({LABEL})" for c in codes]})
    care_region = pd.Series(np.where(col < 4, "cr1", "cr2"), index=m.index)
    reference, reference_info = reference_plans(m, refnis=refnis, care_region_of=care_region,
                                                care_region_names=pd.Series({"cr1": f"Demozorgregio West ({LABEL})",
                                                                             "cr2": f"Demozorgregio Oost ({LABEL})"}),
                                                sources={k: ["demo"] for k in ("province", "arrondissement", "care_region")})
    frames["plans"] = pd.concat([plan, reference], ignore_index=True)

    region_area = cells.union_all()
    services = []
    for unit_id, unit in m.iterrows():
        for k in range(rng.poisson(unit["pop_total"] / 3_500) + (1 if unit["region"] == "brussels" else 0)):
            services.append({"service_id": f"pharmacy:{unit_id}-{k}", "service_type": "pharmacy", "name": f"Demo-apotheek {unit_id}-{k}",
                             "capacity": 1.0, "active": bool(rng.random() > 0.05), "emergency": False, "municipality_id": unit_id,
                             "geometry": _random_point(rng, unit.geometry)})
    for k, unit_id in enumerate(rng.choice(m.index, size=6, replace=False)):
        services.append({"service_id": f"hospital:{k}", "service_type": "hospital", "name": f"Demoziekenhuis {k} ({LABEL})",
                         "capacity": float(rng.integers(150, 800)), "active": True, "emergency": bool(k % 2 == 0),
                         "municipality_id": unit_id, "geometry": _random_point(rng, m.geometry[unit_id])})
    minx, miny, maxx, _ = region_area.bounds
    for k in range(8):  # services across the border count too
        services.append({"service_id": f"pharmacy:outside-{k}", "service_type": "pharmacy", "name": f"Demo-apotheek buiten {k}",
                         "capacity": 1.0, "active": True, "emergency": False, "municipality_id": None,
                         "geometry": Point(rng.uniform(minx, maxx), miny - rng.uniform(500, 4_000))})
    services = gpd.GeoDataFrame(services, geometry="geometry", crs=WORKING_CRS)
    services["status"] = np.where(services["active"], "ACTIVE", "TEMPORARILY_SUSPENDED")
    services["inside_region"] = services.geometry.within(region_area)
    for column in ("address", "postcode", "city"):
        services[column] = None
    services["dataset"] = "demo"
    hospitals = services["service_type"].eq("hospital")
    services.loc[services["service_id"] == "hospital:1", "name"] = f"Demo psychiatrisch ziekenhuis 1 ({LABEL})"
    services = services.join(classify_hospitals(services[hospitals]))
    services["type_derived"] = services["type_derived"].fillna(False).astype(bool)
    services["type_rule"] = services["type_rule"].fillna("")
    frames["services"] = services.set_index("service_id")

    frames["boundary_region"] = gpd.GeoDataFrame(
        {"id": ["92000", "94000"], "name": ["flanders", "brussels"]},
        geometry=[m[m["region"] == r].union_all() for r in ("flanders", "brussels")], crs=WORKING_CRS)
    frames["boundary_province"] = m.dissolve(by="province_id")[["geometry"]].reset_index().rename(columns={"province_id": "id"}).assign(
        name=lambda f: "Demoprovincie " + f["id"])
    frames["sectors"] = pd.DataFrame(columns=["sector_id", "neighbourhood_id", "deelgemeente_id", "municipality_id", "antwerp_zone", "population"])

    manifest = {
        "bundle_version": BUNDLE_VERSION, "region": f"demo-{seed}", "synthetic": True, "seed": seed,
        "title": f"Synthetische demoregio (seed {seed}) - geen echte gegevens",
        "sources": [{"id": "demo", "title": "Synthetische demoregio", "publisher": "zorgzones", "licence": "CC0 1.0",
                     "credit": CREDIT, "reference_date": "synthetic", "repository": "zorgzones", "urls": []}],
        "layers": {name: ["demo"] for name in frames} | {"boundaries": ["demo"]},
        "plans": {"elz": {"name": "elz", "title": f"Demozones ({LABEL})", "level": "municipality", "zones": int(zone_pop.size),
                          "min_population": int(zone_pop.min()), "max_population": int(zone_pop.max()), "band": list(BAND_PRESETS["flanders_elz"]),
                          "kind": "official", "notes": "Synthetic demo plan.", "sources": ["demo"]}} | reference_info,
        "paths": {},
        "notes": ["synthetic demo region: every name, number and location is made up",
                  "synthetic population series 2012-2040 ('observed' up to 2022, 'projection' after): made up as well"],
    }
    return manifest, frames


def demo_bundle(seed: int = 0) -> Bundle:
    """The synthetic demo region in memory."""
    manifest, frames = demo_frames(seed)
    return Bundle.from_frames(manifest, frames)


def write_demo(data_dir: Path, *, seed: int = 0) -> Path:
    """``zorgzones data demo``: write the demo region as a bundle into ``data_dir/demo``."""
    manifest, frames = demo_frames(seed)
    out = Path(data_dir) / DEMO_DIR
    out.mkdir(parents=True, exist_ok=True)
    for name, frame in frames.items():
        write_layer(frame, out / f"{name}.parquet")
    manifest = {**manifest, "checksums": layer_checksums(out)}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")
    return out
