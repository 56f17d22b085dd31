"""The ``zorgzones cluster`` command: typology, hot spots, zone proposals."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from zorgzones.cli_common import print_json, progress_enabled
from zorgzones.cli_plan import load_plan, load_units
from zorgzones.errors import ValidationError
from zorgzones.indicators import INDICATORS
from zorgzones.settings import LEVELS, TYPOLOGY_INDICATORS

TABLE_SUFFIXES = (".csv", ".xlsx", ".gpkg")
PLAN_SUFFIXES = (".csv", ".xlsx", ".gpkg")


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


def _indicators(args, units) -> tuple:
    """The --indicator keys, with the defaults unless --only; a default the units cannot give (a units file without
    the projected columns of a growth indicator) is left out with a note."""
    picked = list(dict.fromkeys(args.indicator))
    if args.only and not picked:
        raise ValidationError("indicators", ["--only needs at least one --indicator KEY"])
    if args.only:
        return tuple(picked)
    defaults = []
    for key in TYPOLOGY_INDICATORS:
        indicator = INDICATORS[key]
        needed = [c for c in (indicator.numerator, indicator.denominator) if c and indicator.measure is None]
        if key not in picked and key not in units.columns and any(c not in units.columns for c in needed):
            print(f"note: default indicator {key} left out: the units have no column(s) "
                  f"{', '.join(c for c in needed if c not in units.columns)}", file=sys.stderr)
            continue
        defaults.append(key)
    return tuple(dict.fromkeys([*defaults, *picked]))


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
    result = need_typology(units, bundle=bundle, indicators=_indicators(args, units), k=args.k, method=args.method,
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


def _band(args, units) -> tuple[float, float]:
    """The band asked for, else the band of the units' region (plan_metrics.generation_band); both bounds needed."""
    from zorgzones.plan_metrics import generation_band

    low, high = generation_band(units, min_population=args.min_population, max_population=args.max_population,
                                preset=args.band).band
    if low is None or high is None:
        raise ValidationError("band", [f"band [{low}, {high}]: clustered zones need both a minimum and a maximum; "
                                       "give --min-population and --max-population or another --band"])
    return low, high


def run_zones(args) -> int:
    from zorgzones.cluster_zones import cluster_zones, score_plan
    from zorgzones.typology import need_indicators, standardise
    from zorgzones.zones import write_plan

    _check_out(args, PLAN_SUFFIXES)
    plan_in, level, units, bundle = _inputs(args)
    low, high = _band(args, units)
    values = need_indicators(units, bundle=bundle, indicators=_indicators(args, units))
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
