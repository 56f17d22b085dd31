"""Cost tables from demand points to services by straight line.

Cost tables ``(origin_id, dest_id, cost)`` from demand points to services: straight line with detour and
speed, plus demand points from units or a population raster.
"""

from __future__ import annotations

import os

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
from scipy.spatial import cKDTree

from .errors import Report, ValidationError
from .settings import DETOUR_FACTOR, SPEED_KMH, WORKING_CRS
from .validation import check_projected

#: Without a cutoff the full origin x destination matrix is built only up to this many pairs.
MAX_FULL_PAIRS = 10_000_000
#: Columns of every cost table built here (``cost`` equals ``travel_min``).
COST_TABLE_COLUMNS = ("origin_id", "dest_id", "distance_m", "travel_min", "cost")


def _check_points(frame, report: Report, *, name: str) -> None:
    check_projected(frame, report, name=name)
    if not isinstance(frame, gpd.GeoDataFrame) or frame.crs is None or frame.crs.is_geographic:
        return
    geoms = frame.geometry
    empty = geoms.isna() | geoms.is_empty
    if empty.any():
        ids = ", ".join(str(i) for i in frame.index[empty.to_numpy()][:5])
        report.problem(f"{name}: {int(empty.sum())} row(s) without coordinates (e.g. {ids}); drop them or geocode them")
    kinds = set(geoms[~empty].geom_type.unique())
    if kinds - {"Point"}:
        report.problem(f"{name} has {sorted(kinds - {'Point'})} geometries; expected points (use demand_points() for polygons)")
    if not frame.index.is_unique:
        report.problem(f"{name}: the index (ids) has {int(frame.index.duplicated().sum())} duplicate(s); ids must be unique")


def _mode_settings(mode: str, detour_factor: float | None, report: Report) -> tuple[float, float]:
    if mode not in SPEED_KMH:
        report.problem(f"mode is {mode!r}; expected one of {sorted(SPEED_KMH)}")
        return 1.0, 1.0
    detour = DETOUR_FACTOR[mode] if detour_factor is None else detour_factor
    if not (np.isfinite(detour) and detour >= 1.0):
        report.problem(f"detour_factor is {detour_factor!r}; expected a number >= 1 (network distance / straight line)")
    return SPEED_KMH[mode] * 1000.0 / 60.0, float(detour)


def id_column(index: pd.Index, positions: np.ndarray):
    """Ids at ``positions`` of a unique ``index``: integers as they are, other ids as a categorical (one code per row, the
    ids once), so the catchment code reads integer codes instead of hashing millions of strings."""
    if pd.api.types.is_integer_dtype(index.dtype):
        return index.take(positions)
    return pd.Categorical.from_codes(positions, categories=index)


