"""Benchmark: sector demand (issue 12) — E2SFCA on every sector point vs PySAL access, and the whole gap chain.

Case 1, E2SFCA: every demand point of the sector model (the region's statistical sectors plus the
Walloon sectors and GHS-POP 1 km cells abroad within 20 km) x the active pharmacies in the bundle
(inside + within 20 km outside, supply 1 each), straight-line car costs up to 30 min, steps
10/20/30 min -> 1/0.68/0.22 (the ``access --method e2sfca`` defaults). PySAL access (Access +
enhanced_two_stage_fca), zorgzones ``accessibility.enhanced_two_step_fca`` (one call) and a
prepared ``Catchment`` (built once, then recomputed with other capacities) on the same cost table,
in the same run; numbers compared where PySAL is finite.
Case 2, gap chain for all of Flanders + Brussels: sector demand points -> walking costs up to
10 min -> nearest pharmacy -> per-neighbourhood aggregation (mean/p50/p90, share beyond 10 min),
timed step by step.

    cd /work/wt-12 && .venv/bin/python benchmarks/bench_sectors.py [--data-dir DIR] [--repeat 3] [--json]

Without ``--data-dir`` the bundle is built from the shared mirror in a temporary directory (~1-2 min).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from zorgzones import demand  # noqa: E402
from zorgzones.accessibility import DEFAULT_STEPS, Catchment, enhanced_two_step_fca, nearest_service  # noqa: E402
from zorgzones.bundle import Bundle  # noqa: E402
from zorgzones.region import load_bundle  # noqa: E402
from zorgzones.travel import straight_line_costs  # noqa: E402

SHARED = Path(os.environ.get("ZORGZONES_SHARED_GEODATA", REPO.parent / "shared" / "geodata"))
WALK_MINUTES = 10.0


def timed(function, repeat: int):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return result, statistics.median(times)


def pysal_e2sfca(costs: pd.DataFrame, demand_pop: pd.Series, supply: pd.Series) -> pd.Series:
    from access import Access, weights

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = Access(
            demand_df=demand_pop.rename("pop").rename_axis("geoid").to_frame(), demand_index=True, demand_value="pop",
            supply_df=supply.rename("cap").rename_axis("geoid").to_frame(), supply_index=True, supply_value="cap",
            cost_df=costs, cost_origin="origin_id", cost_dest="dest_id", cost_name="cost",
        )
        result = model.enhanced_two_stage_fca(weight_fn=weights.step_fn(DEFAULT_STEPS))
    return result.iloc[:, 0]


def max_rel_diff(ours: pd.Series, theirs: pd.Series) -> tuple[float, int]:
    theirs = theirs.reindex(ours.index).to_numpy(dtype=float)
    finite = np.isfinite(theirs)
    a, b = ours.to_numpy()[finite], theirs[finite]
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300))) if finite.any() else 0.0, int((~finite).sum())


def bench_e2sfca(bundle: Bundle, repeat: int) -> dict:
    points = demand.demand_points(bundle, level="neighbourhood", model="sector", include_outside=True)
    pharmacies = bundle.services("pharmacy", active_only=True)
    supply = pd.Series(1.0, index=pharmacies.index)
    costs, costs_s = timed(lambda: straight_line_costs(points, pharmacies, mode="car", max_minutes=max(DEFAULT_STEPS)), 1)
    costs = costs[["origin_id", "dest_id", "cost"]]
    population = points["pop_total"]
    theirs, pysal_s = timed(lambda: pysal_e2sfca(costs, population, supply), repeat)
    ours, ours_s = timed(lambda: enhanced_two_step_fca(costs, population, supply, steps=DEFAULT_STEPS), repeat)
    catchment, prepare_s = timed(lambda: Catchment.from_costs(costs, population.index, supply.index), 1)
    catchment.enhanced_two_step_fca(population, supply, steps=DEFAULT_STEPS)
    recompute = [lambda k=k: catchment.enhanced_two_step_fca(population, supply * (1 + k), steps=DEFAULT_STEPS) for k in range(1, max(repeat, 3) + 1)]
    recompute_s = statistics.median(timed(f, 1)[1] for f in recompute)
    prepared = catchment.enhanced_two_step_fca(population, supply, steps=DEFAULT_STEPS)
    diff, pysal_nan = max_rel_diff(ours, theirs)
    return {
        "points": len(points), "points_inside": int(points["inside_region"].sum()), "pharmacies": len(pharmacies), "pairs": len(costs),
        "costs_s": costs_s, "pysal_s": pysal_s, "ours_s": ours_s, "speedup": pysal_s / ours_s,
        "prepare_s": prepare_s, "capacity_recompute_s": recompute_s, "capacity_recompute_speedup": pysal_s / recompute_s,
        "max_rel_diff": diff, "prepared_max_rel_diff": max_rel_diff(prepared, theirs)[0], "pysal_nan_points": pysal_nan,
    }


def bench_chain(bundle: Bundle, repeat: int) -> dict:
    units = bundle.units("neighbourhood")
    pharmacies = bundle.services("pharmacy", active_only=True)
    steps = {}

    def chain():
        start = time.perf_counter()
        points = demand.demand_points(bundle, level="neighbourhood", model="sector", include_outside=True)
        steps["demand_points_s"] = time.perf_counter() - start
        mark = time.perf_counter()
        costs = straight_line_costs(points, pharmacies, mode="walk", max_minutes=WALK_MINUTES)
        steps["costs_s"] = time.perf_counter() - mark
        mark = time.perf_counter()
        nearest = nearest_service(costs, origin_index=points.index)
        steps["nearest_s"] = time.perf_counter() - mark
        mark = time.perf_counter()
        result = demand.aggregate_to_units(nearest, points, units=units, max_minutes=WALK_MINUTES)
        steps["aggregate_s"] = time.perf_counter() - mark
        return points, costs, result

    bundle.layer("sector_points")  # loading the layer from disk is the bundle's, not the chain's
    (points, costs, result), total_s = timed(chain, repeat)
    inside = result["population"].sum()
    return {
        "points": len(points), "walk_pairs": len(costs), "neighbourhoods": len(result), "total_s": total_s, **steps,
        "share_beyond_region": float(result["pop_beyond"].sum() / inside), "population": float(inside),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="data directory with a real bundle (default: build one from the shared mirror)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    data_dir = args.data_dir
    if data_dir is None:
        from zorgzones import fetch

        data_dir = tempfile.mkdtemp(prefix="zorgzones-bench-sectors-")
        fetch.fetch_region(data_dir=data_dir, mirror=SHARED / "mirror", progress=False)
    bundle = load_bundle(data_dir, allow_demo=False)
    result = {"e2sfca": bench_e2sfca(bundle, args.repeat), "chain": bench_chain(bundle, args.repeat)}
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    e, c = result["e2sfca"], result["chain"]
    print(f"E2SFCA, {e['points']:,} sector points ({e['points_inside']:,} inside) x {e['pharmacies']:,} pharmacies, {e['pairs']:,} pairs "
          f"(car, 30 min; costs built in {e['costs_s']:.2f} s)")
    print(f"  PySAL access {e['pysal_s']:.3f} s | zorgzones one call {e['ours_s']:.4f} s ({e['speedup']:.1f}x) | "
          f"prepared Catchment {e['prepare_s']:.3f} s once, capacity recompute {e['capacity_recompute_s']:.4f} s ({e['capacity_recompute_speedup']:.0f}x)")
    print(f"  max relative difference where PySAL is finite: one call {e['max_rel_diff']:.2e}, prepared {e['prepared_max_rel_diff']:.2e} "
          f"(PySAL NaN for {e['pysal_nan_points']} points without a pharmacy in reach; 0.0 in zorgzones)")
    print(f"Chain for Flanders + Brussels: {c['points']:,} points -> {c['walk_pairs']:,} walking pairs (<= {WALK_MINUTES:g} min) -> nearest -> "
          f"{c['neighbourhoods']:,} neighbourhoods: {c['total_s']:.3f} s (last run: points {c['demand_points_s']:.3f}, costs {c['costs_s']:.3f}, "
          f"nearest {c['nearest_s']:.3f}, aggregate {c['aggregate_s']:.3f})")
    print(f"  {c['share_beyond_region']:.1%} of {c['population']:,.0f} inhabitants beyond a {WALK_MINUTES:g}-minute walk of an active pharmacy")
    return 0


if __name__ == "__main__":
    sys.exit(main())
