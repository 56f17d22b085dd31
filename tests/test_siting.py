"""Siting: maximal covering and p-median, greedy vs exact, against hand answers, brute force and spopt's MCLP."""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Polygon, box

from zorgzones.errors import ValidationError
from zorgzones.siting import candidate_grid, candidates_from_units, maximal_covering, p_median

# Two clusters of 10 people each, and a middle candidate M that reaches one unit of each cluster plus a
# small unit in between (11 people). Greedy takes M first and ends at 16; the optimum L + R covers 20.
DEMAND = pd.Series({"L1": 5.0, "L2": 5.0, "Mid": 1.0, "R1": 5.0, "R2": 5.0})
PAIRS = [("L1", "L", 1), ("L2", "L", 1), ("L2", "M", 1), ("Mid", "M", 1), ("R1", "M", 1), ("R1", "R", 1), ("R2", "R", 1)]
COSTS = pd.DataFrame(PAIRS, columns=["origin_id", "dest_id", "cost"])
CANDIDATES = ["L", "M", "R"]


def test_greedy_is_not_optimal_and_exact_finds_the_optimum():
    greedy = maximal_covering(COSTS, DEMAND, CANDIDATES, p=2, max_cost=5, method="greedy")
    exact = maximal_covering(COSTS, DEMAND, CANDIDATES, p=2, max_cost=5, method="exact")
    assert greedy.sites == ["M", "L"]
    assert greedy.value == 16.0
    assert greedy.site_table["pop_gain"].tolist() == [11.0, 5.0]
    assert greedy.status == "heuristic" and np.isnan(greedy.gap)
    assert sorted(exact.sites) == ["L", "R"]
    assert exact.value == 20.0
    assert exact.status == "optimal"
    assert exact.gap == pytest.approx(0.0, abs=1e-9)
    assert exact.bound == pytest.approx(20.0)
    assert exact.total_demand == 21.0


def test_threshold_is_inclusive_and_excludes_farther_pairs():
    costs = COSTS.assign(cost=np.where(COSTS["dest_id"] == "M", 6.0, 5.0))
    result = maximal_covering(costs, DEMAND, CANDIDATES, p=1, max_cost=5, method="exact")
    assert result.value == 10.0  # M is now beyond 5 minutes; L or R (exactly 5 minutes) covers 10
    assert result.sites in (["L"], ["R"])


def test_existing_services_stay_and_count():
    # an existing pharmacy already covers the left cluster: the best single new site is R, not L or M
    existing = pd.DataFrame({"origin_id": ["L1", "L2"], "dest_id": ["E", "E"], "cost": [2.0, 3.0]})
    for method in ("greedy", "exact"):
        result = maximal_covering(COSTS, DEMAND, CANDIDATES, p=1, max_cost=5, existing_costs=existing, method=method)
        assert result.sites == ["R"], method
        assert result.baseline == 10.0
        assert result.value == 10.0
        assert result.to_dict()["covered_total"] == 20.0


def test_p_median_hand_case():
    # unreached units cost 10 minutes; greedy takes M first (saves 99), the optimum is L + R (cost 30)
    greedy = p_median(COSTS, DEMAND, CANDIDATES, p=2, unreachable_cost=10, method="greedy")
    exact = p_median(COSTS, DEMAND, CANDIDATES, p=2, unreachable_cost=10, method="exact")
    assert greedy.sites == ["M", "L"] and greedy.value == 66.0
    assert sorted(exact.sites) == ["L", "R"] and exact.value == 30.0
    assert exact.baseline == 210.0
    assert exact.mean_cost == pytest.approx(30.0 / 21.0)
    assert exact.site_table["pop_served"].sum() == 20.0


def test_p_median_unreachable_without_fallback_is_a_clear_error():
    with pytest.raises(ValidationError, match="reach no candidate"):
        p_median(COSTS, pd.concat([DEMAND, pd.Series({"Far": 3.0})]), CANDIDATES, p=2)
    with pytest.raises(ValidationError, match="no choice of 1 site"):
        p_median(COSTS, DEMAND, CANDIDATES, p=1)