def straight_line_costs(
    origins: gpd.GeoDataFrame,
    destinations: gpd.GeoDataFrame,
    *,
    mode: str = "car",
    max_minutes: float | None = None,
    max_distance_m: float | None = None,
    detour_factor: float | None = None,
) -> pd.DataFrame:
    """Cost table from every origin to every destination within the cutoff(s), by straight line.

    ``distance_m`` is the straight-line distance times the detour factor (``DETOUR_FACTOR[mode]``
    unless given), ``travel_min`` is that distance at ``SPEED_KMH[mode]``, and ``cost`` equals
    ``travel_min``. ``max_minutes`` cuts on ``travel_min`` and ``max_distance_m`` on ``distance_m``
    (both inclusive; both may be given). Origins and destinations are point GeoDataFrames in
    EPSG:31370 indexed by their ids. Pairs are found with a KD-tree, so 200k origins x 5k services
    within a few km take about a second. Rows are grouped by origin (in ``origins`` order), not sorted by cost.
    """
    report = Report("straight-line travel costs input")
    _check_points(origins, report, name="origins")
    _check_points(destinations, report, name="destinations")
    speed_m_per_min, detour = _mode_settings(mode, detour_factor, report)
    radius = np.inf
    for value, label, factor in ((max_minutes, "max_minutes", speed_m_per_min), (max_distance_m, "max_distance_m", 1.0)):
        if value is None:
            continue
        if not (isinstance(value, (int, float, np.integer, np.floating)) and np.isfinite(value) and value >= 0):
            report.problem(f"{label} is {value!r}; expected a non-negative number")
        else:
            radius = min(radius, float(value) * factor)
    if report.ok and radius == np.inf and len(origins) * len(destinations) > MAX_FULL_PAIRS:
        report.problem(
            f"no cutoff given for {len(origins):,} origins x {len(destinations):,} destinations "
            f"(> {MAX_FULL_PAIRS:,} pairs); pass max_minutes or max_distance_m"
        )
    report.raise_if_problems()

    xy_o = np.column_stack([origins.geometry.x.to_numpy(), origins.geometry.y.to_numpy()])
    xy_d = np.column_stack([destinations.geometry.x.to_numpy(), destinations.geometry.y.to_numpy()])
    if radius == np.inf:
        i = np.repeat(np.arange(len(xy_o)), len(xy_d))
        j = np.tile(np.arange(len(xy_d)), len(xy_o))
        straight = np.hypot(*(xy_o[i] - xy_d[j]).T) if len(i) else np.zeros(0)
    else:
        # a pair is kept when straight * detour <= radius (tiny slack, then an exact filter)
        r_straight = radius / detour
        tree_o, tree_d = cKDTree(xy_o), cKDTree(xy_d)
        pairs = tree_o.sparse_distance_matrix(tree_d, r_straight * (1 + 1e-12) + 1e-9, output_type="ndarray")
        i, j, straight = pairs["i"].astype(np.int64), pairs["j"].astype(np.int64), pairs["v"]
    distance_m = straight * detour
    if radius != np.inf:
        keep = distance_m <= radius
        i, j, distance_m = i[keep], j[keep], distance_m[keep]
    travel_min = distance_m / speed_m_per_min
    # group rows by origin in ``origins`` order with an O(n) counting sort (CSR construction)
    from scipy import sparse

    grouped = sparse.csr_matrix((np.arange(1, len(i) + 1, dtype=np.float64), (i, j)), shape=(len(xy_o), len(xy_d)))
    order = grouped.data.astype(np.int64) - 1
    i, j, distance_m, travel_min = i[order], j[order], distance_m[order], travel_min[order]
    return pd.DataFrame(
        {
            "origin_id": id_column(origins.index, i),
            "dest_id": id_column(destinations.index, j),
            "distance_m": distance_m,
            "travel_min": travel_min,
            "cost": travel_min.copy(),
        }
    )


def demand_points(units: gpd.GeoDataFrame, *, weight_column: str = "pop_total") -> gpd.GeoDataFrame:
    """One demand point per unit, indexed like ``units``, with the weight column and ``point_method``.

    The point is the polygon centroid — for compact units the best stand-in for the population
    centre without finer data — except where the centroid falls outside the unit (crescents,
    multi-part units, enclaves), where ``representative_point()`` is used so every point lies in
    its own unit. ``point_method`` says which was used.
    """
    report = Report("demand units input")
    check_projected(units, report, name="units")
    if isinstance(units, gpd.GeoDataFrame):
        if weight_column not in units.columns:
            report.problem(f"units lack column {weight_column!r}; columns are {list(units.columns)}")
        else:
            weights = pd.to_numeric(units[weight_column], errors="coerce")
            bad = weights.isna() | (weights < 0)
            if bad.any():
                ids = ", ".join(str(i) for i in units.index[bad.to_numpy()][:5])
                report.problem(f"units: {int(bad.sum())} missing or negative {weight_column} value(s) (e.g. {ids})")
        empty = units.geometry.isna() | units.geometry.is_empty
        if empty.any():
            report.problem(f"units: {int(empty.sum())} row(s) without geometry")
        if not units.index.is_unique:
            report.problem("units: the index (unit ids) is not unique")
    report.raise_if_problems()
    centroids = units.geometry.centroid
    inside = centroids.within(units.geometry).to_numpy()
    points = centroids.where(inside, units.geometry.representative_point())
    return gpd.GeoDataFrame(
        {
            weight_column: units[weight_column].to_numpy(),
            "point_method": np.where(inside, "centroid", "representative"),
        },
        geometry=points.to_numpy(),
        index=units.index.copy(),
        crs=units.crs,
    )


