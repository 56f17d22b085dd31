"""The file boundary: tables and layers read with clear errors, writes atomic."""

from __future__ import annotations

import codecs
import csv
import io
import os
import shutil
import tempfile
import warnings
import zipfile
from pathlib import Path
from typing import Callable

import geopandas as gpd
import pandas as pd
import pyogrio

from .errors import ValidationError

#: Byte-order marks, longest first (UTF-32 LE starts with the UTF-16 LE mark).
BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
#: Delimiters a CSV may use (Belgian spreadsheets often write ``;``).
DELIMITERS = ",;\t|"
TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
SQLITE_MAGIC = b"SQLite format 3\x00"


def check_encoding_name(name: str) -> str:
    """The codec name if Python knows it, else a ValidationError naming ``--encoding``."""
    try:
        return codecs.lookup(name).name
    except (LookupError, TypeError, ValueError):
        raise ValidationError("--encoding", [f"unknown text encoding {name!r}; use e.g. utf-8, utf-16, cp1252 or latin-1"]) from None


def sniff_encoding(raw: bytes) -> tuple[str, str | None]:
    """``(encoding, note)`` of text bytes: a byte-order mark, UTF-8, UTF-16 without mark, else cp1252/Latin-1.

    The note says when the encoding was guessed rather than declared (a BOM) or plain UTF-8."""
    for bom, name in BOMS:
        if raw.startswith(bom):
            return name, None
    sample = raw[:4096]
    if len(sample) >= 4 and sample[1::2].count(0) > 0.4 * len(sample[1::2]) and not sample[0::2].count(0):
        return "utf-16-le", "read as UTF-16 (little-endian, no byte-order mark); pass --encoding if the text looks wrong"
    if len(sample) >= 4 and sample[0::2].count(0) > 0.4 * len(sample[0::2]) and not sample[1::2].count(0):
        return "utf-16-be", "read as UTF-16 (big-endian, no byte-order mark); pass --encoding if the text looks wrong"
    try:
        raw.decode("utf-8")
        return "utf-8", None
    except UnicodeDecodeError:
        pass
    try:
        raw.decode("cp1252")
        return "cp1252", "the file is not UTF-8; read it as Windows-1252 (Latin-1); pass --encoding if accents look wrong"
    except UnicodeDecodeError:
        return "latin-1", "the file is not UTF-8; read it as Latin-1; pass --encoding if accents look wrong"


def sniff_delimiter(text: str) -> str:
    """The delimiter of a CSV text among ``, ; TAB |`` (most frequent consistent one in the first lines)."""
    lines = [line for line in text.splitlines()[:20] if line.strip()]
    if not lines:
        return ","
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=DELIMITERS).delimiter
    except csv.Error:
        counts = {d: lines[0].count(d) for d in DELIMITERS}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def _file_problem(path: Path, subject: str) -> None:
    """Raise for a path that is not a readable, non-empty file."""
    if not path.exists():
        raise ValidationError(subject, [f"file not found: {path}; check the path"])
    if path.is_dir():
        raise ValidationError(subject, [f"{path} is a folder; give a file"])
    if not os.access(path, os.R_OK):
        raise ValidationError(subject, [f"file {path} is not readable; check its permissions"])
    if path.stat().st_size == 0:
        raise ValidationError(subject, [f"file {path.name} is empty (0 bytes); export it again from its source"])