def _random_instance(seed: int, n: int = 40, m: int = 15):
    rng = np.random.default_rng(seed)
    demand_xy, cand_xy = rng.uniform(0, 10, (n, 2)), rng.uniform(0, 10, (m, 2))
    matrix = np.hypot(*(demand_xy[:, None, :] - cand_xy[None, :, :]).transpose(2, 0, 1))
    weights = rng.integers(1, 100, n).astype(float)
    demand = pd.Series(weights, index=[f"d{i}" for i in range(n)])
    cands = [f"c{j}" for j in range(m)]
    costs = pd.DataFrame(
        {"origin_id": np.repeat(demand.index, m), "dest_id": np.tile(cands, n), "cost": matrix.ravel()}
    )
    return matrix, demand, cands, costs


def _brute_force_cover(matrix, weights, p, radius):
    within = matrix <= radius
    return max(weights[within[:, list(s)].any(axis=1)].sum() for s in itertools.combinations(range(matrix.shape[1]), p))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_exact_cover_matches_brute_force_and_bounds_greedy(seed):
    matrix, demand, cands, costs = _random_instance(seed, n=30, m=10)
    optimum = _brute_force_cover(matrix, demand.to_numpy(), 3, 2.5)
    exact = maximal_covering(costs, demand, cands, p=3, max_cost=2.5)
    greedy = maximal_covering(costs, demand, cands, p=3, max_cost=2.5, method="greedy")
    assert exact.value == pytest.approx(optimum)
    assert greedy.value <= exact.value + 1e-9
    assert greedy.value >= (1 - 1 / np.e) * exact.value - 1e-9  # the classic greedy guarantee


@pytest.mark.parametrize("seed", [3, 4])
def test_exact_p_median_matches_brute_force(seed):
    matrix, demand, cands, costs = _random_instance(seed, n=25, m=8)
    w = demand.to_numpy()
    optimum = min((w * matrix[:, list(s)].min(axis=1)).sum() for s in itertools.combinations(range(8), 3))
    exact = p_median(costs, demand, cands, p=3)
    greedy = p_median(costs, demand, cands, p=3, method="greedy")
    assert exact.value == pytest.approx(optimum)
    assert greedy.value >= exact.value - 1e-6


@pytest.mark.parametrize("seed", [5, 6])
def test_exact_cover_equals_spopt_mclp_with_cbc(seed):
    pulp = pytest.importorskip("pulp")
    from spopt.locate import MCLP

    matrix, demand, cands, costs = _random_instance(seed, n=60, m=20)
    ours = maximal_covering(costs, demand, cands, p=4, max_cost=2.0)
    peer = MCLP.from_cost_matrix(matrix, demand.to_numpy(), service_radius=2.0, p_facilities=4)
    peer = peer.solve(pulp.PULP_CBC_CMD(msg=False))
    assert ours.value == pytest.approx(pulp.value(peer.problem.objective))


def test_bad_input_lists_every_problem():
    with pytest.raises(ValidationError) as info:
        maximal_covering(COSTS.iloc[0:0], DEMAND, [], p=4, max_cost=0, method="magic", time_limit_s=-1)
    problems = "\n".join(info.value.problems)
    assert "candidate set is empty" in problems
    assert "max_cost is 0" in problems
    assert "method is 'magic'" in problems
    assert "time_limit_s" in problems
    with pytest.raises(ValidationError, match="only 3 candidate"):
        maximal_covering(COSTS, DEMAND, CANDIDATES, p=4, max_cost=5)
    with pytest.raises(ValidationError, match="not candidates"):
        maximal_covering(COSTS, DEMAND, ["L", "M"], p=1, max_cost=5)
    with pytest.raises(ValidationError, match="p is 0"):
        p_median(COSTS, DEMAND, CANDIDATES, p=0, unreachable_cost=10)


def test_time_limit_reports_status_and_gap():
    matrix, demand, cands, costs = _random_instance(7, n=300, m=120)
    result = maximal_covering(costs, demand, cands, p=10, max_cost=1.5, time_limit_s=0.05)
    greedy = maximal_covering(costs, demand, cands, p=10, max_cost=1.5, method="greedy")
    assert result.status in ("optimal", "time_limit")
    assert result.value >= greedy.value - 1e-9
    assert result.bound >= result.value - 1e-6
    assert result.gap >= 0
    assert len(result.sites) == 10


