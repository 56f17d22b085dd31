"""Exports of a population year: the year's numbers, its label on every output, bad years refused, trend charts."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyogrio
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from pypdf import PdfReader

from zorgzones import export, export_pack, pack
from zorgzones import printmap as pm
from zorgzones.cli import main
from zorgzones.errors import DataError, ValidationError
from zorgzones.pack_content import pack_data
from zorgzones.pack_trends import draw_trend
from zorgzones.population import units_for_year
from zorgzones.zones import Plan


@pytest.fixture(scope="module")
def demo_plan(demo_bundle):
    return Plan.from_bundle(demo_bundle, "elz")


def _text(pdf) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(pdf).pages)


# -- numbers of the year ------------------------------------------------------------------------------------------
def test_data_export_numbers_are_the_years(demo_bundle, demo_plan, tmp_path):
    (out,) = export.write_data(tmp_path / "y.gpkg", demo_bundle, demo_plan, year=2030, lang="en")
    units = pyogrio.read_dataframe(out, layer="units").set_index("unit_id")
    expected = units_for_year(demo_bundle, "municipality", 2030)
    assert units["pop_total"].to_dict() == expected["pop_total"].to_dict()
    assert set(units["year"]) == {2030} and set(units["population_kind"]) == {"projection"}
    zones = pyogrio.read_dataframe(out, layer="zones").set_index("zone_id")
    by_zone = expected["pop_total"].groupby(demo_plan.assignment.reindex(expected.index)).sum()
    assert zones["pop_total"].to_dict() == by_zone.to_dict()
    assert set(zones["year"]) == {2030} and set(zones["population_kind"]) == {"projection"}
    assert zones["population_estimated"].all()  # demo figures are all synthetic
    about = pyogrio.read_dataframe(out, layer="about").set_index("key")["value"]
    assert about["population_year"] == "2030" and about["population_kind"] == "projection"
    assert about["population"] == "Population 2030: projection (synthetic demo data)"
    # the base year (no year) is today's output: no year columns, population of the bundle
    base = export.data_tables(demo_bundle, demo_plan)
    assert "year" not in base["units"] and "year" not in base["zones"] and "population_year" not in set(base["about"]["key"])
    assert base["units"].set_index("unit_id")["pop_total"].equals(demo_bundle.units("municipality")["pop_total"])


def test_gap_layers_of_a_year(demo_bundle, demo_plan):
    now = export.gap_layers(demo_bundle, demo_plan, service_type="pharmacy", max_minutes=2.0)["gaps_pharmacy"]
    later = export.gap_layers(demo_bundle, demo_plan, service_type="pharmacy", max_minutes=2.0, year=2040)["gaps_pharmacy"]
    assert set(later["year"]) == {2040} and "year" not in now
    assert later["target_pop"].sum() != now["target_pop"].sum()


# -- labels -------------------------------------------------------------------------------------------------------
def test_print_map_and_html_name_the_year(demo_bundle, demo_plan, tmp_path):
    out = export.write_map(tmp_path / "m.pdf", demo_bundle, plan=demo_plan, year=2030, orientation="portrait")
    assert "Bevolking 2030: projectie (synthetische demodata)" in _text(out)
    out = export.write_map(tmp_path / "base.pdf", demo_bundle, plan=demo_plan)
    assert "Bevolking 20" not in _text(out)
    html = export.write_html(tmp_path / "m.html", demo_bundle, plan=demo_plan, year=2015, lang="fr", tiles=None)
    page = html.read_text(encoding="utf-8")
    caption = json.dumps("Population 2015 : observée (données de démonstration synthétiques)")[1:-1]  # as the script holds it
    assert "zz-legend-caption" in page and caption in page
    assert "zz-legend-caption" not in export.write_html(tmp_path / "b.html", demo_bundle, plan=demo_plan, tiles=None).read_text()


def test_real_labels_name_the_source(bundle, tmp_path):
    plan = Plan.from_bundle(bundle, "arrondissement")
    html = export.write_html(tmp_path / "m.html", bundle, plan=plan, year=2035, tiles=None, with_services=False)
    assert "Bevolking 2035: projectie (Federaal Planbureau, vooruitzichten 2022)" in html.read_text(encoding="utf-8")
    out = export.write_map(tmp_path / "m.pdf", bundle, plan=plan, year=2015, lang="en")
    assert "Population 2015: observed (Statbel)" in _text(out)
    tables = export.data_tables(bundle, Plan.from_bundle(bundle, "elz_neighbourhood"), year=2030, lang="en")
    about = tables["about"].set_index("key")["value"]
    assert about["population"] == ("Population 2030: projection (Planning Bureau, vintage 2022); "
                                   "estimated below municipality level")
    assert tables["units"]["population_estimated"].all() and tables["zones"]["population_estimated"].all()


def test_pack_pages_say_year_and_kind(demo_bundle, demo_plan, tmp_path):
    zones = demo_plan.zone_ids[:2]
    out = pack.write_pack(tmp_path / "p.pdf", demo_bundle, demo_plan, year=2030, zones=zones)
    pages = [p.extract_text() for p in PdfReader(out).pages]
    assert len(pages) == 3
    assert "bevolking 2030: projectie" in pages[0] and "Bevolking 2030: projectie (synthetische demodata)" in pages[0]
    for text in pages[1:]:
        assert "bevolking 2030: projectie" in text and "Bevolking 2030: projectie (synthetische demodata)" in text
        assert "Bevolking 2012-2040 (index 2022 = 100)" in text and "waargenomen (synthetische demodata)" in text


# -- bad years ----------------------------------------------------------------------------------------------------
def test_bad_year_exit_2_lists_range_writes_nothing(tmp_path, capsys):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    for what, name in (("map", "m.pdf"), ("pack", "p.pdf"), ("html", "m.html"), ("data", "d.gpkg")):
        code = main(["export", what, "-o", str(out / name), "--year", "1990", "--data-dir", str(data_dir), "--demo"]
                    + (["--gaps", "pharmacy"] if what == "data" else []))
        assert code == 2
        err = capsys.readouterr().err
        assert "no population for 1990; the bundle covers 2012-2040" in err and "Traceback" not in err
    assert list(out.iterdir()) == []
    assert main(["export", "data", "-o", str(out / "d.csv"), "--year", "2030", "--data-dir", str(data_dir), "--demo", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["population"] == {"year": 2030, "kind": "projection", "label": "projection (synthetic demo data)"}


def test_bad_year_and_old_bundle_refused_before_work(demo_bundle, demo_plan, tmp_path, monkeypatch):
    with pytest.raises(ValidationError) as err:  # every problem at once
        export.write_map(tmp_path / "nope" / "m.pdf", demo_bundle, plan=demo_plan, year=2100)
    assert len(err.value.problems) == 2 and "2012-2040" in str(err.value)
    with pytest.raises(ValidationError, match="no population for 2041"):
        pack_data(demo_bundle, demo_plan, year=2041)
    original = demo_bundle.layer

    def old(name):
        if name.startswith("population_"):
            raise DataError(f"no layer {name}")
        return original(name)

    monkeypatch.setattr(demo_bundle, "layer", old)
    with pytest.raises(ValidationError, match="no population by year"):
        export.write_data(tmp_path / "d.gpkg", demo_bundle, demo_plan, year=2030)
    data = pack_data(demo_bundle, demo_plan, zones=demo_plan.zone_ids[:1])  # an old bundle: no chart, nothing false
    assert data.trends is None and data.zone_trend(demo_plan.zone_ids[0]) is None
    text = PdfReader(pm.save_figure(export_pack.zone_figure(data, demo_plan.zone_ids[0]), tmp_path / "z.pdf")).pages[0].extract_text()
    assert "index 2022" not in text and "Planbureau" not in text
    assert list(p.name for p in tmp_path.iterdir()) == ["z.pdf"]


# -- trend chart --------------------------------------------------------------------------------------------------
def test_trend_index_lines_by_hand():
    rows = pd.DataFrame({"year": [2021, 2022, 2023], "population_kind": ["observed", "observed", "projection"],
                         "population_estimated": False, "pop_total": [90, 100, 120], "pop_65plus": [10, 20, 40],
                         "pop_80plus": [5, 5, 5]})
    fig = Figure(figsize=(4, 2))
    draw_trend(fig, rows, rect=(0, 0, 1, 1), lang="en", year=2023)
    (ax,) = fig.axes
    solid = [line for line in ax.lines if str(line.get_gid()).endswith("_observed")]
    dashed = [line for line in ax.lines if str(line.get_gid()).endswith("_projection")]
    assert all(line.get_linestyle() == "-" for line in solid) and all(line.get_linestyle() == "--" for line in dashed)
    assert [list(line.get_ydata()) for line in solid] == [[90, 100], [50, 100], [100, 100]]
    assert [list(line.get_xdata()) for line in dashed] == [[2022, 2023]] * 3  # the dashed part joins the solid one
    assert [list(line.get_ydata()) for line in dashed] == [[100, 120], [100, 200], [100, 100]]
    labels = [t.get_text() for legend in fig.legends for t in legend.get_texts()]
    assert labels == ["Population 90 → 120", "65+ 10 → 40", "80+ 5 → 5", "observed (Statbel)",
                      "projection (Planning Bureau, vintage 2022)"]


def _boxes(fig):
    """Extents (display units) of the zone page's right column: unit list, services, chart axes and legends, footer."""
    renderer = FigureCanvasAgg(fig).get_renderer()
    right = [t for t in fig.texts if 0.6 < t.get_position()[0] < 0.99 and 0.02 < t.get_position()[1] < 0.6 and t.get_text()]
    chart = [ax for ax in fig.axes if ax.get_position().x0 > 0.6]
    return renderer, right, chart