def population_weighted_points(
    units: gpd.GeoDataFrame, parts: gpd.GeoDataFrame, *, unit_column: str = "municipality_id", weight_column: str = "pop_total"
) -> gpd.GeoDataFrame:
    """One demand point per unit at the population-weighted mean of its finer parts' points.

    ``parts`` are finer units (e.g. neighbourhoods) with ``unit_column`` naming their unit and
    ``weight_column`` their population; their own points come from :func:`demand_points`. The
    mean is used when it lies inside the unit (``point_method`` "population_weighted"), else the
    point of the most populated part ("largest_part"); units without populated parts keep
    :func:`demand_points` ("centroid"/"representative"). The weight column of ``units`` is kept.
    """
    report = Report("population-weighted points input")
    check_projected(parts, report, name="parts")
    if isinstance(parts, gpd.GeoDataFrame) and unit_column not in parts.columns:
        report.problem(f"parts lack column {unit_column!r} naming their unit; columns are {list(parts.columns)}")
    report.raise_if_problems()
    result = demand_points(units, weight_column=weight_column)
    part_points = demand_points(parts.to_crs(units.crs), weight_column=weight_column)
    weight = part_points[weight_column].to_numpy(dtype=float)
    frame = pd.DataFrame(
        {"unit": parts[unit_column].to_numpy(), "w": weight, "wx": weight * part_points.geometry.x.to_numpy(), "wy": weight * part_points.geometry.y.to_numpy()}
    )
    frame = frame[frame["unit"].isin(units.index) & (frame["w"] > 0)]
    if frame.empty:
        return result
    sums = frame.groupby("unit")[["w", "wx", "wy"]].sum()
    mean = gpd.GeoSeries(gpd.points_from_xy(sums["wx"] / sums["w"], sums["wy"] / sums["w"]), index=sums.index, crs=units.crs)
    inside = mean.within(units.geometry.reindex(sums.index), align=False).to_numpy()
    largest = frame.loc[frame.groupby("unit")["w"].idxmax().reindex(sums.index)]
    fallback = part_points.geometry.iloc[largest.index.to_numpy()].to_numpy()
    chosen = np.where(inside, mean.to_numpy(), fallback)
    geometry = result.geometry.copy()
    geometry.loc[sums.index] = chosen
    result = result.set_geometry(geometry.to_numpy())
    result.loc[sums.index, "point_method"] = np.where(inside, "population_weighted", "largest_part")
    return result


def raster_demand_points(path: str | os.PathLike, *, clip_to: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    """Populated cells (> 0) of a population GeoTIFF (e.g. GHS-POP) as points in EPSG:31370 with ``pop_total``.

    Cell centres are reprojected from the raster CRS with pyproj. The index ``cell_id`` is the
    integer ``row * width + col`` of the cell in the file (integer ids keep cost tables of
    millions of rows fast). ``clip_to`` (polygons in a projected CRS) keeps the cells whose
    centre lies inside them. Nodata and NaN cells are skipped.
    """
    import rasterio
    import rasterio.errors
    import shapely

    report = Report("population raster input")
    if clip_to is not None:
        check_projected(clip_to, report, name="clip_to")
    if not os.path.isfile(path):
        report.problem(f"raster {path} does not exist; pass a GeoTIFF path (e.g. bundle.path('ghs_pop_100m_westflanders'))")
    report.raise_if_problems()
    try:
        with rasterio.open(path) as src:
            if src.crs is None:
                raise ValidationError("population raster input", [f"raster {path} has no CRS; expected e.g. ESRI:54009"])
            values = src.read(1, masked=True)
            transform, width, crs = src.transform, src.width, src.crs
    except (rasterio.errors.RasterioError, OSError) as exc:
        raise ValidationError("population raster input", [f"could not read {os.path.basename(path)} as a raster "
                                                          f"({str(exc).splitlines()[0]}); give a GeoTIFF"]) from None
    filled = np.ma.filled(values.astype("float64"), np.nan)
    rows, cols = np.nonzero(np.nan_to_num(filled, nan=0.0) > 0)
    # cell centres from the affine transform (written out: rasterio.transform.xy warns on affine >= 3.1)
    xs = transform.a * (cols + 0.5) + transform.b * (rows + 0.5) + transform.c
    ys = transform.d * (cols + 0.5) + transform.e * (rows + 0.5) + transform.f
    to_working = pyproj.Transformer.from_crs(pyproj.CRS.from_user_input(crs.to_wkt()), WORKING_CRS, always_xy=True)
    x, y = to_working.transform(np.asarray(xs, dtype=float), np.asarray(ys, dtype=float))
    frame = gpd.GeoDataFrame(
        {"pop_total": filled[rows, cols]},
        geometry=gpd.points_from_xy(x, y),
        index=pd.Index(rows.astype(np.int64) * width + cols, name="cell_id"),
        crs=WORKING_CRS,
    )
    if clip_to is not None:
        area = shapely.union_all(clip_to.to_crs(WORKING_CRS).geometry.to_numpy())
        frame = frame[shapely.contains_xy(area, x, y)]
    return frame
