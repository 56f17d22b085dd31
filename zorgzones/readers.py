"""Readers for the original source formats, in EPSG:31370.

Readers for the original source formats; every reader returns EPSG:31370 geometry and 5-character NIS codes.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from .errors import Report, ValidationError
from .settings import WORKING_CRS


def nis_code(values) -> pd.Series:
    """NIS/REFNIS codes as 5-character strings (``11002``, ``02000``), whatever the input type."""
    s = pd.Series(values)
    as_text = s.astype("string").str.strip().str.replace(r"\.0$", "", regex=True)
    return as_text.str.zfill(5).astype(object).where(s.notna(), None)


def _shapefile_encoding(path: Path) -> str | None:
    cpg = path.with_suffix(".cpg")
    if cpg.is_file():
        text = cpg.read_text(encoding="ascii", errors="replace").strip()
        return {"UTF-8": "utf-8", "UTF8": "utf-8"}.get(text.upper(), text or None)
    return None


def to_working_crs(frame: gpd.GeoDataFrame, *, subject: str) -> gpd.GeoDataFrame:
    """Reproject to EPSG:31370; a layer without CRS is refused (we cannot guess where it lies)."""
    if frame.crs is None:
        raise ValidationError(subject, ["the layer has no coordinate reference system (CRS); "
                                        "add a .prj file or set it with GeoDataFrame.set_crs() before loading"])
    return frame if frame.crs == WORKING_CRS else frame.to_crs(WORKING_CRS)


def read_vector(path: str | Path, *, layer: str | None = None) -> gpd.GeoDataFrame:
    """A shapefile (encoding from its .cpg), GeoPackage or GeoJSON, reprojected to EPSG:31370."""
    path = Path(path)
    kwargs = {}
    if path.suffix.lower() == ".shp":
        encoding = _shapefile_encoding(path)
        if encoding:
            kwargs["encoding"] = encoding
    try:
        frame = gpd.read_file(path, layer=layer, engine="pyogrio", **kwargs)
    except UnicodeDecodeError as exc:
        raise ValidationError(path.name, [f"text is not in the declared encoding {kwargs.get('encoding', 'auto')} ({exc}); "
                                          "fix the .cpg file or re-save the layer as UTF-8"]) from exc
    return to_working_crs(frame, subject=path.name)


def read_table(path: str | Path, *, code_columns: tuple[str, ...] = (), sheet: int | str = 0) -> pd.DataFrame:
    """An XLSX sheet (or CSV) with the given code columns as 5-character strings."""
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        frame = pd.read_excel(path, sheet_name=sheet, dtype=object)
    else:
        frame = pd.read_csv(path, dtype=object)
    frame.columns = [str(c).strip() for c in frame.columns]
    for column in code_columns:
        frame[column] = nis_code(frame[column])
    return frame


def read_statbel_population(path: str | Path) -> pd.DataFrame:
    """Statbel TF_SOC_POP_STRUCT (zip with a pipe-separated cp1252 text) as ``nis, sex, age, population``.

    Rows are summed over nationality and civil status.
    """
    path = Path(path)
    with zipfile.ZipFile(path) as archive:
        members = [n for n in archive.namelist() if n.lower().endswith(".txt")]
        if len(members) != 1:
            raise ValidationError(path.name, [f"expected one .txt member in the zip, found {members}"])
        raw = archive.read(members[0])
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise ValidationError(path.name, [f"not a cp1252 text as Statbel publishes it ({exc})"]) from exc
    columns = ["CD_REFNIS", "CD_SEX", "CD_AGE", "MS_POPULATION"]
    frame = pd.read_csv(io.StringIO(text), sep="|", usecols=columns, dtype={"CD_REFNIS": str, "CD_SEX": str})
    report = Report(path.name)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        report.problem(f"missing columns {missing}")
    population = pd.to_numeric(frame["MS_POPULATION"], errors="coerce")
    if population.isna().any():
        report.problem(f"{int(population.isna().sum())} rows with a non-numeric MS_POPULATION")
    if (population < 0).any():
        report.problem(f"{int((population < 0).sum())} rows with a negative MS_POPULATION")
    report.raise_if_problems()
    out = pd.DataFrame({
        "nis": nis_code(frame["CD_REFNIS"]),
        "sex": frame["CD_SEX"].astype(str),
        "age": pd.to_numeric(frame["CD_AGE"]).astype(int),
        "population": population.astype(np.int64),
    })
    return out.groupby(["nis", "sex", "age"], as_index=False)["population"].sum()


def read_sector_population(path: str | Path, *, year: int = 2022) -> pd.DataFrame:
    """Statbel population per statistical sector from the R data file: ``sector_id, nis, population``."""
    import pyreadr

    path = Path(path)
    frames = pyreadr.read_r(str(path))
    if not frames:
        raise ValidationError(path.name, ["the R data file holds no data frame"])
    frame = next(iter(frames.values()))
    frame = frame[frame["YEAR"].astype(str) == str(year)]
    if frame.empty:
        raise ValidationError(path.name, [f"no rows for year {year}"])
    return pd.DataFrame({
        "sector_id": frame["CD_SECTOR"].astype(str).to_numpy(),
        "nis": nis_code(frame["CD_REFNIS"]).to_numpy(),
        "population": frame["TOTAL"].fillna(0).astype(np.int64).to_numpy(),
    })


def read_fagg_pharmacies(path: str | Path) -> gpd.GeoDataFrame:
    """The FAGG/AFMPS pharmacy list (JSON) as points; official Lambert 2008 coordinates, WGS84 as fallback."""
    path = Path(path)
    records = json.loads(Path(path).read_text(encoding="utf-8"))
    rows = []
    for rec in records:
        geo = {g.get("format"): g for g in rec.get("geo") or []}
        l08, wgs = geo.get("epsg:3812", {}), geo.get("epsg:4326", {})
        rows.append({
            "source_id": str(rec.get("authorization_id")),
            "name": rec.get("name"),
            "address": rec.get("textual_address"),
            "postcode": str(rec.get("zipCode") or ""),
            "city": rec.get("municipality"),
            "status": rec.get("status"),
            "operator": (rec.get("operator") or {}).get("name"),
            "x_3812": l08.get("x"), "y_3812": l08.get("y"),
            "lon": wgs.get("longitude"), "lat": wgs.get("latitude"),
        })
    frame = pd.DataFrame(rows)
    has_l08 = frame["x_3812"].notna() & frame["y_3812"].notna()
    points = gpd.GeoSeries(gpd.points_from_xy(frame["x_3812"], frame["y_3812"]), crs="EPSG:3812").to_crs(WORKING_CRS)
    fallback = gpd.GeoSeries(gpd.points_from_xy(frame["lon"], frame["lat"]), crs="EPSG:4326").to_crs(WORKING_CRS)
    geometry = points.where(has_l08, fallback)
    return gpd.GeoDataFrame(frame.drop(columns=["x_3812", "y_3812", "lon", "lat"]), geometry=geometry.values, crs=WORKING_CRS)


def read_eurostat_hospitals(path: str | Path) -> gpd.GeoDataFrame:
    """Eurostat/GISCO healthcare services CSV as points with beds and an emergency flag."""
    frame = pd.read_csv(path, dtype={"id": str, "postcode": str})
    geometry = gpd.points_from_xy(pd.to_numeric(frame["lon"]), pd.to_numeric(frame["lat"]), crs="EPSG:4326")
    out = gpd.GeoDataFrame({
        "source_id": frame["id"].astype(str),
        "name": frame["hospital_name"].astype(str) + np.where(frame["site_name"].notna(), " - " + frame["site_name"].astype(str), ""),
        "address": frame["street"],
        "postcode": frame["postcode"],
        "city": frame["city"],
        "beds": pd.to_numeric(frame["cap_beds"], errors="coerce"),
        "emergency": frame["emergency"].astype(str).str.lower().eq("yes"),
        "facility_type": frame["facility_type"],
    }, geometry=geometry)
    return out.to_crs(WORKING_CRS)


def read_refnis(path: str | Path) -> pd.DataFrame:
    """Statbel's REFNIS code list (TU_COM_REFNIS.txt, pipe-separated) as ``code, level, parent, name_nl, name_fr``.

    Only codes valid today (end date 31/12/9999) are kept, one row per code.
    """
    frame = pd.read_csv(path, sep="|", dtype=str, encoding="utf-8-sig")
    missing = [c for c in ("CD_REFNIS", "TX_REFNIS_NL", "TX_REFNIS_FR", "DT_VLDT_END") if c not in frame.columns]
    if missing:
        raise ValidationError(Path(path).name, [f"missing columns {missing}; is this Statbel's TU_COM_REFNIS?"])
    frame = frame[frame["DT_VLDT_END"].str.endswith("9999")]
    return pd.DataFrame({
        "code": nis_code(frame["CD_REFNIS"]).to_numpy(),
        "level": pd.to_numeric(frame["LVL_REFNIS"], errors="coerce").to_numpy(),
        "parent": frame["CD_SUP_REFNIS"].to_numpy(),
        "name_nl": frame["TX_REFNIS_NL"].str.strip().to_numpy(),
        "name_fr": frame["TX_REFNIS_FR"].str.strip().to_numpy(),
    }).drop_duplicates("code").reset_index(drop=True)


def _read_rda_frame(path: Path):
    """The single data frame of an R data file (``pyreadr``)."""
    import pyreadr

    frames = pyreadr.read_r(str(path))
    if not frames:
        raise ValidationError(path.name, ["the R data file holds no data frame"])
    return next(iter(frames.values()))


def _check_columns(frame: pd.DataFrame, columns: list[str], name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValidationError(name, [f"missing columns {missing}; got {list(frame.columns)}"])


def read_population_projection(path: str | Path) -> pd.DataFrame:
    """Planning Bureau projections (bopR ``BE_POP_PROJ_*.rda``) as ``area_id, area_name, year, sex, age, population``.

    Only the single-age rows of men (M) and women (F) are kept (the file's MF and ALL rows are their sums); rows
    without an area code (the file has two such Walloon arrondissements) are dropped.
    """
    path = Path(path)
    frame = _read_rda_frame(path)
    _check_columns(frame, ["AGE", "SEX", "YEAR", "POPULATION", "REFNIS", "DESCR_NL"], path.name)
    frame = frame[frame["SEX"].isin(["M", "F"]) & (frame["AGE"] != "ALL") & frame["REFNIS"].notna()]
    return pd.DataFrame({
        "area_id": nis_code(frame["REFNIS"]).to_numpy(),
        "area_name": frame["DESCR_NL"].astype(str).to_numpy(),
        "year": frame["YEAR"].astype(int).to_numpy(),
        "sex": frame["SEX"].astype(str).to_numpy(),
        "age": pd.to_numeric(frame["AGE"]).astype(int).to_numpy(),
        "population": frame["POPULATION"].round().astype(np.int64).to_numpy(),
    })


def read_population_history(path: str | Path) -> pd.DataFrame:
    """Statbel population by municipality (bepop ``BE_POP_MUNTY.rda``) as ``nis, year, sex, age, population``.

    Single-age rows of men and women only; rows of the 'Unknown' municipality 99999 (the file's only rows for
    2019-2021, which are per arrondissement) are dropped. Codes are those of the year (589 before 2019).
    """
    path = Path(path)
    frame = _read_rda_frame(path)
    _check_columns(frame, ["YEAR", "MUNTY_REFNIS", "SEX", "AGE", "POPULATION"], path.name)
    frame = frame[frame["SEX"].isin(["M", "F"]) & (frame["AGE"] != "ALL") & (frame["MUNTY_REFNIS"] != 99999)]
    return pd.DataFrame({
        "nis": nis_code(frame["MUNTY_REFNIS"].astype(int)).to_numpy(),
        "year": frame["YEAR"].astype(int).to_numpy(),
        "sex": frame["SEX"].astype(str).to_numpy(),
        "age": pd.to_numeric(frame["AGE"]).astype(int).to_numpy(),
        "population": frame["POPULATION"].astype(np.int64).to_numpy(),
    })


def read_sector_population_years(path: str | Path) -> pd.DataFrame:
    """Statbel population per statistical sector for every year of the R data file: ``year, sector_id, nis, population``."""
    path = Path(path)
    frame = _read_rda_frame(path)
    _check_columns(frame, ["YEAR", "CD_REFNIS", "CD_SECTOR", "TOTAL"], path.name)
    return pd.DataFrame({
        "year": frame["YEAR"].astype(int).to_numpy(),
        "sector_id": frame["CD_SECTOR"].astype(str).to_numpy(),
        "nis": nis_code(frame["CD_REFNIS"]).to_numpy(),
        "population": frame["TOTAL"].fillna(0).astype(np.int64).to_numpy(),
    })


def read_refnis_history(path: str | Path) -> pd.DataFrame:
    """Statbel's REFNIS code list with every version of every code (TU_COM_REFNIS.txt): ``level, nis, parent, name_nl, name_fr, valid_from, valid_to``."""
    path = Path(path)
    frame = pd.read_csv(path, sep="|", dtype=str, encoding="utf-8-sig")
    _check_columns(frame, ["LVL_REFNIS", "CD_REFNIS", "CD_SUP_REFNIS", "TX_REFNIS_NL", "DT_VLDT_START", "DT_VLDT_END"], path.name)
    return pd.DataFrame({
        "level": frame["LVL_REFNIS"].astype(int),
        "nis": nis_code(frame["CD_REFNIS"]),
        "parent": nis_code(frame["CD_SUP_REFNIS"].where(frame["CD_SUP_REFNIS"] != "-")),
        "name_nl": frame["TX_REFNIS_NL"],
        "name_fr": frame["TX_REFNIS_FR"],
        "valid_from": pd.to_datetime(frame["DT_VLDT_START"], format="%d/%m/%Y"),
        "valid_to": pd.to_datetime(frame["DT_VLDT_END"].replace("31/12/9999", "31/12/2200"), format="%d/%m/%Y"),
    })


def read_statbel_names(path: str | Path) -> pd.DataFrame:
    """Official Dutch and French names of the NIS codes in a Statbel TF_SOC_POP_STRUCT zip: ``nis, name_nl, name_fr``."""
    path = Path(path)
    with zipfile.ZipFile(path) as archive:
        members = [n for n in archive.namelist() if n.lower().endswith(".txt")]
        if len(members) != 1:
            raise ValidationError(path.name, [f"expected one .txt member in the zip, found {members}"])
        raw = archive.read(members[0])
    frame = pd.read_csv(io.StringIO(raw.decode("cp1252")), sep="|", usecols=["CD_REFNIS", "TX_DESCR_NL", "TX_DESCR_FR"],
                        dtype=str).drop_duplicates("CD_REFNIS")
    return pd.DataFrame({"nis": nis_code(frame["CD_REFNIS"]).to_numpy(), "name_nl": frame["TX_DESCR_NL"].to_numpy(),
                         "name_fr": frame["TX_DESCR_FR"].to_numpy()})
