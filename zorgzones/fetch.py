"""Download or mirror the catalog's files into a verified cache.

Download (or copy from a local mirror) every catalog file into the cache, verify checksums, then build the
bundle.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from tqdm.auto import tqdm

from . import settings
from .build import build_bundle
from .bundle import bundle_is_current, install_bundle
from .catalog import Catalog, SourceFile, cached_path, default_catalog
from .errors import DataError
from .fileio import usual_mode

CHUNK_BYTES = 1 << 20
TIMEOUT_S = 60


@dataclass
class FetchResult:
    """What a fetch did: files copied or downloaded, files already valid, and whether the bundle was rebuilt."""

    data_dir: Path
    fetched: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    bundle_built: bool = False
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return {
            "data_dir": str(self.data_dir),
            "fetched": len(self.fetched),
            "already_valid": len(self.skipped),
            "bundle_built": self.bundle_built,
            "seconds": round(self.seconds, 2),
        }


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


def is_valid(path: Path, source: SourceFile) -> bool:
    """True when ``path`` exists with the catalog's size and sha256."""
    return path.is_file() and path.stat().st_size == source.size and sha256_of(path) == source.sha256


def _open_source(source: SourceFile, *, mirror: Path | None, base_url: str | None):
    """A binary stream of the original file: from the mirror directory, or over HTTP(S)."""
    if mirror is not None:
        path = Path(mirror) / source.relative_path
        if not path.is_file():
            raise DataError(f"{source.name}: not found in mirror {mirror} (expected {path})")
        return open(path, "rb")
    url = source.url
    if base_url:
        url = base_url.rstrip("/") + "/" + url.split("://", 1)[1]
    try:
        return urllib.request.urlopen(url, timeout=TIMEOUT_S)  # noqa: S310 - URLs come from our catalog
    except (urllib.error.URLError, OSError) as exc:
        raise DataError(f"{source.name}: could not download {url} ({exc})") from exc


def fetch_file(source: SourceFile, target: Path, *, mirror: Path | None = None, base_url: str | None = None, bar=None) -> None:
    """Copy/download one file to ``target`` through a temp file; verify its sha256 before the rename."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    tmp = Path(tmp_name)
    digest = hashlib.sha256()
    try:
        with os.fdopen(fd, "wb") as out, _open_source(source, mirror=mirror, base_url=base_url) as stream:
            while True:
                try:
                    chunk = stream.read(CHUNK_BYTES)
                except OSError as exc:
                    raise DataError(f"{source.name}: download interrupted ({exc})") from exc
                if not chunk:
                    break
                out.write(chunk)
                digest.update(chunk)
                if bar is not None:
                    bar.update(len(chunk))
        if digest.hexdigest() != source.sha256:
            raise DataError(
                f"{source.name}: checksum mismatch (got sha256 {digest.hexdigest()[:16]}..., "
                f"expected {source.sha256[:16]}...) for {source.url}; the file was not used. "
                "Check the mirror or try again later."
            )
        usual_mode(tmp)  # mkstemp creates 0600; a cache file gets the umask's permissions like any download
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def fetch_files(
    data_dir: Path,
    *,
    catalog: Catalog | None = None,
    mirror: Path | None = None,
    base_url: str | None = None,
    progress: bool = True,
) -> tuple[list[str], list[str]]:
    """Bring every catalog file into the cache; returns (fetched, already valid). Raises DataError naming every failed file."""
    catalog = catalog or default_catalog()
    fetched, skipped, failures = [], [], []
    todo = []
    for source in catalog.files:
        (skipped if is_valid(cached_path(data_dir, source), source) else todo).append(source)
    total = sum(s.size for s in todo)
    with tqdm(total=total, unit="B", unit_scale=True, desc="zorgzones data", disable=not progress or not todo) as bar:
        for source in todo:
            try:
                fetch_file(source, cached_path(data_dir, source), mirror=mirror, base_url=base_url, bar=bar)
                fetched.append(source.url)
            except DataError as exc:
                failures.append(str(exc))
    if failures:
        listing = "\n".join(f"  - {f}" for f in failures)
        raise DataError(f"{len(failures)} of {len(catalog.files)} source files could not be fetched; "
                        f"the previous bundle (if any) stays active:\n{listing}")
    return fetched, [s.url for s in skipped]


def fetch_region(
    data_dir: str | os.PathLike | None = None,
    *,
    mirror: str | os.PathLike | None = None,
    base_url: str | None = None,
    progress: bool = True,
    force: bool = False,
) -> FetchResult:
    """``zorgzones data fetch``: fill the cache, then (re)build the region bundle if the sources changed.

    The bundle is built in a temporary directory and swapped in only when complete, so a failed
    fetch or build leaves the previous good bundle active.
    """
    start = time.perf_counter()
    root = settings.data_dir(data_dir)
    root.mkdir(parents=True, exist_ok=True)
    catalog = default_catalog()
    mirror_path = Path(mirror).expanduser() if mirror is not None else None
    if mirror_path is not None and not mirror_path.is_dir():
        raise DataError(f"mirror directory {mirror_path} does not exist; pass the folder that holds raw.githubusercontent.com/...")
    fetched, skipped = fetch_files(root, catalog=catalog, mirror=mirror_path, base_url=base_url, progress=progress)
    result = FetchResult(data_dir=root, fetched=fetched, skipped=skipped)
    if force or fetched or not bundle_is_current(root, catalog):
        staging = Path(tempfile.mkdtemp(prefix="bundle.building.", dir=root))
        try:
            build_bundle(root, staging, catalog=catalog, progress=progress)
            usual_mode(staging, folder=True)  # mkdtemp creates 0700
            for layer in staging.iterdir():
                usual_mode(layer)
            install_bundle(root, staging)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        result.bundle_built = True
    result.seconds = time.perf_counter() - start
    return result
