"""``zorgzones access``: nearest service and catchment supply."""

from __future__ import annotations

from .analysis import parse_steps
from .analysis_access import AccessRequest, run_access
from .cli_common import check_out, collect, print_json, progress_bar
from .errors import Report
from .export import write_tables
from .region import load_bundle
from .zones import load_plan

OUTPUT_SUFFIXES = (".csv", ".gpkg", ".xlsx")


def option_problems(args) -> list[str]:
    """Problems between options, listed by ``cli.main`` with the range problems before any work."""
    report = Report("access options")
    check_out(report, args.out, OUTPUT_SUFFIXES)
    collect(report, parse_steps, args.steps)  # --steps listed with every other bad option
    return report.problems


def request_from_args(args) -> AccessRequest:
    """The analysis request of the command line (its options were checked by :func:`option_problems`)."""
    request = AccessRequest(service_type=args.service_type, level=args.level, method=args.method, mode=args.mode,
                            max_minutes=args.max_minutes, steps=parse_steps(args.steps), sigma_minutes=args.sigma,
                            target=args.target, engine=args.engine, osm=args.osm, raster=args.raster,
                            include_inactive=args.include_inactive, provinces=tuple(args.province or ()),
                            demand_model=args.demand, year=args.year)
    return request.resolved()


def cli_run_access(args) -> int:
    request = request_from_args(args)
    bundle = load_bundle(args.data_dir)
    plan = load_plan(bundle, args.plan) if args.plan else None
    with progress_bar(args, total=4, desc="access") as step:
        result = run_access(bundle, request, plan=plan, progress=step)
    summary = {"demo_data": bundle.is_demo, **result.summary()}
    if args.out is not None:
        tables = {"points": result.per_point, "units": result.by_unit} | ({"zones": result.by_zone} if result.by_zone is not None else {})
        summary["written"] = [str(p) for p in write_tables(args.out, tables)]
    if args.json:
        print_json(summary)
        return 0
    r = summary["selection"] or summary["region"]
    steps = f", steps {', '.join(f'{b:g}:{w:g}' for b, w in request.steps.items())}" if request.steps else ""
    print(f"{request.service_type} access ({request.method}{steps}, {request.engine} {request.mode}, T={request.max_minutes:g} min, "
          f"target {request.target}, {result.demand.model} demand, population {result.demand.year}: {result.demand.population_label}) "
          f"for {summary['points']:,} demand points in {request.level} units"
          + (f" (+ {summary['points_outside']:,} across the border sharing the services)" if summary["points_outside"] else "")
          + ("  [SYNTHETIC DEMO DATA]" if bundle.is_demo else ""))
    print(f"  target population {r['target_pop']:,.0f}; beyond T: {r['pop_beyond']:,.0f} ({_fmt(r['share_beyond'], '.1%')}); "
          f"mean {_fmt(r['mean_travel_min'])} min, p90 {_fmt(r['p90_travel_min'])} min")
    if r.get("supply_per_1000") is not None:
        print(f"  supply per 1,000 target inhabitants: {r['supply_per_1000']:.3f}"
              + (f" (whole region {summary['region']['supply_per_1000']:.3f})" if summary["selection"] else ""))
    if result.by_zone is not None:
        columns = ["zone_name", "target_pop", "mean_travel_min", "p90_travel_min", "share_beyond"]
        columns += ["supply_per_1000", "ratio_to_region"] if "supply_per_1000" in result.by_zone else []
        print(result.by_zone[columns].round(3).to_string())
    for note in summary["notes"]:
        print(f"  note: {note}")
    for path in summary.get("written", []):
        print(f"  wrote {path}")
    return 0


def _fmt(value, spec: str = ".1f") -> str:
    return "n/a" if value is None else format(value, spec)
