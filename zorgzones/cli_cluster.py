"""The ``zorgzones cluster`` command: typology, hot spots, zone proposals."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from zorgzones.cli_common import add_data_dir, add_json, print_json, progress_enabled
from zorgzones.cli_plan import load_plan, load_units
from zorgzones.errors import ValidationError
from zorgzones.settings import (BAND_PRESETS, CLUSTER_SEED, CLUSTER_ZONE_POLISH_PASSES, DEFAULT_BAND, HOTSPOT_ALPHA,
                                HOTSPOT_PERMUTATIONS, LEVELS, TYPOLOGY_INDICATORS, TYPOLOGY_K_RANGE)

TABLE_SUFFIXES = (".csv", ".xlsx", ".gpkg")
PLAN_SUFFIXES = (".csv", ".xlsx", ".gpkg")


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


def register(subparsers) -> None:
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
    typology.set_defaults(func=run_typology)

    hotspots = commands.add_parser("hotspots", help="hot and cold spots (Gi*) and LISA clusters of one indicator")
    common(hotspots, out_help="write per-unit statistics (.csv, .xlsx, .gpkg with dissolved cluster polygons)")
    hotspots.add_argument("--indicator", default="share_80plus", metavar="KEY", help="indicator key (default share_80plus)")
    hotspots.add_argument("--permutations", type=int, default=HOTSPOT_PERMUTATIONS)
    hotspots.add_argument("--alpha", type=float, default=HOTSPOT_ALPHA, help="significance level (default 0.05)")
    hotspots.add_argument("--fdr", action="store_true", help="control the false discovery rate (Benjamini-Hochberg)")
    hotspots.add_argument("--island-policy", choices=("nearest", "allow", "strict"), default="nearest")
    hotspots.set_defaults(func=run_hotspots)

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
    zones.set_defaults(func=run_zones)


# -- shared ----------------------------------------------------------------------------------------------------
def _bundle(args):
    from zorgzones.region import load_bundle
    from zorgzones.settings import data_dir

    return load_bundle(data_dir(args.data_dir))


def _check_out(args, suffixes) -> None:
    if args.out is not None and args.out.suffix.lower() not in suffixes:
        raise ValidationError("output", [f"{args.out.name}: unsupported suffix {args.out.suffix!r}; use one of {', '.join(suffixes)}"])


def _inputs(args):
    """Plan (or None), units of the level and the bundle."""
    plan = load_plan(args.plan, args) if args.plan else None  # any level: finer units are matched by municipality_id
    level = args.level or (plan.level if plan is not None and plan.level in LEVELS else "municipality")
    units = load_units(args, level)
    if units.empty:
        raise ValidationError("units", [f"no units of level {level!r}{' in ' + args.region if args.region else ''}"])
    return plan, level, units, _bundle(args)


def _indicators(args) -> tuple:
    picked = list(dict.fromkeys(args.indicator))
    if args.only and not picked:
        raise ValidationError("indicators", ["--only needs at least one --indicator KEY"])
    return tuple(picked) if args.only else tuple(dict.fromkeys([*TYPOLOGY_INDICATORS, *picked]))


def _write(path: Path, tables: dict[str, pd.DataFrame]) -> None:
    """Tables to .csv (the first), .xlsx (one sheet each) or .gpkg (one layer each; GeoDataFrames keep geometry)."""
    import geopandas as gpd

    suffix = path.suffix.lower()
    if suffix == ".csv":
        next(iter(tables.values())).to_csv(path)
    elif suffix == ".xlsx":
        with pd.ExcelWriter(path, engine="openpyxl") as writer:
            for name, table in tables.items():
                pd.DataFrame(table.drop(columns="geometry", errors="ignore")).to_excel(writer, sheet_name=name[:31])
    else:
        import pyogrio

        if path.exists():
            path.unlink()
        for name, table in tables.items():
            frame = table.reset_index()
            if not isinstance(frame, gpd.GeoDataFrame):
                frame = pd.DataFrame(frame)
            pyogrio.write_dataframe(frame, path, layer=name, driver="GPKG", append=path.exists())


# -- handlers --------------------------------------------------------------------------------------------------
def run_typology(args) -> int:
    from zorgzones.typology import need_typology, zone_type_mix

    _check_out(args, TABLE_SUFFIXES)
    plan, level, units, bundle = _inputs(args)
    if progress_enabled(args):
        print(f"typology of {len(units)} {level} units …", file=sys.stderr)
    result = need_typology(units, bundle=bundle, indicators=_indicators(args), k=args.k, method=args.method,
                           k_range=(args.k_min, args.k_max), seed=args.seed)
    profiles = result.profiles.copy()
    for lang in ("nl", "en", "fr"):
        profiles[f"description_{lang}"] = result.descriptions(lang).reindex(profiles.index).fillna("")
    mix = zone_type_mix(result, plan, units) if plan is not None else None
    if args.out:
        table = result.units
        if args.out.suffix.lower() == ".gpkg":
            table = units[["geometry"]].join(result.units)
        tables = {"units": table, "profiles": profiles, "silhouette": result.scores}
        if mix is not None:
            tables["zones"] = mix
        _write(args.out, tables)
    payload = {"level": level, **result.to_dict(args.lang)}
    if mix is not None:
        payload["plan"] = plan.name
        payload["zones"] = mix.reset_index().round(4).to_dict(orient="records")
    if args.out:
        payload["path"] = str(args.out)
    if args.json:
        print_json(payload)
    else:
        print(f"{len(units)} {level} units, {args.method}, k = {result.k}"
              + (f" (silhouette {', '.join(f'{k}: {v:.3f}' for k, v in result.scores['silhouette'].items())})" if args.k == "auto" else ""))
        for t, row in profiles.drop(index=0).iterrows():
            print(f"  type {t}: {row['n_units']} units, {row['pop_total']:,.0f} inhabitants - {row[f'description_{args.lang}']}")
        for note in result.notes:
            print(f"  note: {note}")
        if mix is not None:
            print(mix.round(2).to_string())
    return 0


def run_hotspots(args) -> int:
    from zorgzones.hotspots import cluster_polygons, hot_spots

    _check_out(args, TABLE_SUFFIXES)
    plan, level, units, bundle = _inputs(args)
    if plan is not None:
        inside = units.index.isin(plan.assignment.index)
        if "municipality_id" in units.columns:
            inside |= units["municipality_id"].isin(plan.assignment.index).to_numpy()
        units = units[inside]
    result = hot_spots(units, indicator=args.indicator, bundle=bundle, island_policy=args.island_policy,
                       permutations=args.permutations, seed=args.seed, alpha=args.alpha, fdr=args.fdr)
    gi = cluster_polygons(units, result.units["gi_label"])
    lisa = cluster_polygons(units, result.units["lisa_label"])
    if args.out:
        table = units[["geometry"]].join(result.units) if args.out.suffix.lower() == ".gpkg" else result.units
        _write(args.out, {"units": table, "gi_clusters": gi.set_index("cluster_id"), "lisa_clusters": lisa.set_index("cluster_id")})
    payload = {"level": level, **result.to_dict(),
               "clusters": {"gi": pd.DataFrame(gi.drop(columns="geometry")).to_dict(orient="records"),
                            "lisa": pd.DataFrame(lisa.drop(columns="geometry")).to_dict(orient="records")}}
    if args.out:
        payload["path"] = str(args.out)
    if args.json:
        print_json(payload)
    else:
        counts = result.counts()
        print(f"{args.indicator} over {len(units)} {level} units: global Moran's I {result.moran_i:.3f} (p {result.moran_p:.3g})")
        print(f"  Gi*: {counts['gi']}; LISA: {counts['lisa']}")
        for row in gi.itertuples():
            print(f"  {row.cluster_id}: {row.n_units} units, {row.pop_total:,.0f} inhabitants")
        for note in result.notes:
            print(f"  note: {note}")
    return 0


def _band(args) -> tuple[float, float]:
    if args.band:
        low, high = BAND_PRESETS[args.band]
    elif args.min_population is not None or args.max_population is not None:
        low, high = args.min_population, args.max_population
    else:
        low, high = DEFAULT_BAND
    if low is None or high is None:
        raise ValidationError("band", [f"band [{low}, {high}]: clustered zones need both a minimum and a maximum; "
                                       "give --min-population and --max-population or another --band"])
    return low, high


def run_zones(args) -> int:
    from zorgzones.cluster_zones import cluster_zones, score_plan
    from zorgzones.typology import need_indicators, standardise
    from zorgzones.zones import write_plan

    _check_out(args, PLAN_SUFFIXES)
    low, high = _band(args)
    plan_in, level, units, bundle = _inputs(args)
    values = need_indicators(units, bundle=bundle, indicators=_indicators(args))
    profiles, _ = standardise(values.drop(columns="age_estimated"))
    plan, score = cluster_zones(units, profiles=profiles, min_population=low, max_population=high, respect=args.respect,
                                linkage=args.linkage, island_policy=args.island_policy, seed=args.seed,
                                polish_passes=args.polish_passes)
    compared = None
    if plan_in is not None:  # the same yardstick for the plan given, on the same units and band
        if not units.index.isin(plan_in.assignment.index).all():
            raise ValidationError("plan", [f"plan {plan_in.name!r} does not hold every {level} unit; compare a plan of the "
                                           f"same level (--level {plan_in.level}) or drop --plan"])
        given = plan_in.with_assignment(plan_in.assignment[plan_in.assignment.index.isin(units.index)])
        given.min_population, given.max_population = low, high
        compared = {"plan": given.name, **score_plan(units, given, profiles)}
    if args.out:
        write_plan(plan, args.out, units=units)
    table = plan.to_frame().rename(columns={"zone_id": "cluster"})
    if "name" in units.columns:
        table.insert(1, "name", units["name"].reindex(table["unit_id"]).to_numpy())
    payload = {"level": level, "band": [low, high], "plan": plan.info(), "score": score,
               "units": table.to_dict(orient="records")}
    if compared is not None:
        payload["compared_plan"] = compared
    if args.out:
        payload["path"] = str(args.out)
    if args.json:
        print_json(payload)
    else:
        print(f"{score['zones']} zones from {len(units)} {level} units: {score['zones_in_band']} in band "
              f"[{low:,.0f}, {high:,.0f}], {score['zones_flagged']} flagged oversize, mean Polsby-Popper "
              f"{score['mean_polsby_popper']}, within-zone variance {score['within_zone_variance']}"
              + (f"; written to {args.out}" if args.out else ""))
        if compared is not None:
            print(f"plan {compared['plan']}: {compared['zones']} zones, {compared['zones_in_band']} in band, mean "
                  f"Polsby-Popper {compared['mean_polsby_popper']}, within-zone variance {compared['within_zone_variance']}")
        print(plan.notes)
    return 0
