"""The catalog of public source files: URL, checksum, licence, credit.

The catalog of public source files a region bundle is built from: URL, sha256, size, licence and credit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit


@dataclass(frozen=True)
class SourceFile:
    """One original file, addressed by its public URL."""

    url: str
    sha256: str
    size: int
    dataset: str

    @property
    def relative_path(self) -> PurePosixPath:
        """Cache/mirror path: host + URL path, percent-decoded (the layout of ``shared/geodata/mirror``)."""
        parts = urlsplit(self.url)
        return PurePosixPath(parts.netloc) / unquote(parts.path).lstrip("/")

    @property
    def name(self) -> str:
        return self.relative_path.name


@dataclass(frozen=True)
class Dataset:
    """A group of files that together make one layer (a shapefile with its side files, a table, ...)."""

    id: str
    title: str
    publisher: str
    licence: str
    credit: str
    reference_date: str
    repository: str
    files: tuple[SourceFile, ...]

    def file(self, name: str) -> SourceFile:
        """The file of this dataset whose name is ``name`` (e.g. ``"gemeente.shp"``)."""
        for f in self.files:
            if f.name == name:
                return f
        raise KeyError(f"dataset {self.id!r} has no file named {name!r}; it has {[f.name for f in self.files]}")

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "publisher": self.publisher,
            "licence": self.licence,
            "credit": self.credit,
            "reference_date": self.reference_date,
            "repository": self.repository,
            "urls": [f.url for f in self.files],
        }


@dataclass(frozen=True)
class Catalog:
    name: str
    title: str
    datasets: tuple[Dataset, ...]

    def dataset(self, dataset_id: str) -> Dataset:
        for d in self.datasets:
            if d.id == dataset_id:
                return d
        raise KeyError(f"catalog {self.name!r} has no dataset {dataset_id!r}")

    @property
    def files(self) -> list[SourceFile]:
        return [f for d in self.datasets for f in d.files]

    @property
    def total_bytes(self) -> int:
        return sum(f.size for f in self.files)

    def fingerprint(self) -> dict[str, str]:
        """URL -> sha256 of every file: a bundle built from exactly these files records it."""
        return {f.url: f.sha256 for f in self.files}


def catalog_from_dict(data: dict) -> Catalog:
    datasets = []
    for d in data["datasets"]:
        files = tuple(SourceFile(url=f["url"], sha256=f["sha256"], size=int(f["size"]), dataset=d["id"]) for f in d["files"])
        fields = {k: d[k] for k in ("id", "title", "publisher", "licence", "credit", "reference_date", "repository")}
        datasets.append(Dataset(**fields, files=files))
    return Catalog(name=data["name"], title=data["title"], datasets=tuple(datasets))


@lru_cache(maxsize=1)
def default_catalog() -> Catalog:
    """The Flanders + Brussels catalog shipped in ``geodata/catalog.json``."""
    return catalog_from_dict(json.loads(project_file("catalog.json").read_text(encoding="utf-8")))


def project_file(name: str):
    """A file of the project's ``geodata/`` folder (installed as ``zorgzones.geodata``, or beside a source checkout)."""
    try:
        return resources.files("zorgzones.geodata").joinpath(name)
    except ModuleNotFoundError:  # running from a source tree that is not installed
        return Path(__file__).resolve().parents[1] / "geodata" / name


def cache_dir(data_dir: Path) -> Path:
    """Where the original files are kept: ``<data dir>/cache``, laid out like their URLs."""
    return data_dir / "cache"


def cached_path(data_dir: Path, source: SourceFile) -> Path:
    return cache_dir(data_dir) / source.relative_path
