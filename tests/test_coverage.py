"""Coverage: gaps, overlaps, capacity-limited coverage and benchmark tables on a hand-checked 3x3 grid,
against slow reference implementations and on the real neighbourhoods of Limburg."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from zorgzones.coverage import (
    benchmark_table,
    capacity_limited_coverage,
    coverage_gaps,
    coverage_overlaps,
    gap_areas,
    ranked,
    summarise_by_zone,
)
from zorgzones.errors import ValidationError

CRS = "EPSG:31370"
# 3x3 grid of 1 km squares, u0 u1 u2 on the top row; population 100, 200, ..., 900
IDS = [f"u{k}" for k in range(9)]
DEMAND = pd.Series([100.0 * (k + 1) for k in range(9)], index=pd.Index(IDS, name="unit_id"))
ZONES = pd.Series(["Z1"] * 3 + ["Z2"] * 3 + ["Z3"] * 3, index=IDS)
REGIONS = pd.Series(["flanders"] * 6 + ["brussels"] * 3, index=IDS)
# S1 sits in u0, S2 in u4; minutes from unit to service (u5 cannot reach S2 within the table)
COSTS = pd.DataFrame(
    [("u0", "S1", 2), ("u1", "S1", 6), ("u3", "S1", 6), ("u4", "S1", 9),
     ("u4", "S2", 1), ("u1", "S2", 5), ("u3", "S2", 5), ("u7", "S2", 5), ("u0", "S2", 8)],
    columns=["origin_id", "dest_id", "cost"],
)


def grid_units() -> gpd.GeoDataFrame:
    boxes = [box(150_000 + c * 1000, 200_000 - r * 1000, 151_000 + c * 1000, 201_000 - r * 1000) for r in range(3) for c in range(3)]
    return gpd.GeoDataFrame({"pop_total": DEMAND.to_numpy()}, geometry=boxes, crs=CRS, index=DEMAND.index.copy())


def test_gaps_hand_case():
    gaps = coverage_gaps(COSTS, DEMAND, max_cost=7)
    assert list(gaps.index) == IDS
    assert gaps["covered"].tolist() == [True, True, False, True, True, False, False, True, False]
    assert gaps["pop_beyond"].sum() == 300 + 600 + 700 + 900
    assert gaps.loc["u0", "nearest_cost"] == 2 and np.isnan(gaps.loc["u2", "nearest_cost"])
    assert gaps["services_within"].tolist() == [1, 2, 0, 2, 1, 0, 0, 1, 0]
    top = ranked(gaps)
    assert list(top.index) == ["u8", "u6", "u5", "u2"]
    assert top["rank"].tolist() == [1, 2, 3, 4]
    zones = summarise_by_zone(gaps, ZONES)
    assert zones["pop_beyond"].to_dict() == {"Z1": 300.0, "Z2": 600.0, "Z3": 1600.0}
    assert zones.loc["Z3", "share_beyond"] == pytest.approx(1600 / 2400)
    assert zones["units_beyond"].to_dict() == {"Z1": 1, "Z2": 1, "Z3": 2}


def test_gap_areas_dissolve_neighbouring_units():
    gaps = coverage_gaps(COSTS, DEMAND, max_cost=7)
    areas = gap_areas(gaps, grid_units())
    # u2, u5, u8 form the right-hand column; u6 stands alone
    assert areas["population"].tolist() == [1800.0, 700.0]
    assert areas["units"].tolist() == [3, 1]
    assert areas["area_km2"].tolist() == pytest.approx([3.0, 1.0])
    assert areas.crs == CRS
    assert areas.geometry.iloc[0].symmetric_difference(box(152_000, 198_000, 153_000, 201_000)).area < 1e-6
    with pytest.raises(ValidationError, match="to_crs"):
        gap_areas(gaps, grid_units().to_crs("EPSG:4326"))


def test_overlaps_hand_case():
    overlaps = coverage_overlaps(COSTS, DEMAND, max_cost=7, min_services=2)
    assert overlaps.index[overlaps["overlap"]].tolist() == ["u1", "u3"]
    assert overlaps["pop_overlap"].sum() == 600
    assert list(ranked(overlaps, column="pop_overlap").index) == ["u3", "u1"]
    assert summarise_by_zone(overlaps, ZONES)["pop_overlap"].to_dict() == {"Z1": 200.0, "Z2": 400.0, "Z3": 0.0}
    # within 9 minutes u0 and u4 also see both services
    assert coverage_overlaps(COSTS, DEMAND, max_cost=9)["overlap"].sum() == 4


def test_capacity_limited_coverage_order_matters():
    capacity = pd.Series({"S1": 300.0, "S2": 1000.0})
    # largest first: S2 takes u4 (500, 1 min), u1 (200) and 300 of u3 (400) at 5 min; S1 then takes u0 and u3's last 100
    largest = capacity_limited_coverage(COSTS, DEMAND, capacity, max_cost=7)
    assert largest.facilities.index.tolist() == ["S2", "S1"]
    assert largest.facilities["covered_pop"].to_dict() == {"S2": 1000.0, "S1": 200.0}
    assert largest.facilities["capacity_residual"].to_dict() == {"S2": 0.0, "S1": 100.0}
    assert largest.facilities.loc["S2", "pop_within"] == 1900.0
    assert largest.facilities.loc["S2", "catchment_max_cost"] == 5.0
    assert largest.units["covered_pop"].sum() == 1200.0
    assert largest.units.loc["u7", "residual_pop"] == 800.0
    # S1 first: it takes u0 and u1 (300); S2 then takes u4, u3 and 100 of u7
    given = capacity_limited_coverage(COSTS, DEMAND, capacity, max_cost=7, order=["S1", "S2"])
    assert given.facilities["covered_pop"].to_dict() == {"S1": 300.0, "S2": 1000.0}
    assert given.units["covered_pop"].sum() == 1300.0
    assert given.units.loc["u7", "covered_pop"] == 100.0
    zones = given.by_zone(ZONES)
    assert zones["covered_pop"].to_dict() == {"Z1": 300.0, "Z2": 900.0, "Z3": 100.0}
    assert zones.loc["Z2", "covered_share"] == pytest.approx(900 / 1500)
    assert zones["residual_pop"].sum() == 4500 - 1300


def test_capacity_in_other_units_than_people():
    capacity = pd.Series({"S1": 3.0, "S2": 10.0})  # e.g. pharmacists; one serves 100 people
    result = capacity_limited_coverage(COSTS, DEMAND, capacity, max_cost=7, population_per_capacity=100.0)
    assert result.facilities["capacity_realised"].to_dict() == {"S2": 10.0, "S1": 2.0}
    assert result.units["covered_pop"].sum() == 1200.0


def test_unlimited_capacity_is_population_within_threshold():
    capacity = pd.Series({"S1": np.inf, "S2": np.inf})
    result = capacity_limited_coverage(COSTS, DEMAND, capacity, max_cost=7)
    gaps = coverage_gaps(COSTS, DEMAND, max_cost=7)
    assert result.units["covered_pop"].tolist() == (gaps["target_pop"] - gaps["pop_beyond"]).tolist()
    assert result.units["covered_pop"].sum() == 2000.0


def _reference_capacity(costs, demand, capacity, max_cost, order):
    """Slow, obviously correct AccessMod-style allocation with plain dicts."""
    left = dict(demand.items())
    covered = {}
    for service in order:
        budget = capacity[service]
        rows = [(row.cost, list(demand.index).index(row.origin_id), row.origin_id)
                for row in costs.itertuples() if row.dest_id == service and row.cost <= max_cost]
        took = 0.0
        for _, _, origin in sorted(rows):
            take = min(left[origin], budget - took)
            left[origin] -= take
            took += take
        covered[service] = took
    return covered, left


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_capacity_matches_reference(seed):
    rng = np.random.default_rng(seed)
    demand = pd.Series(rng.integers(0, 500, 40).astype(float), index=[f"o{i}" for i in range(40)])
    services = [f"s{j}" for j in range(12)]
    pairs = [(o, s) for o in demand.index for s in services if rng.random() < 0.3]
    costs = pd.DataFrame({"origin_id": [p[0] for p in pairs], "dest_id": [p[1] for p in pairs],
                          "cost": rng.integers(1, 20, len(pairs)).astype(float)})
    capacity = pd.Series(rng.integers(100, 2000, 12).astype(float), index=services)
    order = list(rng.permutation(services))
    result = capacity_limited_coverage(costs, demand, capacity, max_cost=12, order=order)
    covered, left = _reference_capacity(costs, demand, capacity, 12, order)
    assert result.facilities["covered_pop"].to_dict() == pytest.approx(covered)
    assert result.units["residual_pop"].to_dict() == pytest.approx(left)
    assert (result.facilities["capacity_residual"] >= -1e-9).all()


def test_gaps_and_overlaps_match_reference_loops():
    rng = np.random.default_rng(5)
    demand = pd.Series(rng.integers(0, 100, 30).astype(float), index=[f"o{i}" for i in range(30)])
    pairs = [(o, f"s{j}", float(rng.integers(1, 30))) for o in demand.index for j in range(8) if rng.random() < 0.25]
    costs = pd.DataFrame(pairs, columns=["origin_id", "dest_id", "cost"])
    gaps = coverage_gaps(costs, demand, max_cost=10)
    overlaps = coverage_overlaps(costs, demand, max_cost=10, min_services=3)
    for origin in demand.index:
        near = [c for o, _, c in pairs if o == origin and c <= 10]
        assert gaps.loc[origin, "pop_beyond"] == (0.0 if near else demand[origin])
        assert overlaps.loc[origin, "pop_overlap"] == (demand[origin] if len(near) >= 3 else 0.0)


def test_benchmark_table_hand_case():
    supply = pd.Series({"S1": 1.0, "S2": 2.0, "S3": 1.0, "FAR": 5.0})
    service_unit = pd.Series({"S1": "u0", "S2": "u4", "S3": "u8", "FAR": None})  # FAR lies outside the region
    table = benchmark_table(DEMAND, supply, unit_zone=ZONES, service_unit=service_unit, unit_region=REGIONS, above_factor=1.1)
    assert table["supply_per_1000"].to_dict() == pytest.approx({"Z1": 1000 / 600, "Z2": 2000 / 1500, "Z3": 1000 / 2400})
    assert table["region_per_1000"].to_dict() == pytest.approx({"Z1": 3000 / 2100, "Z2": 3000 / 2100, "Z3": 1000 / 2400})
    assert table["overall_per_1000"].iloc[0] == pytest.approx(4000 / 4500)
    assert table["below_region"].to_dict() == {"Z1": False, "Z2": True, "Z3": False}
    assert table["below_overall"].to_dict() == {"Z1": False, "Z2": False, "Z3": True}
    assert table["well_above"].to_dict() == {"Z1": True, "Z2": False, "Z3": False}
    assert table["region"].to_dict() == {"Z1": "flanders", "Z2": "flanders", "Z3": "brussels"}


def test_bad_input_lists_every_problem():
    with pytest.raises(ValidationError) as info:
        capacity_limited_coverage(COSTS.rename(columns={"cost": "minutes"}), DEMAND.where(DEMAND > 150), pd.Series({"S1": 0.0, "S2": np.nan}), max_cost=-3)
    problems = "\n".join(info.value.problems)
    assert "lacks column(s) ['cost']" in problems
    assert "demand: 1 value(s) missing" in problems
    assert "max_cost is -3" in problems
    assert "2 service(s) without a positive capacity" in problems
    with pytest.raises(ValidationError, match="exactly once"):
        capacity_limited_coverage(COSTS, DEMAND, pd.Series({"S1": 1.0, "S2": 1.0}), max_cost=5, order=["S1"])
    with pytest.raises(ValidationError, match="min_services"):
        coverage_overlaps(COSTS, DEMAND, max_cost=5, min_services=1)
    with pytest.raises(ValidationError, match="have no zone"):
        summarise_by_zone(coverage_gaps(COSTS, DEMAND, max_cost=5), ZONES.iloc[:5])


def test_gaps_with_supply_norm():
    supply = pd.Series({"S1": 1.0, "S2": 2.0})
    gaps = coverage_gaps(COSTS, DEMAND, max_cost=7, supply=supply, norm_per_1000=1.2)
    # 2SFCA: S1 reaches 700 people (u0, u1, u3), S2 reaches 1,900 (u1, u3, u4, u7)
    r1, r2 = 1 / 700 * 1000, 2 / 1900 * 1000
    assert gaps["supply_within_per_1000"].to_dict() == pytest.approx(
        {"u0": r1, "u1": r1 + r2, "u2": 0, "u3": r1 + r2, "u4": r2, "u5": 0, "u6": 0, "u7": r2, "u8": 0})
    assert gaps.index[gaps["below_norm"]].tolist() == ["u2", "u4", "u5", "u6", "u7", "u8"]
    assert gaps["pop_below_norm"].sum() == 3800
    zones = summarise_by_zone(gaps, ZONES)
    assert (zones["supply_within_per_1000"] * zones["target_pop"] / 1000).sum() == pytest.approx(3.0)  # all supply is reached
    assert zones["units_below_norm"].to_dict() == {"Z1": 1, "Z2": 2, "Z3": 3}
    assert list(ranked(gaps, column="pop_below_norm").index) == ["u8", "u7", "u6", "u5", "u4", "u2"]
    with pytest.raises(ValidationError, match="without supply"):
        coverage_gaps(COSTS, DEMAND, max_cost=7, norm_per_1000=1.0)


@pytest.fixture(scope="module")
def limburg(shared_geodata):
    """Limburg neighbourhoods (2022 population) and active pharmacies, read from the shared data (EPSG:31370)."""
    from zorgzones.travel import demand_points

    wijken = gpd.read_file(shared_geodata / "boundaries" / "vl_bru_wijken_ggw7_2024.gpkg")
    wijken = wijken[wijken["nis_2025"].str.startswith("7")].set_index("ggw72024").to_crs(CRS)
    pharmacies = gpd.read_file(shared_geodata / "services" / "be_pharmacies_afmps.gpkg").to_crs(CRS)
    pharmacies = pharmacies[pharmacies["status"] == "ACTIVE"]
    pharmacies.index = pharmacies["authorization_id"].astype(str)
    return wijken, demand_points(wijken, weight_column="pop_2022"), pharmacies


def test_real_limburg_gaps_overlaps_and_capacity(limburg):
    from zorgzones.accessibility import population_within
    from zorgzones.travel import straight_line_costs

    wijken, points, pharmacies = limburg
    demand = points["pop_2022"].astype(float)
    costs = straight_line_costs(points, pharmacies, mode="walk", max_minutes=15)
    gaps = coverage_gaps(costs, demand, max_cost=15, supply=pd.Series(1.0, index=pharmacies.index), norm_per_1000=0.2)
    assert len(gaps) == 415 and gaps["target_pop"].sum() == 885_683
    # fingerprint (walk 15 min = 1.2 km road = 923 m straight line from the neighbourhood centre)
    assert gaps["pop_beyond"].sum() == 296_923
    assert (~gaps["covered"]).sum() == 223 and (gaps["pop_beyond"] > 0).sum() == 221  # 2 uncovered units are empty
    reached = population_within(costs, demand, max_cost=15)
    assert (gaps["pop_beyond"] + reached).to_numpy() == pytest.approx(demand.to_numpy())
    unlimited = capacity_limited_coverage(costs, demand, pd.Series(np.inf, index=pharmacies.index), max_cost=15)
    assert unlimited.units["covered_pop"].to_numpy() == pytest.approx(reached.to_numpy())
    limited = capacity_limited_coverage(costs, demand, pd.Series(1.0, index=pharmacies.index), max_cost=15,
                                        population_per_capacity=2500.0)
    assert limited.units["covered_pop"].sum() < reached.sum()
    assert (limited.facilities["covered_pop"] <= 2500.0 + 1e-6).all()
    assert limited.facilities["covered_pop"].sum() == pytest.approx(limited.units["covered_pop"].sum())
    municipality = pd.Series(wijken["nis_2025"].to_numpy(), index=wijken.index)
    zones = summarise_by_zone(gaps, municipality)
    assert zones["pop_beyond"].sum() == pytest.approx(296_923)
    areas = gap_areas(gaps, wijken)
    assert areas["population"].sum() == pytest.approx(296_923) and areas["units"].sum() == 221
    overlaps = coverage_overlaps(costs, demand, max_cost=15, min_services=3)
    assert overlaps["pop_overlap"].sum() > 0


def test_cli_gaps_on_demo_region(tmp_path, capsys):
    import json

    from zorgzones.cli import main

    out = tmp_path / "gaps.csv"
    code = main(["gaps", "--data-dir", str(tmp_path), "--demo", "--plan", "elz", "--norm-per-1000", "0.3",
                 "--population-per-capacity", "2500", "--out", str(out), "--json"])
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["demo_data"] is True
    assert 0 < summary["pop_beyond"] < summary["target_pop"]
    assert summary["top_gaps"][0]["rank"] == 1
    assert summary["capacity_limited"]["covered_pop"] <= summary["target_pop"] - summary["pop_beyond"] + 1e-6
    assert {row["zone_id"] for row in summary["benchmark"]} == {row["zone_id"] for row in summary["zones"]}
    units = pd.read_csv(tmp_path / "gaps_units.csv")
    assert units["pop_beyond"].sum() == pytest.approx(summary["pop_beyond"])
    assert (tmp_path / "gaps_benchmark.csv").is_file() and (tmp_path / "gaps_zones.csv").is_file()
    gpkg = tmp_path / "gaps.gpkg"
    assert main(["gaps", "--data-dir", str(tmp_path), "--demo", "--out", str(gpkg)]) == 0
    assert len(gpd.read_file(gpkg, layer="gap_areas")) == summary["gap_areas"]
    assert main(["gaps", "--data-dir", str(tmp_path), "--demo", "--plan", "elz", "--out", str(gpkg)]) == 0
    import pyogrio

    assert {"units", "ranked", "gap_areas", "zones", "benchmark"} <= {name for name, _ in pyogrio.list_layers(gpkg)}


def test_cli_gaps_bad_options_give_one_clear_message(tmp_path, capsys):
    from zorgzones.cli import main

    code = main(["gaps", "--data-dir", str(tmp_path), "--demo", "--target", "pop_cats", "--plan", "nope", "--province", "99999"])
    assert code == 2
    err = capsys.readouterr().err
    assert "pop_cats" in err and "nope" in err and "99999" in err and "Traceback" not in err
    assert main(["gaps", "--data-dir", str(tmp_path), "--demo", "--max-minutes", "0"]) == 2


def test_ids_that_do_not_match_are_an_error_not_a_silent_gap():
    numeric = COSTS.assign(origin_id=COSTS["origin_id"].str[1:].astype(int))
    with pytest.raises(ValidationError, match="origin_id"):
        coverage_gaps(numeric, DEMAND, max_cost=7)
    with pytest.raises(ValidationError, match="services without capacity"):
        capacity_limited_coverage(COSTS, DEMAND, pd.Series({"S1": 5.0}), max_cost=7)


@pytest.mark.slow
def test_cli_gaps_on_real_bundle_matches_raw_files(bundle_dir, capsys):
    """The real bundle's Limburg neighbourhoods give the same gap as the raw files above (296,923 people)."""
    import json

    from zorgzones.cli import main

    assert main(["gaps", "--data-dir", str(bundle_dir), "--province", "70000", "--plan", "elz", "--json",
                 "--mode", "walk", "--max-minutes", "15", "--demand", "centroid"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["demo_data"] is False
    assert summary["units"] == 415 and summary["pop_beyond"] == 296_923
    bench = pd.DataFrame(summary["benchmark"]).set_index("zone_id")
    assert (bench["region"] == "flanders").all()
    # regional figure is over all of Flanders, not just the selected province
    assert bench["region_per_1000"].nunique() == 1 and 0.3 < bench["region_per_1000"].iloc[0] < 0.5


@settings(max_examples=30, deadline=None, derandomize=True)
@given(seed=st.integers(0, 2**16), unlimited=st.booleans())
def test_capacity_invariants(seed, unlimited):
    from zorgzones.accessibility import population_within

    rng = np.random.default_rng(seed)
    demand = pd.Series(rng.integers(0, 300, 15).astype(float), index=[f"o{i}" for i in range(15)])
    services = [f"s{j}" for j in range(5)]
    pairs = [(o, s) for o in demand.index for s in services if rng.random() < 0.4]
    costs = pd.DataFrame({"origin_id": [p[0] for p in pairs], "dest_id": [p[1] for p in pairs],
                          "cost": rng.uniform(0, 20, len(pairs))})
    capacity = pd.Series(np.inf if unlimited else rng.uniform(1, 800, 5), index=services)
    result = capacity_limited_coverage(costs, demand, capacity, max_cost=10, order=list(rng.permutation(services)))
    reached = population_within(costs, demand, max_cost=10)
    assert (result.units["covered_pop"] <= reached + 1e-9).all()
    assert (result.units["residual_pop"] >= -1e-9).all()
    assert (result.facilities["covered_pop"] <= result.facilities["capacity_pop"] + 1e-9).all()
    assert result.facilities["covered_pop"].sum() == pytest.approx(result.units["covered_pop"].sum())
    if unlimited:
        assert result.units["covered_pop"].to_numpy() == pytest.approx(reached.to_numpy())


def test_gap_areas_corners_do_not_connect_and_multipart_units_stay_whole():
    from shapely.geometry import MultiPolygon

    units = grid_units()
    frame = pd.DataFrame({"pop_beyond": [10.0 if k in (0, 4) else 0.0 for k in range(9)]}, index=units.index)
    areas = gap_areas(frame, units)  # u0 and u4 only touch at a corner
    assert areas["units"].tolist() == [1, 1] and areas["population"].sum() == 20.0
    split = gpd.GeoDataFrame(geometry=[MultiPolygon([box(0, 0, 1000, 1000), box(5000, 0, 6000, 1000)]), box(1000, 0, 2000, 1000)],
                             crs=CRS, index=["enclave", "next"])
    areas = gap_areas(pd.DataFrame({"pop_beyond": [7.0, 3.0]}, index=["enclave", "next"]), split)
    assert len(areas) == 1 and areas.loc[0, "units"] == 2 and areas.loc[0, "area_km2"] == pytest.approx(3.0)
