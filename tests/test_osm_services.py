"""Services from OpenStreetMap, service templates and remembered column mappings."""

from __future__ import annotations

import json

import pandas as pd
import pyogrio

from zorgzones.cli import main
from zorgzones.osm_services import OSM_SERVICE_TAGS, osm_service_type, read_osm_services
from zorgzones.service_templates import recall_mapping, remember_mapping, service_template, write_service_template
from zorgzones.settings import SERVICE_TYPES
from zorgzones.uploads import read_services_file


def test_tag_table_first_match_wins():
    assert osm_service_type({"amenity": "pharmacy"}) == ("pharmacy", "amenity=pharmacy")
    assert osm_service_type({"amenity": "social_facility", "social_facility": "nursing_home"})[0] == "nursing_home"
    assert osm_service_type({"amenity": "social_facility", "social_facility": "outreach"})[0] == "social_facility_other"
    assert osm_service_type({"amenity": "kindergarten"})[0] == "kindergarten"   # a kleuterschool, not childcare
    assert osm_service_type({"healthcare": "audiologist"}) == ("healthcare_other", "healthcare=audiologist")
    assert osm_service_type({"amenity": "restaurant"}) is None
    assert all(len(row) == 4 for row in OSM_SERVICE_TAGS)


def test_osm_services_from_the_antwerp_extract(bundle, tmp_path):
    path = bundle.path("osm_antwerp")
    services = read_osm_services(path, extract_date="2014-10-20")
    counts = services["service_type"].value_counts()
    assert counts["pharmacy"] > 40 and counts["hospital"] > 5 and counts["gp"] > 0 and counts["nursing_home"] > 0
    assert (counts > 0).all()
    assert services.crs == "EPSG:31370"
    minx, miny, maxx, maxy = services.total_bounds
    assert 140_000 < minx < maxx < 165_000 and 200_000 < miny < maxy < 220_000   # around Antwerp in Lambert 72
    assert {"n", "w"} <= {i[4] for i in services.index}                           # nodes and ways (centroids)
    assert services["type_derived"].all() and services["type_rule"].str.startswith("OpenStreetMap tag").all()
    assert services.attrs["credit"] == "© OpenStreetMap contributors (ODbL 1.0), extract of 2014-10-20"
    hospitals = services[services["service_type"] == "hospital"]
    assert hospitals["service_subtype"].notna().all()
    psychiatric = hospitals[hospitals["name"].str.contains("psychiatrie", case=False)]
    assert len(psychiatric) and (psychiatric["service_subtype"] == "hospital_psychiatric").all()
    assert (services.loc[services["service_type"] == "nursing_home", "capacity_unit"] == "places").all()

    out = tmp_path / "osm.gpkg"
    assert main(["data", "osm-services", str(path), "-o", str(out), "--json"]) == 0
    layers = {row[0] for row in pyogrio.list_layers(out)}
    assert layers == {"services", "sources"}
    assert "OpenStreetMap" in pyogrio.read_info(out, layer="services")["layer_metadata"]["credit"]
    assert len(pyogrio.read_dataframe(out, layer="services")) == len(services)


def test_template_per_service_type_reads_back(tmp_path, capsys):
    table, info = service_template("nursing_home")
    assert list(table.columns)[:6] == ["service_id", "name", "service_type", "lon", "lat", "capacity"]
    assert "places" in " ".join(info["meaning"].dropna())
    xy, _ = service_template("gp", coordinates="xy")
    assert {"x", "y"} <= set(xy.columns)
    out = tmp_path / "wzc.xlsx"
    assert main(["data", "template", "--service-type", "nursing_home", "-o", str(out), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["capacity_unit"] == SERVICE_TYPES["nursing_home"].capacity_unit == "places"
    sheets = pd.read_excel(out, sheet_name=None)
    assert set(sheets) == {"services", "instructions"}
    filled = sheets["services"]
    filled.loc[0] = ["W1", "WZC De Linde", "nursing_home", 4.40, 51.22, 90, "places", None, None, "Antwerpen"]
    filled.loc[1] = ["W2", "WZC Ter Heide", "nursing_home", 4.45, 51.20, None, "places", None, None, "Antwerpen"]
    filled.to_excel(tmp_path / "filled.xlsx", index=False)
    services, report = read_services_file(tmp_path / "filled.xlsx")
    assert report.ok and list(services["capacity"]) == [90.0, 1.0] and set(services["service_type"]) == {"nursing_home"}
    csv = write_service_template("childcare", tmp_path / "kdv.csv")
    assert pd.read_csv(csv).columns.tolist() == list(service_template("childcare")[0].columns)
    assert (tmp_path / "kdv.instructions.csv").is_file()


def test_column_mapping_is_remembered(tmp_path, bundle_dir, capsys):
    assert recall_mapping(tmp_path, ["a", "b"]) == {}
    remember_mapping(tmp_path, ["b", "a"], {"x": "a"})
    assert recall_mapping(tmp_path, ["a", "b"]) == {"x": "a"}
    path = tmp_path / "mine.csv"
    pd.DataFrame({"Naam": ["A", "B"], "LNG": [4.40, 4.45], "LTD": [51.22, 51.20]}).to_csv(path, index=False)
    data_dir = ["--data-dir", str(bundle_dir)]
    assert main(["data", "check", str(path), "--name", "Naam", "--x", "LNG", "--y", "LTD", *data_dir]) == 0
    capsys.readouterr()
    assert main(["data", "check", str(path), *data_dir]) == 0                     # no mapping given: remembered
    assert "remembered" in capsys.readouterr().out
    (bundle_dir / "column_mappings.json").unlink()
    assert main(["data", "check", str(path), *data_dir]) == 2                     # without it the columns are unknown
