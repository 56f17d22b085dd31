"""The command-line parser: every command and option, light enough for ``--help``.

Each command names its handler as ``module:function`` (:class:`~zorgzones.cli_common.Handler`), imported
only when that command runs, so the help and the option checks load no analysis code."""

from __future__ import annotations

import argparse
from pathlib import Path

from . import __version__, settings
from .cli_common import (Handler, add_data_dir, add_json, dpi, int_in, minutes, plan_argument, population, positive_float,
                         positive_int, seed)
from .i18n import LANGUAGES
from .settings import (BAND_PRESETS, CLUSTER_SEED, CLUSTER_ZONE_POLISH_PASSES, HOTSPOT_ALPHA, HOTSPOT_PERMUTATIONS, LEVELS,
                       MAP_ORIENTATIONS, MAX_PLAN_ALTERNATIVES, PACK_CLASS_MODES, PAPER_MM, PLAN_SUFFIXES,
                       POPULATION_BASE_YEAR, TYPOLOGY_INDICATORS, TYPOLOGY_K_RANGE)


def _data(subparsers) -> None:
    data = subparsers.add_parser("data", help="get and inspect the region data")
    commands = data.add_subparsers(title="data commands", metavar="ACTION")
    data.set_defaults(func=lambda args: data.print_help() or 2)

    fetch = commands.add_parser("fetch", help="download the public sources (checksums, cache) and build the region bundle")
    add_data_dir(fetch)
    fetch.add_argument("--mirror", type=Path, help="read the files from a local mirror directory (same URL layout) instead of the network")
    fetch.add_argument("--base-url", help="download from this host instead of the catalog's (same URL paths)")
    fetch.add_argument("--force", action="store_true", help="rebuild the bundle even when it is current")
    fetch.add_argument("--repair", action="store_true", help="re-verify every cached file and rebuild a damaged bundle")
    fetch.add_argument("--quiet", action="store_true", help="no progress bars")
    add_json(fetch)
    fetch.set_defaults(func=Handler("cli_data:run_fetch"), writes_bundle=True)

    info = commands.add_parser("info", help="what the bundle holds (units, population, plans, services, sources)")
    add_data_dir(info)
    add_json(info)
    info.set_defaults(func=Handler("cli_data:run_info"))

    demo = commands.add_parser("demo", help="write the synthetic demo region (no download needed)")
    add_data_dir(demo)
    demo.add_argument("--seed", type=seed, default=0, help="random seed (default 0)")
    add_json(demo)
    demo.set_defaults(func=Handler("cli_data:run_demo"), writes_bundle=True)

    verify = commands.add_parser("check-bundle", help="verify every layer of the bundle against its recorded sha256")
    add_data_dir(verify)
    add_json(verify)
    verify.set_defaults(func=Handler("cli_data:run_check_bundle"))

    check = commands.add_parser("check", help="check a user file (services list) and list every problem")
    check.add_argument("path", type=Path, help="CSV, XLSX, GeoPackage, GeoJSON or shapefile")
    check.add_argument("--kind", choices=["services"], default="services")
    for key in ("id", "name", "type", "capacity", "x", "y"):
        check.add_argument(f"--{key}", dest=f"column_{key}", metavar="COLUMN", help=f"column holding the {key}")
    check.add_argument("--crs", help="CRS of the x/y columns (default EPSG:4326 for lon/lat)")
    check.add_argument("--encoding", help="text encoding of a CSV (default: from its byte-order mark, else UTF-8, "
                       "else guessed and reported)")
    check.add_argument("--sheet", help="sheet of an XLSX (name or number; default: the one with coordinate columns)")
    add_data_dir(check)
    add_json(check)
    check.set_defaults(func=Handler("cli_data:run_check"))

    template = commands.add_parser("template", help="write an empty services list (XLSX/CSV) for one service type to fill in")
    template.add_argument("--service-type", required=True, help=f"service type, e.g. {', '.join(sorted(settings.SERVICE_TYPES))}")
    template.add_argument("--coordinates", choices=["lonlat", "xy"], default="lonlat",
                          help="lon/lat (WGS84, default) or x/y (Belgian Lambert 72) columns")
    template.add_argument("-o", "--output", type=Path, required=True, help="file to write (.xlsx or .csv)")
    add_json(template)
    template.set_defaults(func=Handler("cli_data:run_template"))

    osm = commands.add_parser("osm-services", help="read care and social services from an OpenStreetMap .osm.pbf")
    osm.add_argument("path", type=Path, help="an .osm.pbf extract")
    osm.add_argument("-o", "--output", type=Path, required=True, help="file to write (.gpkg, .geojson or .csv)")
    osm.add_argument("--extract-date", help="date of the extract for the credit when the file header has none (YYYY-MM-DD)")
    add_json(osm)
    osm.set_defaults(func=Handler("cli_data:run_osm_services"))


