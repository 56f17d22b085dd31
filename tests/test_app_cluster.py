"""The app's clustering page and hot-spot overlays (issue 16) with AppTest, on the demo and on the real bundle."""

from __future__ import annotations

import json
import time
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import box
from streamlit.testing.v1 import AppTest

from zorgzones.cluster_layers import MapLayer, hotspot_layer
from zorgzones.cluster_maps import layer_map, overlay_group
from zorgzones.hotspots import hot_spots
from zorgzones.i18n import t
from zorgzones.maps import legend_html
from zorgzones.typology import need_typology

APP = str(Path(__file__).resolve().parents[1] / "app.py")
EVIL = "<img src=x onerror=alert(1)>"


def _app(monkeypatch, data_dir, page: str | None = "cluster") -> AppTest:
    monkeypatch.setenv("ZORGZONES_DATA_DIR", str(data_dir))
    at = AppTest.from_file(APP, default_timeout=300).run()
    assert not at.exception
    if page is not None:
        at.switch_page(f"app_pages/{page}.py").run()
        assert not at.exception
    return at


def _maps(at: AppTest) -> list[dict]:
    return [json.loads(m.proto.json_args) for m in at.get("component_instance")]


def _types_table(at: AppTest):
    return next(d.value for d in at.dataframe if "Profiel" in d.value.columns)


# -- the output layer: maps and overlays of MapLayers ---------------------------------------------------------------------
def _grid() -> gpd.GeoDataFrame:
    """3 x 3 squares of 1 km in EPSG:31370, share_80plus high in the left column."""
    cells = [box(150_000 + 1000 * c, 200_000 + 1000 * r, 151_000 + 1000 * c, 201_000 + 1000 * r) for r in range(3) for c in range(3)]
    return gpd.GeoDataFrame({"name": [f"u{i}" if i else EVIL for i in range(9)], "pop_total": [1000.0] * 9,
                             "share_80plus": [0.2 if i % 3 == 0 else 0.02 for i in range(9)]},
                            geometry=cells, index=[f"{i:05d}" for i in range(9)], crs=31370)


def test_overlay_group_keeps_only_significant_shapes_and_carries_its_legend():
    units = _grid()
    spots = hot_spots(units, values=units["share_80plus"], indicator="share_80plus", permutations=99)
    layer = hotspot_layer(spots, units, lang="nl")
    group = overlay_group(layer, name="Hotspots", legend=legend_html("Titel", ["#d7301f"], ["Hot spot"]))
    fmap = folium.Map()
    group.add_to(fmap)
    html = fmap.get_root().render()
    shown = (layer.frame["label"] != "ns").sum()
    assert html.count('"_fill"') == 2 * shown  # casing + coloured outline per significant unit, nothing for the rest
    assert "zz-overlay-legend" in html and "Titel" in html  # its own legend, added and removed with the layer
    assert 'group.on("remove"' in html


def test_layer_map_escapes_names_and_names_its_layer():
    units = _grid()
    layer = MapLayer(units.to_crs(4326).assign(_fill="#ff0000", label="hot"), "Titel", ["#ff0000"], ["Hot"])
    fmap = layer_map(layer, fields={"name": "Naam", "label": "Label"}, name="Mijn laag", tiles=None)
    html = fmap.get_root().render()
    assert EVIL not in html and "\\u0026lt;img src=x onerror=alert(1)\\u0026gt;" in html  # escaped, then JSON-encoded
    assert "Mijn laag" in html and "zz-legend" in html


# -- the page on the demo --------------------------------------------------------------------------------------------------
def test_typology_on_demo_lists_the_types_of_need_typology(monkeypatch, tmp_path, demo_bundle):
    at = _app(monkeypatch, tmp_path)
    assert at.header[0].value == t("cl_title")
    at.selectbox(key="cl_method").set_value("ward").run()
    at.selectbox(key="cl_k").set_value(3).run()
    at.number_input(key="cl_seed").set_value(7).run()
    assert not at.exception
    expected = need_typology(demo_bundle.units("municipality"), bundle=demo_bundle, k=3, method="ward", seed=7)
    table = _types_table(at)
    assert table["Type"].tolist() == ["Gewest (gemiddelde)", "Type 1", "Type 2", "Type 3"]
    assert table["Gebieden"].tolist() == expected.profiles["n_units"].tolist()
    assert table["Profiel"].tolist()[1:] == expected.descriptions("nl").tolist()
    legend = _maps(at)[0]["script"]
    assert all(text in legend for text in expected.descriptions("nl"))  # the map's legend names each type in words
    assert not at.get("metric")  # a fixed k: no silhouette figures

    at.selectbox(key="cl_k").set_value("auto").run()
    auto = need_typology(demo_bundle.units("municipality"), bundle=demo_bundle, k="auto", method="ward", seed=7)
    assert at.metric[0].value == str(auto.k)  # silhouette-chosen k
    assert len(_types_table(at)) == auto.k + 1


