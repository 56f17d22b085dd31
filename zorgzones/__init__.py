"""Zonal care-area planning for Flanders and Brussels.

The modules, by layer (imports point down; see the README's layout section)::

    base        errors, settings, validation
    data        catalog, fetch, readers, uploads, build, bundle, demo
    travel      travel, osm, network
    analysis    accessibility, catchment, access_summary, coverage, siting,
                analysis, analysis_access, analysis_gaps
    plans       zones, adjacency, plan_checks, plan_metrics, editing, partition, regionalize, planstore
    output      i18n, indicators, classes, maps, printmap, basemap, webassets, export, export_pack, export_deck
    shells      cli, cli_* (and the Streamlit app outside the package)

``zorgzones.analysis_access`` and the other modules load on first use (``import zorgzones`` stays light, so
the command line starts fast).
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

#: Every public module, loaded on first attribute access (PEP 562).
MODULES = (
    "errors", "settings", "validation",
    "catalog", "fetch", "readers", "uploads", "build", "bundle", "demo",
    "travel", "osm", "network",
    "accessibility", "catchment", "access_summary", "coverage", "siting", "analysis", "analysis_access", "analysis_gaps",
    "zones", "adjacency", "plan_checks", "plan_metrics", "editing", "partition", "regionalize", "planstore",
    "i18n", "indicators", "classes", "maps", "printmap", "basemap", "webassets", "export", "export_pack", "export_deck",
    "cli",
)
__all__ = ["__version__", *MODULES]


def __getattr__(name: str):
    if name in MODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
