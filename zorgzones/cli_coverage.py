"""``zorgzones gaps`` and ``zorgzones site``: who is beyond reach, where to add."""

from __future__ import annotations

from pathlib import Path

from . import settings
from .analysis_gaps import GapsRequest, SiteRequest, run_gaps, run_site
from .region import load_bundle
from .cli_common import (
    add_data_dir,
    add_json,
    check_out,
    check_positive,
    collect,
    plan_argument,
    print_json,
    progress_bar,
    resolve_plan,
)
from .errors import Report
from .export import write_tables
from .uploads import read_services_file

OUTPUT_SUFFIXES = (".csv", ".gpkg", ".xlsx")


def _add_common(parser) -> None:
    parser.add_argument("--service-type", default="pharmacy", help="service type in the bundle (default pharmacy)")
    parser.add_argument("--max-minutes", type=float, default=None,
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


def register(subparsers) -> None:
    gaps = subparsers.add_parser("gaps", help="target population beyond T of a service, overlaps, capacity-limited coverage, zone benchmark")
    _add_common(gaps)
    plan_argument(gaps)
    gaps.add_argument("--norm-per-1000", type=float, default=None, help="flag units whose 2SFCA supply per 1,000 is below this norm")
    gaps.add_argument("--min-services", type=int, default=settings.OVERLAP_MIN_SERVICES,
                      help=f"overlap: population within T of at least this many services (default {settings.OVERLAP_MIN_SERVICES})")
    gaps.add_argument("--population-per-capacity", type=float, default=None,
                      help="capacity-limited coverage: people one unit of capacity serves (default: the service type's planning "
                           "rule, e.g. 2500 per pharmacy)")
    gaps.set_defaults(func=cli_run_gaps, command="gaps")

    site = subparsers.add_parser("site", help="choose p new sites: maximal covering of uncovered population, or p-median")
    _add_common(site)
    site.add_argument("--p", type=int, required=True, help="number of new sites")
    site.add_argument("--objective", default="coverage", choices=["coverage", "median"])
    site.add_argument("--method", default="exact", choices=["exact", "greedy"])
    site.add_argument("--time-limit-s", type=float, default=settings.SITING_TIME_LIMIT_S,
                      help=f"time limit of the exact solver (default {settings.SITING_TIME_LIMIT_S:g} s)")
    site.add_argument("--candidates", default="gap-units", choices=["gap-units", "units", "grid"],
                      help="candidate sites: per unit the centre of its people beyond T (default), every unit, or a grid")
    site.add_argument("--candidates-file", type=Path, default=None,
                      help="given candidate sites (points file read like --services-file); overrides --candidates")
    site.add_argument("--grid-spacing-m", type=float, default=settings.SITING_GRID_SPACING_M, help="grid spacing for --candidates grid")
    site.add_argument("--cutoff-minutes", type=float, default=settings.SITING_CUTOFF_MINUTES,
                      help="median: pairs beyond this are ignored and unreached people count at this cost (default 60)")
    site.set_defaults(func=cli_run_site, command="site")


def gaps_request(args, report: Report) -> GapsRequest | None:
    """The gaps part of a gaps/site command line, its problems added to ``report``."""
    check_out(report, args.out, OUTPUT_SUFFIXES)
    check_positive(report, "--max-minutes", args.max_minutes)
    check_positive(report, "--norm-per-1000", getattr(args, "norm_per_1000", None))
    check_positive(report, "--population-per-capacity", getattr(args, "population_per_capacity", None))
    if getattr(args, "min_services", 2) < 2:
        report.problem(f"--min-services is {args.min_services}; expected a whole number >= 2")
    if hasattr(args, "p"):
        check_positive(report, "--p", args.p, integer=True)
        for option in ("grid_spacing_m", "cutoff_minutes", "time_limit_s"):
            check_positive(report, "--" + option.replace("_", "-"), getattr(args, option))
    if not report.ok:
        return None
    request = GapsRequest(service_type=args.service_type, level=args.level, mode=args.mode, max_minutes=args.max_minutes,
                          target=args.target, provinces=tuple(args.province or ()),
                          norm_per_1000=getattr(args, "norm_per_1000", None),
                          min_services=getattr(args, "min_services", settings.OVERLAP_MIN_SERVICES),
                          population_per_capacity=getattr(args, "population_per_capacity", None), demand_model=args.demand,
                          year=args.year)
    return collect(report, request.resolved)


def _inputs(args, *, plan: bool):
    """Request, bundle, plan and the user's services of a gaps/site command: every problem listed at once."""
    report = Report(f"{args.command} options")
    request = gaps_request(args, report)
    bundle = load_bundle(args.data_dir)
    chosen = collect(report, resolve_plan, bundle, args.plan) if plan else None
    if args.province:
        known = set(bundle.units(args.level)["province_id"].dropna())
        unknown = sorted(set(args.province) - known)
        if unknown:
            report.problem(f"--province {', '.join(unknown)} not found; known: {', '.join(sorted(known))}")
    services = collect(report, _points_file, args.services_file, args.service_type)
    report.raise_if_problems()
    return request, bundle, chosen, services


def _points_file(path: Path | None, service_type: str):
    """A user's points file (services or candidate sites), every problem raised at once."""
    if path is None:
        return None
    points, report = read_services_file(path, service_type=service_type)
    report.raise_if_problems()
    return points


def cli_run_gaps(args) -> int:
    request, bundle, plan, services = _inputs(args, plan=True)
    with progress_bar(args, total=4, desc="gaps") as step:
        result = run_gaps(bundle, request, plan=plan, services=services, progress=step)
    summary = {"demo_data": bundle.is_demo, **result.summary()}
    if args.out is not None:
        summary["written"] = [str(p) for p in write_tables(args.out, result.tables())]
    if args.json:
        print_json(summary)
        return 0
    print(f"{request.service_type}: {summary['pop_beyond']:,.0f} of {summary['target_pop']:,.0f} (target {request.target}) live beyond "
          f"{request.max_minutes:g} min ({request.mode}, {summary['demand_model']} demand, population {summary['year']}: "
          f"{summary['population']}); {summary['units_mostly_beyond']} of {summary['units']} {request.level} units have most of "
          f"their people beyond ({summary['gap_areas']} gap areas), {summary['units_beyond']} some; "
          f"{summary['pop_overlap']:,.0f} within reach of >= {request.min_services} services" + ("  [SYNTHETIC DEMO DATA]" if bundle.is_demo else ""))
    for row in summary["top_gaps"]:
        print(f"  {row['rank']:>3}. {row['name']}: {row['pop_beyond']:,.0f} of {row['target_pop']:,.0f}")
    if "capacity_limited" in summary:
        c = summary["capacity_limited"]
        print(f"capacity-limited coverage ({c['population_per_capacity']:g} per unit of capacity): {c['covered_pop']:,.0f} covered, "
              f"{c['residual_pop']:,.0f} not")
    if result.benchmark is not None:
        below = result.benchmark.index[result.benchmark["below_region"]].tolist()
        print(f"zones below their regional supply per 1,000: {', '.join(map(str, below)) or 'none'}")
    for note in summary["notes"]:
        print(f"note: {note}")
    for path in summary.get("written", []):
        print(f"wrote {path}")
    return 0


def cli_run_site(args) -> int:
    gaps, bundle, _, services = _inputs(args, plan=False)
    request = SiteRequest(gaps=gaps, p=args.p, objective=args.objective, method=args.method, candidates=args.candidates,
                          grid_spacing_m=args.grid_spacing_m, cutoff_minutes=args.cutoff_minutes,
                          time_limit_s=args.time_limit_s).checked()
    candidates = _points_file(args.candidates_file, request.gaps.service_type)
    with progress_bar(args, total=4, desc="site") as step:
        result = run_site(bundle, request, services=services, candidates=candidates, progress=step)
    summary = {"demo_data": bundle.is_demo, **result.summary()}
    if args.out is not None:
        summary["written"] = [str(p) for p in write_tables(args.out, {"sites": result.sites})]
    if args.json:
        print_json(summary)
        return 0
    g, found = request.gaps, result.result
    if found is None:
        print("; ".join(result.notes))
        return 0
    if request.objective == "coverage":
        what = (f"newly covered {found.value:,.0f} (target {g.target}) within {g.max_minutes:g} min ({g.mode}); "
                f"already covered {found.baseline:,.0f} of {found.total_demand:,.0f}")
    else:
        what = f"mean travel {found.mean_cost:.2f} min ({g.mode})"
    gap = f"gap {found.gap:.2%}" if summary.get("gap") is not None else "no bound (greedy)"
    print(f"{request.method} {request.objective}, p={request.p} from {result.candidates} candidates: {what} "
          f"[{found.status}, {gap}, {found.seconds:.2f} s]")
    for site_id, row in result.sites.iterrows():
        print(f"  {row['pick']}. {site_id} {row['name'] or ''} at ({row['x']:.0f}, {row['y']:.0f})")
    for note in result.notes:
        print(f"note: {note}")
    for path in summary.get("written", []):
        print(f"wrote {path}")
    return 0
