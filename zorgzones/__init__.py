"""Zonal care-area planning for Flanders and Brussels.

The modules, by layer (imports point down; see the README's layout section)::

    base        errors, settings, validation, fileio, integrity
    data        catalog, fetch, readers, uploads, service_templates, osm_services, sectors, population_build,
                geographies, hospitals, build, bundle, demo, region, population, demand
    travel      travel, osm, network
    analysis    accessibility, catchment, access_summary, coverage, siting,
                analysis, analysis_access, analysis_gaps, typology, typology_words, hotspots, cluster_zones
    plans       zones, plan_inputs, adjacency, plan_checks, plan_metrics, reference, editing, partition,
                regionalize, planstore
    output      i18n, indicators, classes, maplabels, maps, cluster_layers, cluster_maps, printmap, basemap, webassets,
                trends, export, pack_clusters, pack_content, pack_typology, export_pack, export_deck, pack, year_labels,
                pack_trends
    shells      cli, cli_parser, cli_common, cli_* (and the Streamlit app outside the package)

Every module loads on first use (``zorgzones.analysis_access``), so ``import zorgzones`` stays light and the
command line starts fast.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

#: Every module of the package by layer, loaded on first attribute access (PEP 562).
LAYERS = {
    "base": ("errors", "settings", "validation", "fileio", "integrity"),
    "data": ("catalog", "fetch", "readers", "uploads", "service_templates", "osm_services", "sectors", "population_build",
             "geographies", "hospitals", "build", "bundle", "demo", "region", "population", "demand"),
    "travel": ("travel", "osm", "network"),
    "analysis": ("accessibility", "catchment", "access_summary", "coverage", "siting", "analysis", "analysis_access",
                 "analysis_gaps", "typology", "typology_words", "hotspots", "cluster_zones"),
    "plans": ("zones", "plan_inputs", "adjacency", "plan_checks", "plan_metrics", "reference", "editing", "partition",
              "regionalize", "planstore"),
    "output": ("i18n", "indicators", "classes", "maplabels", "maps", "cluster_layers", "printmap", "basemap", "webassets",
               "trends", "export", "pack_clusters", "pack_content", "pack_typology", "export_pack", "export_deck", "pack",
               "cluster_maps", "year_labels", "pack_trends"),
    "shells": ("cli", "cli_parser", "cli_common", "cli_data", "cli_access", "cli_coverage", "cli_plan", "cli_export",
               "cli_population", "cli_cluster"),
}
MODULES = tuple(name for names in LAYERS.values() for name in names)
__all__ = ["__version__", *MODULES]


def __getattr__(name: str):
    if name in MODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
