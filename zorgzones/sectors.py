"""Statistical-sector polygons and demand points, in and around the region."""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from .errors import Report, ValidationError
from .readers import read_sector_population, read_statbel_population
from .settings import AGE_BANDS, BORDER_BUFFER_M, SECTOR_SIMPLIFY_M, WORKING_CRS
from .travel import raster_demand_points

#: R classes of an ``sf`` object that need no conversion of their own (the geometry stays nested lists).
_SF_CLASSES = ("sfc", "sfc_MULTIPOLYGON", "sfc_POLYGON", "sfg", "XY", "MULTIPOLYGON", "POLYGON", "bbox", "crs")
#: Region code (first digits of CD_RGN_REFNIS) -> ``region`` value of a demand point.
SECTOR_REGIONS = {"02000": "flanders", "04000": "brussels", "03000": "wallonia"}
#: Columns of the ``sector_points`` bundle layer besides the age bands (index ``point_id``).
POINT_COLUMNS = ("source", "point_method", "area_km2", "pop_total", "age_estimated", "municipality_id", "deelgemeente_id",
                 "neighbourhood_id", "antwerp_zone", "nis_2022", "region", "inside_region")
AGE_COLUMNS = ("pop_male", "pop_female") + tuple(c for c, _, _ in AGE_BANDS)


# --------------------------------------------------------------------------- reading


def _multipolygons(nested, transformer: pyproj.Transformer) -> np.ndarray:
    """sf MULTIPOLYGON lists (polygon -> ring -> (n, 2) array) as shapely geometries, reprojected in one call."""
    rings, ring_n, poly_n, multi_n = [], [], [], []
    for multi in nested:
        multi_n.append(len(multi))
        for polygon in multi:
            poly_n.append(len(polygon))
            for ring in polygon:
                ring = np.asarray(ring, dtype=np.float64)
                rings.append(ring[:, :2])
                ring_n.append(len(ring))
    coords = np.concatenate(rings) if rings else np.zeros((0, 2))
    x, y = transformer.transform(coords[:, 0], coords[:, 1])
    offsets = tuple(np.concatenate([[0], np.cumsum(n)]).astype(np.int64) for n in (ring_n, poly_n, multi_n))
    return shapely.from_ragged_array(shapely.GeometryType.MULTIPOLYGON, np.column_stack([x, y]), offsets)


def read_sector_polygons(path: str | os.PathLike) -> gpd.GeoDataFrame:
    """Statbel statistical sectors from Sciensano's ``BE_ADMIN_SECTORS.rda`` (an R ``sf`` object, WGS84).

    Returns ``sector_id`` (index), ``name``, ``nis`` (municipality), ``region_code``, ``area_km2``
    and MULTIPOLYGON geometry in EPSG:31370.
    """
    import rdata

    path = Path(path)
    identity = {name: (lambda obj, attrs: obj) for name in _SF_CLASSES}
    constructors = {**rdata.conversion.DEFAULT_CLASS_MAP, "sf": rdata.conversion.DEFAULT_CLASS_MAP["data.frame"], **identity}
    try:
        frames = rdata.read_rda(path, constructor_dict=constructors, default_encoding="utf-8")
    except Exception as exc:  # rdata raises plain exceptions on files it cannot parse
        raise ValidationError(path.name, [f"not a readable R data file ({type(exc).__name__}: {exc})"]) from exc
    report = Report(path.name)
    frame = next(iter(frames.values()), None)
    needed = ("CD_SECTOR_REFNIS", "CD_MUNTY_REFNIS", "CD_RGN_REFNIS", "TX_SECTOR_DESCR_NL", "geometry")
    if not isinstance(frame, pd.DataFrame):
        report.problem("the R data file holds no data frame")
    elif missing := [c for c in needed if c not in frame.columns]:
        report.problem(f"missing columns {missing}; expected an sf table of statistical sectors")
    report.raise_if_problems()
    lon_lat = np.asarray(frame["geometry"].iloc[0][0][0], dtype=np.float64) if len(frame) else np.zeros((0, 2))
    if not (np.abs(lon_lat[:, 0]) <= 180).all() or not (np.abs(lon_lat[:, 1]) <= 90).all():
        raise ValidationError(path.name, ["geometry is not in longitude/latitude (WGS84) as the bemaps package stores it"])
    to_working = pyproj.Transformer.from_crs("EPSG:4326", WORKING_CRS, always_xy=True)
    geometry = _multipolygons(frame["geometry"].tolist(), to_working)
    out = gpd.GeoDataFrame({
        "sector_id": frame["CD_SECTOR_REFNIS"].astype(str).str.strip().to_numpy(),
        "name": frame["TX_SECTOR_DESCR_NL"].astype(object).to_numpy(),
        "nis": frame["CD_MUNTY_REFNIS"].astype(str).str.zfill(5).to_numpy(),
        "region_code": frame["CD_RGN_REFNIS"].astype(str).str.zfill(5).to_numpy(),
    }, geometry=geometry, crs=WORKING_CRS)
    invalid = ~out.geometry.is_valid
    if invalid.any():
        out.loc[invalid, "geometry"] = shapely.make_valid(out.geometry[invalid].to_numpy())
    out["area_km2"] = out.geometry.area / 1e6
    return out.set_index("sector_id")


