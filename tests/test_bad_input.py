"""Hostile inputs to the data, plan and export commands: a clear message and exit 2, never a traceback or a lost file.

Each case builds its broken files in a fresh folder and returns the command line; ``benchmarks/bad_input_census.py``
runs the same cases against any checkout and counts clean / traceback / silently wrong / lost outcomes.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import stat
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box


@dataclass
class Case:
    """A command line, the text its message must contain (case-insensitive), the exit code(s) expected and an
    optional check of the files afterwards (returns a problem or None)."""

    argv: list[str]
    expect: tuple[str, ...] = ()
    codes: tuple[int, ...] = (2,)
    check: Callable[[], str | None] | None = None
    stdin_first_line: str | None = None


CASES: dict[str, Callable[[Path, Path], Case]] = {}


def case(name: str):
    def register(builder):
        CASES[name] = builder
        return builder
    return register


# -- helpers that build broken files -----------------------------------------------------------------------------
def services_csv(tmp: Path, rows: list[tuple], *, name="services.csv", header=("name", "lon", "lat"), sep=",",
                 encoding="utf-8") -> Path:
    path = tmp / name
    text = sep.join(header) + "\n" + "\n".join(sep.join(map(str, r)) for r in rows) + "\n"
    path.write_bytes(text.encode(encoding))
    return path


GOOD_ROWS = [("Apotheek Zuid", 4.40, 51.21), ("Apotheek Noord", 3.72, 51.05), ("Pharmacie Ixelles", 4.37, 50.83)]


def check(path: Path, data: Path, *extra) -> list[str]:
    return ["data", "check", str(path), "--data-dir", str(data), *extra]


def plan_frame(data: Path, name: str = "elz") -> pd.DataFrame:
    from zorgzones.region import load_bundle

    return load_bundle(data, allow_demo=False).plan_assignment(name)


def damaged_copy(data: Path, tmp: Path, *, with_cache: bool = False) -> Path:
    """A copy of the data directory (bundle, and cache when asked) that a case may break."""
    copy = tmp / "data"
    shutil.copytree(data / "bundle", copy / "bundle")
    if with_cache:
        shutil.copytree(data / "cache", copy / "cache")
    return copy


def truncate(path: Path, keep: int) -> None:
    raw = path.read_bytes()
    path.write_bytes(raw[:keep])


def small_units(tmp: Path, name: str = "units.gpkg", **changes) -> Path:
    """A 4 x 4 grid of 1 km units with 1,000 inhabitants each (EPSG:31370)."""
    cells = [box(x * 1000, y * 1000, (x + 1) * 1000, (y + 1) * 1000) for x in range(4) for y in range(4)]
    frame = gpd.GeoDataFrame({"unit_id": [f"{10001 + i}" for i in range(16)], "pop_total": 1000}, geometry=cells,
                             crs="EPSG:31370")
    for column, value in changes.items():
        frame[column] = value
    path = tmp / name
    frame.to_file(path, engine="pyogrio")
    return path


def gpkg_without_layers(path: Path) -> Path:
    gpd.GeoDataFrame({"a": [1]}, geometry=[Point(0, 0)], crs="EPSG:31370").to_file(path, layer="gone", engine="pyogrio")
    with sqlite3.connect(path) as db:
        db.execute("DELETE FROM gpkg_contents")
        db.execute("DELETE FROM gpkg_geometry_columns")
        db.execute('DROP TABLE "gone"')
    return path


def write_xlsx(path: Path, sheets: dict[str, pd.DataFrame]) -> Path:
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name, index=False)
    return path


# -- data directory and bundle ------------------------------------------------------------------------------------
@case("data-dir-does-not-exist")
def _(tmp, data):
    return Case(["data", "info", "--data-dir", str(tmp / "dat")], ("does not exist", "--demo"))


@case("data-dir-empty")
def _(tmp, data):
    return Case(["data", "info", "--data-dir", str(tmp)], ("no region bundle", "--demo"))


@case("plan-on-mistyped-data-dir")
def _(tmp, data):
    return Case(["plan", "validate", "elz", "--data-dir", str(tmp / "typo")], ("does not exist",))


@case("export-on-mistyped-data-dir")
def _(tmp, data):
    return Case(["export", "data", "-o", str(tmp / "x.gpkg"), "--data-dir", str(tmp / "typo")], ("does not exist",),
                check=lambda: "x.gpkg written" if (tmp / "x.gpkg").exists() else None)


@case("bundle-truncated-layer-info")
def _(tmp, data):
    d = damaged_copy(data, tmp)
    truncate(d / "bundle" / "units_municipality.parquet", 1000)
    return Case(["data", "info", "--data-dir", str(d)], ("damaged", "units_municipality", "--repair"))


@case("bundle-broken-manifest")
def _(tmp, data):
    d = damaged_copy(data, tmp)
    (d / "bundle" / "manifest.json").write_text('{"bundle_version": 2, "plans": {', encoding="utf-8")
    return Case(["data", "info", "--data-dir", str(d)], ("damaged", "manifest.json", "--repair"))


@case("bundle-missing-layer")
def _(tmp, data):
    d = damaged_copy(data, tmp)
    (d / "bundle" / "services.parquet").unlink()
    return Case(["data", "info", "--data-dir", str(d)], ("damaged", "services.parquet"))


@case("bundle-truncated-layer-plan")
def _(tmp, data):
    d = damaged_copy(data, tmp)
    truncate(d / "bundle" / "units_municipality.parquet", 5000)
    return Case(["plan", "metrics", "elz", "--data-dir", str(d)], ("damaged", "--repair"))


@case("bundle-truncated-layer-export")
def _(tmp, data):
    d = damaged_copy(data, tmp)
    truncate(d / "bundle" / "services.parquet", 100)
    return Case(["export", "data", "-o", str(tmp / "x.csv"), "--data-dir", str(d)], ("damaged",))


@case("bundle-flipped-byte-check")
def _(tmp, data):
    d = damaged_copy(data, tmp)
    layer = d / "bundle" / "plans.parquet"
    raw = bytearray(layer.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    layer.write_bytes(bytes(raw))
    return Case(["data", "info", "--data-dir", str(d)], ("damaged", "sha256", "plans.parquet"))


@case("bundle-damaged-fetch-repairs")
def _(tmp, data):
    d = damaged_copy(data, tmp, with_cache=True)
    truncate(d / "bundle" / "units_neighbourhood.parquet", 2000)
    mirror = Path(os.environ.get("ZORGZONES_SHARED_GEODATA", Path(__file__).resolve().parents[2] / "shared" / "geodata")) / "mirror"

    def intact():
        from zorgzones.region import load_bundle

        try:
            return None if len(load_bundle(d, allow_demo=False).units("neighbourhood")) else "no units after repair"
        except Exception as exc:  # noqa: BLE001 - the census records what went wrong
            return f"bundle still damaged after fetch: {type(exc).__name__}"
    return Case(["data", "fetch", "--mirror", str(mirror), "--data-dir", str(d), "--quiet"], ("bundle built",),
                codes=(0,), check=intact)


@case("demo-seed-negative")
def _(tmp, data):
    return Case(["data", "demo", "--data-dir", str(tmp), "--seed", "-1"], ("--seed",))


@case("demo-seed-not-a-number")
def _(tmp, data):
    return Case(["data", "demo", "--data-dir", str(tmp), "--seed", "abc"], ("--seed",))


# -- services files (data check) -----------------------------------------------------------------------------------
@case("services-zero-bytes")
def _(tmp, data):
    (tmp / "s.csv").write_bytes(b"")
    return Case(check(tmp / "s.csv", data), ("empty",))


@case("services-random-bytes")
def _(tmp, data):
    (tmp / "s.csv").write_bytes(np.random.default_rng(1).bytes(3000))
    return Case(check(tmp / "s.csv", data), ("s.csv",))


@case("services-utf16-with-bom-is-read")
def _(tmp, data):
    return Case(check(services_csv(tmp, GOOD_ROWS, encoding="utf-16"), data), ("3 service(s) read",), codes=(0,))


@case("services-latin1-is-read-and-said")
def _(tmp, data):
    rows = [("Apotheek Ré", 4.40, 51.21), ("Pharmacie Élysée", 4.37, 50.83)]
    return Case(check(services_csv(tmp, rows, encoding="latin-1"), data), ("2 service(s) read", "not utf-8"), codes=(0,))


@case("services-wrong-explicit-encoding")
def _(tmp, data):
    rows = [("Apotheek Ré", 4.40, 51.21)]
    return Case(check(services_csv(tmp, rows, encoding="latin-1"), data, "--encoding", "utf-8"), ("not valid utf-8",))


@case("services-unknown-encoding")
def _(tmp, data):
    return Case(check(services_csv(tmp, GOOD_ROWS), data, "--encoding", "klingon"), ("klingon",))


@case("services-lon-lat-swapped")
def _(tmp, data):
    rows = [(n, lat, lon) for n, lon, lat in GOOD_ROWS]
    return Case(check(services_csv(tmp, rows), data), ("swapped",))


@case("services-all-abroad")
def _(tmp, data):
    rows = [("Pharmacie Paris", 2.35, 48.86), ("Apotheke Köln", 6.96, 50.94), ("Apotheek Utrecht", 5.12, 52.09)]
    return Case(check(services_csv(tmp, rows), data), ("none of the 3",))


@case("services-metres-without-crs")
def _(tmp, data):
    rows = [("Apotheek Zuid", 152_000, 212_000), ("Apotheek Noord", 105_000, 193_000)]
    return Case(check(services_csv(tmp, rows, header=("name", "x", "y")), data), ("crs",))


@case("services-swapped-with-declared-crs")
def _(tmp, data):
    rows = [("A", 51.2, 4.4), ("B", 51.05, 3.72)]
    return Case(check(services_csv(tmp, rows, header=("name", "x", "y")), data, "--crs", "EPSG:4326"), ("swapped",))


@case("services-header-only")
def _(tmp, data):
    return Case(check(services_csv(tmp, []), data), ("no rows",))


@case("services-no-coordinate-columns")
def _(tmp, data):
    rows = [("A", "Kerkstraat 1"), ("B", "Markt 2")]
    return Case(check(services_csv(tmp, rows, header=("name", "address")), data), ("coordinate",))


@case("services-semicolon-decimal-comma-is-read")
def _(tmp, data):
    rows = [(n, str(lon).replace(".", ","), str(lat).replace(".", ",")) for n, lon, lat in GOOD_ROWS]
    return Case(check(services_csv(tmp, rows, sep=";"), data), ("3 service(s) read",), codes=(0,))


@case("services-xlsx-second-sheet-is-read")
def _(tmp, data):
    path = write_xlsx(tmp / "s.xlsx", {"Uitleg": pd.DataFrame({"tekst": ["zie blad 2"]}),
                                       "Apotheken": pd.DataFrame(GOOD_ROWS, columns=["name", "lon", "lat"])})
    return Case(check(path, data), ("3 service(s) read",), codes=(0,))


@case("services-xlsx-unknown-sheet")
def _(tmp, data):
    path = write_xlsx(tmp / "s.xlsx", {"Apotheken": pd.DataFrame(GOOD_ROWS, columns=["name", "lon", "lat"])})
    return Case(check(path, data, "--sheet", "Blad9"), ("--sheet", "Apotheken"))


@case("services-xlsx-random-bytes")
def _(tmp, data):
    (tmp / "s.xlsx").write_bytes(np.random.default_rng(2).bytes(5000))
    return Case(check(tmp / "s.xlsx", data), ("not an xlsx",))


@case("services-xlsx-damaged-zip")
def _(tmp, data):
    with zipfile.ZipFile(tmp / "s.xlsx", "w") as archive:
        archive.writestr("[Content_Types].xml", "<nonsense")
    return Case(check(tmp / "s.xlsx", data), ("damaged",))


@case("services-old-xls")
def _(tmp, data):
    (tmp / "s.xls").write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 100)
    return Case(check(tmp / "s.xls", data), (".xlsx",))


@case("services-wrong-extension")
def _(tmp, data):
    (tmp / "s.docx").write_bytes(b"PK\x03\x04")
    return Case(check(tmp / "s.docx", data), ("unsupported",))


@case("services-gpkg-zero-bytes")
def _(tmp, data):
    (tmp / "s.gpkg").write_bytes(b"")
    return Case(check(tmp / "s.gpkg", data), ("empty",))


@case("services-geojson-not-json")
def _(tmp, data):
    (tmp / "s.geojson").write_text("this is not json {", encoding="utf-8")
    return Case(check(tmp / "s.geojson", data), ("s.geojson",))


@case("services-bogus-crs")
def _(tmp, data):
    return Case(check(services_csv(tmp, GOOD_ROWS), data, "--crs", "EPSG:999999"), ("--crs",))


@case("services-duplicate-ids")
def _(tmp, data):
    rows = [("1", n, lon, lat) for n, lon, lat in GOOD_ROWS]
    return Case(check(services_csv(tmp, rows, header=("id", "name", "lon", "lat")), data), ("duplicate",))


@case("services-negative-capacity")
def _(tmp, data):
    rows = [(n, lon, lat, -5) for n, lon, lat in GOOD_ROWS]
    return Case(check(services_csv(tmp, rows, header=("name", "lon", "lat", "capacity")), data), ("negative",))


@case("services-huge-coordinates")
def _(tmp, data):
    rows = [("A", "1e308", "1e308"), ("B", "inf", "-inf")]
    return Case(check(services_csv(tmp, rows, header=("name", "x", "y")), data), ("services.csv",))


@case("services-missing-file")
def _(tmp, data):
    return Case(check(tmp / "nope.csv", data), ("not found",))


@case("services-path-is-folder")
def _(tmp, data):
    (tmp / "folder.csv").mkdir()
    return Case(check(tmp / "folder.csv", data), ("folder",))


# -- plan files -------------------------------------------------------------------------------------------------
def validate(path, data, *extra) -> list[str]:
    return ["plan", "validate", str(path), "--data-dir", str(data), *extra]


@case("plan-zero-bytes-csv")
def _(tmp, data):
    (tmp / "p.csv").write_bytes(b"")
    return Case(validate(tmp / "p.csv", data), ("empty",))


@case("plan-random-bytes-csv")
def _(tmp, data):
    (tmp / "p.csv").write_bytes(np.random.default_rng(3).bytes(4000))
    return Case(validate(tmp / "p.csv", data), ("p.csv",))


@case("plan-utf16-csv-is-read")
def _(tmp, data):
    plan_frame(data).to_csv(tmp / "p.csv", index=False, encoding="utf-16")
    return Case(validate(tmp / "p.csv", data), ("elz",), codes=(0, 1))


@case("plan-utf16-no-bom-is-read")
def _(tmp, data):
    (tmp / "p.csv").write_bytes(plan_frame(data).to_csv(index=False).encode("utf-16-le"))
    return Case(validate(tmp / "p.csv", data), ("elz",), codes=(0, 1))


@case("plan-latin1-semicolon-csv-is-read")
def _(tmp, data):
    frame = plan_frame(data).assign(zone_name=lambda f: f["zone_name"] + " é")
    (tmp / "p.csv").write_bytes(frame.to_csv(index=False, sep=";").encode("latin-1"))
    return Case(validate(tmp / "p.csv", data), ("non_contiguous",), codes=(0, 1))


@case("plan-latin1-with-wrong-encoding")
def _(tmp, data):
    frame = plan_frame(data).assign(zone_name="Zône")
    (tmp / "p.csv").write_bytes(frame.to_csv(index=False).encode("latin-1"))
    return Case(validate(tmp / "p.csv", data, "--encoding", "utf-8"), ("not valid utf-8",))


@case("plan-gpkg-zero-bytes")
def _(tmp, data):
    (tmp / "p.gpkg").write_bytes(b"")
    return Case(validate(tmp / "p.gpkg", data), ("empty",))


@case("plan-gpkg-without-layers")
def _(tmp, data):
    return Case(validate(gpkg_without_layers(tmp / "p.gpkg"), data), ("p.gpkg",))


@case("plan-gpkg-random-bytes")
def _(tmp, data):
    (tmp / "p.gpkg").write_bytes(np.random.default_rng(4).bytes(8192))
    return Case(validate(tmp / "p.gpkg", data), ("not a geopackage",))


@case("plan-gpkg-plain-sqlite")
def _(tmp, data):
    with sqlite3.connect(tmp / "p.gpkg") as db:
        db.execute("CREATE TABLE assignment (unit_id TEXT, zone_id TEXT)")
    return Case(validate(tmp / "p.gpkg", data), ("p.gpkg",))


@case("plan-xlsx-random-bytes")
def _(tmp, data):
    (tmp / "p.xlsx").write_bytes(np.random.default_rng(5).bytes(6000))
    return Case(validate(tmp / "p.xlsx", data), ("not an xlsx",))


@case("plan-xlsx-truncated")
def _(tmp, data):
    write_xlsx(tmp / "p.xlsx", {"assignment": plan_frame(data)})
    truncate(tmp / "p.xlsx", 3000)
    return Case(validate(tmp / "p.xlsx", data), ("p.xlsx",))


@case("plan-xlsx-second-sheet-is-read")
def _(tmp, data):
    write_xlsx(tmp / "p.xlsx", {"Toelichting": pd.DataFrame({"tekst": ["plan op blad 2"]}), "Plan": plan_frame(data)})
    return Case(validate(tmp / "p.xlsx", data), ("non_contiguous",), codes=(0, 1))


@case("plan-xlsx-two-candidate-sheets")
def _(tmp, data):
    write_xlsx(tmp / "p.xlsx", {"Uitleg": pd.DataFrame({"tekst": ["x"]}), "A": plan_frame(data), "B": plan_frame(data)})
    return Case(validate(tmp / "p.xlsx", data), ("--sheet",))


@case("plan-xlsx-sheet-by-number")
def _(tmp, data):
    write_xlsx(tmp / "p.xlsx", {"Uitleg": pd.DataFrame({"tekst": ["x"]}), "A": plan_frame(data), "B": plan_frame(data)})
    return Case(validate(tmp / "p.xlsx", data, "--sheet", "3"), ("non_contiguous",), codes=(0, 1))


@case("plan-missing-zone-column")
def _(tmp, data):
    plan_frame(data)[["unit_id"]].to_csv(tmp / "p.csv", index=False)
    return Case(validate(tmp / "p.csv", data), ("zone_id",))


@case("plan-duplicate-units")
def _(tmp, data):
    frame = plan_frame(data)
    pd.concat([frame, frame.head(3).assign(zone_id="elz99")]).to_csv(tmp / "p.csv", index=False)
    return Case(validate(tmp / "p.csv", data), ("more than once",))


@case("plan-wrong-extension")
def _(tmp, data):
    plan_frame(data).to_csv(tmp / "p.txt", index=False)
    return Case(validate(tmp / "p.txt", data), ("unsupported",))


@case("plan-unknown-bundle-name")
def _(tmp, data):
    return Case(validate("elzz", data), ("elzz",))


@case("plan-bad-encoding-option")
def _(tmp, data):
    plan_frame(data).to_csv(tmp / "p.csv", index=False)
    return Case(validate(tmp / "p.csv", data, "--encoding", "utf-99"), ("--encoding",))


@case("plan-units-zero-bytes")
def _(tmp, data):
    plan_frame(data).to_csv(tmp / "p.csv", index=False)
    (tmp / "u.gpkg").write_bytes(b"")
    return Case(validate(tmp / "p.csv", data, "--units", str(tmp / "u.gpkg")), ("empty",))


@case("plan-units-without-population")
def _(tmp, data):
    units = small_units(tmp).with_name("units.gpkg")
    frame = gpd.read_file(units).drop(columns="pop_total")
    frame.to_file(tmp / "nopop.gpkg", engine="pyogrio")
    pd.DataFrame({"unit_id": ["10001"], "zone_id": ["A"]}).to_csv(tmp / "p.csv", index=False)
    return Case(validate(tmp / "p.csv", data, "--units", str(tmp / "nopop.gpkg")), ("pop_total",))


@case("plan-units-duplicate-ids")
def _(tmp, data):
    units = small_units(tmp, unit_id="10001")
    pd.DataFrame({"unit_id": ["10001"], "zone_id": ["A"]}).to_csv(tmp / "p.csv", index=False)
    return Case(validate(tmp / "p.csv", data, "--units", str(units)), ("duplicate",))


@case("plan-units-shapefile-without-crs")
def _(tmp, data):
    frame = gpd.read_file(small_units(tmp)).set_crs(None, allow_override=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # geopandas warns that the file will have no CRS: that is the point
        frame.to_file(tmp / "u.shp", engine="pyogrio")
    pd.DataFrame({"unit_id": ["10001"], "zone_id": ["A"]}).to_csv(tmp / "p.csv", index=False)
    return Case(validate(tmp / "p.csv", data, "--units", str(tmp / "u.shp")), ("crs",))


@case("plan-units-csv-without-geometry")
def _(tmp, data):
    pd.DataFrame({"unit_id": ["10001"], "pop_total": [5]}).to_csv(tmp / "u.csv", index=False)
    pd.DataFrame({"unit_id": ["10001"], "zone_id": ["A"]}).to_csv(tmp / "p.csv", index=False)
    return Case(validate(tmp / "p.csv", data, "--units", str(tmp / "u.csv")), ("no geometry",))


@case("plan-header-only")
def _(tmp, data):
    (tmp / "p.csv").write_text("unit_id,zone_id\n", encoding="utf-8")
    return Case(validate(tmp / "p.csv", data), ("no rows",))


@case("export-plan-header-only")
def _(tmp, data):
    (tmp / "p.csv").write_text("unit_id;zone_id;zone_name\n", encoding="utf-8")
    return Case(["export", "data", "-o", str(tmp / "x.csv"), "--plan", str(tmp / "p.csv"), "--data-dir", str(data)],
                ("no rows",))


@case("metrics-unknown-unit-ids")
def _(tmp, data):
    frame = plan_frame(data)
    frame.loc[0, "unit_id"] = "99999"
    frame.to_csv(tmp / "p.csv", index=False)
    return Case(["plan", "metrics", str(tmp / "p.csv"), "--data-dir", str(data)], ("99999", "not among"))


@case("data-dir-is-a-file")
def _(tmp, data):
    (tmp / "data").write_text("not a folder")
    return Case(["plan", "metrics", "elz", "--data-dir", str(tmp / "data")], ("not a folder",))


@case("compare-with-region-is-fine")
def _(tmp, data):
    return Case(["plan", "compare", "elz", "elz_neighbourhood", "--region", "brussels", "--data-dir", str(data), "--json"],
                ('"units_moved": 0',), codes=(0,))


# -- plan compare ---------------------------------------------------------------------------------------------------
@case("compare-municipality-with-neighbourhood-is-mapped")
def _(tmp, data):
    return Case(["plan", "compare", "elz", "elz_neighbourhood", "--data-dir", str(data), "--json"],
                ('"units_moved"',), codes=(0,),
                check=None)


@case("compare-mixed-levels")
def _(tmp, data):
    frame = plan_frame(data)
    neighbourhoods = plan_frame(data, "elz_neighbourhood")
    mixed = pd.concat([frame[~frame["unit_id"].str.startswith("11")],
                       neighbourhoods[neighbourhoods["unit_id"].str.startswith("11")]])
    mixed.to_csv(tmp / "mixed.csv", index=False)
    return Case(["plan", "compare", "elz", str(tmp / "mixed.csv"), "--data-dir", str(data)], ("mixes levels", "neighbourhood ids"))


@case("compare-different-unit-sets")
def _(tmp, data):
    plan_frame(data).iloc[:200].to_csv(tmp / "part.csv", index=False)
    return Case(["plan", "compare", "elz", str(tmp / "part.csv"), "--data-dir", str(data)], ("only in plan",))


@case("compare-unknown-unit-ids")
def _(tmp, data):
    frame = plan_frame(data)
    frame.loc[:9, "unit_id"] = [f"9{i:04d}" for i in range(10)]
    frame.to_csv(tmp / "odd.csv", index=False)
    return Case(["plan", "compare", "elz", str(tmp / "odd.csv"), "--data-dir", str(data)], ("not among",))


# -- plan generate options --------------------------------------------------------------------------------------
def generate(tmp, *extra) -> list[str]:
    return ["plan", "generate", "--units", str(small_units(tmp)), "--min-population", "3000", "--max-population", "5000",
            "--data-dir", str(tmp), *extra]


@case("generate-n-zones-too-many")
def _(tmp, data):
    return Case(["plan", "generate", "--data-dir", str(data), "--n-zones", "10000"], ("--n-zones", "at most"))


@case("generate-n-zones-zero")
def _(tmp, data):
    return Case(generate(tmp, "--n-zones", "0"), ("--n-zones",))


@case("generate-n-zones-negative")
def _(tmp, data):
    return Case(generate(tmp, "--n-zones", "-5"), ("--n-zones",))


@case("generate-n-zones-too-few")
def _(tmp, data):
    return Case(generate(tmp, "--n-zones", "1"), ("--n-zones", "at least"))


@case("generate-seed-negative")
def _(tmp, data):
    return Case(generate(tmp, "--seed", "-1"), ("--seed",))


@case("generate-alternatives-zero")
def _(tmp, data):
    return Case(generate(tmp, "--alternatives", "0"), ("--alternatives",))


@case("generate-alternatives-huge")
def _(tmp, data):
    return Case(generate(tmp, "--alternatives", "100000"), ("--alternatives",))


@case("generate-band-reversed")
def _(tmp, data):
    return Case(generate(tmp, "--min-population", "9000", "--max-population", "2000"), ("swap",))


@case("generate-min-population-negative")
def _(tmp, data):
    return Case(generate(tmp, "--min-population", "-1"), ("--min-population",))


@case("generate-min-population-nan")
def _(tmp, data):
    return Case(generate(tmp, "--min-population", "nan"), ("--min-population",))


@case("generate-max-population-huge")
def _(tmp, data):
    return Case(generate(tmp, "--max-population", "1e300"), ("--max-population",))


@case("generate-output-wrong-suffix")
def _(tmp, data):
    return Case(generate(tmp, "-o", str(tmp / "plan.docx")), ("unsupported",),
                check=lambda: "plan.docx written" if (tmp / "plan.docx").exists() else None)


@case("generate-output-missing-folder")
def _(tmp, data):
    return Case(generate(tmp, "-o", str(tmp / "no" / "such" / "plan.csv")), ("does not exist",))


@case("generate-every-bad-option-at-once")
def _(tmp, data):
    return Case(generate(tmp, "--n-zones", "0", "--seed", "-3", "--alternatives", "0"),
                ("--n-zones", "--seed", "--alternatives"))


@case("generate-into-existing-gpkg-keeps-layers")
def _(tmp, data):
    target = tmp / "work.gpkg"
    gpd.GeoDataFrame({"note": ["keep me"]}, geometry=[Point(1, 1)], crs="EPSG:31370").to_file(target, layer="notes",
                                                                                             engine="pyogrio")

    def kept():
        import pyogrio

        layers = {str(r[0]) for r in pyogrio.list_layers(target)}
        return None if {"notes", "assignment", "zones"} <= layers else f"layers after writing: {sorted(layers)}"
    return Case(generate(tmp, "-o", str(target)), ("written to",), codes=(0, 1), check=kept)


@case("metrics-output-wrong-suffix")
def _(tmp, data):
    return Case(["plan", "metrics", "elz", "--data-dir", str(data), "-o", str(tmp / "m.docx")], ("unsupported",))


# -- export ---------------------------------------------------------------------------------------------------------
@case("export-dpi-zero")
def _(tmp, data):
    return Case(["export", "map", "-o", str(tmp / "m.png"), "--dpi", "0", "--data-dir", str(data)], ("--dpi",),
                check=lambda: "m.png written" if (tmp / "m.png").exists() else None)


@case("export-dpi-negative")
def _(tmp, data):
    return Case(["export", "map", "-o", str(tmp / "m.png"), "--dpi", "-300", "--data-dir", str(data)], ("--dpi",))


@case("export-dpi-huge")
def _(tmp, data):
    return Case(["export", "map", "-o", str(tmp / "m.png"), "--dpi", "100000", "--data-dir", str(data)], ("--dpi",))


@case("export-every-bad-option-at-once")
def _(tmp, data):
    return Case(["export", "data", "-o", str(tmp / "x.docx"), "--gaps", "pharmacy", "--max-minutes", "-1",
                 "--data-dir", str(data)], ("--max-minutes", "--output", ".docx"))


@case("generate-band-and-ranges-at-once")
def _(tmp, data):
    return Case(generate(tmp, "--min-population", "9000", "--max-population", "2000", "--seed", "-2", "--encoding", "zz"),
                ("swap", "--seed", "--encoding"))


@case("export-max-minutes-zero")
def _(tmp, data):
    return Case(["export", "data", "-o", str(tmp / "x.gpkg"), "--gaps", "pharmacy", "--max-minutes", "0",
                 "--data-dir", str(data)], ("--max-minutes",))


@case("export-max-minutes-nan")
def _(tmp, data):
    return Case(["export", "data", "-o", str(tmp / "x.gpkg"), "--gaps", "pharmacy", "--max-minutes", "nan",
                 "--data-dir", str(data)], ("--max-minutes",))


@case("export-missing-folder")
def _(tmp, data):
    return Case(["export", "map", "-o", str(tmp / "nope" / "m.pdf"), "--data-dir", str(data)], ("does not exist",))


@case("export-plan-broken-csv")
def _(tmp, data):
    (tmp / "p.csv").write_bytes(np.random.default_rng(6).bytes(2000))
    return Case(["export", "data", "-o", str(tmp / "x.gpkg"), "--plan", str(tmp / "p.csv"), "--data-dir", str(data)],
                ("p.csv",))


@case("export-plan-zero-byte-gpkg")
def _(tmp, data):
    (tmp / "p.gpkg").write_bytes(b"")
    return Case(["export", "data", "-o", str(tmp / "x.xlsx"), "--plan", str(tmp / "p.gpkg"), "--data-dir", str(data)],
                ("empty",))


@case("export-output-is-folder")
def _(tmp, data):
    (tmp / "out.gpkg").mkdir()
    return Case(["export", "data", "-o", str(tmp / "out.gpkg"), "--data-dir", str(data)], ("folder",))


@case("export-csv-files-get-usual-permissions")
def _(tmp, data):
    def readable():
        files = sorted(tmp.glob("x_*.csv"))
        modes = {p.name: oct(stat.S_IMODE(p.stat().st_mode)) for p in files}
        wanted = 0o666 & ~_umask()
        wrong = {n: m for n, m in modes.items() if int(m, 8) != wanted}
        return f"modes {wrong}, expected {oct(wanted)}" if wrong or not files else None
    return Case(["export", "data", "-o", str(tmp / "x.csv"), "--data-dir", str(data)], ("wrote",), codes=(0,),
                check=readable)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# -- running a case ---------------------------------------------------------------------------------------------------
@dataclass
class Outcome:
    code: int | None
    out: str
    err: str
    exception: str | None = None
    problem: str | None = None
    notes: list[str] = field(default_factory=list)


def run_case(name: str, tmp: Path, data: Path, *, capture=None) -> tuple[Case, Outcome]:
    """Build case ``name`` in ``tmp`` and run it in-process; ``capture()`` returns (stdout, stderr) so far."""
    from zorgzones.cli import main

    built = CASES[name](tmp, data)
    if capture is None:
        import contextlib

        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code, exception = main(built.argv), None
            except SystemExit as exc:  # argparse's usage error: a message, no traceback
                code, exception = exc.code, None
            except BaseException as exc:  # noqa: BLE001 - the census counts escapes as tracebacks
                code, exception = None, f"{type(exc).__name__}: {exc}"
        texts = out.getvalue(), err.getvalue()
    else:
        try:
            code, exception = main(built.argv), None
        except BaseException as exc:  # noqa: BLE001
            code, exception = None, f"{type(exc).__name__}: {exc}"
        texts = capture()
    outcome = Outcome(code, *texts, exception=exception)
    if built.check is not None:
        outcome.problem = built.check()
    return built, outcome


def classify(built: Case, outcome: Outcome) -> str:
    """``clean`` (expected exit, message, no traceback), ``traceback``, ``silent`` (wrong exit, no traceback) or
    ``lost`` (files damaged or left behind)."""
    text = (outcome.out + outcome.err).lower()
    if outcome.exception or "traceback" in text or "unexpected error" in text:
        return "traceback"
    if outcome.problem:
        return "lost"
    if outcome.code not in built.codes:
        return "silent"
    if not all(e.lower() in text for e in built.expect):
        return "unclear"
    return "clean"


@pytest.fixture(scope="module")
def data(bundle_dir) -> Path:
    return bundle_dir


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_input_gets_a_clear_answer(name, tmp_path, data, capsys):
    def capture():
        got = capsys.readouterr()
        return got.out, got.err

    built, outcome = run_case(name, tmp_path, data, capture=capture)
    assert outcome.exception is None, outcome.exception
    assert "Traceback" not in outcome.out + outcome.err
    assert outcome.code in built.codes, (outcome.code, outcome.out[-2000:], outcome.err[-2000:])
    text = (outcome.out + outcome.err).lower()
    missing = [e for e in built.expect if e.lower() not in text]
    assert not missing, (missing, outcome.err[-2000:], outcome.out[-1000:])
    assert outcome.problem is None, outcome.problem


def test_there_are_at_least_sixty_cases():
    assert len(CASES) >= 60


# -- beyond the command line cases: interrupts, concurrent writers, demo notice, the services check -----------------
def test_ctrl_c_during_fetch_says_interrupted_and_keeps_the_bundle(tmp_path, monkeypatch, capsys):
    from zorgzones import cli, fetch

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(fetch, "fetch_region", interrupted)
    monkeypatch.setattr("zorgzones.cli_data.fetch_region", interrupted)
    assert cli.main(["data", "fetch", "--data-dir", str(tmp_path), "--quiet"]) == 130
    err = capsys.readouterr().err
    assert "interrupted" in err and "Traceback" not in err


def test_an_error_raised_while_unwinding_a_ctrl_c_still_reads_interrupted(tmp_path, monkeypatch, capsys):
    """Ctrl-C inside pandas/pyarrow can surface as their own error; the SIGINT flag turns it into 'interrupted'."""
    import signal

    from zorgzones import cli

    def pandas_like_failure(*args, **kwargs):
        try:
            os.kill(os.getpid(), signal.SIGINT)
        except KeyboardInterrupt:
            pass
        raise ValueError("Expected object or value (pandas, half-read file)")
    monkeypatch.setattr("zorgzones.cli_data.fetch_region", pandas_like_failure)
    assert cli.main(["data", "fetch", "--data-dir", str(tmp_path), "--quiet"]) == 130
    assert "interrupted" in capsys.readouterr().err
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # the handler is put back


def test_an_unexpected_error_is_one_line_not_a_traceback(tmp_path, monkeypatch, capsys):
    from zorgzones import cli

    def bug(*args, **kwargs):
        raise TypeError("unsupported operand")
    monkeypatch.setattr("zorgzones.cli_data.fetch_region", bug)
    monkeypatch.delenv("ZORGZONES_DEBUG", raising=False)
    assert cli.main(["data", "fetch", "--data-dir", str(tmp_path), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "unexpected error - TypeError: unsupported operand" in err and "ZORGZONES_DEBUG" in err


def test_demo_results_say_so_in_their_first_line(tmp_path, capsys):
    from zorgzones import cli

    assert cli.main(["data", "info", "--data-dir", str(tmp_path), "--demo"]) == 0
    assert capsys.readouterr().out.splitlines()[0].startswith("SYNTHETIC DEMO DATA")
    assert cli.main(["data", "info", "--data-dir", str(tmp_path), "--demo", "--json"]) == 0
    got = capsys.readouterr()
    assert json.loads(got.out)["synthetic"] is True and got.err.startswith("SYNTHETIC DEMO DATA")


def test_two_writers_of_one_geopackage_leave_one_complete_file(tmp_path):
    """Two threads write different plans into the same GeoPackage many times: the file is always one whole plan."""
    import threading

    import pyogrio

    from zorgzones.zones import Plan, read_plan, write_plan

    units = gpd.read_file(small_units(tmp_path)).set_index("unit_id")
    plans = [Plan.from_assignment(pd.Series(zone, index=units.index), name=f"p{zone}") for zone in ("A", "B")]
    target = tmp_path / "shared.gpkg"
    errors = []

    def writer(plan):
        try:
            for _ in range(5):
                write_plan(plan, target, units=units)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
    threads = [threading.Thread(target=writer, args=(p,)) for p in plans]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    final = read_plan(target)
    assert set(final.assignment) in ({"A"}, {"B"}) and final.assignment.size == 16
    zones = pyogrio.read_dataframe(target, layer="zones")
    assert zones["zone_id"].tolist() == sorted(set(final.assignment))  # zones and assignment of the same writer
    assert not list(tmp_path.glob(".shared*"))  # no temp files left behind


def test_two_processes_writing_one_csv_leave_one_complete_file(tmp_path):
    import subprocess
    import sys

    target = tmp_path / "plan.csv"
    code = ("import sys, pandas as pd\nfrom zorgzones.zones import Plan, write_plan\n"
            "plan = Plan.from_assignment(pd.Series(sys.argv[1], index=[f'{10001 + i}' for i in range(20000)]))\n"
            "for _ in range(3): write_plan(plan, sys.argv[2])\n")
    procs = [subprocess.Popen([sys.executable, "-c", code, zone, str(target)]) for zone in ("A", "B")]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    frame = pd.read_csv(target, dtype=str)
    assert len(frame) == 20000 and frame["zone_id"].nunique() == 1
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~_umask()


def test_writing_a_plan_into_a_geopackage_keeps_its_other_layers_unless_replaced(tmp_path):
    import pyogrio

    from zorgzones.zones import Plan, write_plan

    target = tmp_path / "work.gpkg"
    gpd.GeoDataFrame({"note": ["keep"]}, geometry=[Point(1, 1)], crs="EPSG:31370").to_file(target, layer="notes")
    plan = Plan.from_assignment(pd.Series(["A", "B"], index=["10001", "10002"]))
    write_plan(plan, target)
    assert {str(r[0]) for r in pyogrio.list_layers(target)} == {"notes", "assignment", "plan_info"}
    write_plan(plan, target, keep_other_layers=False)
    assert {str(r[0]) for r in pyogrio.list_layers(target)} == {"assignment", "plan_info"}


def test_a_failed_write_leaves_the_previous_file(tmp_path):
    from zorgzones.fileio import atomic_write

    target = tmp_path / "plan.csv"
    target.write_text("unit_id,zone_id\n10001,A\n")

    def half(tmp):
        tmp.write_text("unit_id,zo")
        raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, half)
    assert target.read_text() == "unit_id,zone_id\n10001,A\n" and [p.name for p in tmp_path.iterdir()] == ["plan.csv"]


def test_bundle_checksums_are_recorded_and_checked(bundle_dir, tmp_path, capsys):
    from zorgzones import cli

    manifest = json.loads((bundle_dir / "bundle" / "manifest.json").read_text())
    assert {"units_municipality.parquet", "services.parquet"} <= set(manifest["checksums"])
    assert all(len(v["sha256"]) == 64 and v["bytes"] > 0 for v in manifest["checksums"].values())
    assert cli.main(["data", "check-bundle", "--data-dir", str(bundle_dir)]) == 0
    assert "intact" in capsys.readouterr().out
    copy = damaged_copy(bundle_dir, tmp_path)
    raw = bytearray((copy / "bundle" / "sectors.parquet").read_bytes())
    raw[100] ^= 0x01
    (copy / "bundle" / "sectors.parquet").write_bytes(bytes(raw))
    assert cli.main(["data", "check-bundle", "--data-dir", str(copy)]) == 2
    assert "fetch --repair" in capsys.readouterr().err


def test_bundle_folders_and_files_get_usual_permissions(bundle_dir):
    wanted_dir, wanted_file = 0o777 & ~_umask(), 0o666 & ~_umask()
    assert stat.S_IMODE((bundle_dir / "bundle").stat().st_mode) == wanted_dir
    assert {stat.S_IMODE(p.stat().st_mode) for p in (bundle_dir / "bundle").iterdir()} == {wanted_file}
    cached = next(p for p in (bundle_dir / "cache").rglob("*") if p.is_file())
    assert stat.S_IMODE(cached.stat().st_mode) == wanted_file


# -- the services check the analysis commands call -----------------------------------------------------------------------
REGION = box(100_000, 150_000, 200_000, 220_000)  # a 100 x 70 km region in EPSG:31370 (around Brussels/Antwerp)


def services_at(lonlat) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=gpd.points_from_xy(*zip(*lonlat)), crs="EPSG:4326").to_crs("EPSG:31370")


def test_services_check_passes_services_in_the_region():
    from zorgzones.validation import check_services_in_region

    assert check_services_in_region(services_at([(4.40, 51.21), (4.37, 50.83)]), REGION) == []


@pytest.mark.parametrize(("services", "expected"), [
    (services_at([(51.21, 4.40), (50.83, 4.37)]), "swapped"),
    (services_at([(2.35, 48.86), (13.4, 52.5)]), "none of the 2"),
    (gpd.GeoDataFrame(geometry=[], crs="EPSG:31370"), "no rows"),
    (gpd.GeoDataFrame(geometry=[Point(150_000, 180_000)]), "no CRS"),
    (gpd.GeoDataFrame(geometry=[None, Point()], crs="EPSG:31370"), "usable coordinates"),
    (gpd.GeoDataFrame(geometry=[Point(152_000, 212_000)], crs="EPSG:4326"), "metres"),
    (pd.DataFrame({"x": [1]}), "expected a GeoDataFrame"),
])
def test_services_check_names_what_makes_services_unusable(services, expected):
    from zorgzones.validation import check_services_in_region

    problems = check_services_in_region(services, REGION)
    assert len(problems) == 1 and expected in problems[0], problems


# -- option types ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("kind", "text", "ok"), [
    ("positive_int", "1", True), ("positive_int", "0", False), ("positive_int", "1.5", False), ("positive_int", "", False),
    ("seed", "0", True), ("seed", "-1", False), ("seed", str(2**40), False), ("dpi", "300", True), ("dpi", "0", False),
    ("positive_float", "0.1", True), ("positive_float", "0", False), ("positive_float", "inf", False),
    ("minutes", "nan", False), ("minutes", "5", True), ("population", "-1", False), ("population", "2e5", True),
])
def test_option_types(kind, text, ok):
    from zorgzones import cli_common

    value = getattr(cli_common, kind)(text)
    assert isinstance(value, cli_common.Invalid) != ok


# -- property tests: readers answer anything with a ValidationError, nothing else ------------------------------------------
hypothesis = pytest.importorskip("hypothesis")
st = hypothesis.strategies
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1252", "latin-1", "utf-32"]
PROPERTY = hypothesis.settings(max_examples=60, deadline=None, derandomize=True,
                               suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture])


@PROPERTY
@hypothesis.given(raw=st.binary(max_size=3000), suffix=st.sampled_from([".csv", ".xlsx", ".gpkg"]))
def test_read_plan_on_random_bytes_raises_only_validation_errors(tmp_path, raw, suffix):
    from zorgzones.errors import ValidationError
    from zorgzones.zones import read_plan

    path = tmp_path / f"plan{suffix}"
    path.write_bytes(raw)
    try:
        read_plan(path)
    except ValidationError:
        pass


@PROPERTY
@hypothesis.given(raw=st.binary(max_size=3000), suffix=st.sampled_from([".csv", ".xlsx", ".gpkg", ".geojson", ".txt"]))
def test_read_services_on_random_bytes_reports_problems(tmp_path, raw, suffix):
    from zorgzones.uploads import read_services_file

    path = tmp_path / f"services{suffix}"
    path.write_bytes(raw)
    services, report = read_services_file(path, region=REGION)
    assert report.problems or len(services)


names = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12)


@PROPERTY
@hypothesis.given(columns=st.lists(names, min_size=1, max_size=4, unique=True), encoding=st.sampled_from(ENCODINGS),
                  sep=st.sampled_from([",", ";", "\t", "|"]), rows=st.lists(st.lists(names, min_size=4, max_size=4), max_size=5))
def test_read_plan_on_any_table_text_raises_only_validation_errors(tmp_path, columns, encoding, sep, rows):
    from zorgzones.errors import ValidationError
    from zorgzones.zones import read_plan

    text = sep.join(columns) + "\n" + "\n".join(sep.join(r[:len(columns)]) for r in rows)
    try:
        raw = text.encode(encoding)
    except UnicodeEncodeError:
        hypothesis.assume(False)
    path = tmp_path / "plan.csv"
    path.write_bytes(raw)
    try:
        read_plan(path)
    except ValidationError:
        pass


@PROPERTY
@hypothesis.given(encoding=st.sampled_from(ENCODINGS), sep=st.sampled_from([",", ";", "\t"]),
                  zone_names=st.lists(names.filter(lambda n: not set(n) & set(",;\t\"'\n\r") and n.strip() == n),
                                      min_size=2, max_size=2))
def test_a_plan_in_any_common_encoding_reads_back(tmp_path, encoding, sep, zone_names):
    from zorgzones.zones import read_plan

    hypothesis.assume(len(set(zone_names)) == 2)
    text = f"unit_id{sep}zone_id{sep}zone_name\n10001{sep}A{sep}{zone_names[0]}\n10002{sep}B{sep}{zone_names[1]}\n"
    try:
        raw = text.encode(encoding)
    except UnicodeEncodeError:
        hypothesis.assume(False)
    path = tmp_path / "plan.csv"
    path.write_bytes(raw)
    plan = read_plan(path, encoding=None if encoding in ("utf-8", "utf-8-sig", "utf-16", "utf-32") else encoding)
    assert plan.assignment.to_dict() == {"10001": "A", "10002": "B"}
    assert [plan.zone_name("A"), plan.zone_name("B")] == zone_names


# -- plans that do not fit together (hand-made units) ------------------------------------------------------------------
def _levels():
    municipality = gpd.GeoDataFrame({"pop_total": [10, 20]}, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)],
                                    index=pd.Index(["10001", "10002"], name="unit_id"), crs="EPSG:31370")
    fine_ids = ["1000101", "1000102", "1000201"]
    neighbourhood = gpd.GeoDataFrame({"municipality_id": ["10001", "10001", "10002"], "pop_total": [5, 5, 20]},
                                     geometry=[box(0, 0, .5, 1), box(.5, 0, 1, 1), box(1, 0, 2, 1)],
                                     index=pd.Index(fine_ids, name="unit_id"), crs="EPSG:31370")
    return {"municipality": municipality, "deelgemeente": municipality.iloc[:0], "neighbourhood": neighbourhood}


def test_a_municipality_plan_is_mapped_onto_finer_units_and_said_so():
    from zorgzones.plan_inputs import same_level
    from zorgzones.zones import Plan

    coarse = Plan.from_assignment(pd.Series(["A", "B"], index=["10001", "10002"]), name="coarse")
    fine = Plan.from_assignment(pd.Series(["A", "B", "B"], index=["1000101", "1000102", "1000201"]), name="fine")
    a, b, note = same_level(coarse, fine, _levels())
    assert a.assignment.to_dict() == {"1000101": "A", "1000102": "A", "1000201": "B"} and a.level == "neighbourhood"
    assert b is not fine and b.level == "neighbourhood" and "each taking the zone of its municipality" in note


def test_a_mixed_plan_is_named_and_refused():
    from zorgzones.errors import ValidationError
    from zorgzones.plan_inputs import same_level
    from zorgzones.zones import Plan

    coarse = Plan.from_assignment(pd.Series(["A", "B"], index=["10001", "10002"]), name="coarse")
    mixed = Plan.from_assignment(pd.Series(["A", "A", "B"], index=["1000101", "1000102", "10002"]), name="mix")
    with pytest.raises(ValidationError, match=r"plan 'mix' mixes levels: 1 municipality ids \(e.g. 10002\), "
                                              r"2 neighbourhood ids \(e.g. 1000101\)"):
        same_level(coarse, mixed, _levels())


def test_zone_count_bounds():
    from zorgzones.errors import ValidationError
    from zorgzones.plan_inputs import check_zone_count

    units = _levels()["neighbourhood"]  # 3 units, 30 inhabitants
    check_zone_count(2, units, 10, 20)
    with pytest.raises(ValidationError, match="only 3 units"):
        check_zone_count(4, units, None, None)
    with pytest.raises(ValidationError, match="at most 1 zones of at least 16"):
        check_zone_count(2, units, 16, None)
    with pytest.raises(ValidationError, match="at least 3 zones of at most 10"):
        check_zone_count(2, units, None, 10)


@pytest.mark.parametrize("raw", [b"", b"<?xml version='1.0'?><html></html>", bytes(range(256)) * 20])
def test_a_non_pbf_osm_file_is_a_validation_error(tmp_path, raw):
    from zorgzones.errors import ValidationError
    from zorgzones.osm import read_road_edges

    path = tmp_path / "roads.osm.pbf"
    path.write_bytes(raw)
    with pytest.raises(ValidationError, match="roads.osm.pbf"):
        read_road_edges(path)


@pytest.mark.parametrize("raw", [b"", b"II*\x00garbage", b"not a raster at all"])
def test_a_broken_population_raster_is_a_validation_error(tmp_path, raw):
    from zorgzones.errors import ValidationError
    from zorgzones.travel import raster_demand_points

    path = tmp_path / "pop.tif"
    path.write_bytes(raw)
    with pytest.raises(ValidationError, match="pop.tif"):
        raster_demand_points(path)
