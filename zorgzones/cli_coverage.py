"""``zorgzones gaps`` and ``zorgzones site``: coverage gaps, overlaps and zone benchmarks, and where to add services."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from .bundle import load_bundle
from .cli_common import add_data_dir, add_json, print_json
from .coverage import (
    benchmark_table,
    capacity_limited_coverage,
    coverage_gaps,
    coverage_overlaps,
    gap_areas,
    ranked,
    service_units,
    summarise_by_zone,
)
from .errors import Report
from .siting import candidate_grid, candidates_from_units, maximal_covering, p_median
from .travel import SPEED_KMH, demand_points, straight_line_costs

OUTPUT_SUFFIXES = (".csv", ".gpkg", ".xlsx")
TOP_N = 10


def _add_common(parser) -> None:
    parser.add_argument("--service-type", default="pharmacy", help="service type in the bundle (default pharmacy)")
    parser.add_argument("--max-minutes", type=float, default=15.0, help="threshold T in minutes (default 15)")
    parser.add_argument("--mode", default="walk", choices=sorted(SPEED_KMH), help="travel mode for straight-line times (default walk)")
    parser.add_argument("--level", default="neighbourhood", choices=["municipality", "deelgemeente", "neighbourhood"])
    parser.add_argument("--population", default="pop_total", help="target population column (pop_total, pop_65plus, pop_0_2, ...)")
    parser.add_argument("--province", action="append", default=None, metavar="ID",
                        help="only units of this province (NIS code, e.g. 70000); repeatable; default the whole region")
    parser.add_argument("--services-file", type=Path, default=None,
                        help="use your own services list (CSV/XLSX with x/y or lon/lat, GeoPackage, GeoJSON) instead of the bundle's")
    parser.add_argument("-o", "--out", "--output", dest="out", type=Path, default=None, help="write results: .csv, .gpkg or .xlsx")
    add_data_dir(parser)
    add_json(parser)


def register(subparsers) -> None:
    gaps = subparsers.add_parser("gaps", help="target population beyond T of a service, overlaps, capacity-limited coverage, zone benchmark")
    _add_common(gaps)
    gaps.add_argument("--plan", default=None, help="zone plan in the bundle (e.g. elz) for per-zone figures and the benchmark table")
    gaps.add_argument("--norm-per-1000", type=float, default=None, help="flag units whose 2SFCA supply per 1,000 is below this norm")
    gaps.add_argument("--min-services", type=int, default=2, help="overlap: population within T of at least this many services (default 2)")
    gaps.add_argument("--population-per-capacity", type=float, default=None,
                      help="also run capacity-limited coverage: people one unit of capacity serves (e.g. 2500 per pharmacy)")
    gaps.set_defaults(func=run_gaps)

    site = subparsers.add_parser("site", help="choose p new sites: maximal covering of uncovered population, or p-median")
    _add_common(site)
    site.add_argument("--p", type=int, required=True, help="number of new sites")
    site.add_argument("--objective", default="coverage", choices=["coverage", "median"])
    site.add_argument("--method", default="exact", choices=["exact", "greedy"])
    site.add_argument("--time-limit-s", type=float, default=60.0, help="time limit of the exact solver (default 60 s)")
    site.add_argument("--candidates", default="gap-units", choices=["gap-units", "units", "grid"],
                      help="candidate sites: centres of units beyond T (default), of all units, or a grid")
    site.add_argument("--candidates-file", type=Path, default=None,
                      help="given candidate sites (points file read like --services-file); overrides --candidates")
    site.add_argument("--grid-spacing-m", type=float, default=1000.0, help="grid spacing for --candidates grid")
    site.add_argument("--cutoff-minutes", type=float, default=60.0,
                      help="median: pairs beyond this are ignored and unreached people count at this cost (default 60)")
    site.set_defaults(func=run_site)


@dataclass
class _Inputs:
    units: gpd.GeoDataFrame
    points: gpd.GeoDataFrame
    demand: pd.Series
    services: gpd.GeoDataFrame
    unit_zone: pd.Series | None
    bundle: object


def _load(args) -> _Inputs:
    report = Report("gaps/site options")
    if not (np.isfinite(args.max_minutes) and args.max_minutes > 0):
        report.problem(f"--max-minutes is {args.max_minutes}; expected a positive number of minutes")
    if args.out is not None and args.out.suffix.lower() not in OUTPUT_SUFFIXES:
        report.problem(f"--out {args.out} has suffix {args.out.suffix!r}; expected one of {OUTPUT_SUFFIXES}")
    report.raise_if_problems()
    bundle = load_bundle(args.data_dir)
    units = bundle.units(args.level)
    if args.population not in units.columns:
        report.problem(f"--population {args.population!r} is not a column of the units; use one of "
                       f"{[c for c in units.columns if c.startswith('pop_')]}")
    if args.province:
        unknown = sorted(set(args.province) - set(units["province_id"].dropna()))
        if unknown:
            report.problem(f"--province {unknown} not found; known: {sorted(units['province_id'].dropna().unique())}")
        units = units[units["province_id"].isin(args.province)]
    plan_name = getattr(args, "plan", None)
    if plan_name is not None and plan_name not in bundle.plan_names():
        report.problem(f"--plan {plan_name!r} not in the bundle; it has {bundle.plan_names()}")
    report.raise_if_problems()
    if args.services_file is not None:
        services = _read_points(args.services_file, args.service_type)
    else:
        services = bundle.services(args.service_type, active_only=True)
    unit_zone = None
    if plan_name is not None:
        plan = bundle.plan_assignment(plan_name).set_index("unit_id")["zone_id"]
        key = units.index if bundle.plan_info(plan_name).get("level", "municipality") == args.level else units["municipality_id"]
        unit_zone = pd.Series(plan.reindex(key).to_numpy(), index=units.index)
        if unit_zone.isna().any():
            missing = list(units.index[unit_zone.isna().to_numpy()][:5])
            Report("plan", [f"plan {plan_name!r} assigns no zone to {int(unit_zone.isna().sum())} unit(s) (first {missing})"]).raise_if_problems()
    points = demand_points(units, weight_column=args.population)
    demand = points[args.population].astype(float)
    return _Inputs(units, points, demand, services, unit_zone, bundle)


def _read_points(path: Path, service_type: str) -> gpd.GeoDataFrame:
    """A user's points file (services or candidate sites), every problem raised at once."""
    from .uploads import read_services_file

    points, report = read_services_file(path, service_type=service_type)
    report.raise_if_problems()
    return points


