"""``zorgzones access``: nearest service and floating-catchment supply per demand point, with unit and zone summaries."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from .access_summary import SERVICE_TARGETS, TARGET_PRESETS, service_supply, summarise_access, target_population
from .accessibility import DEFAULT_STEPS, enhanced_two_step_fca, gaussian_two_step_fca, nearest_service, per_1000, two_step_fca
from .bundle import load_bundle
from .cli_common import add_data_dir, add_json, print_json, progress_enabled
from .errors import Report
from .settings import BORDER_BUFFER_M, LEVELS
from .travel import SPEED_KMH, demand_points, population_weighted_points, raster_demand_points, straight_line_costs
from .validation import validate_points

OUTPUT_SUFFIXES = (".csv", ".gpkg")
METHODS = ("nearest", "2sfca", "e2sfca", "gaussian")


def register(subparsers) -> None:
    access = subparsers.add_parser("access", help="travel time to the nearest service and 2SFCA/E2SFCA supply per 1,000, per unit and zone")
    access.add_argument("--service-type", default="pharmacy", help="service type in the bundle (default pharmacy)")
    access.add_argument("--level", default="neighbourhood", choices=[*LEVELS, "raster"],
                        help="demand points: unit centres of a level, or populated cells of a GHS-POP raster (default neighbourhood)")
    access.add_argument("--raster", default="ghs_pop_100m_westflanders",
                        help="with --level raster: a bundle raster key (ghs_pop_100m_westflanders, ghs_pop_1km) or a GeoTIFF path")
    access.add_argument("--engine", default="straight", choices=["straight", "network"],
                        help="straight line x detour (default) or the OSM road network (--osm)")
    access.add_argument("--osm", default="osm_antwerp", help="with --engine network: a bundle key or an .osm.pbf path (default osm_antwerp)")
    access.add_argument("--mode", default="car", choices=sorted(SPEED_KMH), help="travel mode (default car)")
    access.add_argument("--method", default="e2sfca", choices=METHODS, help="catchment measure (default e2sfca; nearest = travel times only)")
    access.add_argument("--max-minutes", type=float, default=15.0, help="threshold T in minutes: catchment of 2SFCA/Gaussian, 'beyond T' share (default 15)")
    access.add_argument("--steps", default=None, help="E2SFCA steps as bound:weight,... in minutes (default 10:1,20:0.68,30:0.22)")
    access.add_argument("--sigma", type=float, default=None, help="Gaussian width in minutes (default T/2)")
    access.add_argument("--target", default=None, help=f"target population: {', '.join(TARGET_PRESETS)} (default per service type)")
    access.add_argument("--include-inactive", action="store_true", help="count suspended/inactive services too")
    access.add_argument("--province", action="append", default=None, metavar="ID",
                        help="report only units of this province (NIS code; repeatable); catchments still use the whole region")
    access.add_argument("--plan", default=None, help="zone plan in the bundle (e.g. elz) for a per-zone summary")
    access.add_argument("-o", "--out", "--output", dest="out", type=Path, default=None, help="write per-point results (.csv, .gpkg); zones go to a second file/layer")
    access.add_argument("--quiet", action="store_true", help="no progress bar")
    add_data_dir(access)
    add_json(access)
    access.set_defaults(func=run_access)


def parse_steps(text: str | None) -> dict[float, float]:
    """``"10:1,20:0.68"`` -> {10.0: 1.0, 20.0: 0.68}; every malformed part listed."""
    if text is None:
        return dict(DEFAULT_STEPS)
    report = Report("--steps")
    steps = {}
    for part in text.split(","):
        try:
            bound, weight = part.split(":")
            steps[float(bound)] = float(weight)
        except ValueError:
            report.problem(f"{part!r} is not bound:weight (e.g. 10:1,20:0.68,30:0.22)")
    report.raise_if_problems()
    return steps


def _check_options(args, report: Report) -> None:
    if not (math.isfinite(args.max_minutes) and args.max_minutes > 0):
        report.problem(f"--max-minutes is {args.max_minutes}; expected a positive number of minutes")
    if args.out is not None and args.out.suffix.lower() not in OUTPUT_SUFFIXES:
        report.problem(f"--out {args.out} has suffix {args.out.suffix!r}; expected one of {OUTPUT_SUFFIXES}")
    if args.sigma is not None and not args.sigma > 0:
        report.problem(f"--sigma is {args.sigma}; expected a positive number of minutes")


def _file_or_key(bundle, value: str, what: str, report: Report) -> Path | None:
    path = Path(value)
    if path.suffix and path.is_file():
        return path
    found = bundle.path(value)
    if found is None or not Path(found).is_file():
        report.problem(f"{what} {value!r} is neither an existing file nor a file in the bundle"
                       + (" (the demo bundle has none: run `zorgzones data fetch` or pass a path)" if bundle.is_demo else ""))
        return None
    return Path(found)


def _demand(bundle, args, report: Report):
    """Demand points, their target population, their unit at the plan's level (or None) and the units used."""
    target = args.target or SERVICE_TARGETS.get(args.service_type, "all")
    level = "municipality" if args.level == "raster" else args.level
    units = bundle.units(level)
    if args.province:
        unknown = sorted(set(args.province) - set(units["province_id"].dropna()))
        if unknown:
            report.problem(f"--province {unknown} not found; known: {sorted(units['province_id'].dropna().unique())}")
    if args.level != "raster":
        report.raise_if_problems()
        if level == "municipality":  # population-weighted from the neighbourhoods, not the polygon centre
            points = population_weighted_points(units, bundle.units("neighbourhood"), unit_column="municipality_id")
        else:
            points = demand_points(units, weight_column="pop_total")
        return points, target_population(units, target=target), pd.Series(units.index, index=units.index), units, target
    if target not in ("all", "pop_total") and not (isinstance(target, str) and TARGET_PRESETS.get(SERVICE_TARGETS.get(target, target)) == {"pop_total": 1.0}):
        report.problem(f"--target {target!r}: a population raster has only total population; use --target all or a unit level")
    path = _file_or_key(bundle, args.raster, "--raster", report)
    report.raise_if_problems()
    cells = raster_demand_points(path)
    joined = gpd.sjoin(cells[["geometry"]], units[["geometry"]], how="left", predicate="within")
    joined = joined[~joined.index.duplicated()]
    cell_unit = joined["index_right"] if "index_right" in joined.columns else joined.iloc[:, -1]
    keep = cell_unit.notna().to_numpy()
    cells, cell_unit = cells[keep], cell_unit[keep]
    return cells, cells["pop_total"].astype(float).rename("target_pop"), cell_unit, units, "all"


