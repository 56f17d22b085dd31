"""Empty services lists per service type to fill in; remembered column maps."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from .errors import ValidationError
from .settings import SERVICE_TYPES, TARGET_PRESETS, service_type_defaults

#: Coordinate columns of a template: longitude/latitude (WGS84) or x/y in Belgian Lambert 72.
COORDINATES = {"lonlat": ("lon", "lat", "EPSG:4326"), "xy": ("x", "y", "EPSG:31370")}
#: File beside the data directory's bundle that remembers the column mapping of users' services files.
MAPPING_FILE = "column_mappings.json"


def template_columns(service_type: str, *, coordinates: str = "lonlat") -> list[str]:
    """Columns of the template of ``service_type``: the ones ``zorgzones data check`` recognises without a mapping."""
    if coordinates not in COORDINATES:
        raise ValidationError("template", [f"coordinates {coordinates!r} unknown; choose one of {sorted(COORDINATES)}"])
    x, y, _ = COORDINATES[coordinates]
    return ["service_id", "name", "service_type", x, y, "capacity", "capacity_unit", "address", "postcode", "city"]


def service_template(service_type: str, *, coordinates: str = "lonlat") -> tuple[pd.DataFrame, pd.DataFrame]:
    """An empty services table for ``service_type`` and a sheet explaining each column (with the capacity unit,
    target population, threshold and planning rule of settings.SERVICE_TYPES)."""
    defaults = service_type_defaults(service_type)
    x, y, crs = COORDINATES[coordinates] if coordinates in COORDINATES else (None, None, None)
    columns = template_columns(service_type, coordinates=coordinates)
    target = " + ".join(f"{w:g} x {c}" for c, w in TARGET_PRESETS.get(defaults.target, {}).items()) or defaults.target
    unit = defaults.capacity_unit
    explain = [
        ("service_id", "Unique code per service (optional; rows are numbered otherwise)", "WZC-0001"),
        ("name", "Name of the service (required)", "Woonzorgcentrum De Linde"),
        ("service_type", f"Service type; keep {service_type!r} for this template", service_type),
        (x, f"{'Longitude (WGS84, decimal degrees)' if coordinates == 'lonlat' else 'X in Belgian Lambert 72 (metres)'}; "
            f"CRS {crs}", "4.4025" if coordinates == "lonlat" else "152000"),
        (y, f"{'Latitude (WGS84, decimal degrees)' if coordinates == 'lonlat' else 'Y in Belgian Lambert 72 (metres)'}; "
            f"CRS {crs}", "51.2194" if coordinates == "lonlat" else "212000"),
        ("capacity", f"Capacity in {unit} ({'each service counts 1' if unit == 'site' else 'a number'}; empty counts as 1)",
         "1" if unit == "site" else "90"),
        ("capacity_unit", f"Unit of capacity: {unit} (for information)", unit),
        ("address", "Street and number (optional)", "Lindelaan 1"),
        ("postcode", "Postcode (optional)", "2000"),
        ("city", "Municipality (optional)", "Antwerpen"),
    ]
    info = pd.DataFrame(explain, columns=["column", "meaning", "example"])
    about = pd.DataFrame([
        ("", f"Service type {service_type}: target population {target}; threshold {defaults.max_minutes:g} min by "
             f"{defaults.mode}" + (f"; planning rule {defaults.population_per_capacity:g} inhabitants per {unit} "
                                   f"({defaults.norm_source})" if defaults.population_per_capacity else "")
             + ("" if service_type in SERVICE_TYPES else " (not a known type: default settings apply)"), ""),
        ("", f"Check the filled-in file with: zorgzones data check FILE{' --crs EPSG:31370' if coordinates == 'xy' else ''}", ""),
    ], columns=["column", "meaning", "example"])
    return pd.DataFrame(columns=columns), pd.concat([info, about], ignore_index=True)


def write_service_template(service_type: str, path: str | os.PathLike, *, coordinates: str = "lonlat") -> Path:
    """Write the template as XLSX (sheets ``services`` + ``instructions``) or CSV (header only; the instructions
    go to ``<name>.instructions.csv`` beside it)."""
    path = Path(path)
    table, info = service_template(service_type, coordinates=coordinates)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        with pd.ExcelWriter(path, engine="openpyxl") as writer:
            table.to_excel(writer, sheet_name="services", index=False)
            info.to_excel(writer, sheet_name="instructions", index=False)
    elif suffix == ".csv":
        table.to_csv(path, index=False)
        info.to_csv(path.with_suffix(".instructions.csv"), index=False)
    else:
        raise ValidationError("template", [f"unsupported suffix {path.suffix!r}; write the template as .xlsx or .csv"])
    return path


def _signature(columns) -> str:
    return "|".join(sorted(str(c) for c in columns))


def remember_mapping(data_dir: str | os.PathLike, columns, mapping: dict[str, str]) -> Path:
    """Store ``mapping`` (``id, name, type, capacity, x, y`` -> file column) for files with these ``columns``."""
    path = Path(data_dir) / MAPPING_FILE
    stored = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    stored[_signature(columns)] = dict(mapping)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(stored, indent=1, ensure_ascii=False), encoding="utf-8")
    return path


def recall_mapping(data_dir: str | os.PathLike, columns) -> dict[str, str]:
    """The mapping remembered for a file with exactly these ``columns`` ({} when none)."""
    path = Path(data_dir) / MAPPING_FILE
    if not path.is_file():
        return {}
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return {}
    return dict(stored.get(_signature(columns), {}))
