"""Population by year: the share method by hand, the demo series, and the real series against Statbel and the Planning Bureau."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from zorgzones import population as P
from zorgzones.cli import main
from zorgzones.errors import ValidationError
from zorgzones.zones import Plan


# -- by hand -------------------------------------------------------------------------------------------------
def test_age_groups_are_the_cuts_of_the_bands():
    assert P.AGE_GROUP_EDGES.tolist() == [0, 3, 15, 50, 65, 75, 80, 85]
    assert P.age_group([0, 2, 3, 14, 15, 64, 65, 79, 80, 84, 85, 110]).tolist() == [0, 0, 1, 1, 2, 3, 4, 5, 6, 6, 7, 7]


def test_bands_from_cells_by_hand():
    long = pd.DataFrame({"u": ["a"] * 4, "sex": ["M", "F", "F", "M"], "age": [1, 52, 81, 90], "population": [10, 20, 30, 40]})
    bands = P.bands_from_cells(P.to_cells(long, ["u"]), ["u"]).set_index("u").loc["a"]
    assert bands["pop_total"] == 100 and bands["pop_male"] == 50 and bands["pop_female"] == 50
    assert bands["pop_0_2"] == 10 and bands["pop_0_14"] == 10 and bands["pop_50_64"] == 20 and bands["pop_15_64"] == 20
    assert bands["pop_65plus"] == 70 and bands["pop_80plus"] == 70 and bands["pop_85plus"] == 40


def test_round_preserving_keeps_group_sums():
    out = P.round_preserving([0.5, 0.5, 1.0, 2.6, 0.4], np.array(["x", "x", "x", "y", "y"]))
    assert out.tolist() == [1, 0, 1, 3, 0]  # the tie goes to the earlier row
    values = np.random.default_rng(3).uniform(0, 50, 1_000)
    groups = np.random.default_rng(4).integers(0, 17, 1_000)
    rounded = P.round_preserving(values, groups)
    assert np.array_equal(np.bincount(groups, weights=rounded), np.rint(np.bincount(groups, weights=values)))
    assert np.abs(rounded - values).max() < 1


def test_share_projection_by_hand():
    base = pd.DataFrame({"unit_id": ["A", "B", "C"], "sex": ["M", "M", "M"], "group": [0, 0, 0], "population": [30, 10, 5]})
    area_of = pd.Series({"A": "X", "B": "X", "C": "Y"})
    projection = pd.DataFrame({"area_id": ["X", "X", "Y"], "year": [2030, 2030, 2030], "sex": ["M", "F", "M"],
                               "group": [0, 7, 0], "population": [101, 8, 7]})
    out = P.share_projection(base, area_of, projection).set_index(["unit_id", "sex", "group"])["population"]
    assert out[("A", "M", 0)] == 76 and out[("B", "M", 0)] == 25  # 75.75 and 25.25, rounded to add up to 101
    assert out[("C", "M", 0)] == 7
    # nobody of X in F/85+ in the base year: the projected 8 go by each unit's share of X (30/40, 10/40)
    assert out[("A", "F", 7)] == 6 and out[("B", "F", 7)] == 2


def test_interpolate_cells_moves_shares_linearly():
    before = pd.DataFrame({"unit_id": ["A", "A"], "sex": ["M", "F"], "group": [0, 0], "population": [100, 100]})
    after = pd.DataFrame({"unit_id": ["A", "A"], "sex": ["M", "F"], "group": [0, 0], "population": [100, 300]})
    totals = pd.DataFrame({"unit_id": ["A"], "year": [2020], "population": [1_000]})
    out = P.interpolate_cells(before, after, totals, year_before=2018, year_after=2022)
    cells = out.set_index(["sex", "group"])["population"]
    assert cells[("M", 0)] == 375 and cells[("F", 0)] == 625  # shares halfway between 50/50 and 25/75
    assert out["population"].sum() == 1_000


def test_parse_years_and_band_by_year():
    assert P.parse_years("2022-2025") == [2022, 2023, 2024, 2025]
    assert P.parse_years("2015,2030") == [2015, 2030]
    with pytest.raises(ValidationError, match="year range"):
        P.parse_years("2040-2022")
    series = pd.DataFrame({"id": ["z1", "z2", "z3"], "name": ["a", "b", "c"], "year": [2030] * 3,
                           "population_kind": ["projection"] * 3, "pop_total": [50, 150, 350]})
    status = P.band_by_year(series, min_population=100, max_population=300)["status"].tolist()
    assert status == ["below", "in band", "above"]
    one_unit = P.band_by_year(series, min_population=100, max_population=300, units_per_zone=pd.Series({"z1": 1, "z2": 4, "z3": 1}))
    assert one_unit["status"].tolist() == ["below", "in band", P.BAND_FLAGGED]  # one unit above: flagged, one unit below: not
    bands = pd.DataFrame({"id": ["z"] * 6, "name": ["z"] * 6, "year": [2022, 2023, 2024, 2025, 2026, 2027],
                          "status": ["in band", "above", "above", "in band", "above", "below"]})
    runs = P.band_runs(bands)
    assert runs[["status", "first_year", "last_year"]].values.tolist() == [["above", 2023, 2024], ["above", 2026, 2026],
                                                                            ["below", 2027, 2027]]


# -- demo ------------------------------------------------------------------------------------------------------
def test_demo_units_for_year(demo_bundle):
    years = P.available_years(demo_bundle)
    assert years[0] == 2012 and years[-1] == 2040
    base = demo_bundle.units("municipality")
    same = P.units_for_year(demo_bundle, "municipality", 2022)
    pd.testing.assert_frame_equal(same[P.POPULATION_COLUMNS], base[P.POPULATION_COLUMNS])
    later = P.units_for_year(demo_bundle, "neighbourhood", 2035)
    assert later.attrs["population_kind"] == "projection" and "synthetic" in later.attrs["population_label"]
    assert later["population_estimated"].all() and later["age_estimated"].all()
    assert list(later.index) == list(demo_bundle.units("neighbourhood").index)
    with pytest.raises(ValidationError) as info:
        P.check_years(demo_bundle, [2000, 2050, 2030])
    assert len(info.value.problems) == 2 and "2012-2040" in str(info.value)


def test_bundle_without_year_layers_says_how_to_rebuild(demo_bundle):
    from zorgzones.bundle import Bundle
    from zorgzones.errors import DataError

    old = Bundle.from_frames({"synthetic": True}, {"units_municipality": demo_bundle.units("municipality")})
    with pytest.raises(DataError, match="zorgzones data fetch"):
        P.units_for_year(old, "municipality", 2030)


def test_demo_series_per_zone(demo_bundle):
    plan = Plan.from_bundle(demo_bundle, "elz")
    series = P.population_series(demo_bundle, plan=plan, ids=["zbru"], years=[2015, 2022, 2040])
    assert series["year"].tolist() == [2015, 2022, 2040]
    row = series.set_index("year").loc[2022]
    assert row["growth_vs_base_pct"] == 0
    assert row["informal_care_ratio"] == pytest.approx(row["pop_50_64"] / row["pop_80plus"])
    assert series.set_index("year").loc[2040, "population_kind"] == "projection"
    with pytest.raises(ValidationError, match="no zone"):
        P.population_series(demo_bundle, plan=plan, ids=["nope"])


def test_trend_figure_draws_dashed_projection(demo_bundle):
    from zorgzones.trends import trend_figure

    series = P.population_series(demo_bundle, ids=["90000"], years=range(2015, 2031))
    fig = trend_figure(series, lang="en")
    lines = [line for line in fig.axes[0].get_lines() if len(line.get_xdata())]
    styles = {line.get_linestyle() for line in lines}
    assert styles == {"-", "--"}
    dashed = next(line for line in lines if line.get_linestyle() == "--")
    assert dashed.get_xdata()[0] == 2022  # the projection continues from the last observed year


def test_cli_year_options_on_the_demo(tmp_path, capsys):
    data_dir = str(tmp_path)  # no bundle here: the commands fall back to the synthetic demo region
    assert main(["plan", "metrics", "elz", "--data-dir", data_dir, "--demo", "--year", "2030", "--json"]) == 0
    population = json.loads(capsys.readouterr().out)["population"]
    assert population == {"year": 2030, "kind": "projection", "label": "projection (synthetic demo data)"}
    plan = tmp_path / "plan.csv"
    pd.DataFrame({"unit_id": ["90000"], "zone_id": ["a"]}).to_csv(plan, index=False)
    assert main(["plan", "metrics", str(plan), "--data-dir", data_dir, "--demo", "--units", str(plan), "--year", "2030"]) == 2
    assert main(["population", "--data-dir", data_dir, "--demo", "--zone", "zbru"]) == 2
    assert "--zone needs --plan" in capsys.readouterr().err
    assert main(["population", "--data-dir", data_dir, "--demo", "--unit", "90000", "--years", "2030-2050"]) == 2
    assert "2041-2050" in capsys.readouterr().err


# -- real data -------------------------------------------------------------------------------------------------
KEMPEN_2015 = 450_522  # arrondissement Turnhout, Statbel 1 January 2015


@pytest.fixture(scope="module")
def fpb(bundle):
    frame = bundle.layer("population_projection")
    return frame.set_index(["area_level", "area_id", "year"])["pop_total"]


@pytest.fixture(scope="module")
def years_layer(bundle):
    layer = bundle.layer("population_years").copy()
    layer["arrondissement_id"] = layer["municipality_id"].str[:2] + "000"
    return layer


def test_kempen_2015_to_the_person(bundle):
    units = P.units_for_year(bundle, "municipality", 2015)
    assert units.attrs["population_label"] == "observed (Statbel)"
    assert int(units.loc[units["arrondissement_id"] == "13000", "pop_total"].sum()) == KEMPEN_2015


def test_kempen_2015_from_the_cli(bundle, bundle_dir, tmp_path, capsys):
    units = bundle.units("municipality")
    plan = pd.DataFrame({"unit_id": units.index, "zone_id": units["arrondissement_id"].to_numpy()})
    path = tmp_path / "arrondissements.csv"
    plan.to_csv(path, index=False)
    code = main(["plan", "metrics", str(path), "--data-dir", str(bundle_dir), "--year", "2015", "--json"])
    assert code == 0
    payload = json.loads(capsys.readouterr().out)
    zones = {z["zone_id"]: z for z in payload["zones"]}
    assert zones["13000"]["pop_total"] == KEMPEN_2015
    assert payload["population"] == {"year": 2015, "kind": "observed", "label": "observed (Statbel)"}


def test_observed_years_match_statbel_totals(years_layer, fpb):
    region = np.where(years_layer["municipality_id"].str.startswith("21"), "04000", "02000")
    totals = years_layer.groupby([region, "year"])["pop_total"].sum()
    for year in range(2009, 2022):  # the Planning Bureau file holds Statbel's observed figures up to 2021
        for area in ("02000", "04000"):
            assert totals[(area, year)] == fpb[("region", area, year)], (area, year)
    assert totals[("02000", 2015)] == 6_444_127 and totals[("04000", 2015)] == 1_175_173


def test_projection_equals_planning_bureau(bundle, years_layer, fpb):
    by_arrondissement = years_layer.groupby(["arrondissement_id", "year"])["pop_total"].sum()
    moved = {"11000", "44000", "46000", "71000", "73000"}  # 2025 mergers across arrondissement borders
    arrondissements = sorted(years_layer["arrondissement_id"].unique())
    assert len(arrondissements) == 23
    for year in (2023, 2030, 2040, 2071):
        for arr in arrondissements:
            ours, theirs = by_arrondissement[(arr, year)], fpb[("arrondissement", arr, year)]
            if arr in moved:
                assert abs(ours / theirs - 1) < 0.11, (arr, year)
            else:
                assert ours == theirs, (arr, year)
        assert sum(by_arrondissement[(a, year)] for a in moved) == sum(fpb[("arrondissement", a, year)] for a in moved)
        for area, prefix in (("02000", False), ("04000", True)):
            mask = years_layer["municipality_id"].str.startswith("21") == prefix
            assert years_layer.loc[mask & (years_layer["year"] == year), "pop_total"].sum() == fpb[("region", area, year)]
    turnhout = by_arrondissement.loc["13000"]
    assert turnhout[2030] == 486_413 and turnhout[2040] == 495_582
    assert 470_000 <= turnhout[2030] <= 490_000


def test_base_year_is_the_bundle_and_bands_are_consistent(bundle, years_layer):
    base = years_layer[years_layer["year"] == 2022].set_index("municipality_id")[P.POPULATION_COLUMNS].sort_index()
    units = bundle.units("municipality")[P.POPULATION_COLUMNS].sort_index()
    pd.testing.assert_frame_equal(base, units, check_names=False)
    assert (years_layer["pop_male"] + years_layer["pop_female"] == years_layer["pop_total"]).all()
    assert (years_layer["pop_65plus"] >= years_layer["pop_80plus"]).all()
    assert (years_layer["pop_80plus"] >= years_layer["pop_85plus"]).all()
    assert years_layer.groupby("year").size().eq(304).all()
    kinds = years_layer.groupby("year")["population_kind"].first()
    assert kinds[2022] == "observed" and kinds[2023] == "projection"
    assert years_layer.loc[years_layer["year"].between(2019, 2021), "age_estimated"].all()


def test_neighbourhoods_follow_their_municipality(bundle):
    for year in (2015, 2030):
        hoods = P.units_for_year(bundle, "neighbourhood", year)
        municipalities = P.units_for_year(bundle, "municipality", year)
        assert hoods["population_estimated"].all() and hoods["age_estimated"].all()
        per_municipality = hoods.groupby("municipality_id")["pop_total"].sum()
        base = bundle.units("neighbourhood").groupby("municipality_id")["pop_total"].sum()
        coverage = base / bundle.units("municipality")["pop_total"].reindex(base.index)
        expected = municipalities["pop_total"].reindex(per_municipality.index) * coverage
        assert np.allclose(per_municipality, expected, rtol=0.002, atol=30), year
    same = P.units_for_year(bundle, "neighbourhood", 2022)
    pd.testing.assert_frame_equal(same[P.POPULATION_COLUMNS], bundle.units("neighbourhood")[P.POPULATION_COLUMNS])


def test_kempen_series_and_years_outside(bundle, bundle_dir, capsys):
    units = bundle.units("municipality")
    plan = Plan.from_assignment(pd.Series(units["arrondissement_id"].to_numpy(), index=units.index), name="arr")
    series = P.population_series(bundle, plan=plan, ids=["13000"], years=[2015, 2030, 2040]).set_index("year")
    assert series.loc[2015, "pop_total"] == KEMPEN_2015
    assert series.loc[2030, "population_kind"] == "projection"
    assert series.loc[2040, "pop_80plus"] > 1.3 * series.loc[2015, "pop_80plus"]
    assert main(["plan", "metrics", "elz", "--data-dir", str(bundle_dir), "--year", "1990"]) == 2
    assert "no population for 1990" in capsys.readouterr().err


def test_population_command(bundle_dir, tmp_path, capsys):
    out = tmp_path / "elz25.csv"
    assert main(["population", "--data-dir", str(bundle_dir), "--plan", "elz", "--zone", "elz25", "--years", "2015-2040",
                 "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "projection (Planning Bureau, vintage 2022)" in text and "observed (Statbel)" in text
    table = pd.read_csv(out)
    assert table["year"].tolist() == list(range(2015, 2041)) and (table["id"] == "elz25").all()
    assert main(["population", "--data-dir", str(bundle_dir), "--unit", "13040", "--years", "2015,2040", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert [r["population_kind"] for r in rows] == ["observed", "projection"]


def test_validate_band_over_years(bundle_dir, capsys):
    code = main(["plan", "validate", "elz", "--data-dir", str(bundle_dir), "--band", "flanders_elz_design",
                 "--years", "2022-2040", "--json"])
    payload = json.loads(capsys.readouterr().out)
    outside = pd.DataFrame(payload["years"]["outside"])
    assert code == 1 and set(outside["year"]) <= set(range(2022, 2041)) and len(outside)
    assert set(outside["status"]) <= {"below", "above", "above (one unit, flagged)"}  # one unit above: flagged, as validate does
    runs = {(r["id"], r["status"]): (r["first_year"], r["last_year"]) for r in payload["years"]["runs"]}
    assert runs[("elz18", "above")] == (2031, 2040)  # Kortrijk-Kuurne-Harelbeke grows past 125,000 in 2031
    assert payload["years"]["kinds"]["observed"]["last"] == 2022


def test_growth_indicator_by_hand():
    from zorgzones.indicators import INDICATORS, indicator_values

    frame = pd.DataFrame({"pop_80plus_2022": [100, 0, 40], "pop_80plus_2035": [150, 10, 30], "pop_80plus": [150, 10, 30]})
    values = indicator_values(frame, "growth_80plus_2035")
    assert values.iloc[0] == pytest.approx(50.0) and np.isnan(values.iloc[1]) and values.iloc[2] == pytest.approx(-25.0)
    assert INDICATORS["growth_80plus_2035"].title("nl") == "Groei 80+ 2022-2035 (%, projectie)"
    assert INDICATORS["growth_total_2040"].title("fr") == "Croissance de la population 2022-2040 (%, projection)"


def test_demo_units_carry_the_growth_columns(demo_bundle):
    for level in ("municipality", "deelgemeente", "neighbourhood"):
        units, future = demo_bundle.units(level), P.units_for_year(demo_bundle, level, 2035)
        assert (units["pop_80plus_2035"] == future["pop_80plus"]).all(), level


def test_growth_columns_are_the_projection_per_unit_and_zone(bundle):
    """Each unit carries its projected 2030/2035/2040 population (the figures of --year); a zone's growth is the
    ratio of its sums, so arrondissement Turnhout's growth 2022-2030 is the Planning Bureau's."""
    from zorgzones.indicators import indicator_values
    from zorgzones.plan_metrics import zone_metrics
    from zorgzones.zones import load_plan

    for level in ("municipality", "neighbourhood"):
        units = bundle.units(level)
        for year in (2030, 2040):
            future = P.units_for_year(bundle, level, year)
            assert (units[f"pop_total_{year}"] == future["pop_total"]).all() and (units[f"pop_80plus_{year}"] == future["pop_80plus"]).all()
    units = bundle.units("municipality")
    metrics = zone_metrics(units, load_plan(bundle, "arrondissement"))
    turnhout = metrics.loc[["13000"]]
    assert turnhout["pop_total_2030"].iloc[0] == 486_413  # test_projection_equals_planning_bureau
    expected = (486_413 / turnhout["pop_total"].iloc[0] - 1) * 100
    assert indicator_values(turnhout, "growth_total_2030").iloc[0] == pytest.approx(expected)
    growth = indicator_values(units, "growth_80plus_2035")
    assert growth.notna().all() and growth.median() > 10  # the 80+ grow almost everywhere by 2035
    for year in (2015, 2035):  # the units of another year keep the growth from the base year
        pd.testing.assert_series_equal(indicator_values(P.units_for_year(bundle, "municipality", year), "growth_80plus_2035"), growth)


def test_generate_keeps_zones_in_band_over_years(demo_bundle, tmp_path, capsys):
    """`plan generate --years`: zones generated within the band narrowed by the units' growth stay in the band in
    every year (checked here independently with population_series); an impossible band is refused."""
    from zorgzones.zones import read_plan

    base = ["--demo", "--data-dir", str(tmp_path), "--region", "flanders", "--json"]
    out = tmp_path / "over_years.gpkg"
    assert main(["plan", "generate", "--years", "2022-2040", "--min-population", "60000", "--max-population", "140000",
                 "--output", str(out), *base]) == 0
    payload = json.loads(capsys.readouterr().out)
    g_min, g_max = payload["years"]["growth_range"]
    assert g_min <= 1.0 < g_max  # the demo's units grow up to 2040
    assert payload["years"]["band_generated"] == pytest.approx([60000 / g_min, 140000 / g_max], abs=5)  # growth rounded
    plan = read_plan(out)
    series = P.population_series(demo_bundle, plan=plan, years=range(2022, 2041))
    assert series["pop_total"].between(60000, 140000).all()
    assert not payload["plans"][0]["years"]["outside"]
    assert main(["plan", "generate", "--years", "2022-2040", "--min-population", "100000", "--max-population", "101000", *base]) == 2
    assert "no zone can stay in 100,000-101,000" in capsys.readouterr().err
