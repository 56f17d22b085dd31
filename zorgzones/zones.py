"""Zone plans: units assigned to zones, read and written as files.

Zone plans: an assignment of units to zones with names and a population band, read/written as CSV, XLSX or
GeoPackage.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from zorgzones.errors import Report, ValidationError
from zorgzones.fileio import atomic_write, excel_sheets, gpkg_layers, pick_sheet, read_gpkg_table, read_text_table, write_gpkg_layers
from zorgzones.settings import PLAN_SUFFIXES, LEVELS
from zorgzones.validation import check_projected

#: Id patterns of each level (used to recognise a plan written for another level).
LEVEL_PATTERNS = {
    "municipality": re.compile(r"^\d{5}$"),
    "deelgemeente": re.compile(r"^\d{5}(?:[A-Z]|-[A-Z0-9]+)$"),
    "neighbourhood": re.compile(r"^\d{7}$|^\d{5}_\w+$"),
}


@dataclass(eq=False)
class Plan:
    """An assignment of units (``unit_id``) to zones (``zone_id``), both strings, with zone names and plan metadata."""

    assignment: pd.Series
    zone_names: dict = field(default_factory=dict)
    name: str = "plan"
    level: str = "municipality"
    min_population: float | None = None
    max_population: float | None = None
    notes: str = ""
    #: "official" (a published plan), "reference" (province, arrondissement, care region: no band) or "" (a user's plan).
    kind: str = ""

    @classmethod
    def from_assignment(cls, data: pd.DataFrame | pd.Series, *, name: str = "plan", level: str | None = None,
                        zone_names: dict | None = None, min_population: float | None = None,
                        max_population: float | None = None, notes: str = "", subject: str | None = None) -> "Plan":
        """A plan from a block-assignment table (``unit_id, zone_id[, zone_name]``) or a Series unit_id -> zone_id.

        Every problem (missing columns, empty ids, units listed twice, zones with two names) is reported at once.
        """
        subject = subject or f"plan {name!r}"
        if isinstance(data, pd.Series):
            frame = pd.DataFrame({"unit_id": data.index.to_numpy(), "zone_id": data.to_numpy()})
        else:
            frame = data.reset_index() if "unit_id" not in data.columns and data.index.name == "unit_id" else data
        missing = [c for c in ("unit_id", "zone_id") if c not in frame.columns]
        if missing:
            raise ValidationError(subject, [f"missing column(s) {missing}; got {list(frame.columns)}. "
                                            "A plan table needs columns unit_id, zone_id and optionally zone_name."])
        problems = []
        units = _clean_ids(frame["unit_id"])
        zones = _clean_ids(frame["zone_id"])
        rows = np.arange(len(frame)) + 2  # spreadsheet row numbers (header = row 1)
        if (units == "").any():
            problems.append(f"empty unit_id on row(s) {rows[(units == '').to_numpy()].tolist()[:20]}; every row needs a unit id")
        if (zones == "").any():
            bad = units[(zones == "").to_numpy()].tolist()
            problems.append(f"empty zone_id for unit(s) {bad[:20]} (row(s) {rows[(zones == '').to_numpy()].tolist()[:20]}); "
                            "assign each unit to a zone or drop the row")
        dup = units[units.duplicated(keep=False) & (units != "")]
        if len(dup):
            detail = []
            for unit in dict.fromkeys(dup.tolist()):
                assigned = sorted(set(zones[(units == unit).to_numpy()]))
                detail.append(f"{unit} -> {', '.join(assigned)}")
            problems.append(f"{dup.nunique()} unit(s) listed more than once: {'; '.join(detail[:20])}. "
                            "Keep exactly one row per unit")
        names = dict(zone_names or {})
        if "zone_name" in frame.columns:
            table = pd.DataFrame({"zone_id": zones.to_numpy(), "zone_name": frame["zone_name"].astype(object).to_numpy()})
            table = table[(table["zone_id"] != "") & table["zone_name"].notna()]
            table["zone_name"] = table["zone_name"].astype(str).str.strip()
            conflicts = table.groupby("zone_id")["zone_name"].nunique()
            for zone in conflicts[conflicts > 1].index:
                problems.append(f"zone {zone} has several names {sorted(set(table.loc[table['zone_id'] == zone, 'zone_name']))}; "
                                "give each zone one name")
            for zone, zone_name in table.drop_duplicates("zone_id").itertuples(index=False):
                names.setdefault(zone, zone_name)
        guessed = guess_level(units[units != ""])
        if level is not None and level not in (*LEVELS, "mixed"):
            problems.append(f"level {level!r} is unknown; expected one of {[*LEVELS, 'mixed']}")
        elif level is not None and guessed not in (None, level, "mixed") and level != "mixed":
            problems.append(f"wrong level: the unit ids look like {guessed} codes (e.g. {units.iloc[0]!r}) "
                            f"but level {level!r} was asked; pass level={guessed!r} or a plan of {level} units")
        if problems:
            raise ValidationError(subject, problems)
        assignment = pd.Series(zones.to_numpy(), index=pd.Index(units.to_numpy(), name="unit_id"), name="zone_id", dtype=object)
        names = {z: names.get(z, z) for z in dict.fromkeys(assignment.tolist())}
        return cls(assignment, names, name, level or guessed or "municipality", min_population, max_population, notes)

    @classmethod
    def from_bundle(cls, bundle, plan_name: str = "elz") -> "Plan":
        """The plan ``plan_name`` of a region bundle (``bundle.plan_assignment`` + ``bundle.plan_info``)."""
        info = dict(bundle.plan_info(plan_name))
        # the plan's band; a reference geography has none (band None), never its own smallest/largest zone
        low, high = info["band"] or (None, None) if "band" in info else (info.get("min_population"), info.get("max_population"))
        plan = cls.from_assignment(bundle.plan_assignment(plan_name), name=info.get("name", plan_name),
                                   level=info.get("level"), min_population=low, max_population=high,
                                   notes=info.get("notes", ""))
        plan.kind = info.get("kind", "")
        return plan

    @property
    def zone_ids(self) -> list:
        return sorted(set(self.assignment.tolist()))

    def zone_name(self, zone_id) -> str:
        return self.zone_names.get(zone_id, zone_id)

    def with_assignment(self, assignment: pd.Series, *, zone_names: dict | None = None) -> "Plan":
        """A copy with another assignment (zone names kept for zones that remain, plus ``zone_names``)."""
        names = {**self.zone_names, **(zone_names or {})}
        assignment = assignment.astype(object).rename("zone_id").rename_axis("unit_id")
        return replace(self, assignment=assignment, zone_names={z: names.get(z, z) for z in dict.fromkeys(assignment.tolist())})

    def equals(self, other: "Plan") -> bool:
        """Same units in the same zones (metadata ignored)."""
        return self.assignment.sort_index().equals(other.assignment.sort_index())

    def to_frame(self) -> pd.DataFrame:
        """The block-assignment table ``unit_id, zone_id, zone_name``."""
        return pd.DataFrame({"unit_id": self.assignment.index.astype(object), "zone_id": self.assignment.to_numpy(dtype=object),
                             "zone_name": [self.zone_name(z) for z in self.assignment]})

    def info(self) -> dict:
        return {"name": self.name, "level": self.level, "min_population": self.min_population,
                "max_population": self.max_population, "notes": self.notes, "kind": self.kind, "zones": len(self.zone_ids),
                "units": int(self.assignment.size)}


def _clean_ids(values: pd.Series) -> pd.Series:
    """Ids as stripped strings; integers written by spreadsheets (1001.0) lose their float tail."""
    out = []
    for v in values.tolist():
        if v is None or (isinstance(v, float) and np.isnan(v)):
            out.append("")
        elif isinstance(v, float) and v.is_integer():
            out.append(str(int(v)))
        else:
            out.append(str(v).strip())
    return pd.Series(out, index=values.index, dtype=object)


def guess_level(unit_ids) -> str | None:
    """The level whose id pattern every id matches, ``"mixed"`` when several levels occur, ``None`` if unknown."""
    found = set()
    for unit in unit_ids:
        hits = [lvl for lvl, pattern in LEVEL_PATTERNS.items() if pattern.match(str(unit))]
        if not hits:
            return None
        found.add(hits[0])
    if not found:
        return None
    return found.pop() if len(found) == 1 else "mixed"


def require_projected(units: gpd.GeoDataFrame, subject: str = "units") -> None:
    """Raise unless ``units`` has a projected CRS (all geometry maths happens in EPSG:31370)."""
    report = Report(subject)
    check_projected(units, report, name=subject)
    report.raise_if_problems()

def read_plan(path, *, level: str | None = None, name: str | None = None, encoding: str | None = None,
              sheet: str | None = None, notes: list[str] | None = None) -> Plan:
    """Read a plan from CSV (delimiter and encoding sniffed, or ``encoding``), XLSX (sheet ``sheet``, else
    ``assignment``, else the one with unit_id/zone_id columns) or GeoPackage (table ``assignment``).

    Every failure (missing, empty, damaged or mis-encoded file) is a ValidationError naming the file."""
    path = Path(path)
    subject = f"plan file {path.name}"
    suffix = path.suffix.lower()
    if suffix not in PLAN_SUFFIXES:
        raise ValidationError(subject, [f"unsupported suffix {path.suffix or '(none)'!r}; expected one of {PLAN_SUFFIXES}"])
    meta = {}
    if suffix == ".csv":
        frame = read_text_table(path, subject=subject, encoding=encoding, notes=notes)
    elif suffix == ".xlsx":
        sheets = excel_sheets(path, subject=subject)
        frame = pick_sheet({k: v.rename(columns=str.lower) for k, v in sheets.items()}, path=path, subject=subject,
                           sheet=sheet, preferred=("assignment",), required=("unit_id", "zone_id"), notes=notes)
        info = {str(k).lower(): v for k, v in sheets.get("plan_info", pd.DataFrame()).items()}
        if {"key", "value"} <= set(info):
            meta = dict(zip(info["key"], info["value"]))
    else:
        layers = gpkg_layers(path, subject=subject)
        if "assignment" not in layers:
            raise ValidationError(subject, [f"no layer 'assignment' (layers: {layers}); write it with write_plan "
                                            "or export the plan as CSV with columns unit_id, zone_id"])
        frame = read_gpkg_table(path, "assignment", subject=subject)
        if "plan_info" in layers:
            info = read_gpkg_table(path, "plan_info", subject=subject)
            if {"key", "value"} <= set(info.columns):
                meta = dict(info[["key", "value"]].itertuples(index=False))
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    if len(frame) == 0:
        raise ValidationError(subject, [f"the plan table has columns {list(frame.columns)} but no rows; "
                                        "give one row per unit (unit_id, zone_id)"])
    if "level" in frame.columns and level is None:
        levels = set(frame["level"].dropna().astype(str)) - {""}
        level = levels.pop() if len(levels) == 1 else None

    def num(key):
        value = meta.get(key)
        try:
            return float(value) if value not in (None, "", "None", "nan") else None
        except (TypeError, ValueError):
            raise ValidationError(subject, [f"plan_info {key} is {value!r}, not a number; fix or delete that row"]) from None

    plan = Plan.from_assignment(frame, name=name or meta.get("name") or path.stem, level=level or meta.get("level") or None,
                                min_population=num("min_population"), max_population=num("max_population"),
                                notes=meta.get("notes") or "", subject=subject)
    plan.kind = str(meta.get("kind") or "") if str(meta.get("kind") or "") not in ("nan", "None") else ""
    return plan


def write_plan(plan: Plan, path, *, units: gpd.GeoDataFrame | None = None, keep_other_layers: bool = True) -> Path:
    """Write a plan as CSV, XLSX (sheets ``assignment`` + ``plan_info``) or GeoPackage (``zones`` dissolved when units are
    given, plus tables ``assignment`` and ``plan_info``); atomically (a temp file renamed into place). An existing
    GeoPackage keeps its other layers unless ``keep_other_layers=False``."""
    path = Path(path)
    table = plan.to_frame()
    info = pd.DataFrame({"key": list(plan.info()), "value": [("" if v is None else str(v)) for v in plan.info().values()]})
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return atomic_write(path, lambda tmp: table.to_csv(tmp, index=False))
    if suffix == ".xlsx":
        def write(tmp: Path) -> None:
            with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
                table.to_excel(writer, sheet_name="assignment", index=False)
                info.to_excel(writer, sheet_name="plan_info", index=False)
        return atomic_write(path, write)
    if suffix == ".gpkg":
        layers = {"zones": dissolve_zones(units, plan).reset_index()} if units is not None else {}
        return write_gpkg_layers(path, layers | {"assignment": table, "plan_info": info}, keep_other_layers=keep_other_layers)
    raise ValidationError(f"plan file {path}", [f"unsupported suffix {path.suffix!r}; expected one of {PLAN_SUFFIXES}"])


def dissolve_zones(units: gpd.GeoDataFrame, plan: Plan) -> gpd.GeoDataFrame:
    """One (Multi)Polygon per zone, indexed by ``zone_id``, with ``zone_name``, ``n_units`` and ``pop_total``."""
    require_projected(units)
    zone = plan.assignment.reindex(units.index)
    present = zone.notna().to_numpy()
    frame = gpd.GeoDataFrame({"zone_id": zone[present].to_numpy(dtype=object),
                              "pop_total": units["pop_total"].to_numpy()[present] if "pop_total" in units else 0,
                              "n_units": 1}, geometry=units.geometry.to_numpy()[present], crs=units.crs)
    out = frame.dissolve(by="zone_id", aggfunc={"pop_total": "sum", "n_units": "sum"})
    out.insert(0, "zone_name", [plan.zone_name(z) for z in out.index])
    out.index = out.index.astype(object)
    return out


def load_plan(bundle, source: str, *, level: str | None = None) -> Plan:
    """A plan by bundle name (``elz``) or from a plan file (.csv/.xlsx/.gpkg); every command resolves ``--plan`` here."""
    path = Path(source)
    if path.suffix.lower() in PLAN_SUFFIXES or path.exists():
        return read_plan(path, level=level)
    if source not in bundle.plan_names():
        raise ValidationError("--plan", [f"{source!r} is neither a plan file nor a plan of the bundle "
                                         f"({', '.join(bundle.plan_names()) or 'none'})"])
    plan = Plan.from_bundle(bundle, source)
    if level is not None and plan.level not in (level, "mixed"):
        raise ValidationError(f"plan {source!r}", [f"wrong level: the bundle plan is at level {plan.level!r} but level "
                                                   f"{level!r} was asked; drop --level or pick a plan of {level} units"])
    return plan


def refine_plan(plan: Plan, parent: pd.Series, *, level: str) -> Plan:
    """The plan on finer units: each unit of ``parent`` (fine id -> coarse id) takes its parent's zone."""
    zone = parent.astype(str).map(plan.assignment).dropna()
    return replace(plan.with_assignment(zone.rename_axis("unit_id")), level=level,
                   notes=(plan.notes + " " if plan.notes else "") + f"mapped from {plan.level} onto {level} units")
