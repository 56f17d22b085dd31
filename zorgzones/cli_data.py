"""``zorgzones data``: fetch public data, show the bundle, check files.

``zorgzones data fetch | info | demo | check``: get the public data, show what the bundle holds, check user
files.
"""

from __future__ import annotations


from . import settings
from .bundle import bundle_path, verify_bundle
from .region import load_bundle
from .cli_common import print_json, progress_enabled
from .demo import write_demo
from .fetch import fetch_region


def run_fetch(args) -> int:
    result = fetch_region(args.data_dir, mirror=args.mirror, base_url=args.base_url,
                          progress=progress_enabled(args), force=args.force or args.repair)
    if args.json:
        print_json(result.to_dict())
    else:
        print(f"{len(result.fetched)} file(s) fetched, {len(result.skipped)} already valid; "
              f"bundle {'built' if result.bundle_built else 'already current'} in {result.data_dir} ({result.seconds:.1f} s)")
    return 0


def run_info(args) -> int:
    bundle = load_bundle(args.data_dir)
    if bundle.root is not None and bundle_path(bundle.root).is_dir():
        verify_bundle(bundle_path(bundle.root), full=True)
    info = bundle.info()
    if args.json:
        print_json(info)
        return 0
    print(info["title"] + ("  [SYNTHETIC DEMO DATA]" if info["synthetic"] else ""))
    for level, figures in info["levels"].items():
        print(f"  {level:<14} {figures['units']:>6,} units  {figures['population']:>10,} inhabitants")
    for region, population in info["regions"].items():
        print(f"  region {region:<10} {population:>10,} inhabitants")
    for name, plan in info["plans"].items():
        print(f"  plan {name}: {plan['zones']} zones, {plan['min_population']:,} - {plan['max_population']:,} inhabitants")
    for service_type, count in info["services"].items():
        print(f"  {service_type:<10} {count:>6,} inside the region ({info['services_active'].get(service_type, 0):,} active)")
    for subtype, count in info.get("service_subtypes", {}).items():
        print(f"    {subtype:<22} {count:>6,} inside the region")
    print("  sources:")
    for source in info["sources"]:
        print(f"    - {source['title']} ({source['licence']}; {source['reference_date']})")
    return 0


def run_check_bundle(args) -> int:
    folder = bundle_path(settings.data_dir(args.data_dir))
    if not (folder / "manifest.json").is_file():
        load_bundle(args.data_dir, allow_demo=False)  # raises with the message saying how to get one
    manifest = verify_bundle(folder, full=True)
    checked = len(manifest.get("checksums", {}))
    if args.json:
        print_json({"bundle": str(folder), "ok": True, "layers_checked": checked})
    elif checked:
        print(f"the bundle in {folder.parent} is intact ({checked} layers match their sha256)")
    else:
        print(f"the bundle in {folder.parent} has no recorded checksums (built by an older version); "
              "run `zorgzones data fetch --repair` to record them")
    return 0


def run_demo(args) -> int:
    path = write_demo(settings.data_dir(args.data_dir), seed=args.seed)
    if args.json:
        print_json({"path": str(path), "seed": args.seed, "synthetic": True})
    else:
        print(f"synthetic demo region (seed {args.seed}) written to {path}")
    return 0


def run_check(args) -> int:
    from .uploads import read_services_file

    from .errors import Report
    from .service_templates import recall_mapping, remember_mapping
    from .uploads import read_user_table

    bundle = load_bundle(args.data_dir)
    columns = {key: getattr(args, f"column_{key}") for key in ("id", "name", "type", "capacity", "x", "y")}
    columns = {k: v for k, v in columns.items() if v}
    header = read_user_table(args.path, Report(args.path.name), encoding=args.encoding)
    file_columns = list(header.columns) if header is not None else []
    remembered = recall_mapping(settings.data_dir(args.data_dir), file_columns) if file_columns and not columns else {}
    services, report = read_services_file(args.path, columns=columns or remembered, crs=args.crs, encoding=args.encoding,
                                          sheet=args.sheet, region=bundle.boundaries("region").union_all())
    if remembered:
        report.note(f"column mapping remembered from an earlier file with the same columns: {remembered}")
    elif columns and report.ok and file_columns:
        remember_mapping(settings.data_dir(args.data_dir), file_columns, columns)
    if args.json:
        print_json(report.to_dict() | {"rows": len(services)})
    else:
        print(f"{args.path}: {len(services)} service(s) read")
        for note in report.notes:
            print(f"  note: {note}")
    report.raise_if_problems()
    return 0


def run_template(args) -> int:
    from .service_templates import service_template, write_service_template

    path = write_service_template(args.service_type, args.output, coordinates=args.coordinates)
    table, _ = service_template(args.service_type, coordinates=args.coordinates)
    defaults = settings.service_type_defaults(args.service_type)
    if args.json:
        print_json({"path": str(path), "service_type": args.service_type, "columns": list(table.columns),
                    "capacity_unit": defaults.capacity_unit, "known_type": args.service_type in settings.SERVICE_TYPES})
    else:
        known = "" if args.service_type in settings.SERVICE_TYPES else " (not a known type: default settings apply)"
        print(f"template for {args.service_type}{known} written to {path}: columns {', '.join(table.columns)}; "
              f"capacity in {defaults.capacity_unit}")
    return 0


def run_osm_services(args) -> int:
    from .osm_services import read_osm_services, write_osm_services

    services = read_osm_services(args.path, extract_date=args.extract_date)
    path = write_osm_services(services, args.output)
    counts = {t: int(n) for t, n in services["service_type"].value_counts().sort_index().items()} if len(services) else {}
    if args.json:
        print_json({"path": str(path), "services": int(len(services)), "by_type": counts, "credit": services.attrs.get("credit")})
    else:
        print(f"{len(services)} service(s) read from {args.path.name}, written to {path}")
        for kind, n in counts.items():
            print(f"  {kind:<22} {n:>6,}")
        print(f"  credit: {services.attrs.get('credit')}")
    return 0
