"""``zorgzones plan``: validate, measure, compare and generate plans.

The ``zorgzones plan`` command: validate, measure, compare and generate zone plans from files or the bundle.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from zorgzones.cli_common import (progress_enabled, raise_option_problems)
from zorgzones.errors import ValidationError
from zorgzones.fileio import atomic_write, check_encoding_name, read_vector_file
from zorgzones.plan_inputs import check_plan_units, check_zone_count, same_level
from zorgzones.settings import LEVELS, WORKING_CRS
from zorgzones.zones import PLAN_SUFFIXES, Plan, read_plan, write_plan


# -- loading ---------------------------------------------------------------------------------------------------
def _bundle(args):
    from zorgzones.region import load_bundle
    from zorgzones.settings import data_dir

    return load_bundle(data_dir(args.data_dir))


def plan_option_problems(args) -> list[str]:
    """Problems between options (band order, encoding, output path); ``main`` lists them with the range problems."""
    problems = []
    low, high = getattr(args, "min_population", None), getattr(args, "max_population", None)
    if isinstance(low, float) and isinstance(high, float) and low > high:
        problems.append(f"--min-population {low:,.0f} is above --max-population {high:,.0f}; swap them")
    if getattr(args, "encoding", None):
        try:
            check_encoding_name(args.encoding)
        except ValidationError as exc:
            problems.extend(f"--encoding: {p}" for p in exc.problems)
    output = getattr(args, "output", None)
    if output is not None:
        allowed = PLAN_SUFFIXES if args.plan_command == "generate" else (".csv", ".xlsx")
        if Path(output).suffix.lower() not in allowed:
            problems.append(f"--output {output}: unsupported file type {Path(output).suffix or '(none)'!r}; use {', '.join(allowed)}")
        elif not Path(output).parent.is_dir():
            problems.append(f"--output {output}: folder {Path(output).parent} does not exist; create it first")
        elif Path(output).is_dir():
            problems.append(f"--output {output} is a folder; give a file name")
    return problems


def check_plan_options(args) -> None:
    """Every option problem at once, before any file is read: ranges (from ``type=``) and the ones above."""
    raise_option_problems(args, plan_option_problems(args))


def load_plan(source: str, args, *, level: str | None = None) -> Plan:
    """A plan from a file path, else from the bundle by name."""
    path = Path(source)
    if path.suffix.lower() in PLAN_SUFFIXES or path.exists() or any(c in source for c in "/\\."):
        return read_plan(path, level=level, encoding=getattr(args, "encoding", None), sheet=getattr(args, "sheet", None))
    bundle = _bundle(args)
    if source not in bundle.plan_names():
        raise ValidationError("plan", [f"{source!r} is neither a plan file nor a plan of the bundle ({bundle.plan_names()})"])
    plan = Plan.from_bundle(bundle, source)
    if level is not None and plan.level not in (level, "mixed"):
        raise ValidationError(f"plan {source!r}", [f"wrong level: the bundle plan is at level {plan.level!r} but --level "
                                                   f"{level!r} was asked; drop --level or pick a plan of {level} units"])
    return plan


def load_units(args, level: str):
    if args.units is not None and getattr(args, "year", None) is not None:
        raise ValidationError("year", ["--year needs the bundle's units (population by year); drop --units or --year"])
    if args.units is not None:
        units = read_vector_file(args.units, subject=f"units file {args.units.name}")
        if not len(units):
            raise ValidationError("units", [f"{args.units.name} has no rows"])
        if args.unit_id not in units.columns:
            raise ValidationError("units", [f"no column {args.unit_id!r} in {args.units.name}; columns: {list(units.columns)}; "
                                            "pass --unit-id"])
        if units.crs is None or units.crs.is_geographic:
            if units.crs is None:
                raise ValidationError("units", [f"{args.units.name} has no CRS; expected {WORKING_CRS}"])
            units = units.to_crs(WORKING_CRS)
        units[args.unit_id] = units[args.unit_id].astype(str)
        problems = []
        dup = units[args.unit_id][units[args.unit_id].duplicated()]
        if len(dup):
            problems.append(f"{units[args.unit_id].duplicated().sum()} duplicate {args.unit_id}(s) in {args.units.name}, "
                            f"e.g. {dup.iloc[0]!r}; keep one row per unit")
        if "pop_total" not in units.columns:
            problems.append(f"no column 'pop_total' in {args.units.name}; columns: {list(units.columns)}")
        else:
            pop = pd.to_numeric(units["pop_total"], errors="coerce")
            if pop.isna().any() or (pop < 0).any():
                problems.append(f"pop_total of {args.units.name} must be a number >= 0 for every unit; "
                                f"bad for {list(units.loc[pop.isna() | (pop < 0), args.unit_id][:5])}")
            units["pop_total"] = pop
        if problems:
            raise ValidationError("units", problems)
        units = units.set_index(args.unit_id).rename_axis("unit_id")
    elif getattr(args, "year", None) is not None:
        from zorgzones.population import units_for_year

        units = units_for_year(_bundle(args), level, args.year)
    else:
        units = _bundle(args).units(level)
    if args.region:
        region = units["region"] if "region" in units else pd.Series(np.where(units.index.str.startswith("21"), "brussels", "flanders"), index=units.index)
        units = units[region == args.region]
    return units


def _all_units(args, units, level: str):
    """``units`` before ``--region`` restricted them (ids of the other region are not unknown ids)."""
    return load_units(argparse.Namespace(**{**vars(args), "region": None}), args.level or level) if args.region else units


def _band_choice(args, plan: Plan | None, units=None):
    """The band of --band / --min/--max-population, else the plan's, else by the plan's region (plan_metrics.choose_band)."""
    from zorgzones.plan_metrics import choose_band

    return choose_band(plan, units=units, min_population=args.min_population, max_population=args.max_population,
                       preset=args.band)


def _band(args, plan: Plan | None, units=None):
    choice = _band_choice(args, plan, units)
    if not getattr(args, "json", False):
        print(choice.describe(), file=sys.stderr)
    return choice.band


def _generation_band(args, units) -> tuple[float | None, float | None]:
    """The band to generate for (plan_metrics.generation_band), checked together with --n-zones: every problem at once."""
    from zorgzones.plan_metrics import generation_band

    problems, choice = [], None
    try:
        choice = generation_band(units, min_population=args.min_population, max_population=args.max_population, preset=args.band)
    except ValidationError as exc:
        problems += exc.problems
    try:
        check_zone_count(args.n_zones, units, *(choice.band if choice else (None, None)))
    except ValidationError as exc:
        problems += exc.problems
    if problems:
        raise ValidationError("options", problems)
    if not getattr(args, "json", False):
        print(choice.describe(), file=sys.stderr)
    return choice.band


def _restrict(plan: Plan, units) -> Plan:
    """With --region, keep only the plan's units of that region."""
    return plan.with_assignment(plan.assignment[plan.assignment.index.isin(units.index)])