def read_text_table(path: str | os.PathLike, *, subject: str, encoding: str | None = None,
                    notes: list[str] | None = None) -> pd.DataFrame:
    """A CSV/TXT/TSV as text columns; encoding from a BOM or sniffed (or ``encoding``), delimiter sniffed."""
    path = Path(path)
    _file_problem(path, subject)
    raw = path.read_bytes()
    if b"\x00" in raw[:4096] and encoding is None and not any(raw.startswith(b) for b, _ in BOMS):
        name, note = sniff_encoding(raw)
        if not name.startswith("utf-16"):
            raise ValidationError(subject, [f"{path.name} is a binary file, not a text table; give a CSV or XLSX"])
    if raw.startswith(b"PK\x03\x04"):
        raise ValidationError(subject, [f"{path.name} is a zip archive (an XLSX saved as .csv?); rename it to .xlsx or "
                                        "export the sheet as CSV"])
    if encoding is None:
        encoding, note = sniff_encoding(raw)
    else:
        encoding, note = check_encoding_name(encoding), None
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        guess, _ = sniff_encoding(raw)
        hint = f"it looks like {guess}: pass --encoding {guess}" if guess != encoding else "pass --encoding NAME (e.g. cp1252)"
        raise ValidationError(subject, [f"could not read it as CSV: the text is not valid {encoding} ({exc.reason} at byte "
                                        f"{exc.start}); {hint}, or save the file as UTF-8"]) from None
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise ValidationError(subject, [f"{path.name} holds no text rows; export the table again"])
    if note and notes is not None:
        notes.append(note)
    delimiter = sniff_delimiter(text)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, csv.Error) as exc:
        raise ValidationError(subject, [f"could not read {path.name} as a table with delimiter {delimiter!r} "
                                        f"({str(exc).splitlines()[0]}); check the file is one table with a header row"]) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def excel_sheets(path: Path, *, subject: str) -> dict[str, pd.DataFrame]:
    """Every sheet of an XLSX workbook as text columns; a damaged or non-XLSX file is a ValidationError."""
    _file_problem(path, subject)
    if not zipfile.is_zipfile(path):
        raise ValidationError(subject, [f"{path.name} is not an XLSX workbook (not a zip archive); open it in a spreadsheet "
                                        "program and save it as .xlsx, or export the sheet as CSV"])
    try:
        sheets = pd.read_excel(path, sheet_name=None, dtype=str, engine="openpyxl")
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types on damaged workbooks
        raise ValidationError(subject, [f"{path.name} is a damaged XLSX workbook ({type(exc).__name__}: "
                                        f"{str(exc).splitlines()[0] if str(exc) else 'unreadable'}); save it again as .xlsx"]) from None
    if not sheets:
        raise ValidationError(subject, [f"{path.name} has no sheets"])
    for frame in sheets.values():
        frame.columns = [str(c).strip() for c in frame.columns]
    return sheets


def pick_sheet(sheets: dict[str, pd.DataFrame], *, path: Path, subject: str, sheet: str | None = None,
               preferred: tuple[str, ...] = (), required: tuple[str, ...] = (), notes: list[str] | None = None) -> pd.DataFrame:
    """The sheet named ``sheet`` (name or 1-based number), else a preferred name, else the one sheet with the
    ``required`` columns (case-insensitive); ambiguity or absence is a ValidationError listing the sheets."""
    names = list(sheets)
    listing = "; ".join(f"{n!r} ({', '.join(map(str, sheets[n].columns[:6])) or 'empty'})" for n in names)
    if sheet is not None:
        if sheet in sheets:
            return sheets[sheet]
        if str(sheet).isdigit() and 1 <= int(sheet) <= len(names):
            return sheets[names[int(sheet) - 1]]
        raise ValidationError(subject, [f"--sheet {sheet!r} is not in {path.name}; its sheets are {listing}"])
    for name in preferred:
        if name in sheets:
            return sheets[name]

    def has(frame):
        lower = {str(c).strip().lower() for c in frame.columns}
        return all(r in lower for r in required)

    fitting = [n for n in names if has(sheets[n])]
    if not required or (fitting and fitting[0] == names[0]):
        return sheets[names[0]]
    if len(fitting) == 1:
        if notes is not None:
            notes.append(f"read sheet {fitting[0]!r} of {path.name} (the only one with columns {', '.join(required)})")
        return sheets[fitting[0]]
    if fitting:
        raise ValidationError(subject, [f"several sheets of {path.name} have columns {', '.join(required)}: "
                                        f"{', '.join(map(repr, fitting))}; choose one with --sheet NAME"])
    raise ValidationError(subject, [f"no sheet of {path.name} has columns {', '.join(required)}; its sheets are {listing}. "
                                    "Rename the columns, or choose a sheet with --sheet NAME"])


def gpkg_layers(path: Path, *, subject: str) -> list[str]:
    """Layer names of a GeoPackage; an empty, non-SQLite or damaged file is a ValidationError."""
    _file_problem(path, subject)
    with open(path, "rb") as handle:
        head = handle.read(16)
    if head != SQLITE_MAGIC:
        raise ValidationError(subject, [f"{path.name} is not a GeoPackage (no SQLite header); export it again as GeoPackage"])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # GDAL warns before it fails on a non-GeoPackage SQLite file
            layers = [str(row[0]) for row in pyogrio.list_layers(path)]
    except Exception as exc:  # noqa: BLE001 - GDAL errors on damaged files come in several types
        raise ValidationError(subject, [f"{path.name} is a damaged GeoPackage ({str(exc).splitlines()[0]}); export it again"]) from None
    if not layers:
        raise ValidationError(subject, [f"{path.name} is a GeoPackage without layers; write the table into it first"])
    return layers