def _records(frame: pd.DataFrame, n: int | None = None) -> list[dict]:
    frame = frame.head(n) if n else frame
    return frame.reset_index().replace({np.nan: None}).to_dict(orient="records")


def _write(out: Path, tables: dict[str, pd.DataFrame]) -> list[str]:
    """Write each table: .xlsx one sheet each, .gpkg one layer each (attribute-only tables too), .csv one file each."""
    out.parent.mkdir(parents=True, exist_ok=True)
    suffix = out.suffix.lower()
    written = []
    if suffix == ".xlsx":
        with pd.ExcelWriter(out) as writer:
            for name, table in tables.items():
                pd.DataFrame(table.drop(columns="geometry", errors="ignore")).to_excel(writer, sheet_name=name[:31])
        return [str(out)]
    if out.exists() and suffix == ".gpkg":
        out.unlink()
    for k, (name, table) in enumerate(tables.items()):
        if suffix == ".gpkg":
            if isinstance(table, gpd.GeoDataFrame):
                table.to_file(out, layer=name, driver="GPKG")
            else:
                import pyogrio

                pyogrio.write_dataframe(pd.DataFrame(table).reset_index(), out, layer=name, driver="GPKG")
            written.append(f"{out}:{name}")
        else:
            path = out if k == 0 else out.with_name(f"{out.stem}_{name}{out.suffix}")
            pd.DataFrame(table.drop(columns="geometry", errors="ignore")).to_csv(path)
            written.append(str(path))
    return written