def _population_note(units) -> tuple[dict, str]:
    """JSON entry and text line naming the population year and kind of ``units`` (empty without --year)."""
    if "year" not in units.attrs:
        return {}, ""
    a = units.attrs
    return ({"population": {"year": a["year"], "kind": a["population_kind"], "label": a["population_label"]}},
            f"population {a['year']}: {a['population_label']}\n")


def _emit(args, payload: dict, text: str) -> None:
    if args.json:
        print(json.dumps(payload, indent=2, default=_jsonable))
    else:
        print(text)


def _jsonable(value):
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return None if np.isnan(value) else float(value)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, tuple):
        return list(value)
    return str(value)


def _write_table(frame: pd.DataFrame, path: Path) -> None:
    if path.suffix.lower() == ".xlsx":
        atomic_write(path, frame.to_excel)
    elif path.suffix.lower() == ".csv":
        atomic_write(path, frame.to_csv)
    else:
        raise ValidationError("output", [f"unsupported suffix {path.suffix!r} for a table; use .csv or .xlsx"])


def _plan_units_band(args):
    """The plan named by ``args.plan``, its units (restricted to ``--region``) and the population band to check."""
    plan = load_plan(args.plan, args, level=args.level)
    units = load_units(args, args.level or plan.level)
    if args.region:
        plan = _restrict(plan, units)
    return (plan, units, *_band(args, plan, units))