def test_candidates_from_units_stay_inside_and_follow_mask():
    crs = "EPSG:31370"
    l_shape = Polygon([(0, 0), (3000, 0), (3000, 500), (500, 500), (500, 3000), (0, 3000)])
    units = gpd.GeoDataFrame({"name": ["L", "sq"]}, geometry=[l_shape, box(5000, 0, 6000, 1000)], crs=crs,
                             index=pd.Index(["u1", "u2"], name="unit_id"))
    sites = candidates_from_units(units)
    assert list(sites.index) == ["u1", "u2"]
    assert sites.geometry.within(units.geometry, align=False).all()
    assert sites.geometry.iloc[1].equals(box(5000, 0, 6000, 1000).centroid)
    only_gaps = candidates_from_units(units, mask=pd.Series({"u1": False, "u2": True}))
    assert list(only_gaps.index) == ["u2"]
    with pytest.raises(ValidationError, match="to_crs"):
        candidates_from_units(units.to_crs("EPSG:4326"))


def test_candidate_grid():
    area = gpd.GeoDataFrame(geometry=[box(0, 0, 3000, 3000)], crs="EPSG:31370")
    grid = candidate_grid(area, spacing_m=1000)
    assert len(grid) == 9
    assert grid.index[0] == "grid_000000"
    assert sorted({round(p.x) for p in grid.geometry}) == [500, 1500, 2500]
    with pytest.raises(ValidationError, match="spacing_m"):
        candidate_grid(area, spacing_m=0)


def test_real_limburg_exact_equals_spopt(shared_geodata):
    """Limburg neighbourhoods, candidates = neighbourhood centres, demand = people beyond 3 min by car of every
    active pharmacy: our exact solver and spopt MCLP + CBC cover the same population."""
    pulp = pytest.importorskip("pulp")
    from spopt.locate import MCLP

    from zorgzones.travel import demand_points, straight_line_costs

    wijken = gpd.read_file(shared_geodata / "boundaries" / "vl_bru_wijken_ggw7_2024.gpkg")
    wijken = wijken[wijken["nis_2025"].str.startswith("7")].set_index("ggw72024").to_crs("EPSG:31370")
    pharmacies = gpd.read_file(shared_geodata / "services" / "be_pharmacies_afmps.gpkg").to_crs("EPSG:31370")
    pharmacies = pharmacies[pharmacies["status"] == "ACTIVE"].set_index(pharmacies["authorization_id"].astype(str)[pharmacies["status"] == "ACTIVE"])
    points = demand_points(wijken, weight_column="pop_2022")
    demand = points["pop_2022"].astype(float)
    existing = straight_line_costs(points, pharmacies, mode="car", max_minutes=3)
    costs = straight_line_costs(points, points, mode="car", max_minutes=3)
    exact = maximal_covering(costs, demand, points.index, p=5, max_cost=3, existing_costs=existing)
    greedy = maximal_covering(costs, demand, points.index, p=5, max_cost=3, existing_costs=existing, method="greedy")
    assert exact.baseline + exact.value <= demand.sum()
    assert exact.value == 26_075  # fingerprint
    assert greedy.value <= exact.value and greedy.value >= 0.95 * exact.value
    residual = demand.where(~demand.index.isin(existing["origin_id"]), 0.0)
    matrix = np.full((len(demand), len(demand)), np.inf)
    matrix[demand.index.get_indexer(costs["origin_id"]), demand.index.get_indexer(costs["dest_id"])] = costs["cost"]
    peer = MCLP.from_cost_matrix(matrix, residual.to_numpy(), service_radius=3, p_facilities=5).solve(pulp.PULP_CBC_CMD(msg=False))
    assert exact.value == pytest.approx(pulp.value(peer.problem.objective))


