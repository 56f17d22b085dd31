"""Clustering pages of the plenary pack (``--with typology,hotspots``): options, classes by hand, pages and slides that
name the types as ``need_typology`` does, the hot-spot settings stated, bad values refused before any work."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from pptx import Presentation
from pypdf import PdfReader

from zorgzones import export_deck, export_pack, pack, pack_typology
from zorgzones.cli import main
from zorgzones.errors import ValidationError
from zorgzones.hotspots import HotSpots
from zorgzones.indicators import INDICATORS
from zorgzones.pack_clusters import confidence_classes, hotspot_indicator, parse_extras
from zorgzones.pack_content import pack_data
from zorgzones.settings import CLUSTER_SEED, HOTSPOT_PERMUTATIONS
from zorgzones.typology import need_typology
from zorgzones.zones import Plan


@pytest.fixture
def demo_plan(demo_bundle):
    return Plan.from_bundle(demo_bundle, "elz")


def _flat(text: str) -> str:
    """Text without any whitespace: wrapped lines (also at hyphens) compare equal to the unwrapped words."""
    return "".join(text.split())


def _typology_names(bundle, plan, lang: str) -> list[str]:
    """The type descriptions of the plan's units as ``need_typology`` gives them for the pack's seed."""
    units = bundle.units(plan.level)
    units = units[units.index.isin(plan.assignment.index)]
    return need_typology(units, bundle=bundle, seed=CLUSTER_SEED).descriptions(lang).tolist()


def test_parse_extras_order_commas_and_unknown_values():
    assert parse_extras(None) == ((), [])
    assert parse_extras(["hotspots", "Typology"]) == (("typology", "hotspots"), [])
    assert parse_extras("typology, hotspots,typology") == (("typology", "hotspots"), [])
    extras, problems = parse_extras(["typology,clusters", "lisa"])
    assert extras == ("typology",) and len(problems) == 2
    assert "'clusters' is unknown" in problems[0] and "typology, hotspots" in problems[0]


def test_confidence_classes_by_hand():
    units = pd.DataFrame({"gi_p": [0.004, 0.03, 0.08, 0.2, np.nan, 0.001, 0.05, 0.1],
                          "gi_z": [2.9, 2.1, 1.7, 0.5, np.nan, -3.2, -2.0, -1.6]}, index=list("abcdefgh"))
    result = HotSpots(units, "share_80plus", 0.3, 0.01, 999, 0, 0.05, False, {})
    classes = confidence_classes(result)
    assert classes.tolist() == ["hot_99", "hot_95", "hot_90", "ns", "none", "cold_99", "cold_95", "cold_90"]
    assert hotspot_indicator("share_65plus") == "share_65plus"
    assert hotspot_indicator("travel_min_pharmacy") == "share_80plus" and hotspot_indicator("pop_total") == "share_80plus"


def test_demo_pdf_gains_three_pages_naming_the_types(demo_bundle, demo_plan, tmp_path):
    plain = pack.write_pack(tmp_path / "plain.pdf", demo_bundle, demo_plan, indicator="share_80plus")
    out = pack.write_pack(tmp_path / "with.pdf", demo_bundle, demo_plan, indicator="share_80plus",
                          extras=("hotspots", "typology"))
    before, after = PdfReader(plain), PdfReader(out)
    assert len(after.pages) == len(before.pages) + 3
    kinds = [kind for kind, _ in export_pack.pages(pack_data(demo_bundle, demo_plan, extras=("typology", "hotspots")))]
    assert kinds[kinds.index("typology"):kinds.index("typology") + 3] == ["typology", "typology_mix", "hotspots"]
    position = kinds.index("typology")
    types_page = _flat(after.pages[position].extract_text())
    names = _typology_names(demo_bundle, demo_plan, "nl")
    assert len(names) >= 2 and all(_flat(name) in types_page for name in names)
    assert _flat(f"seed {CLUSTER_SEED}") in types_page and "k-means" in types_page and "Zonegrens" in types_page
    assert "Bronnen" in types_page and "Pagina" in types_page  # credits line and page number like the other pages
    mix_page = _flat(after.pages[position + 1].extract_text())
    assert all(_flat(str(name)) in mix_page for name in demo_plan.zone_names.values())
    hot_page = _flat(after.pages[position + 2].extract_text())
    for words in ("Getis-Ord Gi*", "Aandeel 80+", f"{HOTSPOT_PERMUTATIONS} voorwaardelijke permutaties", "Permutatie-inferentie",
                  "Hot spot (99 %)", "Cold spot (90 %)", "Bronnen"):
        assert _flat(words) in hot_page, words


def test_demo_french_and_english_pages_and_deck_slides(demo_bundle, demo_plan, tmp_path):
    data = pack_data(demo_bundle, demo_plan, lang="fr", extras=("typology", "hotspots"))
    text = _flat(PdfReader(export_pack.write_pack_pdf(tmp_path / "fr.pdf", data)).pages[1].extract_text())
    assert all(_flat(n) in text for n in _typology_names(demo_bundle, demo_plan, "fr")) and "Typesdebesoins" in text
    english = dataclasses.replace(data, lang="en")
    fig = pack_typology.page_figure(english, "hotspots", page="Page 4", header=export_pack._page_header,
                                    overview=export_pack.overview_map)
    words = _flat(" ".join(t.get_text() for t in fig.texts) + " ".join(t.get_text() for legend in fig.legends for t in legend.texts))
    assert _flat("Permutation inference: 999 conditional permutations, seed 0") in words and _flat("Hot spot (95 %)") in words
    plain = Presentation(export_deck.write_pack_pptx(tmp_path / "plain.pptx", dataclasses.replace(data, extras=()), dpi=40))
    deck = Presentation(export_deck.write_pack_pptx(tmp_path / "with.pptx", data, dpi=40))
    assert len(deck.slides) == len(plain.slides) + 3
    titles = [s.shapes.title.text for s in deck.slides if s.shapes.title is not None]
    assert {"Types de besoins", "Types de besoins par zone (part des habitants)"} <= set(titles)
    assert any(title.startswith("Points chauds et froids (Gi*)") for title in titles)


def test_bad_with_value_refused_before_any_work(demo_bundle, demo_plan, tmp_path, capsys):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    out = tmp_path / "pack.pdf"
    assert main(["export", "pack", "-o", str(out), "--with", "typology,lisa", "--data-dir", str(data_dir), "--demo"]) == 2
    err = capsys.readouterr().err
    assert "--with 'lisa' is unknown" in err and "typology, hotspots" in err and "Traceback" not in err
    assert not out.exists() and list(tmp_path.iterdir()) == [data_dir]
    with pytest.raises(ValidationError, match="'cluster' is unknown"):
        pack.write_pack(out, demo_bundle, demo_plan, extras=("cluster",))
    assert not out.exists()
    assert main(["export", "pack", "-o", str(out), "--with", "hotspots", "--with", "typology", "--quiet", "--data-dir",
                 str(data_dir), "--demo"]) == 0
    assert len(PdfReader(out).pages) == len(export_pack.pages(pack_data(demo_bundle, demo_plan))) + 3


@pytest.mark.slow
def test_real_elz_pack_with_typology(bundle, tmp_path):
    plan = Plan.from_bundle(bundle, "elz")
    data = pack_data(bundle, plan, extras=("typology",))
    assert len(export_pack.pages(data)) == len(export_pack.pages(dataclasses.replace(data, extras=()))) + 2
    assert data.clusters.hotspots is None and set(data.clusters.mix.index) == set(plan.zone_ids)
    assert np.allclose(data.clusters.mix.filter(like="type_").sum(axis=1), 1.0)
    out = export_pack.write_pack_pdf(tmp_path / "elz.pdf", data)
    reader = PdfReader(out)
    assert len(reader.pages) == len(export_pack.pages(data))
    position = [kind for kind, _ in export_pack.pages(data)].index("typology")
    text = _flat(reader.pages[position].extract_text())
    names = _typology_names(bundle, plan, "nl")
    assert all(_flat(name) in text for name in names)
    assert _flat(f"k = {data.clusters.typology.k}") in text and _flat("304 gemeenten") in text


@pytest.mark.slow
def test_real_neighbourhood_hotspots_flag_estimated_ages(bundle, tmp_path):
    plan = Plan.from_bundle(bundle, "elz_neighbourhood")
    data = pack_data(bundle, plan, indicator="share_80plus", extras=("hotspots",), lang="en")
    classes = data.clusters.classes
    assert set(classes) <= set(pack_typology.HOT_COLOURS) and (classes.str.startswith("hot")).any()
    fig = pack_typology.page_figure(data, "hotspots", page="p", header=export_pack._page_header, overview=export_pack.overview_map)
    text = _flat(" ".join(t.get_text() for t in fig.texts))
    assert _flat("(ages estimated)") in text and _flat(INDICATORS["share_80plus"].label("en")) in text
    assert _flat("within one municipality therefore cannot be told apart") in text


def test_a_plain_pack_loads_no_clustering_libraries():
    code = ("import sys; import zorgzones.pack, zorgzones.export_deck; "
            "print(sorted(m for m in ('esda', 'sklearn', 'zorgzones.typology', 'zorgzones.hotspots') if m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "[]"
