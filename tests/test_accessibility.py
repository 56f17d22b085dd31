"""Accessibility measures: hand-made cases, a slow reference implementation, and PySAL access on identical inputs."""

from __future__ import annotations

import math
import warnings
from collections import defaultdict

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from zorgzones.access_summary import (
    SERVICE_TARGETS,
    service_supply,
    summarise_access,
    target_population,
    weighted_quantile,
    zone_of_points,
)
from zorgzones.accessibility import (
    Catchment,
    enhanced_two_step_fca,
    gaussian_two_step_fca,
    gravity_two_step_fca,
    nearest_service,
    per_1000,
    population_within,
    two_step_fca,
    validate_cost_table,
)
from zorgzones.errors import ValidationError

STEPS = {10: 1.0, 20: 0.68, 30: 0.22}


# --------------------------------------------------------------------------- oracle and peer


def oracle_fca(costs: pd.DataFrame, demand: pd.Series, supply: pd.Series, weight) -> pd.Series:
    """Slow, obviously correct floating catchment: dictionaries and loops, same conventions as zorgzones."""
    rows = [(o, d, float(c)) for o, d, c in costs[["origin_id", "dest_id", "cost"]].itertuples(index=False)]
    pop = {o: float(v) for o, v in demand.items()}
    cap = {d: float(v) for d, v in supply.items()}
    reached = defaultdict(float)
    for o, d, c in rows:
        if o in pop and d in cap and weight(c) > 0:
            reached[d] += pop[o] * weight(c)
    ratio = {}
    for d, total in reached.items():
        ratio[d] = cap[d] / total if total > 0 else (math.nan if cap[d] > 0 else 0.0)
    result = {o: 0.0 for o in pop}
    for o, d, c in rows:
        if o in pop and d in ratio and weight(c) > 0:
            result[o] += ratio[d] * weight(c)
    return pd.Series(result).reindex(demand.index)


def step(steps):
    def weight(c):
        for bound in sorted(steps):
            if c <= bound:
                return steps[bound]
        return 0.0

    return weight


def pysal(costs, demand, supply, *, max_cost=None, weight_fn=None) -> pd.Series:
    from access import Access

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = Access(
            demand_df=demand.rename("pop").rename_axis("geoid").to_frame(), demand_index=True, demand_value="pop",
            supply_df=supply.rename("cap").rename_axis("geoid").to_frame(), supply_index=True, supply_value="cap",
            cost_df=costs, cost_origin="origin_id", cost_dest="dest_id", cost_name="cost",
        )
        result = model.two_stage_fca(max_cost=max_cost, weight_fn=weight_fn)
    return result.iloc[:, 0].reindex(demand.index)


def assert_matches_pysal(ours: pd.Series, theirs: pd.Series) -> None:
    """Equal to 1e-9 relative where PySAL is finite; PySAL NaN (nothing in reach) is our 0, PySAL inf our NaN."""
    theirs = theirs.to_numpy(dtype=float)
    ours = ours.to_numpy(dtype=float)
    finite = np.isfinite(theirs)
    np.testing.assert_allclose(ours[finite], theirs[finite], rtol=1e-9, atol=0)
    assert (ours[np.isnan(theirs)] == 0).all()
    assert np.isnan(ours[np.isinf(theirs)]).all()


def random_case(seed: int, *, asymmetric: bool = True):
    rng = np.random.default_rng(seed)
    n_o, n_d = 40, 12
    origins = [f"o{i}" for i in range(n_o)]
    dests = [f"d{j}" for j in range(n_d)]
    rows = [(o, d, float(rng.uniform(0, 40))) for o in origins for d in dests if rng.random() < 0.4]
    if asymmetric:  # origins and destinations share ids; cost a->b differs from b->a
        rows += [(d, o, float(rng.uniform(0, 40))) for o in origins[:5] for d in dests[:3]]
        origins = origins + dests[:3]
    costs = pd.DataFrame(rows, columns=["origin_id", "dest_id", "cost"]).drop_duplicates(["origin_id", "dest_id"])
    demand = pd.Series(rng.integers(0, 2000, len(origins)).astype(float), index=origins)
    demand.iloc[:4] = 0.0  # zero-population units
    supply = pd.Series(rng.uniform(0.5, 8.0, n_d).round(2), index=dests)  # unequal capacities
    supply["d11"] = 3.0
    costs = costs[costs["dest_id"] != "d11"]  # a service nobody reaches
    return costs.reset_index(drop=True), demand, supply


