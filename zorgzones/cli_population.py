"""The ``zorgzones population`` command: population and ageing over the years."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from zorgzones.cli_common import add_data_dir, add_json
from zorgzones.cli_plan import _bundle, _jsonable, _write_table, load_plan
from zorgzones.errors import ValidationError
from zorgzones.settings import LEVELS, POPULATION_BASE_YEAR

#: Columns of the text table (the JSON and CSV carry every column).
SHOWN = ["id", "name", "year", "population_kind", "pop_total", "pop_65plus", "pop_80plus", "pop_85plus", "share_65plus",
         "share_80plus", "informal_care_ratio", "growth_vs_base_pct"]


def register(subparsers) -> None:
    """Add ``population``."""
    parser = subparsers.add_parser(
        "population", help="population and ageing per zone of a plan or per unit, observed and projected",
        description="Population, 65+, 80+, 85+, their shares, the informal-care ratio (people 50-64 per person 80+) and "
                    f"growth against {POPULATION_BASE_YEAR}, per year. Observed: Statbel (1 January). Projected: Federal "
                    "Planning Bureau arrondissement projections carried to municipalities by constant "
                    f"{POPULATION_BASE_YEAR} shares per sex and age group; sub-municipal units are estimates.")
    add_data_dir(parser)
    parser.add_argument("--plan", default=None, help="plan file or bundle plan name (e.g. elz): one series per zone")
    parser.add_argument("--zone", action="append", default=None, help="only this zone of --plan (repeatable)")
    parser.add_argument("--level", choices=LEVELS, default="municipality", help="unit level without --plan (default municipality)")
    parser.add_argument("--unit", action="append", default=None, help="only this unit id (repeatable)")
    parser.add_argument("--years", default=None, help="years, e.g. 2015-2040 or 2015,2022,2030 (default: all)")
    add_json(parser)
    parser.add_argument("-o", "--output", "--out", dest="output", type=Path, default=None, help="write the table (.csv or .xlsx)")
    parser.set_defaults(func=run_population)


def run_population(args) -> int:
    from zorgzones.population import parse_years, population_kind_label, population_series

    if args.plan is None and args.zone:
        raise ValidationError("zone", ["--zone needs --plan (zones belong to a plan)"])
    if args.plan is not None and args.unit:
        raise ValidationError("unit", ["--unit and --plan exclude each other; use --zone to pick zones of the plan"])
    bundle = _bundle(args)
    plan = load_plan(args.plan, args) if args.plan is not None else None
    years = parse_years(args.years) if args.years else None
    series = population_series(bundle, level=args.level, plan=plan, ids=args.zone or args.unit, years=years)
    if args.output:
        _write_table(series.set_index(["id", "year"]), args.output)
    kinds = {k: population_kind_label(k, synthetic=bundle.is_demo) for k in series["population_kind"].unique()}
    payload = {"plan": None if plan is None else plan.name, "level": series.attrs["level"], "labels": kinds,
               "synthetic": bundle.is_demo, "rows": series.replace({np.nan: None}).to_dict(orient="records")}
    if args.json:
        print(json.dumps(payload, indent=2, default=_jsonable))
        return 0
    legend = "; ".join(f"{k} = {v}" for k, v in kinds.items())
    with pd.option_context("display.max_rows", 2_000, "display.width", 200):
        print(series[SHOWN].round(2).to_string(index=False))
    print(legend + ("; sub-municipal figures are estimates" if series["population_estimated"].any() and not bundle.is_demo else ""))
    if args.output:
        print(f"written to {args.output}")
    return 0