def test_zone_page_chart_overlaps_nothing(bundle, tmp_path):
    plan = Plan.from_bundle(bundle, "care_region")
    data = pack_data(bundle, plan, year=2030, zones=["cr4", "brussels"])
    assert data.trends["year"].min() == 2009 and data.trends["year"].max() == 2040
    for zone_id in data.zone_ids:
        fig = export_pack.zone_figure(data, zone_id, page="2 / 3")
        renderer, texts, (ax,) = _boxes(fig)
        title = [t.get_window_extent(renderer) for t in texts if t.get_text().startswith("Bevolking 2009")]
        chart = [ax.get_tightbbox(renderer)] + [legend.get_window_extent(renderer) for legend in fig.legends[-2:]] + title
        footer = max(t.get_window_extent(renderer).y1 for t in fig.texts if t.get_position()[1] < 0.085)
        height = fig.bbox.height
        for box in chart:
            assert box.y0 > footer and box.x1 <= fig.bbox.width and box.y1 < 0.6 * height
        others = [t.get_window_extent(renderer) for t in texts if not t.get_text().startswith("Bevolking 2009")]
        chart_top = max(box.y1 for box in chart)
        assert all(b.y0 > chart_top for b in others if b.y0 > footer), "unit list or services run into the chart"
        pm.save_figure(fig, tmp_path / f"{zone_id}.png", dpi=60)