# --------------------------------------------------------------------------- hand-made


@pytest.fixture
def hand():
    costs = pd.DataFrame(
        {"origin_id": ["A", "B", "B", "C"], "dest_id": ["X", "X", "Y", "Y"], "cost": [5.0, 8.0, 3.0, 12.0]}
    )
    demand = pd.Series({"A": 100.0, "B": 300.0, "C": 0.0})
    supply = pd.Series({"X": 2.0, "Y": 1.0})
    return costs, demand, supply


def test_two_step_fca_by_hand(hand):
    costs, demand, supply = hand
    result = two_step_fca(costs, demand, supply, max_cost=10)
    # X serves A+B = 400 people -> 2/400; Y serves B = 300 (C is beyond 10) -> 1/300; C reaches nothing -> 0
    assert result["A"] == pytest.approx(0.005)
    assert result["B"] == pytest.approx(0.005 + 1 / 300)
    assert result["C"] == 0.0
    assert list(result.index) == ["A", "B", "C"]
    # within 15, zero-population C reaches Y and gets its ratio (Y still serves 300 people)
    assert two_step_fca(costs, demand, supply, max_cost=15)["C"] == pytest.approx(1 / 300)
    # total supply is conserved: sum(pop * ratio) = supply reached
    assert (demand * result).sum() == pytest.approx(3.0)
    assert per_1000(result)["A"] == pytest.approx(5.0)


def test_e2sfca_by_hand(hand):
    costs, demand, supply = hand
    result = enhanced_two_step_fca(costs, demand, supply, steps={4: 1.0, 10: 0.5})
    # X: weighted demand 100*0.5 + 300*0.5 = 200 -> R=0.01; Y: 300*1 = 300 -> 1/300 (C at 12: weight 0)
    assert result["A"] == pytest.approx(0.5 * 0.01)
    assert result["B"] == pytest.approx(0.5 * 0.01 + 1.0 / 300)
    assert result["C"] == 0.0


def test_zero_demand_catchment_is_nan_and_silent(hand):
    costs, demand, supply = hand
    costs = pd.concat([costs, pd.DataFrame({"origin_id": ["C"], "dest_id": ["Z"], "cost": [2.0]})], ignore_index=True)
    supply = pd.concat([supply, pd.Series({"Z": 1.0})])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = two_step_fca(costs, demand, supply, max_cost=10)
    assert math.isnan(result["C"])  # only zero-population C reaches Z: supply per person undefined
    assert result["A"] == pytest.approx(0.005)
    all_zero = two_step_fca(costs, demand * 0, supply, max_cost=10)
    assert all_zero.isna().all()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_formulas_match_oracle_and_pysal(seed):
    costs, demand, supply = random_case(seed)
    cases = [
        (lambda: two_step_fca(costs, demand, supply, max_cost=15), lambda c: 1.0 if c <= 15 else 0.0, dict(max_cost=15)),
        (lambda: enhanced_two_step_fca(costs, demand, supply, steps=STEPS), step(STEPS), None),
        (lambda: gaussian_two_step_fca(costs, demand, supply, max_cost=25, sigma=10), lambda c: math.exp(-c * c / 200) if c <= 25 else 0.0, dict(max_cost=25, gaussian=10)),
        (lambda: gravity_two_step_fca(costs, demand, supply, max_cost=30, scale=10, alpha=-1.5, min_cost=1), lambda c: (max(c, 1) / 10) ** -1.5 if c <= 30 else 0.0, dict(max_cost=30, gravity=(10, -1.5, 1))),
    ]
    from access import weights

    for compute, weight, peer in cases:
        ours = compute()
        oracle = oracle_fca(costs, demand, supply, weight)
        np.testing.assert_allclose(ours.to_numpy(), oracle.to_numpy(), rtol=1e-12, equal_nan=True)
        if peer is None:
            theirs = pysal(costs, demand, supply, weight_fn=weights.step_fn(STEPS))
        elif "gaussian" in peer:
            theirs = pysal(costs, demand, supply, max_cost=peer["max_cost"], weight_fn=weights.gaussian(peer["gaussian"]))
        elif "gravity" in peer:
            theirs = pysal(costs, demand, supply, max_cost=peer["max_cost"], weight_fn=weights.gravity(*peer["gravity"]))
        else:
            theirs = pysal(costs, demand, supply, max_cost=peer["max_cost"])
        assert_matches_pysal(ours, theirs)


