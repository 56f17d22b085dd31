"""The analysis layer: hand-computed answers on a tiny bundle, and one answer for the CLI, the app and the exports."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from zorgzones import settings
from zorgzones.analysis import prepare_services, unit_zones
from zorgzones.analysis_access import AccessRequest, run_access, unit_access
from zorgzones.analysis_gaps import GapsRequest, SiteRequest, run_gaps, run_site
from zorgzones.bundle import Bundle
from zorgzones.cli import main
from zorgzones.errors import ValidationError
from zorgzones.sectors import AGE_COLUMNS
from zorgzones.zones import Plan

#: Straight-line minutes per km (detour x speed): car 1.95, walk 15.
CAR_KM = 1000 * 1.3 / (40_000 / 60)
WALK_KM = 1000 * 1.2 / (4_800 / 60)


def tiny_bundle(services: gpd.GeoDataFrame | None = None) -> Bundle:
    """Three 1 km squares in a row (u0, u1, u2: 1,000, 2,000, 3,000 people; centres 1 km apart), one pharmacy in u0,
    a 100-bed hospital in u2 and a closed pharmacy in u2."""
    ids = ["u0", "u1", "u2"]
    units = gpd.GeoDataFrame({"name": ["Noord", "Midden", "Zuid"], "level": "neighbourhood", "region": "flanders",
                              "province_id": ["10000", "10000", "20001"], "municipality_id": ["11001", "11001", "11002"],
                              "pop_total": [1000, 2000, 3000], "pop_65plus": [200, 300, 600], "pop_80plus": [50, 60, 200]},
                             index=pd.Index(ids, name="unit_id"),
                             geometry=[box(150_000 + i * 1000, 170_000, 151_000 + i * 1000, 171_000) for i in range(3)],
                             crs=settings.WORKING_CRS)
    for column in AGE_COLUMNS:  # every age band the demand layer carries; 65+ and 80+ as above
        if column not in units.columns:
            units[column] = 0
    units["age_estimated"] = False
    if services is None:
        services = gpd.GeoDataFrame({"service_type": ["pharmacy", "hospital", "pharmacy"], "name": ["A", "H", "closed"],
                                     "capacity": [np.nan, 100.0, 5.0], "active": [True, True, False],
                                     "inside_region": True},
                                    index=pd.Index(["p1", "h1", "p_closed"], name="service_id"),
                                    geometry=[Point(150_500, 170_500), Point(152_500, 170_500), Point(152_500, 170_500)],
                                    crs=settings.WORKING_CRS)
    region = gpd.GeoDataFrame({"id": ["02000"], "name": ["flanders"]}, geometry=[units.union_all()], crs=settings.WORKING_CRS)
    manifest = {"region": "tiny", "plans": {}, "paths": {}, "layers": {}}
    return Bundle.from_frames(manifest, {"units_neighbourhood": units, "services": services, "boundary_region": region})


def test_unit_access_by_hand_with_the_service_type_defaults():
    bundle = tiny_bundle()
    pharmacy = unit_access(bundle, level="neighbourhood", service_type="pharmacy")  # walk, T = 10 min
    assert pharmacy["travel_min"].tolist() == pytest.approx([0.0, WALK_KM, 2 * WALK_KM])  # u2 found by widening
    # E2SFCA with steps 3.3/6.7/10 min: only u0 (0 min, weight 1) is in reach of the one pharmacy
    assert pharmacy["supply_per_1000"].tolist() == pytest.approx([1000 / 1000, 0.0, 0.0])
    hospital = unit_access(bundle, level="neighbourhood", service_type="hospital")  # car, T = 30: 100 beds for 6,000
    assert hospital["travel_min"].tolist() == pytest.approx([2 * CAR_KM, CAR_KM, 0.0])
    assert hospital["supply_per_1000"].tolist() == pytest.approx([100 / 6.0] * 3)
    assert hospital["target_pop"].sum() == 6000


def test_two_step_and_threshold_by_hand():
    result = run_access(tiny_bundle(), AccessRequest(level="neighbourhood", method="2sfca", max_minutes=20))
    by_unit = result.by_unit
    # the pharmacy serves u0 + u1 (0 and 15 min) = 3,000 people; u2 (30 min) is beyond T
    assert by_unit["supply_per_1000"].tolist() == pytest.approx([1000 / 3000, 1000 / 3000, 0.0])
    assert by_unit["pop_beyond"].tolist() == [0.0, 0.0, 3000.0]
    assert result.region["share_beyond"] == pytest.approx(0.5)
    summary = result.summary()
    assert summary["mode"] == "walk" and summary["demand_model"] == "centroid" and summary["max_minutes"] == 20


def test_services_outside_the_region_count_for_travel_not_for_supply():
    services = tiny_bundle().services().assign(inside_region=[True, False, True])  # the hospital lies beyond the border
    result = run_access(tiny_bundle(services), AccessRequest(service_type="hospital", level="neighbourhood", method="2sfca"))
    assert result.by_unit["mean_travel_min"].tolist() == pytest.approx([2 * CAR_KM, CAR_KM, 0.0])
    assert result.by_unit["supply_per_1000"].tolist() == [0.0, 0.0, 0.0]
    assert any("outside the region" in note for note in result.notes)


def test_services_are_checked_against_the_region_once():
    base = tiny_bundle().services()
    far = base.copy()
    far.loc["p_far"] = far.loc["p1"]
    far.loc["p_far", "geometry"] = Point(150_500 + 50_000, 170_500)
    far.loc["p_none"] = far.loc["p1"]
    far.loc["p_none", "geometry"] = None
    prepared = prepare_services(tiny_bundle(far), "pharmacy")
    assert list(prepared.supply.index) == ["p1", "p_far"]
    assert any("without coordinates" in n for n in prepared.notes) and any("outside the region" in n for n in prepared.notes)
    swapped = base.copy()
    swapped["geometry"] = [Point(4.4, 51.2)] * 3  # lon/lat given as metres: nowhere near the region
    with pytest.raises(ValidationError, match=r"none of the 1 service\(s\) lies inside the region or within 20 km.*check the CRS"):
        run_gaps(tiny_bundle(swapped), GapsRequest(level="neighbourhood"))


def test_gaps_overlaps_and_capacity_by_hand():
    result = run_gaps(tiny_bundle(), GapsRequest(level="neighbourhood", max_minutes=20, population_per_capacity=2500))
    units = result.units
    assert units["pop_beyond"].tolist() == [0.0, 0.0, 3000.0]
    assert units["services_within"].tolist() == [1, 1, 0] and units["pop_overlap"].sum() == 0
    # one pharmacy absorbs 2,500 people, nearest first: u0 (1,000) then 1,500 of u1
    assert units["covered_pop"].tolist() == pytest.approx([1000.0, 1500.0, 0.0])
    assert result.ranked_gaps.index.tolist() == ["u2"] and result.summary()["units_beyond"] == 1
    site = run_site(tiny_bundle(), SiteRequest(gaps=result.request, p=1, method="exact"), gaps=result)
    assert site.result.sites == ["u2"] and site.result.value == 3000.0
    with pytest.raises(ValidationError, match="only 1 candidate"):
        run_site(tiny_bundle(), SiteRequest(gaps=result.request, p=2), gaps=result)


def test_a_plan_of_another_level_is_refused():
    units = tiny_bundle().units("neighbourhood")
    municipal = Plan.from_assignment(pd.Series({"11001": "z1", "11002": "z2"}), level="municipality")
    assert unit_zones(municipal, units).tolist() == ["z1", "z1", "z2"]  # finer units follow their municipality
    deel = Plan.from_assignment(pd.Series({"d1": "z1"}), level="deelgemeente")
    with pytest.raises(ValidationError, match="cannot summarise"):
        unit_zones(deel, units)


# --------------------------------------------------------------------------- one question, one answer


def _cli_json(args: list[str], capsys) -> dict:
    assert main(args + ["--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_cli_access_equals_the_function_the_app_calls(tmp_path, capsys, demo_bundle):
    from zorgzones.zones import load_plan

    cli = _cli_json(["access", "--data-dir", str(tmp_path), "--demo", "--plan", "elz"], capsys)
    api = run_access(demo_bundle, AccessRequest(), plan=load_plan(demo_bundle, "elz")).summary()
    for key in ("mode", "method", "max_minutes", "target", "points", "pairs", "demand_model"):
        assert cli[key] == api[key], key
    for key in ("target_pop", "pop_beyond", "mean_travel_min", "supply_per_1000"):
        assert cli["region"][key] == pytest.approx(api["region"][key]), key
    assert [z["supply_per_1000"] for z in cli["zones"]] == pytest.approx([z["supply_per_1000"] for z in api["zones"]])
    # the Explore map indicator is the same request per unit
    explore = unit_access(demo_bundle, level="neighbourhood", service_type="pharmacy")
    by_unit = run_access(demo_bundle, AccessRequest()).by_unit
    np.testing.assert_allclose(explore["supply_per_1000"], by_unit["supply_per_1000"].reindex(explore.index).fillna(0.0))


def test_cli_gaps_site_and_export_equal_the_functions(tmp_path, capsys, demo_bundle):
    from zorgzones import export
    from zorgzones.zones import load_plan

    plan = load_plan(demo_bundle, "elz")
    cli = _cli_json(["gaps", "--data-dir", str(tmp_path), "--demo", "--plan", "elz"], capsys)
    api = run_gaps(demo_bundle, GapsRequest(), plan=plan)
    summary = api.summary()
    for key in ("mode", "max_minutes", "target", "pop_beyond", "units_beyond", "pop_overlap", "gap_areas"):
        assert cli[key] == summary[key], key
    assert cli["capacity_limited"]["covered_pop"] == pytest.approx(summary["capacity_limited"]["covered_pop"])
    assert [r["unit_id"] for r in cli["top_gaps"]] == [r["unit_id"] for r in summary["top_gaps"]]
    layers = export.gap_layers(demo_bundle, plan, level="neighbourhood")
    assert layers["gaps_pharmacy"]["pop_beyond"].sum() == pytest.approx(summary["pop_beyond"])
    cli_site = _cli_json(["site", "--data-dir", str(tmp_path), "--demo", "--p", "2", "--method", "greedy"], capsys)
    api_site = run_site(demo_bundle, SiteRequest(p=2, method="greedy"), gaps=api)
    assert cli_site["sites"] == api_site.result.sites and cli_site["value"] == pytest.approx(api_site.result.value)


# --------------------------------------------------------------------------- people where they live (real data)


@pytest.mark.slow
def test_sector_demand_ranks_the_people_beyond_reach(bundle):
    """Walk 10 min to an active pharmacy in province Antwerp: Kapellen-Centrum (12,002 people, pharmacies inside) has
    about a third of its people beyond reach and is no longer the top gap; the top gaps are mostly beyond reach; the
    province's share beyond T equals an independent nearest-neighbour count on the sector points."""
    from scipy.spatial import cKDTree

    result = run_gaps(bundle, GapsRequest(level="neighbourhood", provinces=("10000",)))
    assert result.demand.model == "sector" and result.request.mode == "walk" and result.request.max_minutes == 10
    units = result.units
    kapellen = units[units["name"].str.startswith("Kapellen-Centrum")].iloc[0]
    assert kapellen["target_pop"] == 12_002 and 3_000 < kapellen["pop_beyond"] < 4_500
    top = result.ranked_gaps.head(10)
    assert kapellen.name not in top.index and (top["share_beyond"] >= 0.5).sum() >= 8
    # independent check: every sector's people at its point, straight line x 1.2 at 4.8 km/h <= 10 min
    points = bundle.layer("sector_points")
    points = points[points["inside_region"] & points["municipality_id"].isin(
        bundle.units("municipality").query("province_id == '10000'").index)]
    pharmacies = bundle.services("pharmacy", active_only=True)
    distance, _ = cKDTree(np.column_stack([pharmacies.geometry.x, pharmacies.geometry.y])).query(
        np.column_stack([points.geometry.x, points.geometry.y]))
    beyond = points["pop_total"].to_numpy()[distance * 1.2 / 80.0 > 10.0].sum() / points["pop_total"].sum()
    assert result.summary()["share_beyond"] == pytest.approx(beyond, abs=0.01)


