"""Plan generation: band with a ceiling, contiguity, borders, oversize units, base plans, seeds; real Belgian cases."""

from __future__ import annotations

import time

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from zorgzones.errors import ValidationError
from zorgzones.plan_checks import validate_plan, zone_metrics
from zorgzones.regionalize import SCORE_RULE, generate_plans, zone_counts
from zorgzones.zones import Plan


def grid(n: int = 6, *, pop: int = 1000) -> gpd.GeoDataFrame:
    cells = [box(x * 1000, y * 1000, (x + 1) * 1000, (y + 1) * 1000) for y in range(n) for x in range(n)]
    ids = [f"{10001 + i}" for i in range(n * n)]
    return gpd.GeoDataFrame({"name": ids, "region": "flanders", "province_id": ["10000" if i % n < n // 2 else "20001" for i in range(n * n)],
                             "level": "municipality", "pop_total": pop}, geometry=cells,
                            index=pd.Index(ids, name="unit_id"), crs="EPSG:31370")


def test_zone_counts():
    assert zone_counts(1_222_637, 200_000, 300_000) == (5, 6)
    assert zone_counts(320_000, 200_000, 300_000) == (2, 1)  # infeasible: no count fits
    assert zone_counts(100, None, None) == (1, 10 ** 9)  # no band: any number of zones


def test_grid_into_exact_band_is_valid_and_deterministic():
    units = grid()
    [(plan, score)] = generate_plans(units, min_population=9000, max_population=9000, seed=3)
    metrics = zone_metrics(units, plan, min_population=9000, max_population=9000)
    assert len(metrics) == 4 and metrics["in_band"].all() and metrics["contiguous"].all()
    assert validate_plan(units, plan, min_population=9000, max_population=9000).ok
    assert score["zones_out_of_band"] == 0 and score["rule"] == SCORE_RULE
    [(again, _)] = generate_plans(units, min_population=9000, max_population=9000, seed=3)
    assert again.equals(plan)
    assert plan.zone_ids == ["Z01", "Z02", "Z03", "Z04"] and plan.zone_name("Z01") == "Zone 1"


def test_local_search_makes_square_zones_on_a_grid():
    units = grid()
    [(plan, score)] = generate_plans(units, min_population=9000, max_population=9000, seed=0)
    # four 3x3 squares have Polsby-Popper pi/4; anything else is less compact
    assert score["mean_polsby_popper"] > 0.6


def test_n_zones_and_province_borders():
    units = grid()
    [(plan, _)] = generate_plans(units, min_population=5000, max_population=7000, n_zones=6, respect="province")
    metrics = zone_metrics(units, plan, min_population=5000, max_population=7000)
    assert len(metrics) == 6 and metrics["in_band"].all()
    province = units["province_id"]
    assert all(province[plan.assignment[plan.assignment == z].index].nunique() == 1 for z in plan.zone_ids)


def test_region_border_is_never_crossed():
    units = grid()
    units.loc[units.index[:12], "region"] = "brussels"  # two bottom rows
    [(plan, _)] = generate_plans(units, min_population=5000, max_population=7000)
    report = validate_plan(units, plan, min_population=5000, max_population=7000)
    assert "cross_region" not in report.codes() and report.ok


def test_oversize_unit_is_its_own_flagged_zone():
    units = grid()
    units.loc["10001", "pop_total"] = 50_000
    [(plan, score)] = generate_plans(units, min_population=8000, max_population=12_000)
    assert (plan.assignment == plan.assignment["10001"]).sum() == 1
    assert plan.zone_name(plan.assignment["10001"]) == "10001 (oversize unit)"
    assert score["zones_flagged"] == 1 and score["zones_out_of_band"] == 0
    assert "oversize unit(s) kept as their own flagged zone(s)" in plan.notes
    report = validate_plan(units, plan, min_population=8000, max_population=12_000)
    assert report.ok and report.codes() == ["oversize_unit"]


def test_base_plan_that_is_already_valid_is_kept():
    units = grid()
    base = Plan.from_assignment(pd.Series({u: f"col{i % 6 // 2}" for i, u in enumerate(units.index)}), name="base")
    [(plan, score)] = generate_plans(units, min_population=11_000, max_population=13_000, base_plan=base)
    assert score["units_moved"] == 0 and plan.equals(base)


def test_base_plan_is_repaired_with_few_moves():
    units = grid()
    # six columns of 6,000: merge pairs of columns to reach the band 11k-13k
    base = Plan.from_assignment(pd.Series({u: f"col{i % 6}" for i, u in enumerate(units.index)}), name="base")
    [(plan, score)] = generate_plans(units, min_population=11_000, max_population=13_000, base_plan=base)
    metrics = zone_metrics(units, plan, min_population=11_000, max_population=13_000)
    assert len(metrics) == 3 and metrics["in_band"].all() and metrics["contiguous"].all()
    assert score["units_moved"] == 18  # three merged columns: the smallest possible change
    assert set(plan.zone_ids) <= set(base.zone_ids)


def test_alternatives_are_ranked_and_distinct():
    units = grid()
    results = generate_plans(units, min_population=5000, max_population=7000, n_alternatives=3, seed=1)
    assert 1 <= len(results) <= 3
    keys = [score["rank_key"] for _, score in results]
    assert keys == sorted(keys)
    assert len({tuple(plan.assignment.sort_index()) for plan, _ in results}) == len(results)


def test_open_band_with_a_number_of_zones():
    units = grid()
    [(plan, score)] = generate_plans(units, min_population=None, max_population=None, n_zones=4)
    assert len(plan.zone_ids) == 4 and (plan.min_population, plan.max_population) == (None, None)
    [(plan, _)] = generate_plans(units, min_population=8000, max_population=None)
    assert len(plan.zone_ids) == 4 and plan.max_population is None  # ideal size = the minimum: 36,000 / 8,000 -> 4


def test_bad_arguments_are_all_reported():
    units = grid()
    with pytest.raises(ValidationError) as caught:
        generate_plans(units, min_population=10, max_population=5, respect="country", n_alternatives=0, island_policy="x")
    assert len(caught.value.problems) == 4
    with pytest.raises(ValidationError, match="to_crs"):
        generate_plans(units.to_crs("EPSG:4326"))


# -- real data ------------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_304_municipalities_into_200k_300k(shared_geodata):
    from test_plan_checks import municipalities

    units = municipalities(shared_geodata)
    start = time.perf_counter()
    [(plan, score)] = generate_plans(units, min_population=200_000, max_population=300_000, seed=0)
    seconds = time.perf_counter() - start
    report = validate_plan(units, plan, min_population=200_000, max_population=300_000)
    assert report.ok, str(report)
    assert report.codes() == ["oversize_unit"] and report.findings[0]["unit_ids"] == ["11002"]  # Antwerpen, 541,856
    metrics = zone_metrics(units, plan)
    assert metrics["pop_total"].sum() == 7_921_513 and metrics["contiguous"].all()
    brussels = metrics[metrics["regions"] == "brussels"]
    assert len(brussels) in (5, 6) and brussels["in_band"].all()
    assert seconds < 10  # the 25x comparison with spopt (27 s) is in benchmarks/bench_plans.py
    same = generate_plans(units, min_population=200_000, max_population=300_000, seed=0)[0][0]
    assert same.equals(plan)


@pytest.mark.slow
def test_304_municipalities_close_to_the_official_plan(shared_geodata):
    from test_plan_checks import municipalities, official_plan

    units = municipalities(shared_geodata)
    [(plan, score)] = generate_plans(units, min_population=200_000, max_population=300_000, base_plan=official_plan(units),
                                     respect="province")
    report = validate_plan(units, plan, min_population=200_000, max_population=300_000)
    assert report.codes().count("oversize_unit") == 1 and "non_contiguous" not in report.codes()
    assert score["zones_out_of_band"] == 0
    assert score["units_moved"] < 304


@pytest.mark.slow
def test_brussels_neighbourhoods_into_5_zones(shared_geodata):
    wijken = gpd.read_file(shared_geodata / "boundaries" / "vl_bru_wijken_ggw7_2024.gpkg")
    units = wijken[wijken["ggw72024"].str.startswith("21")].rename(columns={"ggw72024": "unit_id"}).set_index("unit_id")
    units["pop_total"] = units["pop_2022"].round().astype(int)
    units["region"], units["level"] = "brussels", "neighbourhood"
    assert len(units) == 204
    results = generate_plans(units, min_population=200_000, max_population=300_000, n_zones=5, seed=0, n_alternatives=2)
    plan, score = results[0]
    metrics = zone_metrics(units, plan, min_population=200_000, max_population=300_000)
    assert len(metrics) == 5 and metrics["in_band"].all() and metrics["contiguous"].all()
    assert metrics["pop_total"].sum() == units["pop_total"].sum()
    assert validate_plan(units, plan, min_population=200_000, max_population=300_000).ok


def test_cli_generate_writes_ranked_plans(tmp_path, capsys):
    import json

    from zorgzones.cli import main
    from zorgzones.zones import read_plan

    grid().reset_index().to_file(tmp_path / "units.gpkg")
    code = main(["plan", "generate", "--units", str(tmp_path / "units.gpkg"), "--min-population", "5000",
                 "--max-population", "7000", "--alternatives", "2", "--output", str(tmp_path / "gen.gpkg"), "--json"])
    payload = json.loads(capsys.readouterr().out)
    assert code == 0 and payload["plans"][0]["valid"] and payload["plans"][0]["rank"] == 1
    plan = read_plan(tmp_path / "gen.gpkg")
    assert len(plan.zone_ids) == payload["plans"][0]["score"]["zones"]


@pytest.mark.slow
def test_mixed_units_antwerpen_by_neighbourhoods(bundle):
    """Municipalities with Antwerpen replaced by its neighbourhoods: no oversize unit is left."""
    municipal = bundle.units("municipality")
    neighbourhoods = bundle.units("neighbourhood")
    city = neighbourhoods[neighbourhoods["municipality_id"] == "11002"]
    units = pd.concat([municipal.drop(index="11002"), city])
    assert units.index.is_unique and set(units["level"]) == {"municipality", "neighbourhood"}
    [(plan, score)] = generate_plans(units, min_population=200_000, max_population=300_000, seed=0)
    assert plan.level == "mixed" and score["zones_flagged"] == 0
    report = validate_plan(units, plan, min_population=200_000, max_population=300_000)
    assert report.ok, str(report)
    assert zone_metrics(units, plan)["pop_total"].sum() == units["pop_total"].sum()


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=12, deadline=None)
@given(st.lists(st.integers(100, 3000), min_size=25, max_size=25), st.integers(0, 5))
def test_generated_zones_are_contiguous_and_keep_every_inhabitant(pops, seed):
    units = grid(5)
    units["pop_total"] = pops
    total = sum(pops)
    [(plan, score)] = generate_plans(units, min_population=total / 5, max_population=total / 2.5, seed=seed)
    metrics = zone_metrics(units, plan, min_population=total / 5, max_population=total / 2.5)
    assert metrics["contiguous"].all() and metrics["pop_total"].sum() == total
    assert set(plan.assignment.index) == set(units.index)