def test_catchment_recompute_matches_fresh_calls():
    costs, demand, supply = random_case(5)
    catchment = Catchment.from_costs(costs, demand.index, supply.index)
    other_steps = {5: 1.0, 15: 0.5}
    sequence = [
        ("e2", STEPS, supply), ("e2", other_steps, supply), ("e2", other_steps, supply * 3), ("2", 12, supply),
        ("2", 12, supply.iloc[::-1] * 0.5), ("2", 20, supply), ("e2", STEPS, supply * 2), ("2", 20, supply),
    ]
    for kind, setting, capacity in sequence:
        if kind == "e2":
            got, want = catchment.enhanced_two_step_fca(demand, capacity, steps=setting), enhanced_two_step_fca(costs, demand, capacity.reindex(supply.index), steps=setting)
        else:
            got, want = catchment.two_step_fca(demand, capacity, max_cost=setting), two_step_fca(costs, demand, capacity.reindex(supply.index), max_cost=setting)
        np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), rtol=1e-12, equal_nan=True)
    # demand change invalidates the cached population reached
    changed = demand * 2 + 1
    np.testing.assert_allclose(
        catchment.two_step_fca(changed.to_numpy(), supply.to_numpy(), max_cost=20).to_numpy(),
        two_step_fca(costs, changed, supply, max_cost=20).to_numpy(), rtol=1e-12, equal_nan=True,
    )
    gauss = catchment.gaussian_two_step_fca(demand, supply, max_cost=25, sigma=10)
    np.testing.assert_allclose(gauss, gaussian_two_step_fca(costs, demand, supply, max_cost=25, sigma=10), rtol=1e-12)
    with pytest.raises(ValidationError, match="shape"):
        catchment.two_step_fca(np.ones(3), supply, max_cost=10)


def test_prefix_two_step_fca_equals_oracle_with_ties_zero_demand_and_unreached():
    from zorgzones.catchment import prefix_ends, row_cumsum

    rng = np.random.default_rng(11)
    rows = [(f"o{i}", f"d{j}", float(rng.integers(0, 12))) for i in range(30) for j in range(8) if rng.random() < 0.5]
    rows += [("o30", "d8", 4.0), ("o31", "d8", 2.0)]  # d8 is reached only by zero-population origins
    costs = pd.DataFrame(rows, columns=["origin_id", "dest_id", "cost"])  # integer costs: many ties at every threshold
    demand = pd.Series(rng.integers(0, 500, 32).astype(float), index=[f"o{i}" for i in range(32)])
    demand.iloc[[0, 5, 30, 31]] = 0.0
    supply = pd.Series(rng.uniform(0.5, 4.0, 10).round(2), index=[f"d{j}" for j in range(10)])  # d9: in no cost row
    catchment = Catchment.from_costs(costs, demand.index, supply.index)
    for bound in [0, 0.5, 3, 4, 7, 11, 12, None, 3, 0]:  # cost == bound is inside; thresholds revisited in any order
        for capacity, people in ((supply, demand), (supply.iloc[::-1] * 2, demand), (supply, demand * 3 + 1)):
            weight = (lambda c: 1.0) if bound is None else (lambda c, b=bound: 1.0 if c <= b else 0.0)
            want = oracle_fca(costs, people, capacity.reindex(supply.index), weight)
            got = catchment.two_step_fca(people, capacity, max_cost=bound)
            np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), rtol=1e-12, atol=0, equal_nan=True)
            np.testing.assert_allclose(got, two_step_fca(costs, people, capacity.reindex(supply.index), max_cost=bound), rtol=1e-12, equal_nan=True)
    assert math.isnan(catchment.two_step_fca(demand, supply, max_cost=4)["o30"])  # reaches d8, whose catchment has no people
    assert catchment.two_step_fca(demand, supply, max_cost=3)["o30"] == 0.0  # d8 beyond 3 for o30
    # the helpers on a hand-made layout: rows [1, 2, 2, 5], [], [0, 3]
    indptr, cost = np.array([0, 4, 4, 6]), np.array([1.0, 2.0, 2.0, 5.0, 0.0, 3.0])
    assert prefix_ends(cost, indptr, 2.0).tolist() == [3, 4, 5] and prefix_ends(cost, indptr, -1.0).tolist() == [0, 4, 4]
    values = np.arange(1.0, 7.0)
    for block in (1, 2, 1 << 20):
        assert row_cumsum(values, indptr, block=block).tolist() == [1.0, 3.0, 6.0, 10.0, 5.0, 11.0]


