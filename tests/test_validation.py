"""Broken inputs: every problem is collected and each broken case gives its own specific message."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, Polygon, box

from zorgzones.errors import ValidationError
from zorgzones.settings import WORKING_CRS
from zorgzones.uploads import read_services_file
from zorgzones.validation import validate_points, validate_units

BOWTIE = Polygon([(0, 0), (10, 10), (10, 0), (0, 10)])


def _units(**overrides):
    frame = gpd.GeoDataFrame({
        "unit_id": ["a", "b", "c"],
        "pop_total": [10, 20, 30],
    }, geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000), box(2000, 0, 3000, 1000)], crs=WORKING_CRS)
    for key, value in overrides.items():
        frame[key] = value
    return frame


def test_valid_units_pass():
    frame, report = validate_units(_units(), subject="units")
    assert report.ok and report.notes == []


def test_every_problem_listed_at_once():
    frame = _units(unit_id=["a", "a", None], pop_total=["10", "x", -5])
    _, report = validate_units(frame, subject="units")
    text = "\n".join(report.problems)
    assert "1 row(s) without a unit_id" in text
    assert "duplicate unit_ids: a" in text
    assert "pop_total: non-numeric values for" in text
    assert "pop_total: negative values for" in text
    with pytest.raises(ValidationError) as info:
        report.raise_if_problems()
    assert len(info.value.problems) == len(report.problems) >= 4


def test_invalid_geometry_repaired_and_reported():
    frame = _units()
    frame.loc[1, "geometry"] = BOWTIE
    repaired, report = validate_units(frame, subject="units")
    assert report.ok
    assert "repaired 1 invalid geometries with make_valid: b (Self-intersection" in report.notes[0]
    assert repaired.geometry.is_valid.all()
    assert repaired.geometry.iloc[1].area == pytest.approx(50.0)


def test_missing_and_geographic_crs():
    _, report = validate_units(_units().set_crs(None, allow_override=True), subject="units")
    assert any("has no CRS" in p for p in report.problems)
    _, report = validate_units(_units().set_crs("EPSG:4326", allow_override=True), subject="units")
    assert any("geographic (degrees)" in p and "to_crs('EPSG:31370')" in p for p in report.problems)


def test_points_outside_region_and_without_coordinates():
    points = gpd.GeoDataFrame({"service_id": ["p1", "p2", "p3"]},
                              geometry=[Point(500, 500), Point(50_000, 500), None], crs=WORKING_CRS)
    report = validate_points(points, subject="services", id_column="service_id", area=box(0, 0, 1000, 1000), buffer_m=10_000)
    assert "1 point(s) without coordinates: p3" in report.problems
    assert "1 point(s) more than 10 km outside the region: p2" in report.problems


def test_upload_wrong_encoding_is_named(tmp_path):
    path = tmp_path / "social_map.csv"
    path.write_bytes("name,lat,lon\nApotheek Ré,51.0,4.0\n".encode("cp1252"))
    services, report = read_services_file(path)  # sniffed, and said so
    assert report.ok and services["name"].iloc[0] == "Apotheek Ré"
    assert any("not UTF-8" in n and "Windows-1252" in n and "--encoding" in n for n in report.notes)
    services, report = read_services_file(path, encoding="utf-8")  # a wrong explicit encoding is named
    assert len(services) == 0 and "not valid utf-8" in report.problems[0] and "cp1252" in report.problems[0]
    services, report = read_services_file(path, encoding="cp1252")
    assert report.ok and services["name"].iloc[0] == "Apotheek Ré"


def test_upload_lists_every_row_problem(tmp_path):
    path = tmp_path / "services.csv"
    pd.DataFrame({
        "id": ["s1", "s1", "s3", "s4"],
        "naam": ["A", "B", "C", "D"],
        "lat": ["51.05", "51.1", "abc", "48.85"],
        "lon": ["3.72", "4.4", "4.0", "2.35"],
        "capaciteit": ["1", "-2", "", "2"],
    }).to_csv(path, index=False)
    region = gpd.GeoSeries([box(3.5, 50.7, 4.6, 51.3)], crs="EPSG:4326").to_crs(WORKING_CRS).iloc[0]
    services, report = read_services_file(path, region=region)
    text = "\n".join(report.problems)
    assert "1 row(s) without numeric coordinates: row 4" in text
    assert "negative capacity in row 3" in text
    assert "duplicate service ids: s1" in text
    assert "1 point(s) more than 20 km outside the region: row 5" in text
    assert "1 service(s) without capacity count as 1: row 4" in report.notes
    assert len(services) == 4  # nothing silently dropped


def test_upload_missing_mapped_column(tmp_path):
    path = tmp_path / "services.csv"
    pd.DataFrame({"naam": ["A"], "x": [150_000], "y": [200_000]}).to_csv(path, index=False)
    _, report = read_services_file(path, columns={"capacity": "bedden"})
    assert "column 'bedden' (given for capacity) is not in the file" in report.problems[0]
    services, report = read_services_file(path, crs="EPSG:31370")
    assert report.ok and services.geometry.iloc[0].x == pytest.approx(150_000)