def _access(subparsers) -> None:
    access = subparsers.add_parser("access", help="travel time to the nearest service and 2SFCA/E2SFCA supply per 1,000, per unit and zone")
    access.add_argument("--service-type", default="pharmacy", help="service type in the bundle (default pharmacy)")
    access.add_argument("--level", default="neighbourhood", choices=[*settings.LEVELS, "raster"],
                        help="demand points: units of a level, or populated cells of a GHS-POP raster (default neighbourhood)")
    access.add_argument("--raster", default="ghs_pop_100m_westflanders",
                        help="with --level raster: a bundle raster key (ghs_pop_100m_westflanders, ghs_pop_1km) or a GeoTIFF path")
    access.add_argument("--engine", default="straight", choices=["straight", "network"],
                        help="straight line x detour (default) or the OSM road network (--osm)")
    access.add_argument("--osm", default="osm_antwerp", help="with --engine network: a bundle key or an .osm.pbf path (default osm_antwerp)")
    access.add_argument("--mode", default=None, choices=sorted(settings.SPEED_KMH), help="travel mode (default: the service type's)")
    access.add_argument("--method", default=settings.DEFAULT_ACCESS_METHOD, choices=settings.ACCESS_METHODS,
                        help=f"catchment measure (default {settings.DEFAULT_ACCESS_METHOD}; nearest = travel times only)")
    access.add_argument("--max-minutes", type=minutes, default=None,
                        help="threshold T in minutes: catchment and 'beyond T' (default: the service type's, e.g. pharmacy 10)")
    access.add_argument("--steps", default=None, help="E2SFCA steps as bound:weight,... in minutes (default T/3:1,2T/3:0.68,T:0.22)")
    access.add_argument("--sigma", type=positive_float, default=None, help="Gaussian width in minutes (default T/2)")
    access.add_argument("--target", default=None,
                        help=f"target population: {', '.join(settings.TARGET_PRESETS)} (default: the service type's)")
    access.add_argument("--demand", default=None, choices=settings.DEMAND_MODELS,
                        help="where people are: each statistical sector at its point (default where the bundle has sectors) "
                             "or each unit's people at one point (centroid, for comparison)")
    access.add_argument("--year", type=int, default=None,
                        help="population of this year: observed 2009-2022, projected after (default 2022)")
    access.add_argument("--include-inactive", action="store_true", help="count suspended/inactive services too")
    access.add_argument("--province", action="append", default=None, metavar="ID",
                        help="report only units of this province (NIS code; repeatable); catchments still use the whole region")
    plan_argument(access)
    access.add_argument("-o", "--out", "--output", dest="out", type=Path, default=None,
                        help="write results (.csv, .gpkg, .xlsx): points, units and zones")
    access.add_argument("--quiet", action="store_true", help="no progress bar")
    add_data_dir(access)
    add_json(access)
    access.set_defaults(func=Handler("cli_access:cli_run_access"), option_problems=Handler("cli_access:option_problems"))


