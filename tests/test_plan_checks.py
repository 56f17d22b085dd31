"""Plan validation rules, zone metrics (with dissolve-based oracles) and plan comparison, on grids and real data."""

from __future__ import annotations

import json
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point, box

from zorgzones.adjacency import edge_frame, unit_graph
from zorgzones.errors import ValidationError
from zorgzones.plan_checks import compare_plans, match_zones, region_summary, validate_plan, zone_metrics, zones_vs_region
from zorgzones.plan_metrics import zone_weighted_means
from zorgzones.zones import Plan, dissolve_zones


def grid(n: int = 3, *, pop: int = 1000) -> gpd.GeoDataFrame:
    cells = [box(x * 1000, y * 1000, (x + 1) * 1000, (y + 1) * 1000) for y in range(n) for x in range(n)]
    ids = [f"{10001 + i}" for i in range(n * n)]
    return gpd.GeoDataFrame({"name": ids, "region": "flanders", "province_id": "10000", "level": "municipality",
                             "pop_total": pop, "pop_50_64": pop // 5, "pop_65plus": pop // 4, "pop_80plus": pop // 10},
                            geometry=cells, index=pd.Index(ids, name="unit_id"), crs="EPSG:31370")


def plan_of(mapping: dict, **kwargs) -> Plan:
    return Plan.from_assignment(pd.Series(mapping), name="test", level="municipality", **kwargs)


def columns(units, n=3) -> Plan:
    return plan_of({u: "ABC"[i % n] for i, u in enumerate(units.index)})


def municipalities(shared_geodata) -> gpd.GeoDataFrame:
    """The 304 municipalities of Flanders + Brussels (2025) with population 2022, shaped like bundle units."""
    shapes = gpd.read_file(shared_geodata / "boundaries" / "vl_bru_municipalities_2025.gpkg")
    pop = pd.read_csv(shared_geodata / "population" / "be_population_municipality_summary_2022_on_2025_borders_565.csv",
                      dtype={"nis_2025": str})
    units = shapes.merge(pop.drop(columns=["name_nl", "name_fr"]), left_on="nis", right_on="nis_2025")
    units["region"] = np.where(units["nis"].str.startswith("21"), "brussels", "flanders")
    units["province_id"], units["level"] = units["prov_nis"], "municipality"
    return units.rename(columns={"nis": "unit_id"}).set_index("unit_id")


def official_plan(units) -> Plan:
    table = units.reset_index()[["unit_id", "elz_code", "elz_name"]].rename(columns={"elz_code": "zone_id", "elz_name": "zone_name"})
    return Plan.from_assignment(table, name="elz", level="municipality", min_population=60_000)


# -- adjacency -----------------------------------------------------------------------------------------------------
def test_grid_adjacency_is_rook_with_shared_lengths():
    graph = unit_graph(grid())
    edges = edge_frame(graph)
    assert len(edges) == 12  # 3x3 rook adjacency: 2 * 3 * 2
    assert np.allclose(edges["shared_m"], 1000.0)
    assert sorted(graph.unit_ids[graph.neighbours[4]]) == ["10002", "10004", "10006", "10008"]  # no corner touches


def island_grid() -> gpd.GeoDataFrame:
    units = grid()
    island = gpd.GeoDataFrame({"name": ["island"], "region": "flanders", "province_id": "10000", "level": "municipality",
                               "pop_total": 1000, "pop_50_64": 200, "pop_65plus": 250, "pop_80plus": 100},
                              geometry=[box(5000, 0, 6000, 1000)], index=pd.Index(["10010"], name="unit_id"), crs="EPSG:31370")
    return pd.concat([units, island])


def test_island_policies():
    units = island_grid()
    nearest = unit_graph(units, island_policy="nearest")
    assert nearest.islands == {"10010"}
    assert nearest.links == [{"unit_id": "10010", "attached_to": "10003", "distance_m": 2000.0, "region": "flanders"}]
    assert unit_graph(units, island_policy="allow").links == []
    with pytest.raises(ValidationError, match="island policy"):
        unit_graph(units, island_policy="bridge")


def test_island_in_zone_of_its_nearest_unit_is_valid_under_nearest_and_allow():
    units = island_grid()
    plan = plan_of({**{u: "ABC"[i % 3] for i, u in enumerate(units.index[:9])}, "10010": "C"})
    report = validate_plan(units, plan, min_population=0, max_population=1e9, island_policy="nearest")
    assert report.ok and report.findings == []
    assert "island 10010 is linked to the nearest unit of flanders, 10003" in report.notes[0]
    allowed = validate_plan(units, plan, min_population=0, max_population=1e9, island_policy="allow")
    assert allowed.ok and allowed.codes() == ["exclave_allowed"]
    strict = validate_plan(units, plan, min_population=0, max_population=1e9, island_policy="strict")
    assert not strict.ok and strict.codes() == ["non_contiguous"]
    assert strict.findings[0]["unit_ids"] == ["10010"]


# -- validation rules ------------------------------------------------------------------------------------------
def test_valid_plan_has_no_findings():
    units = grid()
    report = validate_plan(units, columns(units), min_population=3000, max_population=3000)
    assert report.ok and report.findings == []
    assert report.to_dict()["ok"] is True


def test_unassigned_unknown_duplicate_and_empty_zone():
    units = grid()
    assignment = pd.Series({**{u: "ABC"[i % 3] for i, u in enumerate(units.index[:7])}, "99999": "A"}, dtype=object)
    assignment = pd.concat([assignment, pd.Series({"10001": "B", "10008": ""}, dtype=object)])
    plan = Plan(assignment.rename_axis("unit_id"), {}, "bad")
    report = validate_plan(units, plan, min_population=0, max_population=1e9)
    by_code = {f["code"]: f for f in report.findings}
    assert by_code["unknown_unit"]["unit_ids"] == ["99999"]
    assert by_code["duplicate_unit"]["unit_ids"] == ["10001"]
    assert by_code["empty_zone_id"]["unit_ids"] == ["10008"]
    assert by_code["unassigned"]["unit_ids"] == ["10009"]
    assert not report.ok


def test_wrong_level_finding():
    units = grid()
    plan = Plan.from_assignment(pd.Series({"1000101": "A", "1000102": "A"}))
    report = validate_plan(units, plan)
    assert report.codes()[:2] == ["wrong_level", "unknown_unit"]
    assert "look like neighbourhood codes" in report.findings[0]["message"]


def test_non_contiguous_zone_lists_its_parts():
    units = grid()
    plan = plan_of({u: ("A" if u in ("10001", "10009") else "B") for u in units.index})
    report = validate_plan(units, plan, min_population=0, max_population=1e9)
    [finding] = report.findings
    assert finding["code"] == "non_contiguous" and finding["zone_id"] == "A"
    assert finding["unit_ids"] == ["10009"] or finding["unit_ids"] == ["10001"]


def test_band_findings():
    units = grid()
    plan = plan_of({u: ("A" if i < 2 else "B") for i, u in enumerate(units.index)})  # A = 2000, B = 7000
    report = validate_plan(units, plan, min_population=2500, max_population=6000)
    codes = {(f["code"], f["zone_id"]) for f in report.findings}
    assert codes == {("below_min", "A"), ("above_max", "B")}
    assert "500 below the minimum 2,500" in report.findings[0]["message"]
    # band from the plan itself, else the default 200k-300k
    assert {f["code"] for f in validate_plan(units, plan_of(dict(plan.assignment), min_population=2000, max_population=7000)).findings} == set()
    assert {f["code"] for f in validate_plan(units, plan).findings} == {"below_min"}


def test_findings_in_dutch_and_french_with_the_numbers_of_the_language():
    """The planner shows a plan's findings in the interface language; the CLI/JSON message is the English text."""
    from zorgzones.plan_checks import finding_text

    units = grid()
    plan = plan_of({u: ("A" if i < 2 else "B") for i, u in enumerate(units.index)})  # A = 2000, B = 7000
    below, above = validate_plan(units, plan, min_population=2500, max_population=6000).findings
    assert below["message"] == finding_text(below, "en") == "zone A (A) has 2,000 inhabitants, 500 below the minimum 2,500"
    assert finding_text(below, "nl") == "zone A (A) telt 2.000 inwoners, 500 onder het minimum van 2.500"
    assert finding_text(above, "fr") == "la zone B (B) compte 7\u202f000 habitants, 1\u202f000 au-dessus du maximum de 6\u202f000"
    frame = validate_plan(units, plan, min_population=2500, max_population=6000).to_frame(lang="nl")
    assert frame["severity"].tolist() == ["fout", "fout"] and frame["message"].str.contains("inwoners").all()


def test_cross_region():
    units = grid()
    units.loc[["10001", "10004"], "region"] = "brussels"
    report = validate_plan(units, columns(units), min_population=0, max_population=1e9)
    [finding] = report.findings
    assert finding["code"] == "cross_region" and finding["zone_id"] == "A" and finding["unit_ids"] == ["10007"]
    assert "units: brussels: 2, flanders: 1" in finding["message"]
    assert validate_plan(units, columns(units), min_population=0, max_population=1e9, allow_cross_region=True).ok


def test_oversize_unit_alone_is_a_warning_with_others_an_error():
    units = grid()
    units.loc["10009", "pop_total"] = 10_000
    alone = plan_of({u: ("BIG" if u == "10009" else "ABC"[i % 3]) for i, u in enumerate(units.index)})
    report = validate_plan(units, alone, min_population=0, max_population=5000)
    assert report.ok and report.codes() == ["oversize_unit"] and report.findings[0]["severity"] == "warning"
    shared = columns(units)
    report = validate_plan(units, shared, min_population=0, max_population=5000)
    assert not report.ok and set(report.codes()) == {"oversize_unit", "above_max"}


def test_report_is_json_and_frame():
    units = grid()
    report = validate_plan(units, plan_of({u: "A" for u in units.index[:5]}), min_population=0, max_population=1)
    json.dumps(report.to_dict())
    assert list(report.to_frame().columns) == ["code", "severity", "zone_id", "unit_ids", "message"]
    assert "NOT valid" in str(report)


# -- metrics --------------------------------------------------------------------------------------------------
def test_square_and_rectangle_compactness():
    units = grid()
    square = plan_of({u: "S" for u in units.index})
    m = zone_metrics(units, square)
    assert m.loc["S", "polsby_popper"] == pytest.approx(math.pi / 4)
    assert m.loc["S", "reock"] == pytest.approx(2 / math.pi)  # 9 km2 / (pi * (3 sqrt2 / 2)^2)
    rect = plan_of({"10001": "R", "10002": "R"})
    m = zone_metrics(units.loc[["10001", "10002"]], rect)
    assert m.loc["R", "polsby_popper"] == pytest.approx(4 * math.pi * 2 / 36)
    assert m.loc["R", "reock"] == pytest.approx(2 / (math.pi * 1.25))


def test_population_shares_area_and_deviation():
    units = grid()
    units.loc["10001", "pop_total"] = 2000
    m = zone_metrics(units, columns(units), min_population=3000, max_population=3500)
    a = m.loc["A"]
    assert a["n_units"] == 3 and a["pop_total"] == 4000
    assert a["area_km2"] == pytest.approx(3.0) and a["density_per_km2"] == pytest.approx(4000 / 3)
    assert a["share_65plus"] == pytest.approx(750 / 4000) and a["share_80plus"] == pytest.approx(300 / 4000)
    assert a["informal_care_ratio"] == pytest.approx(600 / 300)
    assert a["ideal_population"] == 3250 and a["deviation_ideal_pct"] == pytest.approx(750 / 3250 * 100)
    assert a["deviation_band"] == 500 and not a["in_band"]
    assert m.loc["B", "deviation_band"] == 0 and m.loc["B", "in_band"]
    low = zone_metrics(units, columns(units), min_population=3500, max_population=5000)
    assert low.loc["B", "deviation_band"] == -500


def test_services_per_zone():
    units = grid()
    services = gpd.GeoDataFrame({"service_type": ["pharmacy", "pharmacy", "hospital", "pharmacy"],
                                 "capacity": [1.0, 1.0, 300.0, 1.0], "active": [True, True, True, False]},
                                geometry=[Point(500, 500), Point(500, 1500), Point(2500, 2500), Point(600, 600)], crs="EPSG:31370")
    m = zone_metrics(units, columns(units), services=services)
    assert m.loc["A", "n_pharmacy"] == 2 and m.loc["C", "n_hospital"] == 1 and m.loc["C", "capacity_hospital"] == 300
    assert m["n_pharmacy"].sum() == 2  # the suspended pharmacy is left out
    # nearest pharmacy of every unit: column A units have theirs inside A; B and C units reach into A
    assert m.loc["A", "self_contained_pharmacy"] == 1.0 and m.loc["B", "self_contained_pharmacy"] == 0.0
    assert m.loc["C", "self_contained_hospital"] == 1.0 and m.loc["A", "self_contained_hospital"] == 0.0
    regions = region_summary(units, services=services)
    assert regions.loc["flanders", "pharmacy_per_1000"] == pytest.approx(2 / 9)
    table = zones_vs_region(m, regions)
    assert table.loc["A", "pharmacy_per_1000"] == pytest.approx(2 / 3) and table.loc["A", "pharmacy_per_1000_region"] == pytest.approx(2 / 9)


def dissolve_oracle(units, plan):
    zones = dissolve_zones(units, plan)
    area = zones.geometry.area
    pp = 4 * math.pi * area / zones.geometry.length ** 2
    reock = area / (math.pi * shapely.minimum_bounding_radius(zones.geometry.to_numpy()) ** 2)
    return pp, reock


def test_compactness_matches_dissolve_oracle_on_random_grid_plans():
    units = grid(5)
    rng = np.random.default_rng(0)
    for _ in range(5):
        plan = plan_of({u: f"Z{rng.integers(4)}" for u in units.index})
        m = zone_metrics(units, plan)
        pp, reock = dissolve_oracle(units, plan)
        assert np.allclose(m["polsby_popper"], pp.reindex(m.index)) and np.allclose(m["reock"], reock.reindex(m.index))


# -- comparison -----------------------------------------------------------------------------------------------
def test_compare_plans():
    units = grid()
    a = columns(units)
    b = plan_of({**dict(a.assignment), "10002": "A"})
    result = compare_plans(units, a, b, min_population=3000, max_population=3000)
    assert result.moved.to_dict(orient="records") == [{"unit_id": "10002", "zone_a": "B", "zone_b": "A", "pop_total": 1000}]
    zones = result.zones.set_index("zone_a")
    assert zones.loc["A", "pop_total_change"] == 1000 and zones.loc["B", "pop_total_change"] == -1000
    assert result.summary["plan_a"]["zones_in_band"] == 3 and result.summary["plan_b"]["zones_in_band"] == 1
    assert result.summary["units_moved"] == 1
    json.dumps(result.to_dict())


def test_compare_matches_renamed_zones_by_population():
    units = grid()
    a = columns(units)
    b = plan_of({u: {"A": "x", "B": "y", "C": "z"}[z] for u, z in a.assignment.items()})
    assert match_zones(a, b) == {"A": "x", "B": "y", "C": "z"}
    assert compare_plans(units, a, b).summary["units_moved"] == 0


# -- real data ------------------------------------------------------------------------------------------------
def test_official_plan_on_304_municipalities(shared_geodata):
    units = municipalities(shared_geodata)
    assert len(units) == 304
    plan = official_plan(units)
    report = validate_plan(units, plan, min_population=60_000, max_population=None)
    assert not any(f["code"] in ("unknown_unit", "unassigned", "cross_region") for f in report.findings)
    assert any("island 73109" in n for n in report.notes)  # Voeren
    metrics = zone_metrics(units, plan, min_population=60_000, max_population=None)
    assert len(metrics) == 57 and metrics["pop_total"].sum() == 7_921_513
    assert metrics.loc["elz7", "pop_total"] == 1_222_637 and metrics.loc["elz7", "regions"] == "brussels"
    pp, reock = dissolve_oracle(units, plan)
    assert np.allclose(metrics["polsby_popper"], pp.reindex(metrics.index), rtol=1e-9)
    assert np.allclose(metrics["reock"], reock.reindex(metrics.index), rtol=1e-6)
    strict = validate_plan(units, plan, min_population=60_000, max_population=None, island_policy="strict")
    assert any(f["code"] == "non_contiguous" and "73109" in f["unit_ids"] for f in strict.findings)


# -- command line ---------------------------------------------------------------------------------------------
@pytest.fixture()
def cli_files(tmp_path):
    units = grid()
    units.reset_index().to_file(tmp_path / "units.gpkg")
    columns(units).to_frame().to_csv(tmp_path / "columns.csv", index=False)
    broken = plan_of({u: ("A" if u in ("10001", "10009") else "B") for u in units.index})
    broken.to_frame().to_csv(tmp_path / "broken.csv", index=False)
    return tmp_path


def run_cli(argv, capsys):
    from zorgzones.cli import main

    code = main(["plan", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_validate_exit_codes(cli_files, capsys):
    units = str(cli_files / "units.gpkg")
    code, out, _ = run_cli(["validate", str(cli_files / "columns.csv"), "--units", units, "--min-population", "3000",
                            "--max-population", "3000", "--json"], capsys)
    assert code == 0 and json.loads(out)["ok"] is True
    code, out, _ = run_cli(["validate", str(cli_files / "broken.csv"), "--units", units, "--min-population", "0", "--json"], capsys)
    assert code == 1 and json.loads(out)["findings"][0]["code"] == "non_contiguous"
    code, _, err = run_cli(["validate", str(cli_files / "missing.csv"), "--units", units], capsys)
    assert code == 2 and "file not found" in err
    (cli_files / "dup.csv").write_text("unit_id,zone_id\n10001,A\n10001,B\n")
    code, _, err = run_cli(["validate", str(cli_files / "dup.csv"), "--units", units], capsys)
    assert code == 2 and "listed more than once" in err


def test_cli_metrics_and_compare(cli_files, capsys):
    units = str(cli_files / "units.gpkg")
    code, out, _ = run_cli(["metrics", str(cli_files / "columns.csv"), "--units", units, "--json",
                            "--output", str(cli_files / "m.csv")], capsys)
    payload = json.loads(out)
    assert code == 0 and payload["summary"]["zones"] == 3 and len(payload["zones"]) == 3
    assert pd.read_csv(cli_files / "m.csv")["pop_total"].sum() == 9000
    code, out, _ = run_cli(["compare", str(cli_files / "columns.csv"), str(cli_files / "broken.csv"), "--units", units, "--json"], capsys)
    assert code == 0 and json.loads(out)["summary"]["units_moved"] == 5  # 10004, 10007 and all of C


@pytest.mark.slow
def test_official_plan_from_the_bundle(bundle):
    plan = Plan.from_bundle(bundle, "elz")
    units = bundle.units("municipality")
    assert plan.level == "municipality" and len(plan.zone_ids) == 57
    report = validate_plan(units, plan, min_population=60_000, max_population=None)
    assert not {"unknown_unit", "unassigned", "duplicate_unit", "cross_region"} & set(report.codes())
    metrics = zone_metrics(units, plan, services=bundle.services(), min_population=60_000, max_population=None)
    assert metrics["pop_total"].sum() == units["pop_total"].sum()
    assert metrics["informal_care_ratio"].notna().all() and (metrics["n_pharmacy"] > 0).all()
    assert metrics.loc[metrics["zone_name"] == "Bruzel", "n_units"].item() == 19


def test_compare_refuses_plans_of_other_units():
    units = grid()
    other = Plan.from_assignment(pd.Series({"1000101": "A"}), name="neighbourhoods")
    with pytest.raises(ValidationError, match="has none of the 9 units"):
        compare_plans(units, columns(units), other)
    partial = plan_of({"10001": "A", "10002": "Q"})
    result = compare_plans(units, columns(units), partial, min_population=0, max_population=1e9)
    assert result.summary["plan_b"]["zones"] == 2 and result.zones["zone_b"].isna().any()


def test_zone_weighted_means_of_accessibility_results():
    units = grid()
    units.loc["10001", "pop_total"] = 3000
    travel = pd.Series({"10001": 10.0, "10004": 20.0, "10007": 30.0, "10002": 5.0}, name="travel_min")
    means = zone_weighted_means(units, columns(units), travel)
    assert means.loc["A", "travel_min"] == pytest.approx((3000 * 10 + 1000 * 20 + 1000 * 30) / 5000)
    assert means.loc["B", "travel_min"] == 5.0 and np.isnan(means.loc["C", "travel_min"])