# -- real numbers -------------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_real_turnhout_2015(bundle, tmp_path):
    plan = Plan.from_bundle(bundle, "arrondissement")
    tables = export.data_tables(bundle, plan, year=2015)
    zones = tables["zones"].set_index("zone_id")
    assert zones.at["13000", "pop_total"] == 450_522 and zones.at["13000", "population_kind"] == "observed"
    units = units_for_year(bundle, "municipality", 2015)
    assert tables["units"]["pop_total"].sum() == units["pop_total"].sum()
    out = pack.write_pack(tmp_path / "kempen.pdf", bundle, plan, year=2015, zones=["13000"])
    zone_page = PdfReader(out).pages[1].extract_text()
    assert "450.522" in zone_page and "Bevolking 2015: waargenomen (Statbel)" in zone_page
    assert "bevolking 2015: waargenomen" in zone_page and "Bevolking 2009-2040 (index 2022 = 100)" in zone_page
    data = pack_data(bundle, plan, year=2030, zones=["13000"])
    expected = units_for_year(bundle, "municipality", 2030)
    members = expected.index[plan.assignment.reindex(expected.index) == "13000"]
    assert data.metrics.at["13000", "pop_total"] == expected.loc[members, "pop_total"].sum()
    trend = data.zone_trend("13000").set_index("year")
    assert trend.at[2015, "pop_total"] == 450_522 and trend.at[2030, "pop_total"] == data.metrics.at["13000", "pop_total"]
    assert np.all(trend.loc[:2022, "population_kind"] == "observed") and np.all(trend.loc[2023:, "population_kind"] == "projection")
