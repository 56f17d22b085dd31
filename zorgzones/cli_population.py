"""The ``zorgzones population`` command: population and ageing over the years."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from zorgzones.cli_plan import _bundle, _jsonable, _write_table, load_plan
from zorgzones.errors import ValidationError

#: Columns of the text table (the JSON and CSV carry every column).
SHOWN = ["id", "name", "year", "population_kind", "pop_total", "pop_65plus", "pop_80plus", "pop_85plus", "share_65plus",
         "share_80plus", "informal_care_ratio", "growth_vs_base_pct"]


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