# --------------------------------------------------------------------------- bad input


def test_bad_cost_tables_are_rejected_with_every_problem(hand):
    costs, demand, supply = hand
    bad = costs.copy()
    bad.loc[0, "cost"] = -1.0
    bad.loc[1, "cost"] = np.nan
    with pytest.raises(ValidationError) as info:
        two_step_fca(bad, demand, supply, max_cost=10)
    text = str(info.value)
    assert "negative cost" in text and "missing cost" in text
    with pytest.raises(ValidationError, match="lacks column"):
        two_step_fca(costs.rename(columns={"cost": "minutes"}), demand, supply, max_cost=10)
    with pytest.raises(ValidationError, match="duplicated"):
        two_step_fca(pd.concat([costs, costs.iloc[:1]]), demand, supply, max_cost=10)
    with pytest.raises(ValidationError, match="demand"):
        two_step_fca(costs, demand * -1, supply, max_cost=10)
    with pytest.raises(ValidationError, match="max_cost"):
        two_step_fca(costs, demand, supply, max_cost=-5)
    with pytest.raises(ValidationError, match="steps"):
        enhanced_two_step_fca(costs, demand, supply, steps={})
    assert validate_cost_table(costs).ok


# --------------------------------------------------------------------------- nearest, reach, summaries


def test_nearest_service_and_population_within(hand):
    costs, demand, supply = hand
    nearest = nearest_service(costs, origin_index=pd.Index(["A", "B", "C", "D"]))
    assert nearest.loc["B", "nearest_dest_id"] == "Y" and nearest.loc["B", "nearest_cost"] == 3.0
    assert nearest.loc["C", "nearest_cost"] == 12.0
    assert pd.isna(nearest.loc["D", "nearest_cost"]) and pd.isna(nearest.loc["D", "nearest_dest_id"])
    within = population_within(costs, demand, max_cost=6)
    assert within.to_dict() == {"A": 100.0, "B": 300.0, "C": 0.0}


def test_target_population_and_supply():
    units = pd.DataFrame({"pop_total": [100, 50], "pop_65plus": [20, 30], "pop_80plus": [5, 10], "pop_0_2": [3, 1]}, index=["u1", "u2"])
    assert target_population(units, target="80plus").tolist() == [5.0, 10.0]
    assert target_population(units, target="residential_care").tolist() == [5.0, 10.0]
    assert SERVICE_TARGETS["childcare"] == "0_2"
    weighted = target_population(units, target={"pop_total": 1.0, "pop_65plus": 1.5})
    assert weighted.tolist() == [130.0, 95.0]
    with pytest.raises(ValidationError, match="pop_85plus"):
        target_population(units, target="85plus")
    services = pd.DataFrame(
        {"service_type": ["pharmacy", "pharmacy", "hospital", "pharmacy"], "capacity": [np.nan, 1.0, 350.0, 1.0], "active": [True, True, True, False]},
        index=["s1", "s2", "s3", "s4"],
    )
    assert service_supply(services, service_type="pharmacy").to_dict() == {"s1": 1.0, "s2": 1.0}
    assert service_supply(services, service_type="pharmacy", include_inactive=True).index.tolist() == ["s1", "s2", "s4"]
    assert service_supply(services.drop(columns="capacity")).tolist() == [1.0, 1.0, 1.0]
    assert service_supply(services, service_type="hospital").tolist() == [350.0]


