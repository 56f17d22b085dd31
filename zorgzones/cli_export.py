"""``zorgzones export``: print maps, packs, HTML maps and data files.

``zorgzones export map | pack | html | data``: print maps, the plenary pack, the interactive map and data
files from the command line.
"""

from __future__ import annotations

import time
from pathlib import Path

from .cli_common import add_data_dir, add_json, dpi, minutes, print_json, progress_enabled
from .errors import ValidationError
from .pack_content import CLASS_MODES
from .i18n import LANGUAGES
from .indicators import indicator_keys
from .printmap import MAP_ORIENTATIONS, PAPER_MM
from .settings import LEVELS

FORMATS = {"map": ("pdf", "png", "svg"), "pack": ("pdf", "pptx"), "html": ("html",), "data": ("gpkg", "csv", "xlsx")}
HELP = {"map": "a print map (PDF vector, PNG 300 dpi or SVG) with legend, scale bar, north arrow and credits",
        "pack": "the plenary pack: overview + one page per zone (PDF) or the same as a PowerPoint deck (PPTX)",
        "html": "a self-contained single-file interactive map (units, zones, services, credits; works offline but for basemap tiles)",
        "data": "zones, units with metrics, services and tables as GeoPackage, CSV files or an XLSX workbook"}


def register(subparsers) -> None:
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
        if name == "data":
            sub.add_argument("--lang", choices=LANGUAGES, default="nl",
                             help="language of the credits, demo note and the 'labels' table of column names (default nl)")
        if name != "data":
            sub.add_argument("--indicator", default="share_65plus", help=f"indicator to map: {', '.join(indicator_keys('unit'))} "
                             f"(zone maps also: {', '.join(k for k in indicator_keys('zone') if k not in indicator_keys('unit'))})")
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
            sub.add_argument("--max-minutes", type=minutes, default=5.0, help="travel-time threshold of --gaps (default 5)")
        if name == "pack":
            sub.add_argument("--quiet", action="store_true", help="no progress bar")
            sub.add_argument("--zones", metavar="ID,...", help="only these zones (ids separated by commas): their pages and an "
                             "overview zoomed to them and their neighbours")
            sub.add_argument("--classes", choices=CLASS_MODES, default="regional",
                             help="map classes of the zone pages: regional (one scale, zones comparable; default) or zone "
                                  "(each zone its own classes, to show its inner differences)")
            sub.add_argument("--title", help="title of the pack (default: the official plan's title, else the plan's name); "
                                             "a plan that is not one of the bundle's official plans is labelled as a scenario")
        add_data_dir(sub)
        add_json(sub)
        sub.set_defaults(func=run_export, what=name, option_problems=export_option_problems)


def export_option_problems(args) -> list[str]:
    """The output path's problems (type, folder), listed by ``main`` with the range problems of the other options."""
    try:
        path = output_path(args)
    except ValidationError as exc:
        return [f"--output: {p}" for p in exc.problems]
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        return [f"--output {path}: folder {folder} does not exist; create it or choose another output path"]
    if path.is_dir():
        return [f"--output {path} is a folder; give a file name"]
    return []


def output_path(args) -> Path:
    """The output path with the suffix of ``--format`` (added when missing; a conflicting suffix is an error)."""
    path = Path(args.output)
    suffix = path.suffix.lower().lstrip(".")
    formats = FORMATS[args.what]
    if args.format and not suffix:
        return path.with_suffix("." + args.format)
    if args.format and suffix != args.format and not (args.format == "html" and suffix == "htm"):
        raise ValidationError(f"output {path}", [f"--format {args.format} but the file name ends in .{suffix}; "
                                                 f"use a .{args.format} name or drop --format"])
    if suffix not in formats and not (args.what == "html" and suffix == "htm"):
        raise ValidationError(f"output {path}", [f"unsupported file type {'.' + suffix if suffix else '(none)'}; "
                                                 f"'export {args.what}' writes {', '.join('.' + f for f in formats)}"])
    return path


def load_plan(bundle, value: str | None, *, level: str | None, allow_none: bool):
    """A plan from the bundle by name or from a file; ``None`` for ``--plan none`` where allowed."""
    from .zones import Plan, read_plan

    if value is not None and value.lower() == "none":
        if not allow_none:
            raise ValidationError("--plan", ["this export needs a plan; give a plan name or a plan file"])
        return None
    names = bundle.plan_names()
    if value is None:
        if not names:
            raise ValidationError("--plan", ["the bundle has no plans; pass a plan file with --plan PATH"])
        value = names[0]
    if value in names:
        return Plan.from_bundle(bundle, value)
    path = Path(value)
    if path.suffix.lower() in (".csv", ".xlsx", ".gpkg"):
        return read_plan(path, level=level)
    raise ValidationError("--plan", [f"unknown plan {value!r}; the bundle has {', '.join(names) or 'no plans'}, "
                                     "or give a plan file (.csv, .xlsx, .gpkg)"])


def run_export(args) -> int:
    from . import export, pack
    from .region import load_bundle

    path = output_path(args)
    bundle = load_bundle(args.data_dir)
    plan = load_plan(bundle, args.plan, level=args.level, allow_none=args.what in ("map", "html"))
    level = args.level or (plan.level if plan is not None else "municipality")
    started = time.perf_counter()
    analysis = None
    notes: list[str] = []
    if getattr(args, "gaps", None):
        if plan is None:
            raise ValidationError("--gaps", ["coverage gaps are summed per zone: give a plan"])
        analysis = export.gap_layers(bundle, plan, level=level, service_type=args.gaps, max_minutes=args.max_minutes)
    if args.what == "map":
        written = [export.write_map(path, bundle, plan=plan, level=level, indicator=args.indicator, by=args.by, paper=args.paper,
                                    orientation=args.orientation, with_services=args.services, title=args.title,
                                    subtitle=args.subtitle, lang=args.lang, dpi=args.dpi, basemap=args.basemap,
                                    notes=notes)]
    elif args.what == "pack":
        zones = [z for z in args.zones.split(",")] if args.zones is not None else None
        written = [pack.write_pack(path, bundle, plan, level=level, indicator=args.indicator, lang=args.lang,
                                          progress=progress_enabled(args), zones=zones, classes=args.classes,
                                          title=args.title)]
    elif args.what == "html":
        written = [export.write_html(path, bundle, plan=plan, level=level, indicator=args.indicator,
                                     with_services=not args.no_services, lang=args.lang,
                                     tiles=None if args.no_basemap else "OpenStreetMap",
                                     analysis={k: v[v["pop_beyond"] > 0] for k, v in (analysis or {}).items() if "geometry" in v})]
    else:
        written = export.write_data(path, bundle, plan, level=level, analysis=analysis, lang=args.lang)
    seconds = time.perf_counter() - started
    summary = {"command": f"export {args.what}", "written": [{"path": str(p), "bytes": p.stat().st_size} for p in written],
               "plan": plan.name if plan is not None else None, "level": level,
               "indicator": getattr(args, "indicator", None), "synthetic_demo_data": bundle.is_demo, "seconds": round(seconds, 2),
               "notes": notes}
    if args.what == "html":
        from .webassets import external_assets

        summary["external_assets"] = external_assets(written[0].read_text(encoding="utf-8"))
    if args.json:
        print_json(summary)
    else:
        for item in summary["written"]:
            print(f"wrote {item['path']} ({item['bytes']:,} bytes)")
        for note in notes:
            print(f"note: {note}")
        if bundle.is_demo:
            print("note: made from the SYNTHETIC DEMO region (run `zorgzones data fetch` for real data)")
    return 0