# --------------------------------------------------------------------------- demand points


def raster_footprint(path: str | os.PathLike) -> shapely.Geometry:
    """The area a GeoTIFF covers, as a polygon in EPSG:31370 (its edges densified before reprojection)."""
    import rasterio

    with rasterio.open(path) as src:
        bounds, crs = src.bounds, src.crs
    box = shapely.segmentize(shapely.box(*bounds), max(bounds.right - bounds.left, bounds.top - bounds.bottom) / 200)
    to_working = pyproj.Transformer.from_crs(pyproj.CRS.from_user_input(crs.to_wkt()), WORKING_CRS, always_xy=True)
    return shapely.transform(box, lambda xy: np.column_stack(to_working.transform(xy[:, 0], xy[:, 1])))


def sector_points(polygons: gpd.GeoSeries, *, raster_path: str | os.PathLike | None = None) -> tuple[gpd.GeoSeries, pd.Series]:
    """One demand point per polygon and the method used (``point_method``).

    Polygons lying wholly inside a population raster's footprint get the population-weighted mean
    of the populated cell centres inside them ("population_weighted"), or the most populated such
    cell when that mean falls outside the polygon ("largest_cell"); others, and polygons without a
    populated cell centre, get ``representative_point()`` ("representative").
    """
    points = polygons.representative_point()
    method = pd.Series("representative", index=polygons.index, dtype=object)
    if raster_path is None or not os.path.isfile(raster_path):
        return points, method
    footprint = raster_footprint(raster_path)
    covered = polygons[shapely.within(polygons.to_numpy(), footprint)]
    if covered.empty:
        return points, method
    cells = raster_demand_points(raster_path, clip_to=gpd.GeoDataFrame(geometry=[footprint], crs=WORKING_CRS))
    cell, polygon = covered.sindex.query(cells.geometry.to_numpy(), predicate="within")
    first = np.unique(cell, return_index=True)[1]  # a cell centre on a shared edge counts once
    cell, polygon = cell[first], polygon[first]
    x, y = cells.geometry.x.to_numpy()[cell], cells.geometry.y.to_numpy()[cell]
    w = cells["pop_total"].to_numpy()[cell]
    frame = pd.DataFrame({"sector": covered.index.take(polygon), "w": w, "wx": w * x, "wy": w * y, "x": x, "y": y})
    sums = frame.groupby("sector")[["w", "wx", "wy"]].sum()
    mean_x, mean_y = sums["wx"] / sums["w"], sums["wy"] / sums["w"]
    inside = shapely.contains_xy(polygons.reindex(sums.index).to_numpy(), mean_x.to_numpy(), mean_y.to_numpy())
    largest = frame.loc[frame.groupby("sector")["w"].idxmax().reindex(sums.index)]
    px = np.where(inside, mean_x.to_numpy(), largest["x"].to_numpy())
    py = np.where(inside, mean_y.to_numpy(), largest["y"].to_numpy())
    points.loc[sums.index] = shapely.points(px, py)
    method.loc[sums.index] = np.where(inside, "population_weighted", "largest_cell")
    return points, method