def test_summarise_access_by_zone_by_hand():
    demand = pd.Series({"a": 100.0, "b": 300.0, "c": 0.0, "d": 50.0})
    per_point = pd.DataFrame({"nearest_cost": [5.0, 20.0, 3.0, np.nan], "supply_per_demand": [0.002, 0.001, 0.004, 0.0]}, index=demand.index)
    zones = zone_of_points(pd.Series({"a": "u1", "b": "u1", "c": "u2", "d": "u3"}), pd.Series({"u1": "Z1", "u2": "Z2", "u3": "Z1"}))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = summarise_access(per_point, demand, zones, max_minutes=15)
    z1 = table.loc["Z1"]
    assert z1["target_pop"] == 450.0
    assert z1["mean_travel_min"] == pytest.approx((100 * 5 + 300 * 20) / 400)  # over reached people
    assert z1["p50_travel_min"] == 20.0 and z1["p90_travel_min"] == np.inf  # 50 of 450 unreached
    assert z1["share_beyond"] == pytest.approx(350 / 450)
    assert z1["supply_per_1000"] == pytest.approx((100 * 0.002 + 300 * 0.001) / 450 * 1000)
    region = (100 * 0.002 + 300 * 0.001) / 450 * 1000
    assert z1["ratio_to_region"] == pytest.approx(1.0) and z1["region_supply_per_1000"] == pytest.approx(region)
    z2 = table.loc["Z2"]
    assert z2["target_pop"] == 0 and np.isnan(z2["share_beyond"]) and np.isnan(z2["ratio_to_region"]) and "no target population" in z2["note"]
    assert weighted_quantile(np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 2.0]), 0.5) == 2.0
    assert np.isnan(weighted_quantile(np.array([1.0]), np.array([0.0]), 0.5))


# --------------------------------------------------------------------------- real data


def test_neighbourhoods_x_pharmacies_match_pysal(shared_geodata):
    from zorgzones.travel import demand_points, straight_line_costs

    wijken = gpd.read_file(shared_geodata / "boundaries" / "vl_bru_wijken_ggw7_2024.gpkg").set_index("ggw72024")
    points = demand_points(wijken, weight_column="pop_2022")
    pharmacies = gpd.read_file(shared_geodata / "services" / "be_pharmacies_afmps.gpkg").to_crs("EPSG:31370")
    pharmacies.index = pharmacies["authorization_id"].astype(str)
    costs = straight_line_costs(points, pharmacies, mode="car", max_distance_m=5000, detour_factor=1.0)
    demand = points["pop_2022"].astype(float)
    supply = service_supply(pharmacies.assign(active=pharmacies["status"] == "ACTIVE"))
    steps = {2.5: 1.0, 5.0: 0.68, 7.5: 0.22}
    from access import weights

    ours = enhanced_two_step_fca(costs, demand, supply, steps=steps)
    assert_matches_pysal(ours, pysal(costs, demand, supply, weight_fn=weights.step_fn(steps)))
    ours2 = two_step_fca(costs, demand, supply, max_cost=7.5)
    assert_matches_pysal(ours2, pysal(costs, demand, supply, max_cost=7.5))
    # fingerprint: 4,717 active pharmacies, most of them reached; every neighbourhood has a value
    assert len(costs) > 100_000 and ours.notna().all()
    assert 0.1 < per_1000(ours2).median() < 1.0


# --------------------------------------------------------------------------- CLI


def run_cli(argv, capsys):
    import json

    from zorgzones.cli import main

    code = main(argv)
    captured = capsys.readouterr()
    return code, (json.loads(captured.out) if "--json" in argv and code == 0 else captured.out), captured.err


def test_cli_access_on_demo_bundle(tmp_path, capsys):
    out = tmp_path / "access.csv"
    code, summary, _ = run_cli(["access", "--data-dir", str(tmp_path), "--demo", "--plan", "elz", "--method", "2sfca", "--json", "--out", str(out)], capsys)
    assert code == 0 and summary["demo_data"] is True
    points = pd.read_csv(tmp_path / "access_points.csv", index_col="point_id")
    zones = pd.read_csv(tmp_path / "access_zones.csv", index_col="zone_id")
    assert len(points) == summary["points"] and summary["pairs"] > 0
    assert zones["target_pop"].sum() == pytest.approx(points["target_pop"].sum())
    # zone figures are consistent with the per-point 2SFCA: population-weighted supply per 1,000
    first = zones.index[0]
    assert {z["zone_id"] for z in summary["zones"]} == set(zones.index)
    region = summary["region"]
    assert region["supply_per_1000"] == pytest.approx((points["target_pop"] * points["supply_per_1000"]).sum() / points["target_pop"].sum())
    assert zones.loc[first, "ratio_to_region"] == pytest.approx(zones.loc[first, "supply_per_1000"] / region["supply_per_1000"])
    code, text, _ = run_cli(["access", "--data-dir", str(tmp_path), "--demo", "--method", "nearest", "--level", "municipality", "--mode", "walk", "--max-minutes", "10"], capsys)
    assert code == 0 and "beyond T" in text


