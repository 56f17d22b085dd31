"""Plan model: construction from tables, bad plan files, CSV/XLSX/GeoPackage round trips, dissolve."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import box

from zorgzones.errors import ValidationError
from zorgzones.zones import Plan, dissolve_zones, guess_level, read_plan, require_projected, write_plan


def grid(n: int = 3, *, pop: int = 1000) -> gpd.GeoDataFrame:
    """n x n grid of 1 km squares in EPSG:31370, ids 10001.. row by row from the south-west."""
    cells = [box(x * 1000, y * 1000, (x + 1) * 1000, (y + 1) * 1000) for y in range(n) for x in range(n)]
    ids = [f"{10001 + i}" for i in range(n * n)]
    return gpd.GeoDataFrame({"name": [f"cell {i}" for i in ids], "region": "flanders", "level": "municipality",
                             "pop_total": pop}, geometry=cells, index=pd.Index(ids, name="unit_id"), crs="EPSG:31370")


def columns_plan(units: gpd.GeoDataFrame, n: int = 3) -> Plan:
    """Each grid column is a zone A, B, C."""
    zones = {u: "ABC"[i % n] for i, u in enumerate(units.index)}
    return Plan.from_assignment(pd.Series(zones), name="columns", level="municipality",
                                zone_names={"A": "West", "B": "Middle", "C": "East"})


def test_from_assignment_frame_and_series():
    table = pd.DataFrame({"unit_id": ["10001", "10002", "10003"], "zone_id": ["A", "A", "B"], "zone_name": ["Aa", "Aa", "Bb"]})
    plan = Plan.from_assignment(table, name="t", level="municipality", min_population=10, max_population=20)
    assert plan.assignment.to_dict() == {"10001": "A", "10002": "A", "10003": "B"}
    assert plan.zone_names == {"A": "Aa", "B": "Bb"}
    assert plan.zone_ids == ["A", "B"]
    assert (plan.min_population, plan.max_population) == (10, 20)
    same = Plan.from_assignment(plan.assignment)
    assert same.equals(plan) and same.zone_name("A") == "A"
    assert plan.to_frame().columns.tolist() == ["unit_id", "zone_id", "zone_name"]


def test_numeric_ids_from_spreadsheets_become_strings():
    plan = Plan.from_assignment(pd.DataFrame({"unit_id": [11001.0, 11002.0], "zone_id": [1, 2]}))
    assert plan.assignment.index.tolist() == ["11001", "11002"]
    assert plan.assignment.tolist() == ["1", "2"]


def test_every_problem_of_a_bad_table_is_reported_at_once():
    table = pd.DataFrame({"unit_id": ["10001", "10001", "10002", "", "10004"],
                          "zone_id": ["A", "B", "", "A", "C"], "zone_name": ["x", "x", "y", "z", "c"]})
    with pytest.raises(ValidationError) as caught:
        Plan.from_assignment(table, name="bad")
    problems = caught.value.problems
    text = "\n".join(problems)
    assert "empty unit_id on row(s) [5]" in text
    assert "empty zone_id for unit(s) ['10002']" in text
    assert "10001 -> A, B" in text and "listed more than once" in text
    assert "zone A has several names" in text
    assert len(problems) == 4


def test_missing_columns_message_names_what_is_expected():
    with pytest.raises(ValidationError, match="unit_id, zone_id"):
        Plan.from_assignment(pd.DataFrame({"unit": ["1"], "zone": ["A"]}))


def test_wrong_level_is_named():
    table = pd.DataFrame({"unit_id": ["1100101", "1100102"], "zone_id": ["A", "B"]})
    with pytest.raises(ValidationError, match="wrong level: the unit ids look like neighbourhood codes"):
        Plan.from_assignment(table, level="municipality")
    assert Plan.from_assignment(table).level == "neighbourhood"
    assert guess_level(["11002", "21001_11"]) == "mixed"
    assert guess_level(["11001A", "11002-Y"]) == "deelgemeente"
    assert guess_level(["abc"]) is None


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".gpkg"])
def test_round_trip(tmp_path, suffix):
    units = grid()
    plan = columns_plan(units)
    plan.min_population, plan.max_population, plan.notes = 2000, 4000, "test plan"
    path = write_plan(plan, tmp_path / f"plan{suffix}", units=units)
    back = read_plan(path)
    assert back.equals(plan)
    assert back.zone_names == plan.zone_names
    assert back.level == "municipality"
    if suffix != ".csv":
        assert (back.min_population, back.max_population, back.notes) == (2000, 4000, "test plan")


def test_gpkg_has_dissolved_zones(tmp_path):
    units = grid()
    path = write_plan(columns_plan(units), tmp_path / "plan.gpkg", units=units)
    layers = [row[0] for row in pyogrio.list_layers(path)]
    assert {"zones", "assignment", "plan_info"} <= set(layers)
    zones = gpd.read_file(path, layer="zones")
    assert sorted(zones["zone_id"]) == ["A", "B", "C"]
    assert np.allclose(zones.geometry.area, 3e6)
    assert zones["pop_total"].tolist() == [3000, 3000, 3000]


def test_csv_keeps_leading_zeros_and_semicolons(tmp_path):
    path = tmp_path / "plan.csv"
    path.write_text("unit_id;zone_id\n01001;Z1\n01002;Z1\n")
    assert read_plan(path).assignment.index.tolist() == ["01001", "01002"]


def test_bad_plan_files(tmp_path):
    with pytest.raises(ValidationError, match="file not found"):
        read_plan(tmp_path / "missing.csv")
    (tmp_path / "plan.txt").write_text("x")
    with pytest.raises(ValidationError, match="unsupported suffix"):
        read_plan(tmp_path / "plan.txt")
    bad = tmp_path / "bad.csv"
    bad.write_text("unit_id,zone_id\n10001,A\n10001,A\n10002,\n")
    with pytest.raises(ValidationError) as caught:
        read_plan(bad)
    assert caught.value.subject == "plan file bad.csv"
    assert any("listed more than once" in p for p in caught.value.problems)
    assert any("empty zone_id for unit(s) ['10002']" in p for p in caught.value.problems)
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("unit_id,zone_id\n21001_11,A\n")
    with pytest.raises(ValidationError, match="wrong level"):
        read_plan(wrong, level="municipality")
    gpkg = tmp_path / "other.gpkg"
    grid().to_file(gpkg, layer="cells")
    with pytest.raises(ValidationError, match="no layer 'assignment'"):
        read_plan(gpkg)


def test_dissolve_zones():
    units = grid()
    zones = dissolve_zones(units, columns_plan(units))
    assert zones.index.tolist() == ["A", "B", "C"]
    assert zones.loc["A", "zone_name"] == "West"
    assert zones.loc["B", "geometry"].equals_exact(box(1000, 0, 2000, 3000).normalize(), 1e-6) or \
        abs(zones.loc["B", "geometry"].area - 3e6) < 1e-6
    assert zones["n_units"].tolist() == [3, 3, 3]


def test_geographic_crs_is_refused():
    with pytest.raises(ValidationError, match="to_crs"):
        require_projected(grid().to_crs("EPSG:4326"))
    with pytest.raises(ValidationError, match="has no CRS"):
        dissolve_zones(grid().set_crs(None, allow_override=True), columns_plan(grid()))


def test_from_bundle_uses_band_and_info():
    class FakeBundle:
        def plan_assignment(self, name):
            return pd.DataFrame({"unit_id": ["11001", "11002"], "zone_id": ["elz1", "elz2"], "zone_name": ["A", "B"]})

        def plan_info(self, name):
            return {"name": name, "level": "municipality", "min_population": 67036, "max_population": 607976,
                    "band": [60000, None], "notes": "official"}

    plan = Plan.from_bundle(FakeBundle(), "elz")
    assert (plan.name, plan.level, plan.min_population, plan.max_population) == ("elz", "municipality", 60000, None)
    assert plan.zone_names == {"elz1": "A", "elz2": "B"} and plan.notes == "official"


def test_real_elz_plan_round_trip(shared_geodata, tmp_path):
    units = gpd.read_file(shared_geodata / "boundaries" / "vl_bru_municipalities_2025.gpkg").set_index("nis")
    table = units.reset_index().rename(columns={"nis": "unit_id", "elz_code": "zone_id", "elz_name": "zone_name"})
    plan = Plan.from_assignment(table[["unit_id", "zone_id", "zone_name"]], name="elz", level="municipality")
    assert len(plan.zone_ids) == 57 and plan.zone_name("elz7") == "Bruzel"
    back = read_plan(write_plan(plan, tmp_path / "elz.xlsx"), level="municipality")
    assert back.equals(plan)


def test_unreadable_and_one_column_csv(tmp_path):
    (tmp_path / "one.csv").write_text("unit_id\n11001\n")
    with pytest.raises(ValidationError, match=r"missing column\(s\) \['zone_id'\]"):
        read_plan(tmp_path / "one.csv")
    (tmp_path / "bin.csv").write_bytes(b"\xff\xfe\x00\x01garbage")
    with pytest.raises(ValidationError, match="could not read it as CSV"):
        read_plan(tmp_path / "bin.csv")
