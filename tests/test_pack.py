"""Plenary pack for projection: table text >= 9 pt, totals per region, chosen zones, classes per zone, scenario label,
Bruzel compared with the whole area, names never cut."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from pypdf import PdfReader

from zorgzones import export_pack, printmap as pm
from zorgzones.errors import ValidationError
from zorgzones.i18n import t
from zorgzones.pack_content import TABLE_FONT_PT, overview_rows, pack_data, table_chunks, table_inline
from zorgzones.zones import Plan


@pytest.fixture
def demo_plan(demo_bundle):
    return Plan.from_bundle(demo_bundle, "elz")


def _table_sizes(fig) -> list[float]:
    """Font sizes of the texts between the page header and the footer (the table)."""
    return [text.get_fontsize() for text in fig.texts if 0.08 < text.get_position()[1] < 0.86]


def test_overview_totals_per_region_never_mixed(demo_bundle, demo_plan):
    data = pack_data(demo_bundle, demo_plan)
    header, rows, totals = overview_rows(data)
    assert len(rows) == len(demo_plan.zone_ids) and [r[1] for r in totals] == ["Totaal Brussel", "Totaal Vlaanderen"]
    units = demo_bundle.units("municipality")
    flanders = int(units.loc[units["region"] == "flanders", "pop_total"].sum())
    assert totals[1][2] == f"{flanders:,}".replace(",", ".")
    assert all(t("region_all", "nl") not in r[1] for r in totals)
    fig = export_pack.overview_figure(data)  # 9 zones: the table fits beside the map
    assert table_inline(data) and min(_table_sizes(fig)) >= TABLE_FONT_PT >= 9


def test_chosen_zones_classes_per_zone_and_scenario(demo_bundle, demo_plan, tmp_path):
    scenario = dataclasses.replace(demo_plan, name="my_draft")  # not one of the bundle's plans
    chosen = demo_plan.zone_ids[:2]
    data = pack_data(demo_bundle, scenario, zones=chosen, classes="zone", title="Voorstel B")
    assert data.zone_ids == sorted(chosen, key=lambda z: data.zones.at[z, "zone_name"].lower()) and not data.official
    bins, values = export_pack.zone_classes(data, chosen[0])
    assert len(values) == int((data.units["zone_id"] == chosen[0]).sum()) and not np.array_equal(bins, data.bins)
    out = export_pack.write_pack_pdf(tmp_path / "p.pdf", data)
    reader = PdfReader(out)
    assert len(reader.pages) == 1 + len(chosen)
    for page in reader.pages:
        text = page.extract_text()
        assert "SCENARIO - geen officieel plan" in text and "Voorstel B" in text
    assert t("classes_zone", "nl") in reader.pages[1].extract_text()
    official = pack_data(demo_bundle, demo_plan)
    assert official.official and "SCENARIO" not in PdfReader(export_pack.write_pack_pdf(tmp_path / "o.pdf", official)).pages[0].extract_text()
    with pytest.raises(ValidationError, match="not in plan"):
        pack_data(demo_bundle, demo_plan, zones=["nope"])
    with pytest.raises(ValidationError, match="classes"):
        pack_data(demo_bundle, demo_plan, classes="per_unit")


def test_long_names_wrapped_not_cut(demo_bundle, demo_plan):
    long_name = "Zorgzone Groot-Brussel Noord-Oost en Omliggende Gemeenten van de Rand"
    plan = dataclasses.replace(demo_plan, zone_names={**demo_plan.zone_names, demo_plan.zone_ids[0]: long_name})
    data = pack_data(demo_bundle, plan)
    _, rows, _ = overview_rows(data)
    shown = next(r[1] for r in rows if r[1].replace("\n", " ") == long_name)
    assert "\n" in shown  # wrapped onto lines, every word kept
    fig = export_pack.zone_figure(data, demo_plan.zone_ids[0])
    texts = " ".join(x.get_text().replace("\n", " ") for x in fig.texts)
    assert long_name in texts


@pytest.mark.slow
def test_real_pack_pages_and_bruzel(bundle, tmp_path):
    plan = Plan.from_bundle(bundle, "elz")
    data = pack_data(bundle, plan, lang="fr")
    assert not table_inline(data)
    chunks = table_chunks(data)
    assert sum(len(c) for c in chunks) == 57 and max(len(c) for c in chunks) - min(len(c) for c in chunks) <= 1
    _, _, totals = overview_rows(data)
    assert [r[1] for r in totals] == ["Total Bruxelles", "Total Flandre"]
    fig = export_pack.table_figure(data, chunks[0], 1)
    assert min(_table_sizes(fig)) >= 9
    pm.save_figure(fig, tmp_path / "t.png", dpi=60)
    bruzel = data.metrics.index[data.metrics["zone_name"] == "Bruzel"][0]
    rows = dict((label, region) for label, *_, region in export_pack.key_figure_table(data, bruzel))
    assert rows["Population"].replace("\u202f", "") == str(int(bundle.units("municipality")["pop_total"].sum()))
    text = PdfReader(pm.save_figure(export_pack.zone_figure(data, bruzel), tmp_path / "b.pdf")).pages[0].extract_text()
    assert "Flandre + Bruxelles" in text and "Ixelles" in text


def test_zone_pages_set_each_zone_beside_its_arrondissement_province_and_region(demo_bundle, demo_plan):
    """The figures of `plan metrics --compare-with`: ratios of sums over the zone's arrondissement and province (the
    ones holding most of its people); sizes (population, area) are not compared."""
    from zorgzones.i18n import format_number
    from zorgzones.pack_content import key_figure_header, key_figure_table

    data = pack_data(demo_bundle, demo_plan)
    units = demo_bundle.units("municipality")
    checked = 0
    for zone in data.zone_ids:
        head, rows = key_figure_header(data, zone), key_figure_table(data, zone)
        assert len(head) == 5 and all(len(r) == 5 for r in rows)
        members = units.loc[demo_plan.assignment[demo_plan.assignment == zone].index]
        arr = members.groupby("arrondissement_id")["pop_total"].sum().idxmax()
        share = next(r for r in rows if r[0].startswith("Aandeel 65+"))
        size = [r for r in rows if r[0] == "Bevolking" or r[0].startswith("Oppervlakte")]
        assert size and all(r[2] == r[3] == "-" for r in size)
        area = units[units["arrondissement_id"] == arr]
        if set(area.index) == set(members.index):
            assert share[2] == "-"  # never set beside itself
            continue
        assert head[2].startswith("arr. ") and arr in head[2]
        assert share[2] == format_number(100 * area["pop_65plus"].sum() / area["pop_total"].sum(), 1, "nl")
        checked += 1
    assert checked >= 3