def age_shares(long: pd.DataFrame, key: str) -> pd.DataFrame:
    """Share of each of ``AGE_COLUMNS`` in the population of ``key`` (long table ``key, sex, age, population``)."""
    total = long.groupby(key)["population"].sum()
    shares = pd.DataFrame(index=total.index)
    shares["pop_male"] = long[long["sex"] == "M"].groupby(key)["population"].sum()
    shares["pop_female"] = long[long["sex"] == "F"].groupby(key)["population"].sum()
    for column, first, last in AGE_BANDS:
        mask = (long["age"] >= first) & (long["age"] <= (last if last is not None else 10_000))
        shares[column] = long[mask].groupby(key)["population"].sum()
    return shares.fillna(0).div(total.replace(0, np.nan), axis=0)


def _apportion(pop_total: np.ndarray, shares: pd.DataFrame, keys, fallback: pd.Series) -> pd.DataFrame:
    """Age bands of ``pop_total`` from the shares of each row's key (``fallback`` shares where the key is unknown)."""
    per_row = shares.reindex(keys)
    per_row = per_row.fillna(pd.DataFrame([fallback.to_numpy()] * len(per_row), columns=fallback.index, index=per_row.index))
    return pd.DataFrame(np.rint(per_row.to_numpy() * pop_total[:, None]).astype(np.int64), columns=list(AGE_COLUMNS))


# --------------------------------------------------------------------------- bundle layers


def _locate(points: gpd.GeoSeries, units: gpd.GeoDataFrame) -> pd.Series:
    """``unit_id`` of the unit containing each point (None outside every unit; first unit on a shared edge)."""
    if points.empty:
        return pd.Series([], index=points.index, dtype=object)
    point, unit = units.sindex.query(points.to_numpy(), predicate="within")
    first = np.unique(point, return_index=True)[1]
    found = np.full(len(points), None, dtype=object)
    found[point[first]] = units.index.take(unit[first]).to_numpy(dtype=object)
    return pd.Series(found, index=points.index, dtype=object)


def _sibling(ids: pd.Series, polygon_ids: pd.Index) -> pd.Series:
    """For sector codes without a polygon, a polygon sharing their first 8 characters (a sector split or renumbered later)."""
    prefix = pd.Series(polygon_ids, index=polygon_ids.str[:8])
    prefix = prefix[~prefix.index.duplicated()]
    return pd.Series(prefix.reindex(ids.str[:8]).to_numpy(), index=ids.index)