def _add_common(parser) -> None:
    parser.add_argument("--service-type", default="pharmacy", help="service type in the bundle (default pharmacy)")
    parser.add_argument("--max-minutes", type=minutes, default=None,
                        help="threshold T in minutes (default: the service type's, e.g. pharmacy 10)")
    parser.add_argument("--mode", default=None, choices=sorted(settings.SPEED_KMH),
                        help="travel mode for straight-line times (default: the service type's, e.g. pharmacy walk)")
    parser.add_argument("--level", default="neighbourhood", choices=list(settings.LEVELS))
    parser.add_argument("--target", default=None,
                        help=f"target population: {', '.join(settings.TARGET_PRESETS)} (default: the service type's, e.g. nursing_home 80plus)")
    parser.add_argument("--demand", default=None, choices=settings.DEMAND_MODELS,
                        help="where people are: each statistical sector at its point (default where the bundle has sectors) "
                             "or each unit's people at one point (centroid, for comparison)")
    parser.add_argument("--year", type=int, default=None,
                        help="population of this year: observed 2009-2022, projected after (default 2022)")
    parser.add_argument("--province", action="append", default=None, metavar="ID",
                        help="only units of this province (NIS code, e.g. 70000); repeatable; default the whole region")
    parser.add_argument("--services-file", type=Path, default=None,
                        help="use your own services list (CSV/XLSX with x/y or lon/lat, GeoPackage, GeoJSON) instead of the bundle's")
    parser.add_argument("-o", "--out", "--output", dest="out", type=Path, default=None, help="write results: .csv, .gpkg or .xlsx")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    add_data_dir(parser)
    add_json(parser)


def _coverage(subparsers) -> None:
    gaps = subparsers.add_parser("gaps", help="target population beyond T of a service, overlaps, capacity-limited coverage, zone benchmark")
    _add_common(gaps)
    plan_argument(gaps)
    gaps.add_argument("--norm-per-1000", type=positive_float, default=None, help="flag units whose 2SFCA supply per 1,000 is below this norm")
    gaps.add_argument("--min-services", type=int_in(2, name="min_services"), default=settings.OVERLAP_MIN_SERVICES,
                      help=f"overlap: population within T of at least this many services (default {settings.OVERLAP_MIN_SERVICES})")
    gaps.add_argument("--population-per-capacity", type=positive_float, default=None,
                      help="capacity-limited coverage: people one unit of capacity serves (default: the service type's planning "
                           "rule, e.g. 2500 per pharmacy)")
    gaps.set_defaults(func=Handler("cli_coverage:cli_run_gaps"), command="gaps",
                      option_problems=Handler("cli_coverage:option_problems"))

    site = subparsers.add_parser("site", help="choose p new sites: maximal covering of uncovered population, or p-median")
    _add_common(site)
    site.add_argument("--p", type=positive_int, required=True, help="number of new sites")
    site.add_argument("--objective", default="coverage", choices=["coverage", "median"])
    site.add_argument("--method", default="exact", choices=["exact", "greedy"])
    site.add_argument("--time-limit-s", type=positive_float, default=settings.SITING_TIME_LIMIT_S,
                      help=f"time limit of the exact solver (default {settings.SITING_TIME_LIMIT_S:g} s)")
    site.add_argument("--candidates", default="gap-units", choices=["gap-units", "units", "grid"],
                      help="candidate sites: per unit the centre of its people beyond T (default), every unit, or a grid")
    site.add_argument("--candidates-file", type=Path, default=None,
                      help="given candidate sites (points file read like --services-file); overrides --candidates")
    site.add_argument("--grid-spacing-m", type=positive_float, default=settings.SITING_GRID_SPACING_M, help="grid spacing for --candidates grid")
    site.add_argument("--cutoff-minutes", type=minutes, default=settings.SITING_CUTOFF_MINUTES,
                      help="median: pairs beyond this are ignored and unreached people count at this cost (default 60)")
    site.set_defaults(func=Handler("cli_coverage:cli_run_site"), command="site",
                      option_problems=Handler("cli_coverage:option_problems"))


