"""Named zone-plan scenarios in a local SQLite store.

Named zone-plan scenarios kept in a local SQLite store in the data directory (JSON columns, no pickle),
surviving restarts.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from pathlib import Path

import pandas as pd

from . import settings
from .errors import DataError, ValidationError
from .zones import Plan

STORE_FILE = "scenarios.sqlite"
MAX_NAME_LENGTH = 120
_SCHEMA = """
CREATE TABLE IF NOT EXISTS scenarios (
    name TEXT PRIMARY KEY,
    region TEXT NOT NULL DEFAULT '',
    level TEXT NOT NULL,
    min_population REAL,
    max_population REAL,
    notes TEXT NOT NULL DEFAULT '',
    zones INTEGER NOT NULL,
    units INTEGER NOT NULL,
    assignment TEXT NOT NULL,
    zone_names TEXT NOT NULL,
    saved_at TEXT NOT NULL
)
"""


def store_path(data_dir: str | os.PathLike | None = None) -> Path:
    """The SQLite file of the store: ``<data dir>/scenarios.sqlite``."""
    return settings.data_dir(data_dir) / STORE_FILE


def _connect(data_dir) -> sqlite3.Connection:
    path = store_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path)
    connection.execute(_SCHEMA)
    return connection


def _check_name(name) -> str:
    clean = name.strip() if isinstance(name, str) else ""
    problems = []
    if not clean:
        problems.append(f"scenario name {name!r} is empty; give the scenario a name (e.g. 'variant A')")
    elif len(clean) > MAX_NAME_LENGTH:
        problems.append(f"scenario name has {len(clean)} characters; use at most {MAX_NAME_LENGTH}")
    if problems:
        raise ValidationError("scenario name", problems)
    return clean


def save_plan(plan: Plan, name: str, *, region: str = "", data_dir: str | os.PathLike | None = None,
              overwrite: bool = True) -> str:
    """Store ``plan`` under ``name`` (stripped); an existing scenario of that name is replaced unless ``overwrite=False``.

    Returns the stored name. ``region`` (e.g. the bundle title) lets :func:`list_plans` show only matching scenarios.
    """
    name = _check_name(name)
    assignment = {str(u): str(z) for u, z in plan.assignment.items()}
    names = {str(z): str(plan.zone_name(z)) for z in plan.zone_ids}
    row = (name, region, plan.level, plan.min_population, plan.max_population, plan.notes or "", len(plan.zone_ids),
           len(assignment), json.dumps(assignment), json.dumps(names), dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"))
    with _connect(data_dir) as connection:
        if not overwrite and connection.execute("SELECT 1 FROM scenarios WHERE name = ?", (name,)).fetchone():
            raise ValidationError("scenario name", [f"a scenario named {name!r} exists already; choose another name or "
                                                    "allow overwriting"])
        connection.execute("INSERT OR REPLACE INTO scenarios VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
    connection.close()
    return name


def list_plans(*, region: str | None = None, data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """Stored scenarios (name, region, level, zones, units, min/max population, saved_at), newest first."""
    columns = ["name", "region", "level", "zones", "units", "min_population", "max_population", "saved_at"]
    if not store_path(data_dir).is_file():
        return pd.DataFrame(columns=columns)
    query = f"SELECT {', '.join(columns)} FROM scenarios"
    params: tuple = ()
    if region is not None:
        query += " WHERE region = ?"
        params = (region,)
    with _connect(data_dir) as connection:
        rows = connection.execute(query + " ORDER BY saved_at DESC, name", params).fetchall()
    connection.close()
    return pd.DataFrame(rows, columns=columns)


def load_plan(name: str, *, data_dir: str | os.PathLike | None = None) -> Plan:
    """The scenario ``name`` as a Plan (checked like any plan table); DataError when there is no such scenario."""
    name = _check_name(name)
    row = None
    if store_path(data_dir).is_file():
        with _connect(data_dir) as connection:
            row = connection.execute("SELECT level, min_population, max_population, notes, assignment, zone_names "
                                     "FROM scenarios WHERE name = ?", (name,)).fetchone()
        connection.close()
    if row is None:
        known = list_plans(data_dir=data_dir)["name"].tolist()
        raise DataError(f"no scenario named {name!r} in {store_path(data_dir)}; stored: {', '.join(known) or 'none'}")
    level, low, high, notes, assignment, zone_names = row
    table = pd.Series(json.loads(assignment), dtype=object)
    return Plan.from_assignment(table.rename_axis("unit_id"), name=name, level=level, zone_names=json.loads(zone_names),
                                min_population=low, max_population=high, notes=notes, subject=f"scenario {name!r}")


def delete_plan(name: str, *, data_dir: str | os.PathLike | None = None) -> bool:
    """Remove the scenario ``name``; True when it existed."""
    name = _check_name(name)
    if not store_path(data_dir).is_file():
        return False
    with _connect(data_dir) as connection:
        removed = connection.execute("DELETE FROM scenarios WHERE name = ?", (name,)).rowcount
    connection.close()
    return bool(removed)
