"""Benchmark: zorgzones 2SFCA / E2SFCA vs PySAL access on the same cost tables, in one run.

Cases (pharmacies = all 5,026 AFMPS pharmacies, supply 1 each; 5 km straight-line catchment,
cost = minutes at 40 km/h without detour so 5 km = 7.5 min; E2SFCA steps 2.5/5/7.5 min ->
1/0.68/0.22, 2SFCA max_cost 7.5 min):
  neighbourhoods: 2,730 neighbourhood points (pop_2022) x pharmacies
  raster:         ~200,533 populated 100 m GHS-POP cells of West Flanders x pharmacies
For each: PySAL time (Access construction + call), our single call, our prepared recompute
(Catchment built once, then steps/threshold/capacities changed), results compared (max relative
difference where PySAL is finite; "recomp diff": a recomputation with changed settings against a
fresh one-call computation with those settings), and peak traced memory (tracemalloc, separate runs).

    cd /work/main && PYTHONPATH=. /work/venv/bin/python benchmarks/bench_access.py [--repeat 3] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from zorgzones.accessibility import Catchment, enhanced_two_step_fca, two_step_fca  # noqa: E402
from zorgzones.settings import WORKING_CRS  # noqa: E402
from zorgzones.travel import demand_points, raster_demand_points, straight_line_costs  # noqa: E402

SHARED = Path(os.environ.get("ZORGZONES_SHARED_GEODATA", REPO.parent / "shared" / "geodata"))
STEPS = {2.5: 1.0, 5.0: 0.68, 7.5: 0.22}
STEPS_CHANGED = {3.0: 1.0, 6.0: 0.6, 7.5: 0.2}
MAX_COST = 7.5


def load_cases() -> dict:
    pharmacies = gpd.read_file(SHARED / "services" / "be_pharmacies_afmps.gpkg").to_crs(WORKING_CRS)
    pharmacies.index = pharmacies["authorization_id"].astype(str)
    supply = pd.Series(1.0, index=pharmacies.index)
    wijken = gpd.read_file(SHARED / "boundaries" / "vl_bru_wijken_ggw7_2024.gpkg").set_index("ggw72024")
    points = demand_points(wijken, weight_column="pop_2022")
    cells = raster_demand_points(SHARED / "raster" / "ghs_pop_100m_mollweide_westflanders_bbox.tif")
    cases = {}
    for name, frame, column in (("neighbourhoods", points, "pop_2022"), ("raster", cells, "pop_total")):
        costs = straight_line_costs(frame, pharmacies, mode="car", max_distance_m=5000.0, detour_factor=1.0)
        cases[name] = (costs[["origin_id", "dest_id", "cost"]], frame[column].astype(float), supply)
    return cases


def pysal_call(costs, demand, supply, method: str):
    from access import Access, weights

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = Access(
            demand_df=demand.rename("pop").rename_axis("geoid").to_frame(), demand_index=True, demand_value="pop",
            supply_df=supply.rename("cap").rename_axis("geoid").to_frame(), supply_index=True, supply_value="cap",
            cost_df=costs, cost_origin="origin_id", cost_dest="dest_id", cost_name="cost",
        )
        if method == "e2sfca":
            result = model.enhanced_two_stage_fca(weight_fn=weights.step_fn(STEPS))
        else:
            result = model.two_stage_fca(max_cost=MAX_COST)
    return result.iloc[:, 0]


def ours_call(costs, demand, supply, method: str):
    if method == "e2sfca":
        return enhanced_two_step_fca(costs, demand, supply, steps=STEPS)
    return two_step_fca(costs, demand, supply, max_cost=MAX_COST)


def timed(function, repeat: int):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return result, statistics.median(times)


def peak_mib(function) -> float:
    tracemalloc.start()
    function()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def compare(ours: pd.Series, theirs: pd.Series) -> dict:
    theirs = theirs.reindex(ours.index)
    finite = np.isfinite(theirs.to_numpy(dtype=float))
    a, b = ours.to_numpy()[finite], theirs.to_numpy(dtype=float)[finite]
    scale = np.maximum(np.abs(b), 1e-300)
    return {
        "max_rel_diff": float(np.max(np.abs(a - b) / scale)) if finite.any() else 0.0,
        "pysal_nan_origins": int(np.isnan(theirs.to_numpy(dtype=float)).sum()),
        "ours_zero_where_pysal_nan": int(((ours.to_numpy() == 0) & np.isnan(theirs.to_numpy(dtype=float))).sum()),
        "pysal_inf_origins": int(np.isinf(theirs.to_numpy(dtype=float)).sum()),
    }


def run(repeat: int) -> list[dict]:
    rows = []
    for case, (costs, demand, supply) in load_cases().items():
        catchment, prepare_s = timed(lambda: Catchment.from_costs(costs, demand.index, supply.index), 1)
        for method in ("e2sfca", "2sfca"):
            theirs, pysal_s = timed(lambda: pysal_call(costs, demand, supply, method), repeat)
            ours, ours_s = timed(lambda: ours_call(costs, demand, supply, method), repeat)
            # a real recomputation each time: the settings alternate, so no cached weights are reused
            variants = [(STEPS_CHANGED, 5.0, 2.0), (STEPS, MAX_COST, 1.0)] * max(repeat, 3)
            if method == "e2sfca":
                prepared, _ = timed(lambda: catchment.enhanced_two_step_fca(demand, supply, steps=STEPS), 1)
                recompute = [lambda v=v: catchment.enhanced_two_step_fca(demand, supply * v[2], steps=v[0]) for v in variants]
            else:
                prepared, _ = timed(lambda: catchment.two_step_fca(demand, supply, max_cost=MAX_COST), 1)
                recompute = [lambda v=v: catchment.two_step_fca(demand, supply * v[2], max_cost=v[1]) for v in variants]
            recompute_s = statistics.median(timed(f, 1)[1] for f in recompute)
            changed = recompute[0]()  # the recomputed numbers equal a fresh one-call computation with the changed settings
            if method == "e2sfca":
                fresh = enhanced_two_step_fca(costs, demand, supply * 2.0, steps=STEPS_CHANGED)
            else:
                fresh = two_step_fca(costs, demand, supply * 2.0, max_cost=5.0)
            # capacities only (the app editing a service): the population reached per service is reused
            def capacity_change(k: int, method=method):
                if method == "e2sfca":
                    return catchment.enhanced_two_step_fca(demand, supply * (1 + k), steps=STEPS)
                return catchment.two_step_fca(demand, supply * (1 + k), max_cost=MAX_COST)

            capacity_change(0)
            capacity_s = statistics.median(timed(lambda k=k: capacity_change(k), 1)[1] for k in range(1, max(repeat, 3) + 1))
            agreement = compare(ours, theirs)
            agreement["prepared_max_rel_diff"] = compare(prepared, theirs)["max_rel_diff"]
            agreement["recompute_max_rel_diff"] = compare(changed, fresh)["max_rel_diff"]
            rows.append(
                {
                    "case": case, "method": method, "origins": len(demand), "services": len(supply), "pairs": len(costs),
                    "pysal_s": pysal_s, "ours_s": ours_s, "speedup": pysal_s / ours_s,
                    "prepare_s": prepare_s, "recompute_s": recompute_s, "recompute_speedup": pysal_s / recompute_s,
                    "capacity_recompute_s": capacity_s, "capacity_recompute_speedup": pysal_s / capacity_s,
                    "pysal_peak_mib": peak_mib(lambda: pysal_call(costs, demand, supply, method)),
                    "ours_peak_mib": peak_mib(lambda: ours_call(costs, demand, supply, method)),
                    **agreement,
                }
            )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = run(args.repeat)
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    header = f"{'case':15} {'method':7} {'pairs':>9} {'pysal s':>8} {'ours s':>8} {'x':>6} {'recomp s':>9} {'x':>7} {'cap s':>8} {'x':>6} {'pysal MiB':>9} {'ours MiB':>8} {'max rel diff':>12} {'recomp diff':>11}"
    print(header)
    for r in rows:
        print(
            f"{r['case']:15} {r['method']:7} {r['pairs']:>9,} {r['pysal_s']:8.3f} {r['ours_s']:8.4f} {r['speedup']:6.1f} "
            f"{r['recompute_s']:9.5f} {r['recompute_speedup']:7.0f} {r['capacity_recompute_s']:8.5f} {r['capacity_recompute_speedup']:6.0f} {r['pysal_peak_mib']:9.1f} {r['ours_peak_mib']:8.1f} {r['max_rel_diff']:12.2e} {r['recompute_max_rel_diff']:11.2e}"
        )
    print("prepare (Catchment.from_costs, once per cost table):", {r["case"]: round(r["prepare_s"], 3) for r in rows})
    print("PySAL NaN (origins with no pharmacy in reach) are 0.0 in zorgzones:", {f"{r['case']}/{r['method']}": r["pysal_nan_origins"] for r in rows})
    return 0


if __name__ == "__main__":
    sys.exit(main())