def test_cli_access_bad_options(tmp_path, capsys):
    code, _, err = run_cli(["access", "--data-dir", str(tmp_path), "--demo", "--max-minutes", "-3", "--out", str(tmp_path / "x.txt")], capsys)
    assert code == 2 and "--max-minutes" in err and "--out" in err and "Traceback" not in err
    code, _, err = run_cli(["access", "--data-dir", str(tmp_path), "--demo", "--steps", "10-1"], capsys)
    assert code == 2 and "bound:weight" in err
    code, _, err = run_cli(["access", "--data-dir", str(tmp_path), "--demo", "--level", "raster"], capsys)
    assert code == 2 and "--raster" in err  # the demo bundle has no raster


def test_ratios_by_service_type_equal_single_calls():
    from zorgzones.accessibility import ratios_by_service_type

    costs, demand, supply = random_case(3, asymmetric=False)
    demands = pd.DataFrame({"pharmacy": demand, "nursing_home": (demand * 0.05).round()})
    supplies = pd.DataFrame({"pharmacy": supply, "nursing_home": supply.iloc[::-1].to_numpy() * 30})
    table = ratios_by_service_type(costs, demands, supplies, steps=STEPS)
    for column in supplies:
        single = enhanced_two_step_fca(costs, demands[column], supplies[column], steps=STEPS)
        np.testing.assert_allclose(table[column].to_numpy(), single.to_numpy(), rtol=1e-12, equal_nan=True)
    with pytest.raises(ValidationError, match="exactly one"):
        ratios_by_service_type(costs, demands, supplies)


@pytest.mark.slow
def test_cli_access_raster_and_network_on_real_bundle(bundle_dir, capsys, tmp_path):
    code, summary, _ = run_cli(
        ["access", "--data-dir", str(bundle_dir), "--level", "raster", "--mode", "walk", "--method", "2sfca",
         "--max-minutes", "5", "--plan", "elz", "--json", "--out", str(tmp_path / "cells.gpkg")], capsys)
    assert code == 0 and summary["demo_data"] is False
    assert 150_000 < summary["points"] <= 200_533  # populated West Flanders cells inside the region
    assert 0.3 < summary["region"]["share_beyond"] < 0.95  # a 5-minute walk misses most people
    assert all(zone["zone_id"].startswith("elz") for zone in summary["zones"])
    import pyogrio

    assert {name for name, _ in pyogrio.list_layers(tmp_path / "cells.gpkg")} == {"points", "units", "zones"}
    code, summary, _ = run_cli(
        ["access", "--data-dir", str(bundle_dir), "--engine", "network", "--province", "10000", "--method", "nearest",
         "--max-minutes", "10", "--json"], capsys)
    assert code == 0 and summary["demand_model"] == "sector" and 100 < summary["points"] < 1000  # sectors on the extract
    assert summary["region"]["mean_travel_min"] < 5 and summary["notes"]


def test_empty_tables_give_zero_not_errors():
    empty = pd.DataFrame({"origin_id": pd.Series(dtype=str), "dest_id": pd.Series(dtype=str), "cost": pd.Series(dtype=float)})
    demand, supply = pd.Series({"x": 10.0}), pd.Series({"a": 1.0})
    assert two_step_fca(empty, demand, supply, max_cost=5).tolist() == [0.0]
    assert enhanced_two_step_fca(empty, demand, supply, steps=STEPS).tolist() == [0.0]
    assert Catchment.from_costs(empty, demand.index, supply.index).two_step_fca(demand, supply, max_cost=5).tolist() == [0.0]
    assert nearest_service(empty, origin_index=demand.index)["nearest_cost"].isna().all()