def build_sector_layers(polygons: gpd.GeoDataFrame, population: pd.DataFrame, table: pd.DataFrame, units: dict[str, gpd.GeoDataFrame],
                        region_area, statbel: pd.DataFrame, report: Report, *, raster_100m: str | os.PathLike | None = None,
                        raster_1km: str | os.PathLike | None = None, buffer_m: float = BORDER_BUFFER_M) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The ``sector_points`` and ``sector_polygons`` layers of the bundle.

    ``polygons``: :func:`read_sector_polygons`; ``population``: 2022 population of every Belgian
    sector (``readers.read_sector_population``); ``table``: the region's sectors with their units
    (``build.read_sectors``); ``units``: level -> units; ``statbel``: long ``nis, sex, age,
    population`` of all Belgian municipalities (age shares per sector, flagged ``age_estimated``).
    Inside the region every sector of ``table`` gets a point: its polygon's, else a polygon
    with the same 8-character code ("sibling_sector"), else its neighbourhood's representative
    point ("neighbourhood"); what has none is reported with its population. Outside: Walloon
    sectors and GHS-POP 1 km cells beyond the national border (``pop_estimated``) within
    ``buffer_m`` of the region.
    """
    pop_2022 = population.set_index("sector_id")
    near_area = shapely.buffer(region_area, buffer_m)
    shapely.prepare(near_area)
    points, method = sector_points(polygons.geometry, raster_path=raster_100m)
    nb_points = units["neighbourhood"].geometry.representative_point()

    # inside: the region's 2024 sectors with 2022 population
    inside = pd.DataFrame({"sector_id": table["sector_id"].astype(str).to_numpy(), "pop_total": table["population"].to_numpy(dtype=np.float64),
                           "municipality_id": table["municipality_id"].to_numpy(), "deelgemeente_id": table["deelgemeente_id"].to_numpy(),
                           "neighbourhood_id": table["neighbourhood_id"].to_numpy(), "antwerp_zone": table["antwerp_zone"].to_numpy()})
    ids = inside["sector_id"]
    own = ids.isin(polygons.index)
    sibling = _sibling(ids[~own], polygons.index)
    geometry = pd.Series(points.reindex(ids).to_numpy(), index=ids.index)
    how = pd.Series(method.reindex(ids).to_numpy(), index=ids.index)
    has_sibling = sibling.notna()
    geometry[sibling.index[has_sibling]] = points.reindex(sibling[has_sibling]).to_numpy()
    how[sibling.index[has_sibling]] = "sibling_sector"
    by_nb = geometry.isna() & inside["neighbourhood_id"].isin(nb_points.index)
    geometry[by_nb] = nb_points.reindex(inside.loc[by_nb, "neighbourhood_id"]).to_numpy()
    how[by_nb] = "neighbourhood"
    unplaced = geometry.isna()
    if has_sibling.any() or by_nb.any():
        report.note(f"sector demand: {int(has_sibling.sum())} sectors of 2024 without a 2021 polygon take the point of a sector with the same "
                    f"8-character code ({int(inside.loc[has_sibling[has_sibling].index, 'pop_total'].sum()):,} inhabitants), "
                    f"{int(by_nb.sum())} their neighbourhood's point ({int(inside.loc[by_nb, 'pop_total'].sum()):,})")
    if unplaced.any():
        report.note(f"sector demand: {int(unplaced.sum())} sectors ({int(inside.loc[unplaced, 'pop_total'].sum()):,} inhabitants, mostly "
                    "'ZZZZ' sectors of unknown location) have no polygon and no neighbourhood polygon and are left out of sector demand")
    inside, geometry, how = inside[~unplaced], geometry[~unplaced], how[~unplaced]
    # polygons of region sectors missing from the 2024 table: 2022 population, units by the point's location
    region_codes = [c for c, name in SECTOR_REGIONS.items() if name != "wallonia"]
    extra_ids = polygons.index[polygons["region_code"].isin(region_codes) & ~polygons.index.isin(table["sector_id"].astype(str))]
    extra = pd.DataFrame({"sector_id": extra_ids, "pop_total": pop_2022["population"].reindex(extra_ids).fillna(0).to_numpy(dtype=np.float64)})
    inside = pd.concat([inside, extra], ignore_index=True)
    geometry = gpd.GeoSeries(np.concatenate([geometry.to_numpy(), points.reindex(extra_ids).to_numpy()]), index=inside.index, crs=WORKING_CRS)
    how = pd.Series(np.concatenate([how.to_numpy(), method.reindex(extra_ids).to_numpy()]), index=inside.index)
    for level in ("municipality", "deelgemeente", "neighbourhood"):
        column = f"{level}_id"
        wrong = ~inside[column].isin(units[level].index)
        if wrong.any():
            inside.loc[wrong, column] = _locate(geometry[wrong], units[level]).to_numpy()
    if len(extra):
        report.note(f"sector demand: {len(extra)} sector polygons of the region missing from the 2024 sector table "
                    f"({int(extra['pop_total'].sum()):,} inhabitants in 2022) join the units containing their demand point")
    lost = inside["municipality_id"].isna()
    if lost.any():
        report.note(f"sector demand: {int(lost.sum())} sectors ({int(inside.loc[lost, 'pop_total'].sum()):,} inhabitants) lie in no municipality")
    inside["region"] = np.where(inside["municipality_id"].astype(str).str.startswith("21"), "brussels", "flanders")
    inside["inside_region"], inside["source"] = True, "sector"
    inside["point_method"] = how.to_numpy()

    # outside: Walloon sectors (polygons, plus 2022 codes without one by their sibling) within the buffer
    walloon_pop = population[population["sector_id"].str[:5].isin(polygons.loc[polygons["region_code"] == "03000", "nis"].unique())
                             | population["sector_id"].isin(polygons.index[polygons["region_code"] == "03000"])]
    walloon_pop = walloon_pop[~walloon_pop["sector_id"].isin(inside["sector_id"])]
    anchor = pd.Series(walloon_pop["sector_id"].to_numpy(), index=walloon_pop["sector_id"].to_numpy())
    missing = ~anchor.isin(polygons.index)
    anchor[missing] = _sibling(anchor[missing], polygons.index[polygons["region_code"] == "03000"]).to_numpy()
    located = anchor.notna()
    anchor_xy = points.reindex(anchor[located]).to_numpy()
    near = pd.Series(False, index=anchor.index)
    near[located] = shapely.contains(near_area, anchor_xy)
    outside = pd.DataFrame({"sector_id": anchor.index[near], "pop_total": pop_2022["population"].reindex(anchor.index[near]).to_numpy(dtype=np.float64)})
    outside_geometry = points.reindex(anchor[near]).to_numpy()
    outside["point_method"] = np.where(anchor[near].to_numpy() == anchor.index[near].to_numpy(), method.reindex(anchor[near]).to_numpy(), "sibling_sector")
    outside["region"], outside["inside_region"], outside["source"] = "wallonia", False, "sector"
    nis_near = set(walloon_pop.loc[walloon_pop["sector_id"].isin(outside["sector_id"]), "nis"])
    skipped = walloon_pop[~walloon_pop["sector_id"].isin(anchor.index[located]) & walloon_pop["nis"].isin(nis_near)]
    if len(skipped):
        report.note(f"sector demand: {len(skipped)} Walloon sectors near the region ({int(skipped['population'].sum()):,} inhabitants) "
                    "have no polygon and are left out of border demand")

    frames = [inside.assign(geometry=geometry.to_numpy()), outside.assign(geometry=outside_geometry)]
    frames += [_foreign_cells(raster_1km, polygons, region_area, near_area, buffer_m, report)] if raster_1km is not None and os.path.isfile(raster_1km) else []
    result = pd.concat(frames, ignore_index=True)
    result["nis_2022"] = pop_2022["nis"].reindex(result["sector_id"]).to_numpy()
    national = age_shares(statbel.assign(country="BE"), "country").iloc[0]
    ages = _apportion(result["pop_total"].to_numpy(), age_shares(statbel, "nis"), result["nis_2022"], national)
    result[list(AGE_COLUMNS)] = ages.to_numpy()
    result["age_estimated"] = True
    result["pop_estimated"] = result["source"].ne("sector")
    result["area_km2"] = polygons["area_km2"].reindex(result["sector_id"]).to_numpy()
    result.loc[result["source"].ne("sector"), "area_km2"] = 1.0
    result["antwerp_zone"] = pd.array(result["antwerp_zone"], dtype="Int64")
    for column in ("municipality_id", "deelgemeente_id", "neighbourhood_id", "nis_2022"):
        result[column] = result[column].astype(object).where(result[column].notna(), None)
    result = gpd.GeoDataFrame(result, geometry="geometry", crs=WORKING_CRS).set_index("sector_id").rename_axis("point_id")
    columns = list(POINT_COLUMNS[:4]) + list(AGE_COLUMNS) + list(POINT_COLUMNS[4:]) + ["pop_estimated", "geometry"]
    result = result[columns]
    kept = polygons.loc[polygons.index.isin(result.index), ["name", "nis", "region_code", "area_km2", "geometry"]].copy()
    kept["geometry"] = shapely.simplify(kept.geometry.to_numpy(), SECTOR_SIMPLIFY_M, preserve_topology=True)
    return result, kept


def _foreign_cells(path, polygons: gpd.GeoDataFrame, region_area, near_area, buffer_m: float, report: Report) -> pd.DataFrame:
    """Populated GHS-POP cells whose centre lies outside every Belgian sector (and the region) and within ``buffer_m`` of the region."""
    cells = raster_demand_points(path)
    x, y = cells.geometry.x.to_numpy(), cells.geometry.y.to_numpy()
    cells = cells[shapely.contains_xy(near_area, x, y)]
    in_belgium = np.isin(np.arange(len(cells)), polygons.sindex.query(cells.geometry.to_numpy(), predicate="within")[0])
    in_belgium |= shapely.contains_xy(region_area, cells.geometry.x.to_numpy(), cells.geometry.y.to_numpy())  # the two borders differ by metres
    foreign = cells[~in_belgium]
    # share of the foreign border strip the raster covers, sampled on a 1 km grid (a union of every sector takes seconds)
    x0, y0, x1, y1 = shapely.bounds(near_area)
    gx, gy = (a.ravel() for a in np.meshgrid(np.arange(x0, x1, 1000.0), np.arange(y0, y1, 1000.0)))
    strip = shapely.contains_xy(near_area, gx, gy) & ~shapely.contains_xy(region_area, gx, gy)
    gx, gy = gx[strip], gy[strip]
    abroad = ~np.isin(np.arange(len(gx)), polygons.sindex.query(shapely.points(gx, gy), predicate="within")[0])
    covered = shapely.contains_xy(raster_footprint(path), gx[abroad], gy[abroad]).mean() if abroad.any() else 1.0
    report.note(f"border demand: {len(foreign):,} GHS-POP 1 km cells beyond the national border within {buffer_m / 1000:g} km "
                f"({foreign['pop_total'].sum():,.0f} inhabitants, 2020 estimate); the raster covers {covered:.0%} of that foreign border strip")
    return pd.DataFrame({"sector_id": "ghs1km:" + foreign.index.astype(str), "pop_total": foreign["pop_total"].to_numpy(dtype=np.float64),
                         "point_method": "cell_centre", "region": "abroad", "inside_region": False, "source": "ghs_pop_1km",
                         "geometry": foreign.geometry.to_numpy()})


def build_sector_demand(src, table: pd.DataFrame, units: dict[str, gpd.GeoDataFrame], region_area, report: Report) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """:func:`build_sector_layers` from the cached originals (``src(dataset_id, file_name)`` -> path, as in ``build``)."""
    polygons = read_sector_polygons(src("statistical_sectors", "BE_ADMIN_SECTORS.rda"))
    population = read_sector_population(src("population_sectors", "BE_POP_SECTOR.rda"))
    statbel = read_statbel_population(src("population_age", "TF_SOC_POP_STRUCT_2022.zip"))
    return build_sector_layers(polygons, population, table, units, region_area, statbel, report,
                               raster_100m=src("ghs_pop_100m_westflanders", "westflanders_pop_100m.tif"), raster_1km=src("ghs_pop_1km", "POP.tif"))
