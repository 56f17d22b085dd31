"""Benchmark: exact maximal covering (zorgzones, HiGHS) vs PySAL spopt MCLP + CBC, same inputs, one run.

Problem: place p new pharmacies among the neighbourhood centres of one province so that they cover the most
people who live beyond ``--max-minutes`` (straight line x detour, ``--mode`` speed) of every active pharmacy
(AFMPS list, including pharmacies across the provincial and national borders). Demand = neighbourhood
population (2022) NOT covered by an existing pharmacy; covered neighbourhoods weigh 0 in both solvers.
Candidates = neighbourhood centres (centroid, or a point inside when the centroid falls outside).

    cd /work/main && PYTHONPATH=. /work/venv/bin/python benchmarks/bench_siting.py [--province 7] [--p 5] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from zorgzones.settings import WORKING_CRS  # noqa: E402
from zorgzones.siting import maximal_covering  # noqa: E402
from zorgzones.travel import demand_points, straight_line_costs  # noqa: E402

SHARED = Path(os.environ.get("ZORGZONES_SHARED_GEODATA", REPO.parent / "shared" / "geodata"))


def load_inputs(province: str, mode: str, max_minutes: float):
    wijken = gpd.read_file(SHARED / "boundaries" / "vl_bru_wijken_ggw7_2024.gpkg")
    wijken = wijken[wijken["nis_2025"].str.startswith(province)].set_index("ggw72024")
    points = demand_points(wijken.to_crs(WORKING_CRS), weight_column="pop_2022")
    pharmacies = gpd.read_file(SHARED / "services" / "be_pharmacies_afmps.gpkg").to_crs(WORKING_CRS)
    pharmacies = pharmacies[pharmacies["status"] == "ACTIVE"]
    pharmacies.index = pharmacies["authorization_id"].astype(str)
    existing = straight_line_costs(points, pharmacies, mode=mode, max_minutes=max_minutes)
    candidates = straight_line_costs(points, points, mode=mode, max_minutes=max_minutes)
    demand = points["pop_2022"].astype(float)
    return demand, list(points.index), candidates, existing, len(pharmacies)


def timed(function, repeat: int):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return result, statistics.median(times)


def run(province: str, p: int, mode: str, max_minutes: float, repeat: int) -> dict:
    import pulp
    from spopt.locate import MCLP

    demand, candidates, costs, existing, n_pharmacies = load_inputs(province, mode, max_minutes)
    covered_before = demand.index.isin(existing.loc[existing["cost"] <= max_minutes, "origin_id"])
    residual = demand.where(~covered_before, 0.0)
    # identical input for the peer: dense matrix (inf = pair beyond the cutoff) and residual weights
    matrix = np.full((len(demand), len(candidates)), np.inf)
    matrix[demand.index.get_indexer(costs["origin_id"]), pd.Index(candidates).get_indexer(costs["dest_id"])] = costs["cost"]

    exact, t_exact = timed(lambda: maximal_covering(costs, demand, candidates, p=p, max_cost=max_minutes,
                                                    existing_costs=existing, method="exact"), repeat)
    greedy, t_greedy = timed(lambda: maximal_covering(costs, demand, candidates, p=p, max_cost=max_minutes,
                                                      existing_costs=existing, method="greedy"), repeat)

    def solve_spopt():
        model = MCLP.from_cost_matrix(matrix, residual.to_numpy(), service_radius=max_minutes, p_facilities=p)
        return model.solve(pulp.PULP_CBC_CMD(msg=False))

    peer, t_peer = timed(solve_spopt, repeat)
    peer_value = float(pulp.value(peer.problem.objective))
    peer_sites = [candidates[j] for j, var in enumerate(peer.fac_vars) if var.value() > 0.5]
    return {
        "province": province, "p": p, "mode": mode, "max_minutes": max_minutes, "neighbourhoods": len(demand),
        "candidates": len(candidates), "active_pharmacies": n_pharmacies, "candidate_pairs": len(costs),
        "population": float(demand.sum()), "uncovered_before": float(residual.sum()),
        "exact": {"value": exact.value, "status": exact.status, "gap": exact.gap, "seconds": t_exact, "sites": [str(s) for s in exact.sites]},
        "greedy": {"value": greedy.value, "seconds": t_greedy, "sites": [str(s) for s in greedy.sites]},
        "spopt_cbc": {"value": peer_value, "seconds": t_peer, "sites": peer_sites},
        "equal_objective": bool(abs(exact.value - peer_value) <= 1e-6 * max(1.0, peer_value)),
        "speedup": t_peer / t_exact,
        "greedy_shortfall": 1.0 - greedy.value / exact.value if exact.value > 0 else 0.0,
        "repeat": repeat,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--province", default="7", help="first digit(s) of the NIS 2025 code (7 = Limburg)")
    parser.add_argument("--p", type=int, default=5, help="new pharmacies to place")
    parser.add_argument("--mode", default="walk", choices=["walk", "bike", "car"])
    parser.add_argument("--max-minutes", type=float, default=15.0)
    parser.add_argument("--repeat", type=int, default=3, help="runs per solver (median time reported)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = run(args.province, args.p, args.mode, args.max_minutes, args.repeat)
    if args.json:
        json.dump(result, sys.stdout, indent=1)
        print()
    else:
        print(f"maximal covering, p={result['p']} new pharmacies, province {result['province']}: "
              f"{result['neighbourhoods']} neighbourhoods = candidates, {result['candidate_pairs']} pairs within "
              f"{result['max_minutes']:g} min {result['mode']}, {result['active_pharmacies']} active pharmacies")
        print(f"population {result['population']:,.0f}; beyond {result['max_minutes']:g} min of any pharmacy: {result['uncovered_before']:,.0f}")
        print(f"{'solver':<28}{'covered':>12}{'seconds':>10}")
        for key, label in (("exact", "zorgzones exact (HiGHS)"), ("greedy", "zorgzones greedy"), ("spopt_cbc", "spopt MCLP + CBC")):
            print(f"{label:<28}{result[key]['value']:>12,.0f}{result[key]['seconds']:>10.3f}")
        print(f"equal objective: {result['equal_objective']}; speed-up exact vs spopt: {result['speedup']:.1f}x; "
              f"greedy {100 * result['greedy_shortfall']:.2f} % below optimum")
    return 0 if result["equal_objective"] else 1


if __name__ == "__main__":
    sys.exit(main())