def _same_level(plan_a: Plan, plan_b: Plan, args) -> tuple[Plan, Plan, str | None]:
    """Both plans on one level of the bundle's units (with ``--units`` the file's ids are checked instead)."""
    if args.units is not None:
        return plan_a, plan_b, None
    bundle = _bundle(args)
    return same_level(plan_a, plan_b, {level: bundle.units(level) for level in LEVELS})


def _checked(handler):
    """Run the option checks before the handler (so nothing is read or computed with a bad option)."""
    def run(args):
        check_plan_options(args)
        return handler(args)
    run.__name__ = handler.__name__
    return run


# -- handlers --------------------------------------------------------------------------------------------------
def run_validate(args) -> int:
    from zorgzones.plan_checks import validate_plan

    plan, units, low, high = _plan_units_band(args)
    report = validate_plan(units, plan, min_population=low, max_population=high, island_policy=args.island_policy,
                           allow_cross_region=args.allow_cross_region)
    extra, line = _population_note(units)
    payload, text, in_band = report.to_dict() | extra, line + str(report), True
    if args.years:
        entry, lines, in_band = _years_in_band(args, plan, low, high)
        payload["years"] = entry
        text += "\n" + "\n".join(lines)
    _emit(args, payload, text)
    return 0 if report.ok and in_band else 1


def _years_in_band(args, plan: Plan, low, high) -> tuple[dict, list[str], bool]:
    """``plan``'s zones against the band in each year of ``--years``: JSON entry, text lines, whether all stay in."""
    from zorgzones.population import (BAND_FLAGGED, band_by_year, band_runs, parse_years, population_kind_label,
                                      population_series)

    if args.units is not None:
        raise ValidationError("years", ["--years needs the bundle's units (population by year); drop --units"])
    bands = band_by_year(population_series(_bundle(args), plan=plan, years=parse_years(args.years)),
                         min_population=low, max_population=high, units_per_zone=plan.assignment.value_counts())
    outside, runs = bands[bands["status"] != "in band"], band_runs(bands)
    failing = outside[outside["status"] != BAND_FLAGGED]
    kinds = bands.groupby("population_kind")["year"].agg(["min", "max"])
    entry = {"range": args.years, "band": [low, high],
             "kinds": {k: {"first": int(r["min"]), "last": int(r["max"]), "label": population_kind_label(k)}
                       for k, r in kinds.iterrows()},
             "runs": runs.to_dict(orient="records"),
             "outside": outside.replace({np.nan: None}).to_dict(orient="records")}
    span = "; ".join(f"{r['min']}" + (f"-{r['max']}" if r["max"] != r["min"] else "") + f" {population_kind_label(k)}"
                     for k, r in kinds.iterrows())
    lines = [f"population band {low or 0:,.0f}-{'' if high is None else f'{high:,.0f}'} in {args.years} ({span}):"]
    lines += [f"  {r.id} {r.name}: {r.status} {r.first_year}" + (f"-{r.last_year}" if r.last_year != r.first_year else "")
              for r in runs.itertuples()] or ["  every zone stays in the band"]
    return entry, lines, failing.empty


def _band_for_years(args, units, level: str, low, high) -> tuple[float | None, float | None, dict]:
    """The band to generate for so zones stay in [low, high] in every year of ``--years``: every unit's population
    in a year lies between g_min and g_max times its population now, so a zone of P now holds between g_min * P and
    g_max * P then; generating within [low / g_min, high / g_max] is enough (a sufficient condition: the result is
    checked year by year afterwards)."""
    from zorgzones.population import check_years, parse_years, units_for_year

    if args.units is not None:
        raise ValidationError("years", ["--years needs the bundle's units (population by year); drop --units"])
    bundle = _bundle(args)
    years = check_years(bundle, parse_years(args.years))
    now = units["pop_total"].astype(float)
    ratios = []
    for year in years:
        then = units_for_year(bundle, level, year)["pop_total"]
        ratio = then.reindex(units.index).astype(float) / now.where(now > 0)
        ratios.append(ratio.dropna())
    ratio = pd.concat(ratios)
    g_min, g_max = float(ratio.min()), float(ratio.max())
    new_low = None if low is None else low / g_min
    new_high = None if high is None else high / g_max
    if new_low is not None and new_high is not None and new_low > new_high:
        raise ValidationError("years", [f"no zone can stay in {low:,.0f}-{high:,.0f} through {args.years}: units grow by "
                                        f"{g_min:.3f}-{g_max:.3f} times their population, which narrows the band to "
                                        f"{new_low:,.0f}-{new_high:,.0f}; widen the band or shorten the range"])
    return new_low, new_high, {"growth_range": [round(g_min, 4), round(g_max, 4)],
                               "band_generated": [None if new_low is None else round(new_low),
                                                  None if new_high is None else round(new_high)]}