def _benchmark(data: _Inputs, args, supply: pd.Series) -> pd.DataFrame:
    """Zone benchmark at the plan's own level over the WHOLE region (regional figures stay regional with --province),
    then only the zones of the selected units."""
    level = data.bundle.plan_info(args.plan).get("level", "municipality")
    units = data.bundle.units(level)
    plan = data.bundle.plan_assignment(args.plan).set_index("unit_id")["zone_id"]
    units = units[units.index.isin(plan.index)]
    bench = benchmark_table(units[args.population].astype(float), supply, unit_zone=plan.reindex(units.index),
                            service_unit=service_units(data.services, units), unit_region=units["region"])
    return bench[bench.index.isin(data.unit_zone.unique())]


def run_gaps(args) -> int:
    data = _load(args)
    T = args.max_minutes
    costs = straight_line_costs(data.points, data.services, mode=args.mode, max_minutes=T)
    supply = data.services["capacity"].astype(float)
    gaps = coverage_gaps(costs, data.demand, max_cost=T, supply=supply, norm_per_1000=args.norm_per_1000)
    overlaps = coverage_overlaps(costs, data.demand, max_cost=T, min_services=args.min_services)
    gaps["pop_overlap"] = overlaps["pop_overlap"]
    gaps["overlap"] = overlaps["overlap"]
    gaps.insert(0, "name", data.units["name"].to_numpy())
    tables: dict[str, pd.DataFrame] = {}
    summary = {
        "demo_data": data.bundle.is_demo, "service_type": args.service_type, "services": len(data.services), "mode": args.mode,
        "max_minutes": T, "level": args.level, "population": args.population, "units": len(gaps),
        "target_pop": float(gaps["target_pop"].sum()), "pop_beyond": float(gaps["pop_beyond"].sum()),
        "share_beyond": float(gaps["pop_beyond"].sum() / gaps["target_pop"].sum()) if gaps["target_pop"].sum() else None,
        "units_beyond": int((~gaps["covered"]).sum()), "pop_overlap": float(gaps["pop_overlap"].sum()),
        "min_services": args.min_services,
    }
    if args.norm_per_1000 is not None:
        summary.update(norm_per_1000=args.norm_per_1000, units_below_norm=int(gaps["below_norm"].sum()),
                       pop_below_norm=float(gaps["pop_below_norm"].sum()))
    if args.population_per_capacity is not None:
        result = capacity_limited_coverage(costs, data.demand, supply, max_cost=T, population_per_capacity=args.population_per_capacity)
        gaps["capacity_covered_pop"] = result.units["covered_pop"]
        gaps["capacity_residual_pop"] = result.units["residual_pop"]
        tables["facilities"] = result.facilities
        summary["capacity_limited"] = {
            "population_per_capacity": args.population_per_capacity, "order": "largest capacity first",
            "covered_pop": float(result.units["covered_pop"].sum()), "residual_pop": float(result.units["residual_pop"].sum()),
            "capacity_realised": float(result.facilities["capacity_realised"].sum()),
            "capacity_residual": float(result.facilities["capacity_residual"].sum()),
        }
    top = ranked(gaps, column="pop_beyond")
    summary["top_gaps"] = _records(top[["rank", "name", "target_pop", "pop_beyond", "nearest_cost"]], TOP_N)
    summary["top_overlaps"] = _records(ranked(gaps, column="pop_overlap")[["rank", "name", "pop_overlap", "services_within"]], TOP_N)
    areas = gap_areas(gaps, data.units)
    summary["gap_areas"] = len(areas)
    tables = {"units": gpd.GeoDataFrame(gaps, geometry=data.units.geometry.to_numpy(), crs=data.units.crs), "ranked": top,
              "gap_areas": areas, **tables}
    if data.unit_zone is not None:
        zones = summarise_by_zone(gaps.drop(columns=["name"]), data.unit_zone)
        bench = _benchmark(data, args, supply)
        tables.update(zones=zones, benchmark=bench)
        summary["zones"] = _records(zones.sort_values("pop_beyond", ascending=False))
        summary["benchmark"] = _records(bench)
    if args.out is not None:
        summary["written"] = _write(args.out, tables)
    if args.json:
        print_json(summary)
    else:
        print(f"{args.service_type}: {summary['pop_beyond']:,.0f} of {summary['target_pop']:,.0f} ({args.population}) live beyond "
              f"{T:g} min ({args.mode}) in {summary['units_beyond']} of {len(gaps)} {args.level} units; "
              f"{summary['pop_overlap']:,.0f} within reach of >= {args.min_services} services; {len(areas)} gap areas")
        for row in summary["top_gaps"]:
            print(f"  {row['rank']:>3}. {row['name']}: {row['pop_beyond']:,.0f}")
        if "benchmark" in summary:
            below = tables["benchmark"].index[tables["benchmark"]["below_region"]].tolist()
            print(f"zones below their regional supply per 1,000: {', '.join(map(str, below)) or 'none'}")
        for path in summary.get("written", []):
            print(f"wrote {path}")
    return 0