@pytest.mark.slow
def test_border_zones_are_not_inflated_by_services_across_the_border(bundle):
    """Walloon pharmacies near Zuid-Oost-Limburg are shared with the Walloon people around them: elz54 near the
    regional supply (it was 6.8x with its border residents alone), no municipality above 3x (Herstappe was 348x)."""
    from zorgzones.zones import load_plan

    zones = run_access(bundle, AccessRequest(), plan=load_plan(bundle, "elz")).by_zone
    assert 0.7 < zones.loc["elz54", "ratio_to_region"] < 1.3
    municipalities = run_access(bundle, AccessRequest(level="municipality")).by_unit
    assert municipalities["ratio_to_region"].max() < 3.0


def test_a_year_moves_the_demand_with_its_units(demo_bundle, tmp_path, capsys):
    from zorgzones.population import units_for_year

    base = run_gaps(demo_bundle, GapsRequest(level="neighbourhood"))
    later = run_gaps(demo_bundle, GapsRequest(level="neighbourhood", year=2035))
    expected = units_for_year(demo_bundle, "neighbourhood", 2035)["pop_total"].sum()
    assert later.summary()["target_pop"] == pytest.approx(expected, rel=1e-9)
    assert later.summary()["target_pop"] != base.summary()["target_pop"] and later.summary()["year"] == 2035
    cli = _cli_json(["gaps", "--data-dir", str(tmp_path), "--demo", "--year", "2035"], capsys)
    assert cli["target_pop"] == pytest.approx(later.summary()["target_pop"]) and cli["population"] == later.demand.population_label
    assert main(["access", "--data-dir", str(tmp_path), "--demo", "--year", "1900"]) == 2
    assert "1900" in capsys.readouterr().err
