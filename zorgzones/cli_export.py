"""``zorgzones export``: print maps, packs, HTML maps and data files.

``zorgzones export map | pack | html | data``: print maps, the plenary pack, the interactive map and data
files from the command line.
"""

from __future__ import annotations

import time
from pathlib import Path

from .cli_common import print_json, progress_enabled
from .cli_parser import FORMATS
from .errors import ValidationError

def export_option_problems(args) -> list[str]:
    """The output path's problems (type, folder) and a pack's unknown ``--with`` pages, listed by ``main`` with the range
    problems of the other options."""
    extra = _extra_problems(args)
    try:
        path = output_path(args)
    except ValidationError as exc:
        return [f"--output: {p}" for p in exc.problems] + extra
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        return [f"--output {path}: folder {folder} does not exist; create it or choose another output path"] + extra
    if path.is_dir():
        return [f"--output {path} is a folder; give a file name"] + extra
    return extra


def _extra_problems(args) -> list[str]:
    """Unknown ``--with`` values of ``export pack`` (each listed with the valid ones)."""
    if not getattr(args, "with_", None):
        return []
    from .pack_clusters import parse_extras

    return parse_extras(args.with_)[1]


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

    from .year_labels import check_year, year_info

    path = output_path(args)
    bundle = load_bundle(args.data_dir)
    year = getattr(args, "year", None)
    plan = load_plan(bundle, args.plan, level=args.level, allow_none=args.what in ("map", "html"))
    level = args.level or (plan.level if plan is not None else "municipality")
    check_year(bundle, year, level=level)  # before any work: a bad year lists the bundle's range
    started = time.perf_counter()
    analysis = None
    notes: list[str] = []
    if getattr(args, "gaps", None):
        if plan is None:
            raise ValidationError("--gaps", ["coverage gaps are summed per zone: give a plan"])
        analysis = export.gap_layers(bundle, plan, level=level, service_type=args.gaps, max_minutes=args.max_minutes, year=year)
    if args.what == "map":
        written = [export.write_map(path, bundle, plan=plan, level=level, indicator=args.indicator, by=args.by, paper=args.paper,
                                    orientation=args.orientation, with_services=args.services, title=args.title,
                                    subtitle=args.subtitle, lang=args.lang, dpi=args.dpi, basemap=args.basemap,
                                    notes=notes, year=year)]
    elif args.what == "pack":
        zones = [z for z in args.zones.split(",")] if args.zones is not None else None
        written = [pack.write_pack(path, bundle, plan, level=level, indicator=args.indicator, lang=args.lang,
                                          progress=progress_enabled(args), zones=zones, classes=args.classes,
                                          title=args.title, extras=args.with_ or (), year=year)]
    elif args.what == "html":
        written = [export.write_html(path, bundle, plan=plan, level=level, indicator=args.indicator,
                                     with_services=not args.no_services, lang=args.lang,
                                     tiles=None if args.no_basemap else "OpenStreetMap", year=year,
                                     analysis={k: v[v["pop_beyond"] > 0] for k, v in (analysis or {}).items() if "geometry" in v})]
    else:
        written = export.write_data(path, bundle, plan, level=level, analysis=analysis, lang=args.lang, year=year)
    seconds = time.perf_counter() - started
    summary = {"command": f"export {args.what}", "written": [{"path": str(p), "bytes": p.stat().st_size} for p in written],
               "plan": plan.name if plan is not None else None, "level": level,
               "indicator": getattr(args, "indicator", None), "synthetic_demo_data": bundle.is_demo, "seconds": round(seconds, 2),
               "notes": notes}
    if year is not None:  # as the plan commands report it (cli_plan._population_note)
        summary["population"] = year_info(bundle, year)
    if args.what == "html":
        from .webassets import external_assets

        summary["external_assets"] = external_assets(written[0].read_text(encoding="utf-8"))
    if args.json:
        print_json(summary)
    else:
        for item in summary["written"]:
            print(f"wrote {item['path']} ({item['bytes']:,} bytes)")
        if year is not None:
            print(f"population {year}: {summary['population']['label']}")
        for note in notes:
            print(f"note: {note}")
        if bundle.is_demo:
            print("note: made from the SYNTHETIC DEMO region (run `zorgzones data fetch` for real data)")
    return 0