def run_metrics(args) -> int:
    from zorgzones.plan_checks import plan_summary, zone_metrics

    plan, units, low, high = _plan_units_band(args)
    check_plan_units(_all_units(args, units, plan.level), [plan])
    services = _bundle(args).services() if args.units is None else None
    metrics = zone_metrics(units, plan, services=services, min_population=low, max_population=high)
    if args.output:
        _write_table(metrics, args.output)
    choice = _band_choice(args, plan, units)
    extra, line = _population_note(units)
    payload = {"plan": plan.name, "band": [low, high], "band_reason": choice.describe(), "summary": plan_summary(metrics),
               "zones": metrics.reset_index().replace({np.nan: None}).to_dict(orient="records")} | extra
    shown = ["zone_name", "n_units", "pop_total", "deviation_ideal_pct", "in_band", "contiguous", "share_65plus", "polsby_popper"]
    text = ""
    if args.compare_with:
        comparison = _comparison(args, plan, units, services)
        payload["comparison"] = comparison.reset_index().replace({np.nan: None}).to_dict(orient="records")
        text = "\n\n" + comparison_text(comparison)
        if args.output:  # beside the metrics: one row per zone, <indicator> and <indicator>_<level> columns
            from zorgzones.reference import comparison_wide

            reference_path = args.output.with_name(f"{args.output.stem}-reference{args.output.suffix}")
            _write_table(comparison_wide(comparison), reference_path)
            payload["reference_path"] = str(reference_path)
    with pd.option_context("display.max_rows", 200, "display.width", 160):
        _emit(args, payload, line + metrics[shown].round(3).to_string() + "\n" + json.dumps(plan_summary(metrics)) + text)
    return 0


def _comparison(args, plan: Plan, units, services) -> pd.DataFrame:
    """``--compare-with``: the zones next to their reference areas (zorgzones.reference)."""
    from zorgzones.reference import DEFAULT_INDICATORS, Ratio, reference_comparison, reference_names, unit_service_sums

    levels = [p.strip() for p in args.compare_with.split(",") if p.strip()]
    indicators = [p.strip() for p in args.indicators.split(",") if p.strip()] if args.indicators else list(DEFAULT_INDICATORS)
    frame = units.join(unit_service_sums(units, services)) if services is not None else units
    if args.indicators is None:  # default set: keep the indicators the data can give (a demo may lack a service type)
        indicators = [k for k in indicators if set(Ratio.from_indicator(k).columns()) <= set(frame.columns)]
    names = reference_names(_bundle(args)) if args.units is None else {}
    return reference_comparison(frame, plan, indicators=indicators, compare_with=levels, names=names)


def comparison_text(comparison: pd.DataFrame) -> str:
    """One block per indicator: zone value beside each reference area's name and value."""
    from zorgzones.indicators import INDICATORS

    levels = [c for c in comparison.columns if f"{c}_id" in comparison.columns]
    blocks = []
    for indicator, rows in comparison.groupby(level="indicator", sort=False):
        info = INDICATORS.get(indicator)
        factor = 100.0 if indicator.startswith("share_") else 1.0
        label = f"{info.label_en} ({'%' if factor == 100 else info.unit_en})" if info else indicator
        table = pd.DataFrame({"zone": rows["zone_name"].to_numpy(), "value": (rows["zone"] * factor).round(2).to_numpy()})
        for level in levels:
            table[level] = [f"{n} {v * factor:.2f}" if isinstance(n, str) else "-" for n, v in zip(rows[f"{level}_name"], rows[level])]
        blocks.append(f"{label}\n" + table.to_string(index=False))
    return "\n\n".join(blocks)