def _plan(subparsers) -> None:
    """Add ``plan validate | metrics | compare | generate``."""
    plan = subparsers.add_parser("plan", help="validate, measure, compare and generate zone plans")
    commands = plan.add_subparsers(dest="plan_command", required=True)

    def common(parser, *, band=True):
        add_data_dir(parser)
        parser.add_argument("--units", type=Path, default=None, help="vector file of units instead of the bundle's")
        parser.add_argument("--unit-id", default="unit_id", help="id column of --units (default unit_id)")
        parser.add_argument("--level", choices=LEVELS, default=None, help="unit level (default: the plan's level)")
        parser.add_argument("--region", choices=("flanders", "brussels"), default=None, help="only units of this region")
        parser.add_argument("--encoding", default=None, help="text encoding of CSV plan files (default: byte-order mark, "
                            "else UTF-8, else guessed and reported)")
        parser.add_argument("--sheet", default=None, help="sheet of XLSX plan files (name or number; default: 'assignment', "
                            "else the one with unit_id and zone_id columns)")
        add_json(parser)
        if band:
            parser.add_argument("--band", choices=sorted(BAND_PRESETS), default=None, help="population band preset")
            parser.add_argument("--min-population", type=population, default=None)
            parser.add_argument("--max-population", type=population, default=None)
        parser.add_argument("--island-policy", choices=("nearest", "allow", "strict"), default="nearest")
        parser.add_argument("--year", type=int, default=None,
                            help="population of this year: observed (Statbel) up to 2022, Planning Bureau projection after")

    validate = commands.add_parser("validate", help="check a plan; exit 0 valid, 1 findings, 2 unusable input")
    validate.add_argument("plan", help=f"plan file ({', '.join(PLAN_SUFFIXES)}) or a bundle plan name such as elz")
    common(validate)
    validate.add_argument("--allow-cross-region", action="store_true")
    validate.add_argument("--years", default=None, help="also check the band in each year of a range, e.g. 2022-2040")
    validate.set_defaults(func=Handler("cli_plan:run_validate", check="cli_plan:check_plan_options"), option_problems=Handler("cli_plan:plan_option_problems"))

    metrics = commands.add_parser("metrics", help="zone metrics of a plan")
    metrics.add_argument("plan")
    common(metrics)
    metrics.add_argument("-o", "--output", "--out", dest="output", type=Path, default=None, help="write the table (.csv or .xlsx)")
    metrics.add_argument("--compare-with", default=None, metavar="LEVELS",
                         help="compare each zone with its reference areas: comma list of arrondissement, province, region, all "
                              "(ratios of sums; a Brussels zone has no province and is never compared with itself); with -o "
                              "the table is also written to <output>-reference")
    metrics.add_argument("--indicators", default=None, metavar="KEYS",
                         help="comma list of indicators for --compare-with (default: ageing shares, informal-care ratio, "
                              "pharmacies, all/general/psychiatric hospital beds)")
    metrics.set_defaults(func=Handler("cli_plan:run_metrics", check="cli_plan:check_plan_options"), option_problems=Handler("cli_plan:plan_option_problems"))

    compare = commands.add_parser("compare", help="compare two plans of the same units")
    compare.add_argument("plan_a")
    compare.add_argument("plan_b")
    common(compare)
    compare.add_argument("-o", "--output", "--out", dest="output", type=Path, default=None, help="write the zone-by-zone table (.csv or .xlsx)")
    compare.set_defaults(func=Handler("cli_plan:run_compare", check="cli_plan:check_plan_options"), option_problems=Handler("cli_plan:plan_option_problems"))

    generate = commands.add_parser("generate", help="generate plans inside a population band")
    common(generate)
    generate.add_argument("--n-zones", type=positive_int, default=None)
    generate.add_argument("--respect", choices=("region", "province"), default="region")
    generate.add_argument("--base", default=None, help="plan file or bundle plan name to stay close to")
    generate.add_argument("--seed", type=seed, default=0)
    generate.add_argument("--alternatives", type=int_in(1, MAX_PLAN_ALTERNATIVES, name="alternatives"), default=1)
    generate.add_argument("--years", default=None,
                          help="keep every zone in the band in each year of a range, e.g. 2022-2040 (zones are generated "
                               "within a band narrowed by the units' growth, then checked year by year)")
    generate.add_argument("--replace", action="store_true",
                          help="replace an existing GeoPackage output instead of adding the plan's layers to it")
    generate.add_argument("-o", "--output", "--out", dest="output", type=Path, default=None,
                          help="write the best plan (.csv, .xlsx, .gpkg); alternatives get -2, -3 … suffixes")
    generate.set_defaults(func=Handler("cli_plan:run_generate", check="cli_plan:check_plan_options"), option_problems=Handler("cli_plan:plan_option_problems"))


