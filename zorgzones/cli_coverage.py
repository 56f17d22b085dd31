"""``zorgzones gaps`` and ``zorgzones site``: who is beyond reach, where to add."""

from __future__ import annotations

from pathlib import Path

from . import settings
from .analysis_gaps import GapsRequest, SiteRequest, run_gaps, run_site
from .region import load_bundle
from .cli_common import (
    check_out,
    collect,
    print_json,
    progress_bar,
)
from .errors import Report
from .export import write_tables
from .zones import load_plan
from .uploads import read_services_file

OUTPUT_SUFFIXES = (".csv", ".gpkg", ".xlsx")


def option_problems(args) -> list[str]:
    """Problems between options (the numbers are checked by their option types in cli_parser)."""
    report = Report(f"{args.command} options")
    check_out(report, args.out, OUTPUT_SUFFIXES)
    return report.problems


def gaps_request(args, report: Report) -> GapsRequest | None:
    """The gaps part of a gaps/site command line, its problems added to ``report``."""
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
    chosen = collect(report, load_plan, bundle, args.plan) if plan and args.plan else None
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
