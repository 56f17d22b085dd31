"""Plenary pack (PDF + PPTX), HTML and data exports opened and checked; bad input leaves no files; the CLI; a page PNG for a person."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pyogrio
import pytest
from pypdf import PdfReader

from zorgzones import export, export_deck, export_pack, pack, webassets
from zorgzones import printmap as pm
from zorgzones.cli import main
from zorgzones.errors import ValidationError
from zorgzones.indicators import DEMO_LABEL
from zorgzones.zones import Plan

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


@pytest.fixture(scope="module")
def demo_plan(demo_bundle):
    return Plan.from_bundle(demo_bundle, "elz")


@pytest.fixture(scope="module")
def demo_pack(demo_bundle, demo_plan):
    return export_pack.pack_data(demo_bundle, demo_plan, indicator="share_80plus")


def test_pack_pdf_pages_text_and_artifact(demo_bundle, demo_plan, demo_pack, tmp_path):
    out = export_pack.write_pack_pdf(tmp_path / "pack.pdf", demo_pack)
    reader = PdfReader(out)
    zones = demo_pack.metrics
    assert len(reader.pages) == len(zones) + 1
    first = reader.pages[0].extract_text()
    assert "Plenair pakket" in first and f"Pagina 1 / {len(zones) + 1}" in first
    assert "Synthetische demodata" in first and DEMO_LABEL in first
    for number, (zone_id, row) in enumerate(zones.iterrows(), start=2):
        text = reader.pages[number - 1].extract_text()
        assert row["zone_name"] in text and f"Pagina {number} / {len(zones) + 1}" in text
        assert "Aandeel 80+" in text and DEMO_LABEL in text
    assert reader.metadata.title.startswith("Plenair pakket")
    # a person looks at the first page: same figure rendered to PNG in test-artifacts/ (git-ignored)
    ARTIFACTS.mkdir(exist_ok=True)
    png = pm.save_figure(export_pack.overview_figure(demo_pack, page=f"Pagina 1 / {len(zones) + 1}"), ARTIFACTS / "pack_page1_demo.png", dpi=110)
    assert png.stat().st_size > 10_000
    png = pm.save_figure(export_pack.zone_figure(demo_pack, zones.index[0], page="Pagina 2"), ARTIFACTS / "pack_page2_demo.png", dpi=110)
    assert png.stat().st_size > 10_000


def test_key_figures_next_to_regional_average_by_hand(demo_bundle, demo_pack):
    units = demo_bundle.units("municipality")
    zone_id = demo_pack.metrics.index[0]
    rows = {label: (zone, region) for label, zone, *_, region in export_pack.key_figure_table(demo_pack, zone_id)}
    members = units[demo_pack.plan.assignment.reindex(units.index) == zone_id]
    region = units[units["region"] == demo_pack.zone_region(zone_id)] if demo_pack.zone_region(zone_id) != "all" else units
    share = members["pop_65plus"].sum() / members["pop_total"].sum() * 100
    regional = region["pop_65plus"].sum() / region["pop_total"].sum() * 100
    assert rows["Aandeel 65+ (%)"] == (f"{share:.1f}".replace(".", ","), f"{regional:.1f}".replace(".", ","))
    assert rows["Bevolking"][0] == f"{int(members['pop_total'].sum()):,}".replace(",", ".")


def test_pack_pptx_slides_and_titles(demo_pack, tmp_path):
    from pptx import Presentation

    out = export_deck.write_pack_pptx(tmp_path / "pack.pptx", demo_pack, dpi=60)
    deck = Presentation(str(out))
    n = len(demo_pack.metrics)
    assert len(deck.slides) == 1 + 1 + math.ceil(n / 15) + n + 1
    titles = [slide.shapes.title.text for slide in deck.slides]
    assert titles[0].startswith("Plenair pakket")
    assert titles[1].startswith("Overzicht")
    assert titles[-1] == "Bronnen"
    assert set(demo_pack.metrics["zone_name"]) <= set(titles)
    texts = " ".join(shape.text_frame.text for shape in deck.slides[5].shapes if shape.has_text_frame)
    assert DEMO_LABEL in texts


def test_html_export_self_contained_file(demo_bundle, demo_plan, tmp_path):
    out = export.write_html(tmp_path / "kaart.html", demo_bundle, plan=demo_plan, tiles=None)
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and DEMO_LABEL in page
    assert "Demozone Brussel" in page and '"features"' in page
    assert [p.name for p in tmp_path.iterdir()] == ["kaart.html"]
    # one file: Leaflet, jQuery and the style sheets inlined from the package's vendored copies, nothing to fetch
    assert webassets.external_assets(page) == [] and "<script src=" not in page and "<link " not in page
    assert "Leaflet 1.9.3" in page and "jQuery v3.7.1" in page and ".leaflet-container" in page
    with_tiles = export.write_html(tmp_path / "tegels.html", demo_bundle, plan=demo_plan, with_services=False).read_text(encoding="utf-8")
    assert webassets.external_assets(with_tiles) == [] and "tile.openstreetmap.org" in with_tiles  # only the basemap is remote


def test_gpkg_layers_and_rows(demo_bundle, demo_plan, tmp_path):
    gaps = demo_bundle.units("municipality").head(3)[["geometry"]].assign(pop_beyond=[10, 20, 30])
    (out,) = export.write_data(tmp_path / "plan.gpkg", demo_bundle, demo_plan, analysis={"gaps": gaps})
    layers = dict((name, kind) for name, kind in pyogrio.list_layers(out))
    expected = {"zones", "units", "services", "assignment", "zone_metrics", "zones_vs_region", "region_benchmarks", "about", "gaps"}
    assert expected <= set(layers)
    n_zones = len(demo_plan.zone_ids)
    assert pyogrio.read_info(out, layer="zones")["features"] == n_zones
    assert pyogrio.read_info(out, layer="units")["features"] == 48
    assert pyogrio.read_info(out, layer="services")["features"] == len(demo_bundle.services())
    assert pyogrio.read_info(out, layer="assignment")["features"] == 48
    assert pyogrio.read_info(out, layer="gaps")["features"] == 3
    zones = pyogrio.read_dataframe(out, layer="zones")
    assert zones.crs.to_epsg() == 31370 and zones["pop_total"].sum() == demo_bundle.units("municipality")["pop_total"].sum()
    assert (zones["note"] == DEMO_LABEL).all()


def test_csv_and_xlsx_tables(demo_bundle, demo_plan, tmp_path):
    written = export.write_data(tmp_path / "plan.csv", demo_bundle, demo_plan)
    assert {p.name for p in written} == {p.name for p in tmp_path.iterdir()}
    metrics = pd.read_csv(tmp_path / "plan_zone_metrics.csv")
    assert len(metrics) == len(demo_plan.zone_ids) and "share_65plus" in metrics
    assignment = pd.read_csv(tmp_path / "plan_assignment.csv", dtype=str)
    assert len(assignment) == 48 and set(assignment.columns) >= {"unit_id", "zone_id", "zone_name"}
    (xlsx,) = export.write_data(tmp_path / "plan.xlsx", demo_bundle, demo_plan)
    sheets = pd.read_excel(xlsx, sheet_name=None)
    assert {"zones", "units", "zone_metrics", "assignment", "about"} <= set(sheets)
    assert len(sheets["zone_metrics"]) == len(demo_plan.zone_ids)
    services = sheets["services"]
    assert {"x_m", "y_m"} <= set(services.columns) and "geometry" not in services


def test_bad_input_specific_messages_and_no_files(demo_bundle, demo_plan, tmp_path):
    with pytest.raises(ValidationError, match="unknown indicator 'vergrijzing'"):
        pack.write_pack(tmp_path / "pack.pdf", demo_bundle, demo_plan, indicator="vergrijzing")
    with pytest.raises(ValidationError, match="made of municipality units but the map uses neighbourhood units"):
        pack.write_pack(tmp_path / "pack.pdf", demo_bundle, demo_plan, level="neighbourhood")
    with pytest.raises(ValidationError, match="folder .* does not exist"):
        export.write_data(tmp_path / "nope" / "plan.gpkg", demo_bundle, demo_plan)
    with pytest.raises(ValidationError, match="unsupported file type '.docx'"):
        pack.write_pack(tmp_path / "pack.docx", demo_bundle, demo_plan)
    with pytest.raises(ValidationError) as err:  # every problem at once
        export.write_map(tmp_path / "nope" / "m.pdf", demo_bundle, plan=demo_plan, indicator="x", level="deelgemeente")
    assert len(err.value.problems) == 3
    assert list(tmp_path.iterdir()) == []


def test_failure_while_writing_leaves_no_partial_file(demo_pack, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(export_pack, "zone_figure", broken)
    with pytest.raises(RuntimeError):
        export_pack.write_pack_pdf(tmp_path / "pack.pdf", demo_pack)
    assert list(tmp_path.iterdir()) == []


def test_cli_export_commands_json(tmp_path, capsys):
    data_dir = tmp_path / "data"  # empty: the demo region is used
    data_dir.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    cases = [(["map", "-o", str(out / "kaart"), "--format", "svg", "--indicator", "informal_care_ratio"], ["kaart.svg"]),
             (["map", "-o", str(out / "zones.png"), "--by", "zone", "--indicator", "pharmacies_per_10000", "--dpi", "50",
               "--plan", "elz", "--paper", "A3", "--orientation", "portrait", "--services"], ["zones.png"]),
             (["html", "-o", str(out / "kaart.html"), "--no-basemap"], ["kaart.html"]),
             (["data", "-o", str(out / "plan.gpkg")], ["plan.gpkg"])]
    for args, names in cases:
        assert main(["export", *args, "--data-dir", str(data_dir), "--demo", "--json"]) == 0
        summary = json.loads(capsys.readouterr().out)
        assert [Path(w["path"]).name for w in summary["written"]] == names
        assert summary["synthetic_demo_data"] is True and all(w["bytes"] > 0 for w in summary["written"])
        assert summary.get("external_assets", []) == []  # the HTML map is self-contained without any option
    assert main(["export", "pack", "-o", str(out / "pack.pdf"), "--indicator", "bogus", "--data-dir", str(data_dir), "--demo"]) == 2
    assert "unknown indicator 'bogus'" in capsys.readouterr().err
    assert main(["export", "data", "-o", str(out / "x.gpkg"), "--plan", "nope", "--data-dir", str(data_dir), "--demo"]) == 2
    assert "unknown plan 'nope'" in capsys.readouterr().err
    assert main(["export", "map", "-o", str(out / "x.png"), "--format", "pdf", "--data-dir", str(data_dir), "--demo"]) == 2
    assert "--format pdf but the file name ends in .png" in capsys.readouterr().err
    assert not (out / "pack.pdf").exists() and not (out / "x.gpkg").exists()


@pytest.mark.slow
def test_real_data_export_official_plan(bundle, tmp_path):
    plan = Plan.from_bundle(bundle, "elz")
    (out,) = export.write_data(tmp_path / "elz.gpkg", bundle, plan)
    assert pyogrio.read_info(out, layer="zones")["features"] == 57
    assert pyogrio.read_info(out, layer="units")["features"] == 304
    zones = pyogrio.read_dataframe(out, layer="zones")
    assert "Bruzel" in set(zones["zone_name"]) and zones["pop_total"].sum() == bundle.units("municipality")["pop_total"].sum()
    data = export_pack.pack_data(bundle, plan)
    ARTIFACTS.mkdir(exist_ok=True)
    pm.save_figure(export_pack.overview_figure(data, page="Pagina 1 / 58"), ARTIFACTS / "pack_page1_elz.png", dpi=110)
    bruzel = data.metrics.index[data.metrics["zone_name"] == "Bruzel"][0]
    pm.save_figure(export_pack.zone_figure(data, bruzel, page="Bruzel"), ARTIFACTS / "pack_page_bruzel.png", dpi=110)
    rows = {label: region for label, *_, region in export_pack.key_figure_table(data, bruzel)}
    units = bundle.units("municipality")
    # Bruzel is the whole Brussels region: compared with Flanders + Brussels, not with itself (issue 17)
    assert data.zone_region(bruzel) == "all" and data.is_region(bruzel)
    assert rows["Bevolking"] == f"{int(units['pop_total'].sum()):,}".replace(",", ".")
    other = data.metrics.index[data.metrics["zone_name"] == "Gent"][0]
    assert data.zone_region(other) == "flanders"


def test_english_pack_page_and_services_line(demo_bundle, demo_plan, tmp_path):
    data = export_pack.pack_data(demo_bundle, demo_plan, lang="en")
    zone_id = data.metrics.index[data.metrics["zone_name"].str.contains("Brussel")][0]
    line = export_pack.services_line(data, zone_id)
    hospitals = demo_bundle.services("hospital", active_only=True)
    zone = data.zones.geometry.loc[zone_id]
    inside = sorted(n for n, g in zip(hospitals["name"], hospitals.geometry) if zone.contains(g))
    assert line.startswith(f"Services: {int(data.metrics.at[zone_id, 'n_pharmacy'])} pharmac")
    assert all(name in line for name in inside[:4])
    out = pm.save_figure(export_pack.zone_figure(data, zone_id, page="Page 2 / 10"), tmp_path / "page.pdf")
    text = PdfReader(out).pages[0].extract_text()
    assert "Key figure" in text and "Brussels" in text and "Share aged 65+" in text and "Page 2 / 10" in text


def test_gap_layers_in_data_export(demo_bundle, demo_plan, tmp_path):
    layers = export.gap_layers(demo_bundle, demo_plan, service_type="pharmacy", max_minutes=2.0)
    units, by_zone = layers["gaps_pharmacy"], layers["gaps_pharmacy_by_zone"]
    assert len(units) == 48 and len(by_zone) == len(demo_plan.zone_ids)
    beyond = units["pop_beyond"] > 0
    assert (beyond == ~(units["nearest_cost"] <= 2.0)).all()  # one demand point per unit: all or nothing
    assert units.loc[beyond, "pop_beyond"].tolist() == units.loc[beyond, "target_pop"].tolist()
    assert by_zone["pop_beyond"].sum() == pytest.approx(units["pop_beyond"].sum())
    (out,) = export.write_data(tmp_path / "gaps.gpkg", demo_bundle, demo_plan, analysis=layers)
    assert pyogrio.read_info(out, layer="gaps_pharmacy")["features"] == 48
    assert pyogrio.read_info(out, layer="gaps_pharmacy_by_zone")["features"] == len(demo_plan.zone_ids)
