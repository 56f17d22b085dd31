"""The real region bundle and the synthetic demo: contents, invariants, provenance, and the demo fallback."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from zorgzones import cli
from zorgzones.region import load_bundle
from zorgzones.errors import DataError
from zorgzones.settings import LEVELS, WORKING_CRS


def test_units_all_levels(bundle):
    counts = {"municipality": 304, "deelgemeente": 1_150, "neighbourhood": 2_730}
    for level in LEVELS:
        units = bundle.units(level)
        assert len(units) == counts[level]
        assert units.crs == WORKING_CRS
        assert units.index.is_unique and units.index.name == "unit_id"
        assert set(units["region"]) == {"flanders", "brussels"}
        assert units["province_id"].notna().all() and units["municipality_id"].str.len().eq(5).all()
        assert units.geometry.is_valid.all() and (units.geom_type == "MultiPolygon").all()
        bands = units["pop_0_14"] + units["pop_15_64"] + units["pop_65plus"]
        tolerance = 0 if level == "municipality" else 2  # sub-municipal bands are rounded estimates
        assert (bands - units["pop_total"]).abs().max() <= tolerance


def test_municipality_population_and_ages(bundle):
    municipalities = bundle.units("municipality")
    assert municipalities.loc["11002", "pop_total"] == 541_856  # Antwerpen incl. Borsbeek on 2025 borders
    assert (municipalities["region"] == "brussels").sum() == 19
    assert municipalities.index.str.startswith("21").sum() == 19
    assert not municipalities["age_estimated"].any()
    age = bundle.population_age
    assert age["population"].sum() == 7_921_513
    assert age.loc[age["age"] >= 80, "population"].sum() == municipalities["pop_80plus"].sum()
    # Brussels has no province: its province code is the region code
    assert set(municipalities.loc[municipalities["region"] == "brussels", "province_id"]) == {"04000"}


def test_sub_municipal_population_from_sectors(bundle):
    neighbourhoods = bundle.units("neighbourhood")
    assert neighbourhoods["pop_total"].sum() == 7_915_281
    assert (neighbourhoods["region"] == "brussels").sum() == 204
    assert neighbourhoods["age_estimated"].all()
    by_municipality = neighbourhoods.groupby("municipality_id")["pop_total"].sum()
    municipal = bundle.units("municipality")["pop_total"]
    assert ((municipal - by_municipality.reindex(municipal.index)).abs() / municipal).max() < 0.02


def test_official_plan(bundle):
    plan = bundle.plan_assignment("elz")
    assert len(plan) == 304 and plan["unit_id"].is_unique
    assert plan["zone_id"].nunique() == 57
    brussels = plan[plan["unit_id"].str.startswith("21")]
    assert set(brussels["zone_id"]) == {"elz7"} and set(brussels["zone_name"]) == {"Bruzel"}
    population = bundle.units("municipality")["pop_total"].groupby(plan.set_index("unit_id")["zone_id"]).sum()
    assert population.min() == 67_036 and population.max() == 1_222_637


def test_neighbourhood_plan_splits_antwerp_into_four(bundle):
    plan = bundle.plan_assignment("elz_neighbourhood")
    assert len(plan) == 2_730
    antwerp = plan[plan["zone_id"].str.startswith("elz2-")]
    assert sorted(antwerp["zone_id"].unique()) == ["elz2-1", "elz2-2", "elz2-3", "elz2-4"]
    assert "elz2" not in set(plan["zone_id"])
    assert plan["zone_id"].nunique() == 60
    info = bundle.plan_info("elz_neighbourhood")
    assert info["level"] == "neighbourhood" and "4 city zones" in info["notes"]


def test_services_with_type_capacity_and_border_buffer(bundle):
    services = bundle.services()
    assert set(services["service_type"]) == {"pharmacy", "hospital"}
    assert services.crs == WORKING_CRS and services.index.is_unique
    pharmacies = bundle.services("pharmacy")
    assert (pharmacies["capacity"] == 1).all()
    assert (~pharmacies["active"]).sum() > 0 and set(pharmacies.loc[~pharmacies["active"], "status"]) == {"TEMPORARILY_SUSPENDED"}
    hospitals = bundle.services("hospital")
    assert hospitals["capacity"].gt(1).mean() > 0.9 and hospitals["emergency"].any()
    outside = services[~services["inside_region"]]
    assert len(outside) > 100 and outside["municipality_id"].isna().all()
    inside = services[services["inside_region"]]
    assert inside["municipality_id"].notna().all()
    region = bundle.boundaries("region").union_all()
    assert outside.distance(region).max() <= 20_000 + 1
    with pytest.raises(DataError, match="unknown service type 'dentist'"):
        bundle.services("dentist")


def test_provenance_and_credits(bundle):
    ids = {s["id"] for s in bundle.sources}
    assert {"pharmacies", "hospitals", "population_age", "osm_antwerp", "ghs_pop_1km"} <= ids
    credit = bundle.credits(["services"])
    assert "FAGG/AFMPS" in credit and "Eurostat/GISCO" in credit and "Statbel" not in credit
    assert "Statbel" in bundle.credits(["units"])
    assert bundle.path("osm_antwerp").is_file() and bundle.path("ghs_pop_100m_westflanders").is_file()


def test_demo_is_deterministic_and_shaped_like_the_real_bundle(bundle, demo_bundle):
    from zorgzones.demo import demo_bundle as make_demo

    again = make_demo(seed=0)
    pd.testing.assert_frame_equal(demo_bundle.units("neighbourhood"), again.units("neighbourhood"))
    other = make_demo(seed=1)
    assert not np.array_equal(demo_bundle.units("municipality")["pop_total"], other.units("municipality")["pop_total"])
    for level in LEVELS:
        assert list(demo_bundle.units(level).columns) == list(bundle.units(level).columns)
    assert list(demo_bundle.services().columns.sort_values()) == list(bundle.services().columns.sort_values())
    assert demo_bundle.is_demo and "synthetic" in demo_bundle.credits().lower()
    assert all("SYNTHETISCH" in name for name in demo_bundle.units("municipality")["name"])
    plan = demo_bundle.plan_assignment("elz")
    assert plan["unit_id"].is_unique and len(plan) == 48


def test_demo_is_default_only_without_real_bundle(tmp_path, bundle_dir, capsys):
    assert load_bundle(tmp_path).is_demo
    assert not load_bundle(bundle_dir).is_demo
    with pytest.raises(DataError, match="run `zorgzones data fetch"):
        load_bundle(tmp_path, allow_demo=False)
    assert cli.main(["data", "demo", "--data-dir", str(tmp_path), "--seed", "3"]) == 0
    demo = load_bundle(tmp_path)
    assert demo.is_demo and demo.manifest["seed"] == 3
