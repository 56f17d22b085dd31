"""Checks shared by every reader and upload; all problems at once.

Checks shared by every reader and by user uploads; each collects all problems of an input before raising.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .errors import Report
from .settings import BORDER_BUFFER_M, WEB_CRS, WORKING_CRS

MAX_LISTED = 10


def _listing(values) -> str:
    values = [str(v) for v in values]
    more = f" and {len(values) - MAX_LISTED} more" if len(values) > MAX_LISTED else ""
    return ", ".join(values[:MAX_LISTED]) + more


def check_crs(frame: gpd.GeoDataFrame, report: Report) -> None:
    """Missing or geographic CRS is a problem: analysis needs EPSG:31370 metres."""
    if frame.crs is None:
        report.problem("the layer has no CRS; set it with GeoDataFrame.set_crs() (e.g. EPSG:31370 or EPSG:4326)")
    elif frame.crs != WORKING_CRS:
        kind = "geographic (degrees)" if frame.crs.is_geographic else "projected"
        report.problem(f"the layer is in {frame.crs.to_string()} ({kind}), expected {WORKING_CRS}; use to_crs('{WORKING_CRS}')")


def check_projected(frame, report: Report, *, name: str) -> None:
    """Add a problem to ``report`` unless ``frame`` is a GeoDataFrame/GeoSeries in a projected (metric) CRS.

    The one guard of the analysis layers: all geometry maths happens in metres (EPSG:31370)."""
    if not isinstance(frame, (gpd.GeoDataFrame, gpd.GeoSeries)):
        report.problem(f"{name} is a {type(frame).__name__}; expected a GeoDataFrame in {WORKING_CRS}")
        return
    if frame.crs is None:
        report.problem(f"{name} has no CRS; expected a projected CRS in metres ({WORKING_CRS}). "
                       f"Set it with `.set_crs(...)` and reproject with `.to_crs('{WORKING_CRS}')`")
    elif frame.crs.is_geographic:
        report.problem(f"{name} is in geographic coordinates (CRS is {frame.crs.to_string()}); expected a projected CRS "
                       f"in metres ({WORKING_CRS}). Reproject with `.to_crs('{WORKING_CRS}')`")


def check_ids(ids: pd.Series, report: Report, *, what: str = "id", known: set | None = None) -> None:
    """Empty, duplicate and (when ``known`` is given) unknown identifiers."""
    text = ids.astype("string").str.strip()
    empty = ids.isna() | text.eq("")
    if empty.any():
        report.problem(f"{int(empty.sum())} row(s) without a {what} (rows {_listing(ids.index[empty])})")
    dup = text[~empty & text.duplicated(keep=False)]
    if len(dup):
        report.problem(f"duplicate {what}s: {_listing(sorted(dup.unique()))}")
    if known is not None:
        unknown = sorted(set(text[~empty]) - set(known))
        if unknown:
            report.problem(f"unknown {what}s (not in the region): {_listing(unknown)}")


def check_counts(frame: pd.DataFrame, columns, report: Report, *, id_column: str | None = None) -> None:
    """Population-like columns must be present, numeric, non-missing and non-negative."""
    labels = frame[id_column] if id_column else frame.index.to_series()
    for column in columns:
        if column not in frame.columns:
            report.problem(f"missing column {column!r} (columns are {list(frame.columns)})")
            continue
        values = pd.to_numeric(frame[column], errors="coerce")
        bad = values.isna() & frame[column].notna()
        if bad.any():
            report.problem(f"{column}: non-numeric values for {_listing(labels[bad])}")
        if frame[column].isna().any():
            report.problem(f"{column}: missing values for {_listing(labels[frame[column].isna()])}")
        negative = values < 0
        if negative.any():
            report.problem(f"{column}: negative values for {_listing(labels[negative])}")


def repair_geometries(frame: gpd.GeoDataFrame, report: Report, *, id_column: str | None = None) -> gpd.GeoDataFrame:
    """Invalid polygons are repaired with ``make_valid`` and reported as notes; empty ones are problems."""
    labels = frame[id_column] if id_column else frame.index.to_series()
    geometry = frame.geometry
    empty = geometry.isna() | geometry.is_empty
    if empty.any():
        report.problem(f"{int(empty.sum())} empty or missing geometries: {_listing(labels[empty])}")
    invalid = ~empty & ~geometry.is_valid
    if invalid.any():
        reasons = [shapely.is_valid_reason(g) for g in geometry[invalid]]
        report.note(f"repaired {int(invalid.sum())} invalid geometries with make_valid: "
                    + _listing(f"{i} ({r})" for i, r in zip(labels[invalid], reasons)))
        frame = frame.copy()
        repaired = shapely.make_valid(geometry[invalid].to_numpy())
        # keep only the polygonal part so a unit stays a (Multi)Polygon
        repaired = [shapely.union_all([p for p in shapely.get_parts(g) if p.geom_type in ("Polygon", "MultiPolygon")]) for g in repaired]
        frame.loc[invalid, frame.geometry.name] = repaired
    return frame


def validate_units(frame: gpd.GeoDataFrame, *, subject: str, id_column: str = "unit_id",
                   population_columns=("pop_total",)) -> tuple[gpd.GeoDataFrame, Report]:
    """Units: CRS, ids, population columns and geometries; returns the repaired frame and the report."""
    report = Report(subject)
    check_crs(frame, report)
    if id_column not in frame.columns:
        report.problem(f"missing id column {id_column!r} (columns are {list(frame.columns)})")
        return frame, report
    check_ids(frame[id_column], report, what=id_column)
    check_counts(frame, population_columns, report, id_column=id_column)
    frame = repair_geometries(frame, report, id_column=id_column)
    return frame, report


def validate_points(frame: gpd.GeoDataFrame, *, subject: str, id_column: str, area=None,
                    buffer_m: float = 0.0) -> Report:
    """Points: CRS, ids, missing coordinates, and (with ``area``) points farther than ``buffer_m`` outside it."""
    report = Report(subject)
    check_crs(frame, report)
    check_ids(frame[id_column], report, what=id_column)
    geometry = frame.geometry
    missing = geometry.isna() | geometry.is_empty
    if missing.any():
        report.problem(f"{int(missing.sum())} point(s) without coordinates: {_listing(frame.loc[missing, id_column])}")
    if area is not None and frame.crs == WORKING_CRS:
        zone = shapely.buffer(area, buffer_m) if buffer_m else area
        outside = ~missing & ~geometry.intersects(zone)
        if outside.any():
            report.problem(f"{int(outside.sum())} point(s) more than {buffer_m / 1000:g} km outside the region: "
                           f"{_listing(frame.loc[outside, id_column])}")
    return report


def _swapped_inside(points: gpd.GeoSeries, zone) -> int:
    """How many points would fall inside ``zone`` with longitude and latitude swapped."""
    lonlat = points.to_crs(WEB_CRS)
    x, y = lonlat.x.to_numpy(), lonlat.y.to_numpy()
    ok = np.isfinite(x) & np.isfinite(y) & (np.abs(x) <= 90)
    if not ok.any():
        return 0
    swapped = gpd.GeoSeries(gpd.points_from_xy(y[ok], x[ok]), crs=WEB_CRS).to_crs(points.crs)
    return int(swapped.intersects(zone).sum())


def check_services_in_region(services, region_geometry, *, buffer_m: float = BORDER_BUFFER_M,
                             name: str = "services") -> list[str]:
    """Problems that make a services layer unusable for an analysis of the region: not a point layer, no rows,
    no CRS, or no point inside the region or within ``buffer_m`` of it (with a hint when longitude and latitude
    look swapped or the coordinates look like metres read as degrees). An empty list means usable.

    ``region_geometry`` is a shapely geometry in EPSG:31370 (e.g. ``bundle.boundaries("region").union_all()``).
    The CLI commands (access, gaps, site) call this on every services input before any work starts."""
    if not isinstance(services, (gpd.GeoDataFrame, gpd.GeoSeries)):
        return [f"{name} is a {type(services).__name__}; expected a GeoDataFrame of points"]
    if len(services) == 0:
        return [f"{name} has no rows; give a file with at least one service"]
    if services.crs is None:
        return [f"{name} has no CRS; give the CRS of its coordinates (e.g. EPSG:4326 for lon/lat, EPSG:31370 for metres)"]
    geometry = services.geometry if isinstance(services, gpd.GeoDataFrame) else services
    geometry = geometry.to_crs(WORKING_CRS) if geometry.crs != WORKING_CRS else geometry
    points = geometry[~(geometry.isna() | geometry.is_empty)]
    with np.errstate(invalid="ignore"):  # coordinates that do not fit the CRS become inf; they are dropped below
        points = points.where(points.geom_type == "Point", points.representative_point())
        points = points[np.isfinite(points.x.to_numpy()) & np.isfinite(points.y.to_numpy())]
    if not len(points):
        problem = f"{name}: none of the {len(services)} service(s) has usable coordinates"
        original = services.geometry if isinstance(services, gpd.GeoDataFrame) else services
        bounds = original.total_bounds
        if services.crs.is_geographic and np.isfinite(bounds).all() and np.abs(bounds).max() > 180:
            problem += (f" (values up to {np.abs(bounds).max():,.0f} are not degrees of {services.crs.to_string()}; "
                        "if they are metres, give their CRS, e.g. --crs EPSG:31370)")
        return [problem]
    zone = shapely.buffer(region_geometry, buffer_m) if buffer_m else region_geometry
    near = points.intersects(zone)
    if near.any():
        return []
    problem = (f"{name}: none of the {len(points)} service(s) lies inside the region or within {buffer_m / 1000:g} km of it "
               f"(they lie around x={points.x.median():,.0f}, y={points.y.median():,.0f} in {WORKING_CRS})")
    if _swapped_inside(points, zone) > len(points) / 2:
        problem += "; longitude and latitude look swapped: map the columns the other way round (e.g. --x lat --y lon)"
    elif services.crs is not None and services.crs.is_geographic:
        problem += "; if the coordinates are metres (e.g. Lambert 72), give their CRS (e.g. --crs EPSG:31370)"
    else:
        problem += "; check the CRS of the coordinates"
    return [problem]