def test_typology_zone_mix_and_indicator_choice_on_demo(monkeypatch, tmp_path):
    at = _app(monkeypatch, tmp_path)
    plans = at.selectbox(key="cl_plan_municipality").options  # formatted: "(geen plan)" first, then the plans' names
    assert plans[0] == "(geen plan)" and "Demozones (SYNTHETISCH)" in plans
    at.selectbox(key="cl_plan_municipality").set_value("Demozones (SYNTHETISCH)").run()
    assert not at.exception
    mix = at.dataframe[-1].value
    types = [c for c in mix.columns if c.startswith("Type")]
    assert len(mix) >= 2 and ((mix[types].sum(axis=1) - 100).abs() < 0.5).all()  # each zone's shares add up to 100 %
    assert "Meest voorkomend type" in mix.columns
    assert "Zones" in _maps(at)[0]["script"]  # the plan's zones outlined on the type map
    at.multiselect(key="cl_indicators").set_value(["share_80plus", "density_per_km2"]).run()
    assert not at.exception and [c for c in _types_table(at).columns if c.startswith("Aandeel 80+")]
    at.multiselect(key="cl_indicators").set_value([]).run()
    assert not at.exception and at.info and not _maps(at)


def test_neighbourhood_typology_flags_estimated_ages_on_demo(monkeypatch, tmp_path):
    at = _app(monkeypatch, tmp_path)
    at.selectbox(key="cl_level").set_value("neighbourhood").run()
    assert not at.exception
    assert any("geschatte leeftijdsgroepen" in w.value for w in at.warning)
    table = _types_table(at)
    assert any(c.endswith(" *") for c in table.columns)  # age-based columns marked as estimates
    assert "Schatting" in _maps(at)[0]["script"]  # and in each unit's tooltip


def test_hotspots_section_on_demo(monkeypatch, tmp_path, demo_bundle):
    at = _app(monkeypatch, tmp_path)
    at.radio(key="cl_section").set_value("hotspots").run()
    assert not at.exception
    expected = hot_spots(demo_bundle.units("municipality"), indicator="share_80plus", bundle=demo_bundle)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Hot spot"] == str(expected.counts()["gi"]["hot"])
    members = at.dataframe[0].value
    assert set(members.index) == set(expected.units.index[expected.units["gi_label"] != "ns"])
    at.radio(key="cl_hot_statistic").set_value("lisa").run()
    at.toggle(key="cl_hot_fdr").set_value(True).run()
    at.number_input(key="cl_hot_permutations").set_value(199).run()
    assert not at.exception
    strict = hot_spots(demo_bundle.units("municipality"), indicator="share_80plus", bundle=demo_bundle, permutations=199,
                       fdr=True)
    assert len(at.dataframe[0].value) == int((strict.units["lisa_label"] != "ns").sum())
    assert "Lokale Moran (LISA)" in _maps(at)[0]["script"]


def test_hotspots_follow_the_year_of_the_sidebar(monkeypatch, tmp_path, demo_bundle):
    """In 2040 the page shows the hot spots of 2040's share 80+ (the CLI's `cluster hotspots --year 2040`)."""
    from zorgzones.population import units_for_year

    at = _app(monkeypatch, tmp_path)
    at.select_slider(key="year").set_value(2040).run()
    at.radio(key="cl_section").set_value("hotspots").run()
    assert not at.exception
    later = hot_spots(units_for_year(demo_bundle, "municipality", 2040), indicator="share_80plus", bundle=demo_bundle)
    now = hot_spots(demo_bundle.units("municipality"), indicator="share_80plus", bundle=demo_bundle)
    assert not np.allclose(later.units["gi_z"], now.units["gi_z"])  # the year changes the answer
    members = at.dataframe[0].value
    assert set(members.index) == set(later.units.index[later.units["gi_label"] != "ns"])


