"""Reference geographies, zone-vs-reference comparison, band resolution and hospital types."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from zorgzones.cli import main
from zorgzones.errors import ValidationError
from zorgzones.hospitals import classify_hospital, hospital_classification
from zorgzones.plan_metrics import choose_band, resolve_band, zone_metrics
from zorgzones.reference import Ratio, comparison_wide, reference_comparison
from zorgzones.settings import BAND_PRESETS
from zorgzones.zones import Plan, read_plan


def _units() -> pd.DataFrame:
    """Five units: four Flemish in two arrondissements of one province, one in Brussels."""
    return pd.DataFrame({
        "pop_total": [100, 300, 200, 400, 1000],
        "pop_80plus": [10, 30, 10, 40, 50],
        "capacity_hospital": [1.0, 1.0, 0.0, 2.0, 4.0],
        "travel_min": [10.0, 20.0, np.nan, 5.0, 2.0],
        "arrondissement_id": ["11000", "11000", "12000", "12000", "21000"],
        "province_id": ["10000", "10000", "10000", "10000", "04000"],
        "region": ["flanders"] * 4 + ["brussels"],
    }, index=pd.Index(["11001", "11002", "12001", "12002", "21001"], name="unit_id"))


BEDS = Ratio("beds_per_1000", "capacity_hospital", "pop_total", 1000.0)
SHARE = Ratio("share_80plus", "pop_80plus", "pop_total")


def test_ratios_come_from_sums_not_means():
    plan = Plan.from_assignment(pd.Series({"11001": "a", "11002": "a", "12001": "b", "12002": "b", "21001": "bru"}))
    table = reference_comparison(_units(), plan, indicators=[BEDS, SHARE], compare_with=["arrondissement", "province", "region", "all"])
    a = table.loc[("a", "beds_per_1000")]
    assert a["zone"] == pytest.approx(2 / 400 * 1000)          # 5.0, not the mean of 10 and 3.33
    assert np.isnan(a["arrondissement"])                       # zone a IS arrondissement 11000: never compared with itself
    assert a["province_id"] == "10000" and a["province"] == pytest.approx(4 / 1000 * 1000)
    assert a["region"] == pytest.approx(4.0) and a["all"] == pytest.approx(8 / 2000 * 1000)
    assert table.loc[("b", "share_80plus"), "zone"] == pytest.approx(50 / 600)
    bru = table.loc[("bru", "beds_per_1000")]
    assert bru["zone"] == pytest.approx(4.0)
    assert pd.isna(bru["province_id"]) and np.isnan(bru["province"])   # Brussels belongs to no province
    assert np.isnan(bru["region"]) and np.isnan(bru["arrondissement"])  # both are the zone itself
    assert bru["all"] == pytest.approx(4.0)
    wide = comparison_wide(table)
    assert list(wide.columns[:3]) == ["zone_name", "beds_per_1000", "beds_per_1000_arrondissement"]


def test_zone_spanning_two_areas_takes_the_majority_area_and_reports_its_share():
    plan = Plan.from_assignment(pd.Series({"11001": "x", "11002": "y", "12001": "y", "12002": "y", "21001": "z"}))
    table = reference_comparison(_units(), plan, indicators=[BEDS], compare_with=["arrondissement"])
    y = table.loc[("y", "beds_per_1000")]
    assert y["arrondissement_id"] == "12000" and y["arrondissement_share"] == pytest.approx(600 / 900)
    assert y["arrondissement"] == pytest.approx(2 / 600 * 1000)


def test_weighted_mean_skips_units_without_a_value():
    plan = Plan.from_assignment(pd.Series({"11001": "a", "11002": "a", "12001": "b", "12002": "b", "21001": "c"}))
    mean = Ratio("travel", "travel_min", "pop_total", weighted=True)
    table = reference_comparison(_units(), plan, indicators=[mean], compare_with=["province"])
    assert table.loc[("a", "travel"), "zone"] == pytest.approx((10 * 100 + 20 * 300) / 400)
    assert table.loc[("b", "travel"), "zone"] == pytest.approx(5.0)                  # unit 12001 has no value
    assert table.loc[("a", "travel"), "province"] == pytest.approx((1000 + 6000 + 2000) / 800)


def test_missing_columns_and_unknown_levels_are_listed():
    plan = Plan.from_assignment(pd.Series({"11001": "a"}))
    with pytest.raises(ValidationError, match="capacity_gp"):
        reference_comparison(_units(), plan, indicators=[Ratio("gp", "capacity_gp", "pop_total")])
    with pytest.raises(ValidationError, match="municipality"):
        reference_comparison(_units(), plan, indicators=[BEDS], compare_with=["municipality"])


def test_band_follows_region_level_and_kind():
    flemish = Plan.from_assignment(pd.Series({"11001": "a", "11002": "a"}))
    brussels = Plan.from_assignment(pd.Series({"21001": "a", "21004": "b"}))
    assert choose_band(flemish).band == BAND_PRESETS["flanders_elz"]
    assert "Flemish" in choose_band(flemish).reason
    assert choose_band(brussels).band == BAND_PRESETS["brussels"]
    assert resolve_band(brussels, None, None) == (200_000, 300_000)
    mixed = Plan.from_assignment(pd.Series({"11001": "a", "21001": "b"}))
    assert choose_band(mixed).preset == "flanders_elz"
    reference = Plan.from_assignment(pd.Series({"11001": "a"}), name="province")
    reference.kind = "reference"
    assert choose_band(reference).band == (None, None)
    own = Plan.from_assignment(pd.Series({"21001": "a"}), min_population=1, max_population=2)
    assert choose_band(own).band == (1, 2)
    assert choose_band(own, min_population=5).band == (5, None)
    assert choose_band(own, preset="flanders_elz_design").band == (75_000, 125_000)
    units = pd.DataFrame({"region": ["brussels"]}, index=["D0001"])  # ids that say nothing: the units' region decides
    assert choose_band(Plan.from_assignment(pd.Series({"D0001": "a"})), units=units).preset == "brussels"


def test_hospital_rule_on_hand_cases():
    assert classify_hospital("X", "Psychiatrisch ziekenhuis")[0] == "hospital_psychiatric"
    assert classify_hospital("X", "Hôpital général à caractère universitaire")[0] == "hospital_general"
    assert classify_hospital("OPENBAAR PSYCHIATRISCH ZORGCENTRUM GEEL")[0] == "hospital_psychiatric"
    assert classify_hospital("OPZ Geel")[0] == "hospital_psychiatric"
    assert classify_hospital("P.Z. Sint-Amedeus")[0] == "hospital_psychiatric"
    assert classify_hospital("A.Z. RIVIERENLAND - BORNEM")[0] == "hospital_general"
    assert classify_hospital("KLINA - CODA HOSPICE")[0] == "hospital_other"
    assert classify_hospital("Something")[0] == "hospital_other"
    subtype, rule = classify_hospital("ZIEKENHUISNETWERK ANTWERPEN - ZNA JOOSTENS", None, "2240")
    assert subtype == "hospital_psychiatric" and "by hand" in rule


# -- real data -----------------------------------------------------------------------------------------------
def test_reference_plans_in_the_real_bundle(bundle):
    assert {"province", "arrondissement", "care_region"} <= set(bundle.plan_names())
    municipalities = bundle.units()
    arrondissement = Plan.from_bundle(bundle, "arrondissement")
    assert arrondissement.kind == "reference" and (arrondissement.min_population, arrondissement.max_population) == (None, None)
    assert len(arrondissement.zone_ids) == 23 and "21000" in arrondissement.zone_ids
    assert arrondissement.zone_name("13000") == "Turnhout"
    assert bundle.plan_info("arrondissement")["zone_names_fr"]["12000"] == "Malines"
    metrics = zone_metrics(municipalities, arrondissement)
    turnhout = municipalities.index.str.startswith("13")
    assert metrics.loc["13000", "pop_total"] == municipalities.loc[turnhout, "pop_total"].sum() > 400_000
    assert bool(metrics["in_band"].all())  # no band: nothing is out of it

    province = Plan.from_bundle(bundle, "province")
    assert len(province.zone_ids) == 6 and province.zone_name("10000") == "Antwerpen"
    assert "04000" in bundle.plan_info("province")["flagged_zones"]

    care = bundle.plan_assignment("care_region")
    flemish = care[care["zone_id"] != "brussels"]
    assert flemish["zone_id"].nunique() == 15 and len(flemish) == 285
    assert set(flemish["unit_id"]) == set(municipalities.index[municipalities["region"] == "flanders"])
    assert set(care.loc[care["zone_id"] == "brussels", "unit_id"]) == set(municipalities.index[municipalities["region"] == "brussels"])
    assert "not a care region" in bundle.plan_info("care_region")["flagged_zones"]["brussels"]
    kempen = care.loc[care["zone_name"] == "Kempen", "unit_id"]
    assert set(kempen) == set(municipalities.index[municipalities.index.str.startswith("13")])  # Kempen = arrondissement Turnhout
    assert bundle.plan_info("elz")["kind"] == "official"


def test_hospital_split_on_real_data(bundle):
    hospitals = bundle.services("hospital")
    assert set(hospitals["service_subtype"]) == {"hospital_general", "hospital_psychiatric", "hospital_other"}
    named = hospitals.set_index("name")
    assert named.loc["OPENBAAR PSYCHIATRISCH ZORGCENTRUM GEEL", "service_subtype"] == "hospital_psychiatric"
    assert named.loc["PSYCHIATRISCH ZIEKENHUIS DUFFEL", "service_subtype"] == "hospital_psychiatric"
    general = bundle.services("hospital_general")
    assert set(general["service_type"]) == {"hospital_general"}
    assert len(general) + len(bundle.services("hospital_psychiatric")) + len(bundle.services("hospital_other")) == len(hospitals)
    listing = hospital_classification(bundle.services())
    assert len(listing) == len(hospitals) and listing["type_rule"].str.len().gt(0).all()

    metrics = zone_metrics(bundle.units(), Plan.from_bundle(bundle, "elz"), services=bundle.services())
    by_name = metrics.set_index("zone_name")
    for zone in ("Zuiderkempen", "Pallieterland"):
        row = by_name.loc[zone]
        assert row["capacity_hospital"] == row["capacity_hospital_general"] + row["capacity_hospital_psychiatric"] + row["capacity_hospital_other"]
        general_per_1000 = row["capacity_hospital_general"] / row["pop_total"] * 1000
        assert general_per_1000 < 5.65 < row["capacity_hospital"] / row["pop_total"] * 1000
    assert by_name.loc["Zuiderkempen", "capacity_hospital_psychiatric"] >= 747     # OPZ Geel
    assert by_name.loc["Pallieterland", "capacity_hospital_psychiatric"] >= 601    # PZ Duffel


def test_cli_compare_with_and_band_reason(bundle, bundle_dir, tmp_path, capsys):
    assert main(["plan", "metrics", "elz", "--data-dir", str(bundle_dir), "--compare-with", "arrondissement,province,region,all",
                 "--indicators", "share_80plus,general_beds_per_1000", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert "own band" in payload["band_reason"]
    rows = {(r["zone_name"], r["indicator"]): r for r in payload["comparison"]}
    zk = rows[("Zuiderkempen", "general_beds_per_1000")]
    assert zk["arrondissement_name"] == "Turnhout" and zk["province_name"] == "Antwerpen" and zk["region_name"] == "Vlaanderen"
    bruzel = rows[("Bruzel", "share_80plus")]
    assert bruzel["province"] is None and bruzel["region"] is None and bruzel["all"] is not None

    plan = tmp_path / "brussels.csv"
    units = bundle.units()
    brussels = units.index[units["region"] == "brussels"]
    pd.DataFrame({"unit_id": brussels, "zone_id": ["z1"] * 10 + ["z2"] * (len(brussels) - 10)}).to_csv(plan, index=False)
    assert read_plan(plan).min_population is None
    main(["plan", "metrics", str(plan), "--data-dir", str(bundle_dir)])
    captured = capsys.readouterr()
    assert "band 200,000 - 300,000 (brussels)" in captured.err and "Brussels" in captured.err
    assert main(["plan", "metrics", "arrondissement", "--data-dir", str(bundle_dir), "--compare-with", "region,all"]) == 0
    captured = capsys.readouterr()
    assert "no population band" in captured.err and "Turnhout" in captured.out
    out = tmp_path / "metrics.csv"
    assert main(["plan", "metrics", "arrondissement", "--data-dir", str(bundle_dir), "--compare-with", "province,all",
                 "--indicators", "general_beds_per_1000", "-o", str(out)]) == 0
    wide = pd.read_csv(tmp_path / "metrics-reference.csv", dtype={"zone_id": str}).set_index("zone_id")
    assert list(wide.columns) == ["zone_name", "general_beds_per_1000", "general_beds_per_1000_province", "general_beds_per_1000_all"]
    assert len(wide) == 23 and np.isnan(wide.loc["21000", "general_beds_per_1000_province"])


def test_demo_has_the_reference_plans(demo_bundle):
    assert {"province", "arrondissement", "care_region"} <= set(demo_bundle.plan_names())
    care = Plan.from_bundle(demo_bundle, "care_region")
    assert "brussels" in care.zone_ids and care.kind == "reference"
    assert set(demo_bundle.services("hospital")["service_subtype"]) == {"hospital_general", "hospital_psychiatric"}