def run_site(args) -> int:
    data = _load(args)
    T = args.max_minutes
    report = Report("site options")
    if args.p < 1:
        report.problem(f"--p is {args.p}; expected a whole number >= 1")
    report.raise_if_problems()
    cutoff = T if args.objective == "coverage" else max(args.cutoff_minutes, T)
    existing = straight_line_costs(data.points, data.services, mode=args.mode, max_minutes=cutoff)
    if args.candidates_file is not None:
        candidates = _read_points(args.candidates_file, args.service_type)
    elif args.candidates == "grid":
        candidates = candidate_grid(data.units, spacing_m=args.grid_spacing_m)
    else:
        mask = None
        if args.candidates == "gap-units":
            covered = data.points.index.isin(existing.loc[existing["cost"] <= T, "origin_id"])
            mask = pd.Series(~covered, index=data.points.index)
        candidates = candidates_from_units(data.units, mask=mask)
    costs = straight_line_costs(data.points, candidates, mode=args.mode, max_minutes=cutoff)
    if args.objective == "coverage":
        result = maximal_covering(costs, data.demand, candidates.index, p=args.p, max_cost=T, existing_costs=existing,
                                  method=args.method, time_limit_s=args.time_limit_s)
    else:
        result = p_median(costs, data.demand, candidates.index, p=args.p, existing_costs=existing, unreachable_cost=cutoff,
                          method=args.method, time_limit_s=args.time_limit_s)
    sites = gpd.GeoDataFrame(result.site_table, geometry=candidates.geometry.reindex(result.site_table.index).to_numpy(),
                             crs=candidates.crs)
    sites["x"], sites["y"] = sites.geometry.x, sites.geometry.y
    names = candidates["name"] if "name" in candidates else data.units["name"]
    sites["name"] = names.reindex(sites.index).to_numpy() if args.candidates != "grid" or args.candidates_file else None
    summary = {"demo_data": data.bundle.is_demo, "service_type": args.service_type, "mode": args.mode, "max_minutes": T,
               "level": args.level, "population": args.population, "candidates": len(candidates),
               "candidate_kind": "file" if args.candidates_file else args.candidates, **result.to_dict()}
    if args.out is not None:
        summary["written"] = _write(args.out, {"sites": sites})
    if args.json:
        print_json(summary)
    else:
        if args.objective == "coverage":
            what = (f"newly covered {result.value:,.0f} {args.population} within {T:g} min ({args.mode}); "
                    f"already covered {result.baseline:,.0f} of {result.total_demand:,.0f}")
        else:
            what = f"mean travel {result.mean_cost:.2f} min ({args.mode}, cut off at {cutoff:g})"
        gap = f"gap {result.gap:.2%}" if summary["gap"] is not None else "no bound (greedy)"
        print(f"{args.method} {args.objective}, p={args.p} from {len(candidates)} candidates: {what} "
              f"[{result.status}, {gap}, {result.seconds:.2f} s]")
        for site_id, row in sites.iterrows():
            print(f"  {row['pick']}. {site_id} {row['name'] or ''} at ({row['x']:.0f}, {row['y']:.0f})")
        for path in summary.get("written", []):
            print(f"wrote {path}")
    return 0