# -- overlays on the explore and accessibility maps -------------------------------------------------------------------------
def test_explore_toggle_adds_the_hotspot_layer_over_the_same_base_map(monkeypatch, tmp_path):
    at = _app(monkeypatch, tmp_path, page=None)
    at.selectbox(key="explore_indicator").set_value("share_80plus").run()
    before = _maps(at)[0]
    assert not before["feature_group"]  # off by default
    at.toggle(key="explore_hotspots").set_value(True).run()
    assert not at.exception
    after = _maps(at)[0]
    assert after["script"] == before["script"]  # the base map stays; the overlay is drawn into it
    assert "zz-overlay-legend" in after["feature_group"] and "Hot en cold spots (Gi*): Aandeel 80+" in after["feature_group"]
    assert any("permutaties" in c.value for c in at.sidebar.caption)
    at.selectbox(key="explore_indicator").set_value("travel_min_pharmacy").run()  # a service indicator
    assert not at.exception and "Reistijd naar de dichtstbijzijnde apotheek" in _maps(at)[0]["feature_group"]
    at.toggle(key="explore_hotspots").set_value(False).run()
    assert not _maps(at)[0]["feature_group"]


def test_access_toggle_adds_hot_spots_of_the_result(monkeypatch, tmp_path):
    at = _app(monkeypatch, tmp_path, page="access")
    at.button(key="access_run").click().run()
    at.toggle(key="access_hotspots").set_value(True).run()
    assert not at.exception
    assert "Reistijd (min) - Apotheken" in _maps(at)[0]["feature_group"]
    at.radio(key="access_hotspots_measure").set_value("supply_per_1000").run()
    assert not at.exception and "Aanbod per 1.000 inwoners" in _maps(at)[0]["feature_group"]


# -- real bundle --------------------------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_cluster_page_on_real_bundle(monkeypatch, bundle_dir, bundle):
    at = _app(monkeypatch, bundle_dir)
    expected = need_typology(bundle.units("municipality"), bundle=bundle)
    assert at.metric[0].value == str(expected.k)
    assert _types_table(at)["Gebieden"].tolist() == expected.profiles["n_units"].tolist()

    start = time.perf_counter()
    at.selectbox(key="cl_level").set_value("neighbourhood").run()  # 2,730 neighbourhoods, k by silhouette over 2..12
    seconds = time.perf_counter() - start
    assert not at.exception and seconds < 60, seconds
    print(f"neighbourhood typology page, k=auto, first run: {seconds:.1f} s")
    start = time.perf_counter()
    at.selectbox(key="cl_method").set_value("kmeans").run()  # the same options again: from the cache
    assert time.perf_counter() - start < 15

    at.selectbox(key="cl_level").set_value("municipality").run()
    at.radio(key="cl_section").set_value("hotspots").run()
    assert not at.exception
    members = at.dataframe[0].value
    hot = set(members.loc[members["Cluster"] == "Hot spot", "Naam"])
    assert {"Koksijde", "De Panne", "Knokke-Heist"} <= hot  # the ageing coast
    assert not {"Koksijde", "De Panne", "Knokke-Heist"} & set(members.loc[members["Cluster"] == "Cold spot", "Naam"])


@pytest.mark.slow
def test_explore_hotspot_overlay_on_real_bundle(monkeypatch, bundle_dir):
    at = _app(monkeypatch, bundle_dir, page=None)
    at.selectbox(key="explore_indicator").set_value("share_80plus").run()
    at.toggle(key="explore_hotspots").set_value(True).run()
    assert not at.exception and "zz-overlay-legend" in _maps(at)[0]["feature_group"]
    at.selectbox(key="explore_level").set_value("neighbourhood").run()
    assert not at.exception and "zz-overlay-legend" in _maps(at)[0]["feature_group"]


def test_zones_from_clusters_become_a_plan_of_the_session(monkeypatch, tmp_path, demo_bundle):
    from zorgzones.cluster_zones import cluster_zones
    from zorgzones.typology import need_indicators, standardise

    at = _app(monkeypatch, tmp_path)
    at.number_input(key="cl_zones_min").set_value(60_000)
    at.number_input(key="cl_zones_max").set_value(150_000)
    at.button(key="cl_zones_button").click().run()
    assert not at.exception and not at.error
    name = "clusterzones 60k-150k (gemeenten)"
    assert any(s.value.startswith(f"Plan '{name}' toegevoegd") for s in at.success)
    plan = at.session_state["plans"][name]
    units = demo_bundle.units("municipality")
    profiles, _ = standardise(need_indicators(units, bundle=demo_bundle).drop(columns="age_estimated"))
    expected, score = cluster_zones(units, profiles=profiles, min_population=60_000, max_population=150_000, seed=0)
    assert plan.assignment.equals(expected.assignment)
    assert f"{score['zones']} zones, {score['zones_in_band']} binnen de band" in at.success[0].value
    assert name in at.selectbox(key="cl_plan_municipality").options  # ready for the mix of types per zone