FORMATS = {"map": ("pdf", "png", "svg"), "pack": ("pdf", "pptx"), "html": ("html",), "data": ("gpkg", "csv", "xlsx")}


HELP = {"map": "a print map (PDF vector, PNG 300 dpi or SVG) with legend, scale bar, north arrow and credits",
        "pack": "the plenary pack: overview + one page per zone (PDF) or the same as a PowerPoint deck (PPTX)",
        "html": "a self-contained single-file interactive map (units, zones, services, credits; works offline but for basemap tiles)",
        "data": "zones, units with metrics, services and tables as GeoPackage, CSV files or an XLSX workbook"}


def _export(subparsers) -> None:
    export = subparsers.add_parser("export", help="exports for plenary meetings: print maps, packs, HTML map, data files")
    commands = export.add_subparsers(title="export commands", metavar="WHAT")
    export.set_defaults(func=lambda args: export.print_help() or 2)
    for name, formats in FORMATS.items():
        sub = commands.add_parser(name, help=HELP[name], description=HELP[name])
        sub.add_argument("-o", "--output", "--out", dest="output", type=Path, required=True, help=f"output file ({', '.join('.' + f for f in formats)})"
                         + ("; for csv one file per table named <stem>_<table>.csv" if name == "data" else ""))
        sub.add_argument("--format", choices=formats, help="file format (default: from the output suffix)")
        sub.add_argument("--plan", default=None,
                         help="plan name in the bundle (default: the first, e.g. elz) or a plan file (.csv/.xlsx/.gpkg)"
                         + ("; 'none' for a map without zones" if name in ("map", "html") else ""))
        sub.add_argument("--level", choices=LEVELS, help="unit level (default: the plan's level)")
        sub.add_argument("--year", type=int, default=None,
                         help=f"population of this year: observed (Statbel) up to {POPULATION_BASE_YEAR}, Planning Bureau "
                              f"projection after (default {POPULATION_BASE_YEAR}); named on every map, page and table")
        if name == "data":
            sub.add_argument("--lang", choices=LANGUAGES, default="nl",
                             help="language of the credits, demo note and the 'labels' table of column names (default nl)")
        if name != "data":
            sub.add_argument("--indicator", default="share_65plus",
                             help="indicator to map, e.g. share_65plus, share_80plus, informal_care_ratio, density_per_km2, "
                                  "travel_min_pharmacy, supply_per_1000_hospital (an unknown key lists them all)")
            sub.add_argument("--lang", choices=LANGUAGES, default="nl",
                             help="language of labels, numbers and municipality names (nl, fr, en; default nl)")
        if name == "map":
            sub.add_argument("--by", choices=("unit", "zone"), default="unit", help="colour units or whole zones (default unit)")
            sub.add_argument("--paper", choices=tuple(PAPER_MM), default="A4")
            sub.add_argument("--orientation", choices=MAP_ORIENTATIONS, default="landscape",
                             help="page orientation; auto: landscape for data wider than high (default landscape)")
            sub.add_argument("--basemap", metavar="SOURCE", default=None,
                             help="web basemap tiles under the map when online: OpenStreetMap or an http(s) URL template "
                                  "with {z}/{x}/{y}; skipped (with a note) when the server does not answer")
            sub.add_argument("--services", action="store_true", help="draw pharmacies and hospitals")
            sub.add_argument("--title", help="map title (default: indicator per level)")
            sub.add_argument("--subtitle", help="subtitle (default: plan and number of zones)")
            sub.add_argument("--dpi", type=dpi, default=300, help="PNG resolution (default 300; 10 to 2400)")
        if name == "html":
            sub.add_argument("--no-services", action="store_true", help="leave the services layer out")
            sub.add_argument("--no-basemap", action="store_true", help="no web basemap tiles (the map's scripts are inlined "
                             "anyway, so the file then needs no internet at all)")
        if name in ("data", "html"):
            sub.add_argument("--gaps", metavar="SERVICE_TYPE", help="add coverage gaps for this service type (pharmacy, hospital) "
                             "as analysis layers: population beyond --max-minutes by straight line")
            sub.add_argument("--max-minutes", type=minutes, default=None,
                             help="threshold of --gaps in minutes (default: the service type's, as `zorgzones gaps`)")
        if name == "pack":
            sub.add_argument("--quiet", action="store_true", help="no progress bar")
            sub.add_argument("--zones", metavar="ID,...", help="only these zones (ids separated by commas): their pages and an "
                             "overview zoomed to them and their neighbours")
            sub.add_argument("--classes", choices=PACK_CLASS_MODES, default="regional",
                             help="map classes of the zone pages: regional (one scale, zones comparable; default) or zone "
                                  "(each zone its own classes, to show its inner differences)")
            sub.add_argument("--title", help="title of the pack (default: the official plan's title, else the plan's name); "
                                             "a plan that is not one of the bundle's official plans is labelled as a scenario")
            sub.add_argument("--with", dest="with_", action="append", metavar="PAGES", default=None,
                             help="add clustering pages (repeat --with or separate by commas): 'typology' = a map of the "
                                  "plan's units by need type with each type's profile, and a page of each zone's mix of "
                                  "types; 'hotspots' = a map of Gi* hot and cold spots (90/95/99 %%) of the pack's indicator "
                                  "when it is a share, else share_80plus; e.g. --with typology,hotspots (settings as `zorgzones "
                                  f"cluster`: k-means, k by silhouette, seed {settings.CLUSTER_SEED}, "
                                  f"{settings.HOTSPOT_PERMUTATIONS} permutations)")
        add_data_dir(sub)
        add_json(sub)
        sub.set_defaults(func=Handler("cli_export:run_export"), what=name, option_problems=Handler("cli_export:export_option_problems"))