def checked_services(services: gpd.GeoDataFrame, region, report: Report, *, buffer_m: float = BORDER_BUFFER_M) -> gpd.GeoDataFrame:
    """Services without coordinates (left out) or farther than ``buffer_m`` outside ``region`` (kept), listed as notes of ``report``."""
    frame = gpd.GeoDataFrame({"service_id": services.index.astype(str)}, geometry=services.geometry.to_numpy(), crs=services.crs)
    for message in validate_points(frame, subject="services", id_column="service_id", area=region, buffer_m=buffer_m).problems:
        fate = " (left out)" if "without coordinates" in message else " (kept: they count only where in reach)" if "outside the region" in message else ""
        report.note(f"services: {message}{fate}")
    missing = (services.geometry.isna() | services.geometry.is_empty).to_numpy()
    return services[~missing]


def run_access(args) -> int:
    from tqdm import tqdm

    report = Report("access options")
    _check_options(args, report)
    steps = parse_steps(args.steps) if args.method == "e2sfca" else None
    report.raise_if_problems()
    bar = tqdm(total=5, disable=not progress_enabled(args), desc="access", unit="step")
    bundle = load_bundle(args.data_dir)
    plan_zone = None
    if args.plan is not None:
        if args.plan not in bundle.plan_names():
            report.problem(f"--plan {args.plan!r} not in the bundle; it has {bundle.plan_names()}")
        else:
            plan_zone = bundle.plan_assignment(args.plan).set_index("unit_id")["zone_id"]
    points, demand, point_unit, units, target = _demand(bundle, args, report)
    bar.update()
    services = bundle.services(args.service_type)
    supply = service_supply(services, include_inactive=args.include_inactive)
    services = checked_services(services.loc[supply.index], bundle.boundaries("region").union_all(), report)
    supply = supply.loc[services.index]
    if services.empty:
        report.problem(f"no {'' if args.include_inactive else 'active '}{args.service_type} services in the bundle")
    report.raise_if_problems()
    T = args.max_minutes
    reach = max(T, max(steps) if steps else 0.0, 3 * (args.sigma or T / 2) if args.method == "gaussian" else 0.0)
    if args.engine == "network":
        from .network import RoadNetwork, network_costs

        osm_path = _file_or_key(bundle, args.osm, "--osm", report)
        report.raise_if_problems()
        network = RoadNetwork.from_osm(osm_path, mode=args.mode)
        costs = network_costs(network, points, services, max_minutes=reach)
        covered = network.snap(points)["node"] >= 0
        report.note(f"{int((~covered).sum())} demand point(s) farther than the snap limit from the road network were left out")
        points, demand, point_unit = points[covered.to_numpy()], demand[covered.to_numpy()], point_unit[covered.to_numpy()]
    else:
        costs = straight_line_costs(points, services, mode=args.mode, max_minutes=reach)
    bar.update()
    result = pd.DataFrame({"unit_id": point_unit.to_numpy(), "target_pop": demand.to_numpy()}, index=points.index)
    result = result.join(nearest_service(costs, origin_index=points.index))
    result.index.name = "point_id"
    if args.method != "nearest":
        if args.method == "2sfca":
            ratio = two_step_fca(costs, demand, supply, max_cost=T)
        elif args.method == "e2sfca":
            ratio = enhanced_two_step_fca(costs, demand, supply, steps=steps)
        else:
            ratio = gaussian_two_step_fca(costs, demand, supply, max_cost=reach, sigma=args.sigma or T / 2)
        result["supply_per_demand"] = ratio
        result["supply_per_1000"] = per_1000(ratio)
    result["beyond_T"] = ~(result["nearest_cost"] <= T)
    bar.update()
    # regional figures over every point; the report (and --out) only for the selected provinces
    region = summarise_access(result, demand, max_minutes=T)
    region_ratio = region["supply_per_1000"].iloc[0] if "supply_per_1000" in region else None
    if args.province:
        selected = point_unit.map(units["province_id"]).isin(args.province).to_numpy()
        points, result, demand, point_unit = points[selected], result[selected], demand[selected], point_unit[selected]
    by_unit = summarise_access(result, demand, point_unit.rename("unit_id"), max_minutes=T, region_ratio=region_ratio)
    selection = summarise_access(result, demand, max_minutes=T, region_ratio=region_ratio)
    zones = None
    if plan_zone is not None:
        unit_key = point_unit if bundle.plan_info(args.plan).get("level", "municipality") == ("municipality" if args.level == "raster" else args.level) else point_unit.map(units["municipality_id"])
        point_zone = unit_key.map(plan_zone).rename("zone_id")
        known = point_zone.notna().to_numpy()
        zones = summarise_access(result[known], demand[known], point_zone[known], max_minutes=T, region_ratio=region_ratio)
    bar.update()
    written = _write(args.out, points, result, by_unit, zones) if args.out is not None else []
    bar.update()
    bar.close()
    summary = {
        "demo_data": bundle.is_demo, "service_type": args.service_type, "services": len(services), "engine": args.engine,
        "mode": args.mode, "method": args.method, "max_minutes": T, "steps": steps, "level": args.level, "target": target,
        "points": len(result), "pairs": len(costs), "region": _records(region)[0], "selection": _records(selection)[0] if args.province else None, "written": written, "notes": report.notes,
    }
    if zones is not None:
        summary["plan"] = args.plan
        summary["zones"] = _records(zones)
    if args.json:
        print_json(summary)
        return 0
    r = summary["selection"] or summary["region"]
    print(f"{args.service_type} access ({args.method}, {args.engine} {args.mode}, T={T:g} min) for {len(result):,} {args.level} points"
          + ("  [SYNTHETIC DEMO DATA]" if bundle.is_demo else ""))
    print(f"  target population {r['target_pop']:,.0f}; beyond T: {r['pop_beyond']:,.0f} ({_minutes(r['share_beyond'], '.1%')}); "
          f"mean {_minutes(r['mean_travel_min'])} min, p90 {_minutes(r['p90_travel_min'])} min"
          + (" (n/a: people not reached within the search)" if r["p90_travel_min"] is None else ""))
    if "supply_per_1000" in r:
        print(f"  supply per 1,000 target inhabitants: {r['supply_per_1000']:.3f}"
              + (f" (whole region {summary['region']['supply_per_1000']:.3f})" if summary["selection"] else ""))
    if zones is not None:
        print(zones[["target_pop", "mean_travel_min", "p90_travel_min", "share_beyond"] + (["supply_per_1000", "ratio_to_region"] if "supply_per_1000" in zones else [])].round(3).to_string())
    for path in written:
        print(f"  wrote {path}")
    return 0