def test_random_tables_match_oracle_property():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    pairs = st.dictionaries(st.tuples(st.integers(0, 5), st.integers(0, 3)), st.floats(0, 40, allow_nan=False), max_size=24)

    @settings(max_examples=60, deadline=None)
    @given(pairs, st.lists(st.integers(0, 100), min_size=6, max_size=6), st.lists(st.integers(0, 5), min_size=4, max_size=4), st.floats(0, 40))
    def check(table, pops, caps, bound):
        costs = pd.DataFrame([(f"o{o}", f"d{d}", c) for (o, d), c in table.items()], columns=["origin_id", "dest_id", "cost"])
        if costs.empty:
            costs = costs.astype({"cost": float})
        demand = pd.Series(np.array(pops, float), index=[f"o{i}" for i in range(6)])
        supply = pd.Series(np.array(caps, float), index=[f"d{j}" for j in range(4)])
        want = oracle_fca(costs, demand, supply, lambda c: 1.0 if c <= bound else 0.0)
        np.testing.assert_allclose(two_step_fca(costs, demand, supply, max_cost=bound), want, rtol=1e-12, equal_nan=True)
        steps = {bound / 2: 1.0, bound: 0.5}
        want = oracle_fca(costs, demand, supply, step(steps))
        got = Catchment.from_costs(costs, demand.index, supply.index).enhanced_two_step_fca(demand, supply, steps=steps)
        np.testing.assert_allclose(got, want, rtol=1e-12, equal_nan=True)

    check()


def test_row_order_id_types_and_unknown_ids_do_not_change_the_answer():
    """The one-call path reads origins as runs of rows: any row order, integer or categorical ids, and ids missing
    from the indexes give the oracle's numbers; a pair repeated in two separate runs is still refused."""
    rng = np.random.default_rng(7)
    pairs = [(o, d) for o in range(40) for d in range(12) if rng.random() < 0.4]
    costs = pd.DataFrame(pairs, columns=["origin_id", "dest_id"]).assign(cost=rng.uniform(0, 30, len(pairs)))
    costs = pd.concat([costs, pd.DataFrame({"origin_id": [99, 3], "dest_id": [2, 77], "cost": [1.0, 1.0]})])  # unknown ids
    demand = pd.Series(rng.integers(0, 500, 40).astype(float), index=pd.Index(range(40)))
    supply = pd.Series(rng.integers(0, 4, 12).astype(float), index=pd.Index(range(12)))
    known = costs[costs["origin_id"].isin(demand.index) & costs["dest_id"].isin(supply.index)]
    want_2 = oracle_fca(known, demand, supply, lambda c: 1.0 if c <= 12 else 0.0)
    want_e = oracle_fca(known, demand, supply, step(STEPS))
    shuffled = costs.sample(frac=1.0, random_state=3)
    categorical = shuffled.astype({"origin_id": "category", "dest_id": "category"})
    for table, index_type in ((costs, int), (shuffled, int), (categorical, int), (shuffled.astype({"origin_id": str, "dest_id": str}), str)):
        d, s = demand.rename(index=index_type), supply.rename(index=index_type)
        np.testing.assert_allclose(two_step_fca(table, d, s, max_cost=12), want_2, rtol=1e-12, equal_nan=True)
        np.testing.assert_allclose(enhanced_two_step_fca(table, d, s, steps=STEPS), want_e, rtol=1e-12, equal_nan=True)
    apart = pd.concat([costs.iloc[:3], costs.iloc[[40]], costs.iloc[:1]])  # the first pair again, after another origin
    assert apart["origin_id"].iloc[-1] != apart["origin_id"].iloc[-2]
    for table in (apart, apart.astype({"origin_id": "category", "dest_id": "category"})):
        with pytest.raises(ValidationError, match="1 duplicated"):
            two_step_fca(table, demand, supply, max_cost=12)


def test_cli_access_province_keeps_regional_catchments(tmp_path, capsys):
    code, whole, _ = run_cli(["access", "--data-dir", str(tmp_path), "--demo", "--method", "2sfca", "--json"], capsys)
    province = "91000"  # a province of the seeded demo region
    code, part, _ = run_cli(["access", "--data-dir", str(tmp_path), "--demo", "--method", "2sfca", "--province", province, "--json"], capsys)
    assert code == 0 and part["selection"]["target_pop"] < part["region"]["target_pop"] == whole["region"]["target_pop"]
    # the catchments use every unit, so the regional figure is unchanged by the selection
    assert part["region"]["supply_per_1000"] == pytest.approx(whole["region"]["supply_per_1000"])


# --------------------------------------------------------------------------- per-unit indicators for maps