def test_impossible_number_of_zones_is_noted():
    units = grid()
    [(plan, _)] = generate_plans(units, min_population=8000, max_population=10_000, n_zones=2)
    assert len(plan.zone_ids) == 4 and "2 zones were asked but the band allows 4" in plan.notes


def test_generation_band_follows_the_units_region_and_refuses_a_mix(tmp_path, capsys):
    """Brussels units are generated for 200k-300k, Flemish ones for the design target 75k-125k; a mix must choose."""
    from zorgzones.cli import main
    from zorgzones.plan_metrics import generation_band

    units = grid()
    brussels, flanders = units.assign(region="brussels"), units.assign(region="flanders")
    assert generation_band(brussels).band == (200_000, 300_000)
    assert generation_band(flanders).band == (75_000, 125_000) and generation_band(flanders).preset == "flanders_elz_design"
    assert generation_band(flanders, preset="brussels").band == (200_000, 300_000)
    assert generation_band(flanders, min_population=5000, max_population=7000).band == (5000, 7000)
    mixed = pd.concat([brussels.iloc[:18], flanders.iloc[18:]])
    for frame in (mixed, units.drop(columns="region")):  # two regions; no region column at all
        with pytest.raises(ValidationError, match="--band"):
            generation_band(frame)
    mixed.reset_index().to_file(tmp_path / "mixed.gpkg")
    code = main(["plan", "generate", "--units", str(tmp_path / "mixed.gpkg"), "--n-zones", "999"])
    err = capsys.readouterr().err
    assert code == 2 and "--band" in err and "at most 36 zones" in err  # both problems, at once


def test_a_plan_of_one_region_compares_with_the_official_plan_restricted_to_it(tmp_path, capsys):
    from zorgzones.cli import main

    base = ["--demo", "--data-dir", str(tmp_path)]
    assert main(["plan", "generate", "--region", "flanders", "--output", str(tmp_path / "fl.gpkg"), "--json", *base]) == 0
    capsys.readouterr()
    assert main(["plan", "compare", "elz", str(tmp_path / "fl.gpkg"), *base]) == 2
    assert "only in plan 'elz'" in capsys.readouterr().err
    assert main(["plan", "compare", "elz", str(tmp_path / "fl.gpkg"), "--region", "flanders", "--json", *base]) == 0