def _minutes(value, spec: str = ".1f") -> str:
    return "n/a" if value is None else format(value, spec)


def _records(frame: pd.DataFrame) -> list[dict]:
    clean = frame.reset_index().replace([np.inf, -np.inf], np.nan).astype(object)
    return clean.where(clean.notna(), None).to_dict(orient="records")


def _write(out: Path, points: gpd.GeoDataFrame, result: pd.DataFrame, by_unit: pd.DataFrame, zones: pd.DataFrame | None) -> list[str]:
    out.parent.mkdir(parents=True, exist_ok=True)
    tables = {"points": result, "units": by_unit} | ({"zones": zones} if zones is not None else {})
    written = []
    if out.suffix.lower() == ".gpkg":
        if out.exists():
            out.unlink()
        import pyogrio

        for name, table in tables.items():
            if name == "points":
                frame = gpd.GeoDataFrame(table, geometry=points.geometry.reindex(table.index).to_numpy(), crs=points.crs)
                frame.to_file(out, layer=name, driver="GPKG")
            else:
                pyogrio.write_dataframe(table.reset_index(), out, layer=name, driver="GPKG")
            written.append(f"{out}:{name}")
        return written
    for k, (name, table) in enumerate(tables.items()):
        path = out if k == 0 else out.with_name(f"{out.stem}_{name}{out.suffix}")
        table.to_csv(path)
        written.append(str(path))
    return written