def _population(subparsers) -> None:
    """Add ``population``."""
    parser = subparsers.add_parser(
        "population", help="population and ageing per zone of a plan or per unit, observed and projected",
        description="Population, 65+, 80+, 85+, their shares, the informal-care ratio (people 50-64 per person 80+) and "
                    f"growth against {POPULATION_BASE_YEAR}, per year. Observed: Statbel (1 January). Projected: Federal "
                    "Planning Bureau arrondissement projections carried to municipalities by constant "
                    f"{POPULATION_BASE_YEAR} shares per sex and age group; sub-municipal units are estimates.")
    add_data_dir(parser)
    parser.add_argument("--plan", default=None, help="plan file or bundle plan name (e.g. elz): one series per zone")
    parser.add_argument("--zone", action="append", default=None, help="only this zone of --plan (repeatable)")
    parser.add_argument("--level", choices=LEVELS, default="municipality", help="unit level without --plan (default municipality)")
    parser.add_argument("--unit", action="append", default=None, help="only this unit id (repeatable)")
    parser.add_argument("--years", default=None, help="years, e.g. 2015-2040 or 2015,2022,2030 (default: all)")
    add_json(parser)
    parser.add_argument("-o", "--output", "--out", dest="output", type=Path, default=None, help="write the table (.csv or .xlsx)")
    parser.set_defaults(func=Handler("cli_population:run_population"))


def k_value(text: str):
    """``--k``: a whole number >= 2 or ``auto``."""
    if text == "auto":
        return "auto"
    try:
        k = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 2 or 'auto', got {text!r}") from None
    if k < 2:
        raise argparse.ArgumentTypeError(f"expected at least 2 types, got {k}")
    return k


