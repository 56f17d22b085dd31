"""The region bundle: GeoParquet layers plus a manifest, loaded lazily.

The processed region bundle: fast-loading layers (GeoParquet) plus a manifest with provenance, loaded lazily.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Callable

import geopandas as gpd
import pandas as pd

from . import settings
from .settings import BUNDLE_DIR
from .errors import DataError
from .integrity import bundle_damage

#: Bump when the layout or content rules of the bundle change; an older bundle is rebuilt by ``fetch``.
BUNDLE_VERSION = 6

#: Map layers (as named in credits) -> bundle layers whose sources they carry.
CREDIT_LAYERS = {
    "units": ["units_municipality", "units_neighbourhood", "units_deelgemeente"],
    "population": ["population_age", "sectors", "sector_points"],
    "plans": ["plans"],
    "services": ["services"],
    "boundaries": ["boundaries"],
}


def write_layer(frame: pd.DataFrame, path: Path) -> None:
    """One layer as (Geo)Parquet; written beside and renamed, so a reader never sees half a file."""
    tmp = path.with_suffix(".parquet.part")
    frame.to_parquet(tmp)
    os.replace(tmp, path)


def read_layer(path: Path) -> pd.DataFrame:
    """Read a layer written by :func:`write_layer` (GeoParquet when it has geometry); a damaged file is a DataError."""
    import pyarrow.parquet as pq

    try:
        metadata = pq.read_schema(path).metadata or {}
        if b"geo" in metadata:
            return gpd.read_parquet(path)
        return pd.read_parquet(path)
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        raise DataError(damaged_message(path.parent, f"layer {path.name} is unreadable: {str(exc).splitlines()[0]}")) from None




def damaged_message(folder: Path, detail: str) -> str:
    data_dir = Path(folder).parent
    return (f"the bundle in {data_dir} is damaged ({detail}): run `zorgzones data fetch --repair --data-dir {data_dir}` "
            "(add --mirror DIR to read a local mirror)")


def read_manifest(folder: Path) -> dict:
    """The manifest of a bundle folder; unreadable JSON is a DataError saying how to repair."""
    try:
        manifest = json.loads((Path(folder) / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataError(damaged_message(folder, f"manifest.json is unreadable: {exc}")) from None
    if not isinstance(manifest, dict):
        raise DataError(damaged_message(folder, "manifest.json is not a JSON object"))
    return manifest


def verify_bundle(folder: Path, *, full: bool = False) -> dict:
    """The manifest of a bundle folder after checking its layers (size; sha256 with ``full``); DataError if damaged."""
    manifest = read_manifest(folder)
    problems = bundle_damage(folder, manifest, full=full)
    if problems:
        raise DataError(damaged_message(folder, "; ".join(problems)))
    return manifest


class Bundle:
    """A region bundle: units at three levels, population by age, plans, services, boundaries and provenance.

    Layers load on first use. Build one with :func:`load_bundle` (from disk) or ``demo.demo_bundle``.
    """

    def __init__(self, manifest: dict, layers: dict[str, Callable[[], pd.DataFrame]], *, root: Path | None = None):
        self.manifest = manifest
        self._layers = layers
        self._cache: dict[str, pd.DataFrame] = {}
        self.root = root

    @classmethod
    def from_directory(cls, path: Path, *, data_dir: Path | None = None) -> Bundle:
        manifest_path = path / "manifest.json"
        if not manifest_path.is_file():
            raise DataError(f"{path} is not a region bundle (no manifest.json)")
        manifest = verify_bundle(path)
        layers = {p.stem: (lambda p=p: read_layer(p)) for p in sorted(path.glob("*.parquet"))}
        return cls(manifest, layers, root=data_dir or path.parent)

    @classmethod
    def from_frames(cls, manifest: dict, frames: dict[str, pd.DataFrame]) -> Bundle:
        return cls(manifest, {name: (lambda f=f: f) for name, f in frames.items()})

    def has_layer(self, name: str) -> bool:
        return name in self._layers

    def layer(self, name: str) -> pd.DataFrame:
        if name not in self._cache:
            if name not in self._layers:
                raise DataError(f"the bundle has no layer {name!r}; it has {sorted(self._layers)}")
            self._cache[name] = self._layers[name]()
        return self._cache[name]

    # -- identity -------------------------------------------------------------------------------
    @property
    def is_demo(self) -> bool:
        return bool(self.manifest.get("synthetic"))

    @property
    def title(self) -> str:
        return self.manifest.get("title", self.manifest.get("region", "region"))

    # -- layers ---------------------------------------------------------------------------------
    def units(self, level: str = "municipality") -> gpd.GeoDataFrame:
        """Units of one level, indexed by ``unit_id``, in EPSG:31370 (a copy: callers may modify it)."""
        if level not in settings.LEVELS:
            raise DataError(f"unknown level {level!r}; choose one of {', '.join(settings.LEVELS)}")
        return self.layer(f"units_{level}").copy()

    @property
    def population_age(self) -> pd.DataFrame:
        """Population by municipality (2025 borders), sex and single year of age."""
        return self.layer("population_age")

    @property
    def sectors(self) -> pd.DataFrame:
        return self.layer("sectors")

    def plan_names(self) -> list[str]:
        return list(self.manifest.get("plans", {}))

    def plan_info(self, name: str) -> dict:
        plans = self.manifest.get("plans", {})
        if name not in plans:
            raise DataError(f"the bundle has no plan {name!r}; it has {', '.join(plans) or 'none'}")
        return dict(plans[name])

    def plan_assignment(self, name: str) -> pd.DataFrame:
        """``unit_id, zone_id, zone_name`` of a plan stored in the bundle (e.g. ``"elz"``)."""
        self.plan_info(name)
        plans = self.layer("plans")
        return plans.loc[plans["plan"] == name, ["unit_id", "zone_id", "zone_name"]].reset_index(drop=True)

    def services(self, service_type: str | None = None, *, active_only: bool = False) -> gpd.GeoDataFrame:
        """Services (points, EPSG:31370) indexed by ``service_id``; optionally one type and only active ones."""
        services = self.layer("services")
        if service_type is not None:
            subtypes = services["service_subtype"] if "service_subtype" in services else pd.Series(None, index=services.index)
            known = sorted(set(services["service_type"]) | set(subtypes.dropna()))
            if service_type not in known:
                raise DataError(f"unknown service type {service_type!r}; the bundle has {', '.join(known)}")
            if service_type in set(services["service_type"]):
                services = services[services["service_type"] == service_type]  # a family ("hospital") holds all its subtypes
            else:  # a subtype ("hospital_general") is returned as a type of its own, so one analysis sees one type
                services = services[subtypes == service_type].assign(service_type=service_type)
        if active_only:
            services = services[services["active"]]
        return services.copy()

    def boundaries(self, kind: str) -> gpd.GeoDataFrame:
        return self.layer(f"boundary_{kind}").copy()

    def path(self, key: str) -> Path | None:
        """Path of a raw file kept in the cache (``osm_antwerp``, ``ghs_pop_1km``, ...); None when absent (demo)."""
        relative = self.manifest.get("paths", {}).get(key)
        if relative is None or self.root is None:
            return None
        return self.root / relative

    # -- provenance -----------------------------------------------------------------------------
    @property
    def sources(self) -> list[dict]:
        return list(self.manifest.get("sources", []))

    def credits(self, layers: list[str] | None = None) -> str:
        """One credit line for the given map layers (``units``, ``services``, ...), or for every source."""
        if self.is_demo:
            return "Synthetische demodata (zorgzones) - geen echte gegevens / synthetic demo data, not real"
        wanted = None
        if layers is not None:
            wanted = {d for layer in layers for b in CREDIT_LAYERS.get(layer, [layer]) for d in self.manifest["layers"].get(b, [])}
        credits = []
        for source in self.sources:
            if (wanted is None or source["id"] in wanted) and source["credit"] not in credits:
                credits.append(source["credit"])
        return "Bronnen: " + "; ".join(credits)

    def info(self) -> dict:
        """Summary used by ``zorgzones data info``."""
        levels = {}
        for level in settings.LEVELS:
            units = self.layer(f"units_{level}")
            levels[level] = {"units": int(len(units)), "population": int(units["pop_total"].sum())}
        municipalities = self.layer("units_municipality")
        regions = {name: int(pop) for name, pop in municipalities.groupby("region")["pop_total"].sum().items()}
        services = self.layer("services")
        inside = services[services["inside_region"]]
        return {
            "title": self.title,
            "synthetic": self.is_demo,
            "bundle_version": self.manifest.get("bundle_version"),
            "built_at": self.manifest.get("built_at"),
            "levels": levels,
            "regions": regions,
            "plans": {name: {k: v for k, v in info.items() if k != "sources"} for name, info in self.manifest.get("plans", {}).items()},
            "services": {t: int(n) for t, n in inside["service_type"].value_counts().sort_index().items()},
            "services_active": {t: int(n) for t, n in inside[inside["active"]]["service_type"].value_counts().sort_index().items()},
            "services_outside_region": int((~services["inside_region"]).sum()),
            "service_subtypes": ({t: int(n) for t, n in inside["service_subtype"].value_counts().sort_index().items()}
                                 if "service_subtype" in inside else {}),
            "sources": [{k: s.get(k) for k in ("id", "title", "licence", "reference_date", "credit")} for s in self.sources],
            "notes": self.manifest.get("notes", []),
        }


def bundle_path(data_dir: Path) -> Path:
    return data_dir / BUNDLE_DIR


def bundle_is_current(data_dir: Path, catalog) -> bool:
    manifest = bundle_path(data_dir) / "manifest.json"
    if not manifest.is_file():
        return False
    try:
        content = json.loads(manifest.read_text(encoding="utf-8"))
    except ValueError:
        return False
    if not isinstance(content, dict) or bundle_damage(manifest.parent, content):
        return False
    return content.get("bundle_version") == BUNDLE_VERSION and content.get("catalog_fingerprint") == catalog.fingerprint()


def install_bundle(data_dir: Path, staging: Path) -> None:
    """Swap a completely built bundle in; the old one is removed only after the new one is in place."""
    target, old = bundle_path(data_dir), data_dir / (BUNDLE_DIR + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        os.replace(target, old)
    os.replace(staging, target)
    shutil.rmtree(old, ignore_errors=True)
