"""Readers for users' own files, with column mapping and every problem.

Readers for users' own files (a services list from a social map): column mapping and the full problem list.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj

from .errors import Report, ValidationError
from .fileio import EXCEL_SUFFIXES, TEXT_SUFFIXES, excel_sheets, pick_sheet, read_text_table, read_vector_file
from .settings import BORDER_BUFFER_M, WORKING_CRS
from .validation import _listing, check_ids, check_services_in_region, validate_points

#: Column names tried, in order, when the user gives no mapping.
GUESSES = {
    "id": ("service_id", "id", "ID", "code"),
    "name": ("name", "naam", "Name", "Naam"),
    "type": ("service_type", "type", "soort", "Type"),
    "capacity": ("capacity", "capaciteit", "beds", "bedden", "places", "plaatsen"),
    "x": ("x", "X", "lon", "longitude", "lng", "lengtegraad"),
    "y": ("y", "Y", "lat", "latitude", "breedtegraad"),
}
VECTOR_SUFFIXES = {".gpkg", ".geojson", ".json", ".shp", ".fgb"}
MAX_UPLOAD_BYTES = 50 * 1024 * 1024


def read_user_table(path: str | Path, report: Report, *, encoding: str | None = None,
                    sheet: str | None = None) -> pd.DataFrame | None:
    """A CSV/XLSX/vector file as a frame; problems (size, encoding, format, sheet) go into ``report``."""
    path = Path(path)
    if path.is_file() and path.stat().st_size > MAX_UPLOAD_BYTES:
        report.problem(f"file is {path.stat().st_size / 1e6:.0f} MB; the limit is {MAX_UPLOAD_BYTES / 1e6:.0f} MB")
        return None
    suffix = path.suffix.lower()
    try:
        if suffix in VECTOR_SUFFIXES:
            return read_vector_file(path, subject=report.subject)
        if suffix in EXCEL_SUFFIXES:
            sheets = excel_sheets(path, subject=report.subject)
            columns = {key: [g.lower() for g in guesses] for key, guesses in GUESSES.items()}
            fitting = {name: frame for name, frame in sheets.items()
                       if any(c.lower() in columns["x"] for c in map(str, frame.columns))
                       and any(c.lower() in columns["y"] for c in map(str, frame.columns))}
            return pick_sheet(sheets, path=path, subject=report.subject, sheet=sheet,
                              preferred=tuple(fitting) if len(fitting) == 1 else (), notes=report.notes)
        if suffix in TEXT_SUFFIXES:
            frame = read_text_table(path, subject=report.subject, encoding=encoding, notes=report.notes)
            return frame.replace({"": None})
    except ValidationError as exc:
        report.problems.extend(exc.problems)
        return None
    if suffix == ".xls":
        report.problem(f"{path.name} is an old Excel .xls workbook; save it as .xlsx or export the sheet as CSV")
        return None
    report.problem(f"unsupported file type {suffix or '(none)'!r}; use CSV, XLSX, GeoPackage, GeoJSON or a shapefile")
    return None


def _resolve_columns(frame: pd.DataFrame, columns: dict[str, str], report: Report, *, needs_xy: bool) -> dict[str, str]:
    resolved = {}
    for key, guesses in GUESSES.items():
        if key in columns:
            if columns[key] not in frame.columns:
                report.problem(f"column {columns[key]!r} (given for {key}) is not in the file; columns are {list(frame.columns)}")
            else:
                resolved[key] = columns[key]
            continue
        found = next((g for g in guesses if g in frame.columns), None)
        if found:
            resolved[key] = found
        elif key in ("x", "y") and needs_xy:
            report.problem(f"no {key} coordinate column found (tried {', '.join(guesses)}); map it explicitly")
        elif key == "name":
            report.problem(f"no name column found (tried {', '.join(guesses)}); map it explicitly")
    return resolved


def read_services_file(path: str | Path, *, columns: dict[str, str] | None = None, crs: str | None = None,
                       encoding: str | None = None, service_type: str | None = None, sheet: str | None = None,
                       region=None, buffer_m: float = BORDER_BUFFER_M) -> tuple[gpd.GeoDataFrame, Report]:
    """A user's services list as bundle-shaped services (EPSG:31370) plus a report with every problem.

    ``columns`` maps ``id, name, type, capacity, x, y`` to the file's column names; unmapped ones are
    guessed from common names. Nothing is dropped silently: rows with problems are listed.
    """
    path = Path(path)
    report = Report(path.name)
    empty = gpd.GeoDataFrame({"service_type": [], "name": [], "capacity": []}, geometry=[], crs=WORKING_CRS)
    frame = read_user_table(path, report, encoding=encoding, sheet=sheet)
    if frame is None:
        return empty, report
    if len(frame) == 0:
        report.problem(f"{path.name} has a header but no rows; give at least one service")
        return empty, report
    if crs is not None:
        try:
            pyproj.CRS.from_user_input(crs)
        except pyproj.exceptions.CRSError:
            report.problem(f"--crs {crs!r} is not a known CRS; use e.g. EPSG:4326 (lon/lat) or EPSG:31370 (Lambert 72 metres)")
            return empty, report
    is_vector = isinstance(frame, gpd.GeoDataFrame)
    mapping = _resolve_columns(frame, columns or {}, report, needs_xy=not is_vector)
    if not report.ok:
        return empty, report
    rows = pd.Series([f"row {i + 2}" for i in range(len(frame))], index=frame.index)
    if is_vector:
        if frame.crs is None:
            report.problem("the layer has no CRS; add it (e.g. a .prj file) or re-export the file with its CRS")
            return empty, report
        geometry = frame.geometry.to_crs(WORKING_CRS)
        if not (geometry.geom_type.isin(["Point"]) | geometry.isna()).all():
            report.problem("the layer holds non-point geometries; services must be points")
            return empty, report
    else:
        x = pd.to_numeric(frame[mapping["x"]].astype("string").str.replace(",", ".", regex=False), errors="coerce")
        y = pd.to_numeric(frame[mapping["y"]].astype("string").str.replace(",", ".", regex=False), errors="coerce")
        bad = x.isna() | y.isna()
        if bad.any():
            report.problem(f"{int(bad.sum())} row(s) without numeric coordinates: {_listing(rows[bad])}")
        source_crs = crs or ("EPSG:4326" if x[~bad].abs().le(180).all() and y[~bad].abs().le(90).all() else None)
        if source_crs is None:
            report.problem("coordinates are not longitude/latitude; give their CRS (e.g. --crs EPSG:31370)")
            return empty, report
        geometry = gpd.GeoSeries(gpd.points_from_xy(x, y), crs=source_crs, index=frame.index).to_crs(WORKING_CRS)
        geometry[bad] = None
    ids = frame[mapping["id"]].astype("string") if "id" in mapping else pd.Series([f"upload:{i + 1}" for i in range(len(frame))], index=frame.index)
    capacity = pd.Series(1.0, index=frame.index)
    if "capacity" in mapping:
        capacity = pd.to_numeric(frame[mapping["capacity"]], errors="coerce")
        bad = capacity.isna() & frame[mapping["capacity"]].notna()
        if bad.any():
            report.problem(f"capacity is not a number in {_listing(rows[bad])}")
        if (capacity < 0).any():
            report.problem(f"negative capacity in {_listing(rows[capacity < 0])}")
        blank = frame[mapping["capacity"]].isna()
        if blank.any():
            report.note(f"{int(blank.sum())} service(s) without capacity count as 1: {_listing(rows[blank])}")
        capacity = capacity.fillna(1.0)
    types = frame[mapping["type"]].astype("string") if "type" in mapping else pd.Series(service_type or "upload", index=frame.index)
    services = gpd.GeoDataFrame({
        "service_id": ids.astype(object).to_numpy(),
        "service_type": types.astype(object).to_numpy(),
        "name": frame[mapping["name"]].astype("string").astype(object).to_numpy(),
        "capacity": capacity.astype(float).to_numpy(),
        "active": True,
        "status": "ACTIVE",
    }, geometry=geometry.to_numpy(), crs=WORKING_CRS)
    check_ids(services["service_id"], report, what="service id") if "id" in mapping else None
    points = validate_points(services.assign(service_id=rows.to_numpy()), subject=path.name, id_column="service_id",
                             area=region, buffer_m=buffer_m)
    unusable = check_services_in_region(services, region, buffer_m=buffer_m, name=path.name) if region is not None else []
    report.problems.extend(p for p in points.problems if "without coordinates" not in p and not (unusable and "outside the region" in p))
    report.problems.extend(unusable)
    services["inside_region"] = services.geometry.intersects(region) if region is not None else np.nan
    return services.set_index("service_id"), report