def _cluster(subparsers) -> None:
    """Add ``cluster typology | hotspots | zones``."""
    cluster = subparsers.add_parser("cluster", help="need typology, hot spots of ageing and gaps, clustering-based zones")
    commands = cluster.add_subparsers(dest="cluster_command", required=True)

    def common(parser, *, out_help: str):
        add_data_dir(parser)
        add_json(parser)
        parser.add_argument("--level", choices=LEVELS, default=None, help="unit level (default: the plan's, else municipality)")
        parser.add_argument("--plan", default=None, help="plan file or bundle plan name: its level; typology: type mix per zone; "
                                                                  "hotspots: only its units; zones: scored alike to compare")
        parser.add_argument("--units", type=Path, default=None, help="vector file of units instead of the bundle's")
        parser.add_argument("--unit-id", default="unit_id", help="id column of --units (default unit_id)")
        parser.add_argument("--region", choices=("flanders", "brussels"), default=None, help="only units of this region")
        parser.add_argument("--seed", type=int, default=CLUSTER_SEED, help=f"random seed (default {CLUSTER_SEED})")
        parser.add_argument("--year", type=int, default=None,
                            help="population of this year: observed (Statbel) up to 2022, Planning Bureau projection after")
        parser.add_argument("-o", "--out", "--output", dest="out", type=Path, default=None, help=out_help)

    typology = commands.add_parser("typology", help="types of units alike in need (k-means, GMM or Ward)")
    common(typology, out_help="write units + profiles (.csv units only, .xlsx sheets, .gpkg layers)")
    typology.add_argument("--k", type=k_value, default="auto", help="number of types, or auto (best silhouette)")
    typology.add_argument("--k-min", type=int, default=TYPOLOGY_K_RANGE[0], help="smallest k tried with --k auto")
    typology.add_argument("--k-max", type=int, default=TYPOLOGY_K_RANGE[1], help="largest k tried with --k auto")
    typology.add_argument("--method", choices=("kmeans", "gmm", "ward"), default="kmeans")
    typology.add_argument("--indicator", action="append", default=[], metavar="KEY",
                          help=f"add an indicator of indicators.py (repeatable); defaults: {', '.join(TYPOLOGY_INDICATORS)}")
    typology.add_argument("--only", action="store_true", help="use only the --indicator keys, not the defaults")
    typology.add_argument("--lang", choices=("nl", "en", "fr"), default="nl", help="language of the type descriptions")
    typology.set_defaults(func=Handler("cli_cluster:run_typology"))

    hotspots = commands.add_parser("hotspots", help="hot and cold spots (Gi*) and LISA clusters of one indicator")
    common(hotspots, out_help="write per-unit statistics (.csv, .xlsx, .gpkg with dissolved cluster polygons)")
    hotspots.add_argument("--indicator", default="share_80plus", metavar="KEY", help="indicator key (default share_80plus)")
    hotspots.add_argument("--permutations", type=int, default=HOTSPOT_PERMUTATIONS)
    hotspots.add_argument("--alpha", type=float, default=HOTSPOT_ALPHA, help="significance level (default 0.05)")
    hotspots.add_argument("--fdr", action="store_true", help="control the false discovery rate (Benjamini-Hochberg)")
    hotspots.add_argument("--island-policy", choices=("nearest", "allow", "strict"), default="nearest")
    hotspots.set_defaults(func=Handler("cli_cluster:run_hotspots"))

    zones = commands.add_parser("zones", help="zone proposal: contiguous zones of alike need inside a population band")
    common(zones, out_help="write the plan (.csv, .xlsx, .gpkg) for plan validate/metrics")
    zones.add_argument("--band", choices=sorted(BAND_PRESETS), default=None, help="population band preset")
    zones.add_argument("--min-population", type=float, default=None)
    zones.add_argument("--max-population", type=float, default=None)
    zones.add_argument("--respect", choices=("region", "province"), default="region")
    zones.add_argument("--linkage", choices=("ward", "average", "complete"), default="ward")
    zones.add_argument("--indicator", action="append", default=[], metavar="KEY", help="add an indicator (repeatable)")
    zones.add_argument("--only", action="store_true", help="use only the --indicator keys")
    zones.add_argument("--island-policy", choices=("nearest", "allow", "strict"), default="nearest")
    zones.add_argument("--polish-passes", type=int, default=CLUSTER_ZONE_POLISH_PASSES,
                       help=f"passes of compactness moves after the band repair (0 = none; default {CLUSTER_ZONE_POLISH_PASSES})")
    zones.set_defaults(func=Handler("cli_cluster:run_zones"))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="zorgzones",
        description="Zonal care-area planning for Flanders and Brussels: data, accessibility, gaps, zone plans and exports.",
    )
    parser.add_argument("--version", action="version", version=f"zorgzones {__version__}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    _data(subparsers)
    _access(subparsers)
    _coverage(subparsers)
    _plan(subparsers)
    _export(subparsers)
    _population(subparsers)
    _cluster(subparsers)
    return parser