def test_cli_site_on_demo_region(tmp_path, capsys):
    import json

    from zorgzones.cli import main

    out = tmp_path / "sites.gpkg"
    assert main(["site", "--data-dir", str(tmp_path), "--demo", "--p", "3", "--max-minutes", "10", "--out", str(out), "--json"]) == 0
    exact = json.loads(capsys.readouterr().out)
    assert exact["status"] == "optimal" and len(exact["sites"]) == 3
    assert len(gpd.read_file(out, layer="sites")) == 3
    assert main(["site", "--data-dir", str(tmp_path), "--demo", "--p", "3", "--max-minutes", "10", "--method", "greedy", "--json"]) == 0
    greedy = json.loads(capsys.readouterr().out)
    assert greedy["value"] <= exact["value"] + 1e-9
    assert main(["site", "--data-dir", str(tmp_path), "--demo", "--p", "2", "--objective", "median", "--candidates", "grid",
                 "--grid-spacing-m", "3000", "--json"]) == 0
    median = json.loads(capsys.readouterr().out)
    assert median["objective"] == "p_median" and median["mean_cost"] > 0 and median["value"] <= median["baseline"]
    assert main(["site", "--data-dir", str(tmp_path), "--demo", "--p", "100000", "--candidates", "units"]) == 2
    assert "candidate site(s)" in capsys.readouterr().err


def test_cli_site_with_given_candidates_and_services_files(tmp_path, capsys):
    import json

    from zorgzones.cli import main
    from zorgzones.demo import demo_bundle

    bundle = demo_bundle(seed=0)
    services = bundle.services("pharmacy", active_only=True).iloc[::2]  # half the pharmacies closed
    services.reset_index()[["service_id", "name", "capacity", "geometry"]].to_file(tmp_path / "own.gpkg")
    units = bundle.units("neighbourhood").iloc[:20]
    sites = gpd.GeoDataFrame({"id": [f"cand{k}" for k in range(20)], "name": units["name"].to_numpy()},
                             geometry=units.geometry.centroid.to_numpy(), crs=units.crs)
    sites.to_file(tmp_path / "sites.gpkg")
    code = main(["site", "--data-dir", str(tmp_path), "--demo", "--p", "2", "--services-file", str(tmp_path / "own.gpkg"),
                 "--candidates-file", str(tmp_path / "sites.gpkg"), "--json"])
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["candidate_kind"] == "file" and summary["candidates"] == 20
    assert all(s.startswith("cand") for s in summary["sites"])
    (tmp_path / "broken.csv").write_text("name;x\nA;1\n", encoding="utf-8")
    assert main(["site", "--data-dir", str(tmp_path), "--demo", "--p", "1", "--candidates-file", str(tmp_path / "broken.csv")]) == 2
    assert "invalid input" in capsys.readouterr().err


def test_exact_p_median_equals_spopt_pmedian_with_cbc():
    pulp = pytest.importorskip("pulp")
    from spopt.locate import PMedian

    matrix, demand, cands, costs = _random_instance(8, n=40, m=12)
    ours = p_median(costs, demand, cands, p=3)
    peer = PMedian.from_cost_matrix(matrix, demand.to_numpy(), p_facilities=3).solve(pulp.PULP_CBC_CMD(msg=False))
    assert ours.value == pytest.approx(pulp.value(peer.problem.objective))


@pytest.mark.parametrize("seed", [10, 11, 12])
def test_exact_with_existing_services_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    matrix, demand, cands, costs = _random_instance(seed, n=30, m=9)
    costs = costs[rng.random(len(costs)) < 0.6]  # a sparse table: pairs beyond some cutoff left out
    within = np.zeros(matrix.shape, dtype=bool)
    within[demand.index.get_indexer(costs["origin_id"]), pd.Index(cands).get_indexer(costs["dest_id"])] = costs["cost"].to_numpy() <= 3.0
    served = rng.random(30) < 0.3  # already within reach of an existing service
    existing = pd.DataFrame({"origin_id": demand.index[served], "dest_id": "E", "cost": 1.0})
    w = demand.to_numpy() * ~served
    optimum = max(w[within[:, list(s)].any(axis=1)].sum() for s in itertools.combinations(range(9), 3))
    for method in ("exact", "greedy"):
        result = maximal_covering(costs, demand, cands, p=3, max_cost=3.0, existing_costs=existing, method=method)
        assert result.baseline == pytest.approx(demand[served].sum())
        if method == "exact":
            assert result.value == pytest.approx(optimum)
        else:
            assert result.value <= optimum + 1e-9