def read_gpkg_table(path: Path, layer: str, *, subject: str, geometry: bool = False):
    """One layer of a GeoPackage (without geometry unless asked); GDAL failures become ValidationErrors."""
    try:
        return pyogrio.read_dataframe(path, layer=layer, read_geometry=geometry)
    except Exception as exc:  # noqa: BLE001
        raise ValidationError(subject, [f"layer {layer!r} of {path.name} is unreadable ({str(exc).splitlines()[0]}); "
                                        "export it again"]) from None


def read_vector_file(path: str | os.PathLike, *, subject: str, layer: str | None = None):
    """A GeoPackage/GeoJSON/shapefile/FlatGeobuf as a GeoDataFrame; every failure is a ValidationError."""
    path = Path(path)
    _file_problem(path, subject)
    if path.suffix.lower() == ".gpkg":
        layers = gpkg_layers(path, subject=subject)
        if layer is not None and layer not in layers:
            raise ValidationError(subject, [f"no layer {layer!r} in {path.name}; its layers are {layers}"])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # GDAL's own warnings; failures raise below
            frame = gpd.read_file(path, layer=layer, engine="pyogrio")
    except Exception as exc:  # noqa: BLE001 - GDAL/JSON/encoding errors on damaged files
        raise ValidationError(subject, [f"could not read {path.name} as a vector layer ({type(exc).__name__}: "
                                        f"{str(exc).splitlines()[0] if str(exc) else 'unreadable'}); "
                                        "export it again as GeoPackage or GeoJSON"]) from None
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.name not in frame.columns:
        raise ValidationError(subject, [f"{path.name} has no geometry; give a GeoPackage, GeoJSON or shapefile "
                                        "(a table with coordinates is a CSV/XLSX services list)"])
    return frame


# -- writing ---------------------------------------------------------------------------------------------------
def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def usual_mode(path: Path, *, folder: bool = False) -> None:
    """Give a file (0666) or folder (0777) the permissions the umask allows, as ``open``/``mkdir`` would."""
    os.chmod(path, (0o777 if folder else 0o666) & ~_umask())


def make_dirs(path: Path) -> Path:
    """``mkdir -p`` with the usual permissions."""
    Path(path).mkdir(parents=True, exist_ok=True)
    return Path(path)


def temp_beside(path: Path, *, copy_existing: bool = False) -> Path:
    """A new temporary file in the folder of ``path`` (same file system, so ``os.replace`` is atomic)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.part-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(tmp)
    if copy_existing and path.is_file():
        shutil.copyfile(path, tmp)
    else:
        tmp.unlink()  # writers such as GDAL want to create the file themselves
    return tmp


def atomic_write(path: str | os.PathLike, write: Callable[[Path], None], *, copy_existing: bool = False) -> Path:
    """Call ``write(tmp)`` on a temporary file beside ``path`` and rename it into place (no partial files).

    With ``copy_existing`` the temporary file starts as a copy of ``path`` (to add a layer to a GeoPackage).
    Concurrent writers each rename a complete file; the last one wins."""
    path = Path(path)
    if not path.parent.is_dir():
        raise ValidationError(f"output {path}", [f"folder {path.parent} does not exist; create it or choose another path"])
    tmp = temp_beside(path, copy_existing=copy_existing)
    try:
        write(tmp)
        usual_mode(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def write_gpkg_layers(path: str | os.PathLike, layers: dict[str, pd.DataFrame], *, keep_other_layers: bool = True) -> Path:
    """Write ``layers`` into a GeoPackage atomically; other layers of an existing file are kept (or dropped)."""
    path = Path(path)
    if keep_other_layers and path.is_file():
        gpkg_layers(path, subject=f"existing GeoPackage {path}")  # refuse to build on a damaged file

    def write(tmp: Path) -> None:
        existing = {str(row[0]) for row in pyogrio.list_layers(tmp)} if tmp.is_file() else set()
        for name, frame in layers.items():
            options = {"layer_options": {"OVERWRITE": "YES"}} if name in existing else {}
            pyogrio.write_dataframe(frame, tmp, layer=name, driver="GPKG", append=False, **options)
            existing.add(name)

    return atomic_write(path, write, copy_existing=keep_other_layers)