def run_compare(args) -> int:
    from zorgzones.plan_checks import compare_plans

    plan_a = load_plan(args.plan_a, args, level=args.level)
    plan_b = load_plan(args.plan_b, args, level=args.level)
    plan_a, plan_b, note = _same_level(plan_a, plan_b, args)
    units = load_units(args, args.level or plan_a.level)
    check_plan_units(_all_units(args, units, plan_a.level), [plan_a, plan_b], within=units.index)
    if args.region:
        plan_a, plan_b = _restrict(plan_a, units), _restrict(plan_b, units)
    low, high = _band(args, plan_a, units)
    result = compare_plans(units, plan_a, plan_b, min_population=low, max_population=high)
    if args.output:
        _write_table(result.zones, args.output)
    moved = ", ".join(f"{r.unit_id} {r.zone_a}->{r.zone_b}" for r in result.moved.head(30).itertuples())
    extra, line = _population_note(units)
    payload = result.to_dict() | extra | ({"notes": [note]} if note else {})
    _emit(args, payload, line + (f"note: {note}\n" if note else "") + json.dumps(result.summary, indent=2, default=_jsonable)
          + f"\nmoved: {moved}")
    return 0


def run_generate(args) -> int:
    from zorgzones.plan_checks import validate_plan
    from zorgzones.regionalize import generate_plans

    base = load_plan(args.base, args, level=args.level) if args.base else None
    level = args.level or (base.level if base is not None else "municipality")
    units = load_units(args, level)
    low, high = _generation_band(args, units)
    gen_low, gen_high, over_years = _band_for_years(args, units, level, low, high) if args.years else (low, high, None)
    if progress_enabled(args):
        print(f"generating {args.alternatives} plan(s) for {len(units)} units …", file=sys.stderr)
    results = generate_plans(units, min_population=gen_low, max_population=gen_high, n_zones=args.n_zones, respect=args.respect,
                             base_plan=base, seed=args.seed, n_alternatives=args.alternatives, island_policy=args.island_policy)
    extra, line = _population_note(units)
    payload, lines = {"band": [low, high], "plans": []} | extra, [line.strip()] if line else []
    if over_years is not None:
        payload["years"] = {"range": args.years} | over_years
        lines.append(f"to stay in the band through {args.years} (units grow {over_years['growth_range'][0]:.3f}-"
                     f"{over_years['growth_range'][1]:.3f} times), zones were generated within "
                     f"{gen_low or 0:,.0f}-{'' if gen_high is None else f'{gen_high:,.0f}'} now")
    best_ok = None
    for rank, (plan, score) in enumerate(results, start=1):
        report = validate_plan(units, plan, min_population=low, max_population=high, island_policy=args.island_policy)
        ok = report.ok
        entry = {"rank": rank, "name": plan.name, "score": {k: v for k, v in score.items() if k != "rank_key"},
                 "valid": report.ok, "findings": report.findings, "notes": plan.notes,
                 "assignment": plan.to_frame().to_dict(orient="records")}
        year_lines = []
        if over_years is not None:
            entry["years"], year_lines, in_band = _years_in_band(args, plan, low, high)
            ok = ok and in_band
        best_ok = ok if best_ok is None else best_ok
        if args.output:
            path = args.output if rank == 1 else args.output.with_name(f"{args.output.stem}-{rank}{args.output.suffix}")
            write_plan(plan, path, units=units, keep_other_layers=not args.replace)
            entry["path"] = str(path)
        payload["plans"].append(entry)
        lines.append(f"#{rank} {plan.name}: {score['zones']} zones, {score['zones_in_band']} in band, "
                     f"{score['zones_flagged']} flagged, mean Polsby-Popper {score['mean_polsby_popper']}, score {score['score']}"
                     + (f", written to {entry['path']}" if args.output else ""))
        lines.extend(f"  {line}" for line in year_lines)
    if args.n_zones is not None and results and results[0][1]["zones"] != args.n_zones:
        note = (f"note: asked for {args.n_zones} zones, the best plan has {results[0][1]['zones']} "
                f"(the band {low or 0:,.0f}-{high or float('inf'):,.0f} and contiguity allow no other count here)")
        payload["notes"] = [note]
        lines.insert(0, note)
    lines.append(results[0][1]["rule"] if results else "no plan")
    _emit(args, payload, "\n".join(lines))
    return 0 if best_ok else 1
