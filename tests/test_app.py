"""Main flow of every app page with streamlit's AppTest, on the synthetic demo and on the real bundle; `streamlit run` serves."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from zorgzones import maps, planstore
from zorgzones.region import load_bundle
from zorgzones.uploads import read_services_file
from zorgzones.zones import Plan

APP = str(Path(__file__).resolve().parents[1] / "app.py")
EVIL = "<img src=x onerror=alert(1)>"


def _app(monkeypatch, data_dir, page: str | None = None) -> AppTest:
    monkeypatch.setenv("ZORGZONES_DATA_DIR", str(data_dir))
    at = AppTest.from_file(APP, default_timeout=240).run()
    assert not at.exception
    if page is not None:
        at.switch_page(f"app_pages/{page}.py").run()
        assert not at.exception
    return at


def _texts(elements) -> list[str]:
    return [e.value for e in elements]


# -- explore ----------------------------------------------------------------------------------------------------
def test_explore_on_demo_is_marked_and_switches_indicator_and_language(monkeypatch, tmp_path, demo_bundle):
    at = _app(monkeypatch, tmp_path)
    assert any("Synthetische demoregio" in w for w in _texts(at.warning))
    assert at.query_params["indicator"] == "share_65plus"
    at.selectbox(key="explore_indicator").set_value("informal_care_ratio").run()
    assert not at.exception
    assert at.query_params["indicator"] == "informal_care_ratio"
    key_figures = at.dataframe[0].value
    assert list(key_figures.columns) == ["Kerncijfer", "Zone", "arr. Demogebied 90000 (SYNTHETISCH)",
                                         "prov. Demogebied 91000 (SYNTHETISCH)", "Vlaanderen"]
    assert key_figures.iloc[0, 0].startswith("Bevolking") and key_figures.iloc[0, 2] == "-"  # sizes are not compared
    units = demo_bundle.units("municipality")  # the arrondissement's share 65+: a ratio of sums over its units, by hand
    arr = units[units["arrondissement_id"] == "90000"]
    share = key_figures.set_index("Kerncijfer").filter(like="Aandeel 65+", axis=0).iloc[0, 1]
    assert share == f"{100 * arr['pop_65plus'].sum() / arr['pop_total'].sum():.1f}".replace(".", ",")
    at.selectbox(key="explore_level").set_value("neighbourhood").run()
    assert not at.exception
    at.radio(key="lang").set_value("en").run()
    assert not at.exception
    assert at.query_params["lang"] == "en"
    assert any("Synthetic demo region" in w for w in _texts(at.warning))
    assert "Explore" in at.header[0].value


def test_social_map_filters_by_search_zone_and_type(monkeypatch, tmp_path, demo_bundle):
    at = _app(monkeypatch, tmp_path)
    inside = demo_bundle.services().query("inside_region")
    everything = len(at.dataframe[-1].value)
    assert everything == len(inside)  # services outside the region are not in the social map
    at.selectbox(key="social_kind").set_value("hospital").run()
    assert len(at.dataframe[-1].value) == (inside["service_type"] == "hospital").sum()
    at.selectbox(key="social_kind").set_value("").run()
    zones = at.selectbox(key="social_zone").options
    at.selectbox(key="social_zone").set_value("z00").run()
    in_zone = at.dataframe[-1].value
    assert 0 < len(in_zone) < everything and len(zones) == 10
    assert set(in_zone["Zone"]) == {"Demozone 00 (SYNTHETISCH)"}
    at.text_input(key="social_search").set_value("no such service anywhere").run()
    assert len(at.dataframe[-1].value) == 0
    assert not at.exception


# -- accessibility --------------------------------------------------------------------------------------------
def test_accessibility_analysis_gaps_coverage_and_siting(monkeypatch, tmp_path):
    at = _app(monkeypatch, tmp_path, "access")
    assert _texts(at.info) == ["Kies de instellingen en klik op 'Analyse uitvoeren'."]
    at.button(key="access_run").click().run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert set(metrics) == {"Gemiddelde reistijd (min)", "Inwoners verder dan 10 min", "Aanbod per 1.000 inwoners", "Gedekt aandeel"}
    assert any(text.startswith("Snel voorstel (greedy)") for text in _texts(at.markdown))
    at.button(key="access_exact").click().run()
    assert not at.exception
    assert any(text.startswith("Exacte oplossing (optimal") for text in _texts(at.markdown))
    at.selectbox(key="access_method").set_value("2sfca").run()
    assert any(w.startswith("De instellingen zijn gewijzigd") for w in _texts(at.warning))
    at.button(key="access_run").click().run()
    assert not at.exception and not any("gewijzigd" in w for w in _texts(at.warning))
    at.selectbox(key="access_method").set_value("e2sfca").run()
    at.text_input(key="access_steps").set_value("10:1, twenty:0.5").run()
    at.button(key="access_run").click().run()
    assert not at.exception and at.error  # a bad step list is reported, not raised


# -- planner --------------------------------------------------------------------------------------------------
def _move_first_unit(at: AppTest) -> tuple[str, str, str]:
    plan = at.session_state["editor"].plan
    unit, zone = next(iter(plan.assignment.items()))
    target = next(z for z in plan.zone_ids if z != zone)
    at.multiselect(key="planner_units").set_value([unit])
    at.selectbox(key="planner_target").set_value(target)
    at.run()
    at.button(key="planner_move").click().run()
    assert not at.exception
    return unit, zone, target


def test_planner_move_undo_redo_save_load_and_compare(monkeypatch, tmp_path):
    at = _app(monkeypatch, tmp_path, "planner")
    editor = at.session_state["editor"]
    assert editor.plan.name == "Demozones (SYNTHETISCH) *"
    assert at.button(key="planner_undo").disabled
    unit, zone, target = _move_first_unit(at)
    assert at.session_state["editor"].plan.assignment[unit] == target
    assert any("verplaatst" in s for s in _texts(at.success))
    at.button(key="planner_undo").click().run()
    assert at.session_state["editor"].plan.assignment[unit] == zone
    at.button(key="planner_redo").click().run()
    assert at.session_state["editor"].plan.assignment[unit] == target

    at.text_input(key="scenario_name").set_value("Variant A").run()
    at.button(key="scenario_save").click().run()
    assert "Scenario Variant A opgeslagen." in _texts(at.success)
    assert planstore.list_plans(data_dir=tmp_path)["name"].tolist() == ["Variant A"]
    at.button(key="planner_undo").click().run()
    at.selectbox(key="scenario_pick").set_value("Variant A")
    at.button(key="scenario_load").click().run()
    assert not at.exception
    loaded = at.session_state["editor"].plan
    assert loaded.name == "Variant A *" and loaded.assignment[unit] == target

    at.selectbox(key="compare_a").set_value("Demozones (SYNTHETISCH)")
    at.selectbox(key="compare_b").set_value("Variant A *")
    at.run()
    at.button(key="compare_button").click().run()
    assert not at.exception
    assert any(text.startswith("Verplaatste eenheden: 1 (") for text in _texts(at.markdown))
    moved = at.dataframe[-1].value
    assert moved["unit_id"].tolist() == [unit]


def test_scenarios_survive_a_restart(monkeypatch, tmp_path):
    at = _app(monkeypatch, tmp_path, "planner")
    _move_first_unit(at)
    at.text_input(key="scenario_name").set_value("kept").run()
    at.button(key="scenario_save").click().run()
    again = _app(monkeypatch, tmp_path, "planner")  # a new session = a restarted app
    assert again.selectbox(key="scenario_pick").options == ["kept"]


def test_planner_generates_a_plan(monkeypatch, tmp_path, demo_bundle):
    """Zones are generated for one region with that region's band as default (Flemish design 75k-125k, Brussels
    200k-300k), never one band over both."""
    at = _app(monkeypatch, tmp_path, "planner")
    assert at.selectbox(key="gen_region").value == "flanders"
    assert (at.number_input(key="gen_min_flanders").value, at.number_input(key="gen_max_flanders").value) == (75000, 125000)
    at.selectbox(key="gen_region").set_value("brussels").run()
    assert (at.number_input(key="gen_min_brussels").value, at.number_input(key="gen_max_brussels").value) == (200000, 300000)
    at.selectbox(key="gen_region").set_value("flanders").run()
    at.number_input(key="gen_min_flanders").set_value(60000)
    at.number_input(key="gen_max_flanders").set_value(130000)
    at.button(key="gen_button").click().run()
    assert not at.exception
    plan = at.session_state["editor"].plan
    assert plan.name.startswith("generated flanders 60k-130k") and len(plan.zone_ids) >= 6
    regions = demo_bundle.units("municipality")["region"]
    assert set(regions.reindex(plan.assignment.index)) == {"flanders"}
    assert any("binnen de band" in s for s in _texts(at.success))


def _map_args(at: AppTest) -> dict:
    """What the page gave streamlit-folium: ``script`` (the base map), ``feature_group`` (the layer drawn over it), ..."""
    maps_drawn = at.get("component_instance")
    assert len(maps_drawn) == 1
    return json.loads(maps_drawn[0].proto.json_args)


def test_frozen_map_with_a_zone_layer_sends_the_same_base_map_and_keeps_nothing(monkeypatch, demo_bundle):
    import streamlit_folium

    from app_pages import common

    sent = []
    monkeypatch.setattr(streamlit_folium, "_component_func", lambda **kwargs: sent.append(kwargs))
    units, plan = demo_bundle.units("municipality"), Plan.from_bundle(demo_bundle, "elz")
    fmap = maps.web_map(units, indicator="pop_total")
    fmap.get_root().render()
    fmap = common._frozen(fmap)  # as cached by the app
    display = maps.display_coverage(units, level="municipality")
    zones = maps.zone_shapes(display, plan)
    root, sizes = fmap.get_root(), set()
    for i in range(4):  # four reruns, each with another selected unit
        common.show_map(fmap, key="m", layers=[maps.zone_layer(zones, selected=display.iloc[[i]].to_crs(4326))])
        sizes.add((len(fmap._children), len(root.script._children), len(root.header._children), len(root.html._children)))
    assert len(sizes) == 1  # the layers are dropped from the cached map after each call
    assert len({s["script"] for s in sent}) == 1 and len({s["key"] for s in sent}) == 1  # the base map frame stays
    assert len({s["feature_group"] for s in sent}) == 4  # only the layer changes
    assert "map_div.addLayer(feature_group_feature_group_0)" in sent[-1]["feature_group"]
    assert plan.zone_name(plan.zone_ids[0]) in sent[-1]["feature_group"]


def test_planner_move_redraws_only_the_zone_layer(monkeypatch, tmp_path):
    at = _app(monkeypatch, tmp_path, "planner")
    before = _map_args(at)
    plan = at.session_state["editor"].plan
    assert all(plan.zone_name(z) in before["feature_group"] for z in plan.zone_ids)  # zone labels in the layer
    assert plan.zone_name(plan.zone_ids[0]) not in before["script"]  # the base map has no plan in it
    unit, zone, target = _move_first_unit(at)
    after = _map_args(at)
    assert after["script"] == before["script"] and after["key"] == before["key"]  # same base map: its frame stays
    assert after["feature_group"] != before["feature_group"]  # new outlines
    assert "#1565c0" not in after["feature_group"]  # nothing selected after the move
    at.multiselect(key="planner_units").set_value([unit]).run()
    selected = _map_args(at)
    assert "#1565c0" in selected["feature_group"] and selected["script"] == before["script"]  # the selection is outlined


def test_planner_merges_and_splits_zones_with_undo(monkeypatch, tmp_path):
    at = _app(monkeypatch, tmp_path, "planner")
    plan = at.session_state["editor"].plan
    zones, n_units = plan.zone_ids, plan.assignment.value_counts()
    at.selectbox(key="planner_merge_keep").set_value(zones[0]).run()
    at.selectbox(key="planner_merge_other").set_value(zones[1]).run()
    at.button(key="planner_merge").click().run()
    assert not at.exception
    merged = at.session_state["editor"].plan
    assert merged.zone_ids == [z for z in zones if z != zones[1]]
    assert (merged.assignment == zones[0]).sum() == n_units[zones[0]] + n_units[zones[1]]
    assert any("opgegaan in" in s for s in _texts(at.success))
    at.button(key="planner_undo").click().run()
    assert at.session_state["editor"].plan.assignment.equals(plan.assignment)

    at.selectbox(key="planner_split_zone").set_value(zones[2]).run()
    at.button(key="planner_split").click().run()  # no selection: two contiguous halves
    assert not at.exception
    halves = at.session_state["editor"].plan
    new = f"{zones[2]}-2"
    assert set(halves.zone_ids) == set(zones) | {new}
    assert (halves.assignment == zones[2]).sum() + (halves.assignment == new).sum() == n_units[zones[2]]
    assert (halves.assignment == new).sum() >= 1 and (halves.assignment == zones[2]).sum() >= 1
    metrics = at.session_state["editor"].metrics
    assert metrics.loc[[zones[2], new], "contiguous"].all()  # the halves are drawn along the adjacency graph
    at.button(key="planner_undo").click().run()
    assert at.session_state["editor"].plan.assignment.equals(plan.assignment)

    unit = plan.assignment.index[plan.assignment == zones[3]][0]
    at.multiselect(key="planner_units").set_value([unit]).run()
    at.selectbox(key="planner_split_zone").set_value(zones[3]).run()
    at.button(key="planner_split").click().run()  # the selected unit becomes the new zone
    split = at.session_state["editor"].plan
    assert split.assignment[split.assignment == f"{zones[3]}-2"].index.tolist() == [unit]
    assert any("gesplitst" in s for s in _texts(at.success)) and at.session_state["planner_units"] == []
    at.button(key="planner_undo").click().run()
    at.button(key="planner_redo").click().run()
    assert at.session_state["editor"].plan.assignment.equals(split.assignment)


def test_explore_shows_travel_time_and_supply_indicators(monkeypatch, tmp_path, demo_bundle):
    at = _app(monkeypatch, tmp_path)
    options = at.selectbox(key="explore_indicator").options
    assert {"Reistijd naar de dichtstbijzijnde apotheek (minuten te voet, rechte lijn)",
            "Ziekenhuisbedden per 1.000 inwoners (E2SFCA, 30 min met de auto)"} <= set(options)
    at.selectbox(key="explore_indicator").set_value("travel_min_pharmacy").run()
    assert not at.exception and at.query_params["indicator"] == "travel_min_pharmacy"
    assert any(c.startswith("Reistijd hemelsbreed") for c in _texts(at.caption))
    assert "Reistijd naar de dichtstbijzijnde apotheek" in _map_args(at)["script"]  # legend of the new indicator
    at.selectbox(key="explore_indicator").set_value("supply_per_1000_hospital").run()
    assert not at.exception


# -- export ---------------------------------------------------------------------------------------------------
def test_export_builds_files_only_on_click(monkeypatch, tmp_path):
    at = _app(monkeypatch, tmp_path, "export")
    assert not any(f"export_{kind}" in at.session_state for kind in ("exp_plan_csv", "exp_html", "exp_map_png", "exp_pack_pdf"))
    for kind in ("exp_plan_csv", "exp_html", "exp_map_png"):
        at.button(key=f"build_{kind}").click().run()
        assert not at.exception
        name, data, _ = at.session_state[f"export_{kind}"]
        assert len(data) > 500
    assert at.session_state["export_exp_plan_csv"][1].startswith(b"unit_id,zone_id,zone_name")
    assert at.session_state["export_exp_map_png"][1][:4] == b"\x89PNG"
    assert b"SYNTHETISCHE DEMODATA" in at.session_state["export_exp_html"][1]


def test_export_follows_the_year_of_the_sidebar_and_offers_clustering_pages(monkeypatch, tmp_path):
    """The same files as `zorgzones export ... --year 2035`: the year's population, labelled as a projection."""
    at = _app(monkeypatch, tmp_path, "export")
    at.select_slider(key="year").set_value(2035).run()
    at.button(key="build_exp_html").click().run()
    assert not at.exception
    name, data, made_for = at.session_state["export_exp_html"]
    caption = json.dumps("Bevolking 2035: projectie (synthetische demodata)")[1:-1]  # as the map's script holds it
    assert name.endswith("_2035.html") and "2035" in made_for and caption.encode() in data
    assert [at.checkbox(key=f"export_pack_{extra}").value for extra in ("typology", "hotspots")] == [False, False]


# -- data -----------------------------------------------------------------------------------------------------
def test_data_page_marks_demo_and_lists_sources(monkeypatch, tmp_path):
    at = _app(monkeypatch, tmp_path, "data")
    assert _texts(at.error) == ["SYNTHETISCHE DEMOGEGEVENS - niet echt. Alleen om de app te proberen."]
    assert at.dataframe[1].value.iloc[0]["Licentie"] == "CC0 1.0"


def test_upload_services_checked_then_used_and_broken_upload_changes_nothing(monkeypatch, tmp_path):
    at = _app(monkeypatch, tmp_path, "data")
    good = f"naam;soort;lat;lon\n{EVIL};pharmacy;50.85;4.35\nB;pharmacy;50.9;4.4\n".encode()
    at.file_uploader(key="upload_file_services").set_value(("mine.csv", good, "text/csv")).run()
    at.button(key="upload_validate").click().run()
    assert not at.exception
    assert "Geen problemen: 2 rijen gelezen." in _texts(at.success)
    at.button(key="upload_use").click().run()
    assert len(at.session_state["user_services"]) == 2

    broken = b"naam;soort;lat;lon\nA;pharmacy;not-a-number;4.35\n"
    at.file_uploader(key="upload_file_services").set_value(("bad.csv", broken, "text/csv")).run()
    at.button(key="upload_validate").click().run()
    assert not at.exception
    assert any("probleem" in e for e in _texts(at.error))
    assert "upload_use" not in [b.key for b in at.button]
    assert len(at.session_state["user_services"]) == 2  # untouched by the broken file
    at.switch_page("app_pages/explore.py").run()
    assert not at.exception
    assert EVIL in at.dataframe[-1].value["Naam"].tolist()  # listed as plain text in the social map


def test_upload_plan_with_report(monkeypatch, tmp_path):
    at = _app(monkeypatch, tmp_path, "data")
    at.radio(key="upload_kind").set_value("plan").run()
    plan = load_bundle(tmp_path).plan_assignment("elz")
    plan.loc[0, ["zone_id", "zone_name"]] = plan.loc[len(plan) - 1, ["zone_id", "zone_name"]].to_numpy()  # a non-contiguous draft
    at.file_uploader(key="upload_file_plan").set_value(("draft.csv", plan.to_csv(index=False).encode(), "text/csv")).run()
    at.button(key="upload_validate").click().run()
    assert not at.exception
    at.button(key="upload_use").click().run()
    assert "Plan draft toegevoegd aan de plannen van deze sessie." in _texts(at.success)
    assert "draft" in at.session_state["plans"]

    unknown = b"unit_id,zone_id\n99999,z1\n"
    at.file_uploader(key="upload_file_plan").set_value(("wrong.csv", unknown, "text/csv")).run()
    at.button(key="upload_validate").click().run()
    assert any("probleem" in e for e in _texts(at.error))
    assert "upload_use" not in [b.key for b in at.button]


def test_names_from_uploads_are_escaped_on_the_map(tmp_path, demo_bundle):
    path = tmp_path / "evil.csv"
    path.write_text(f"naam;lat;lon\n{EVIL};50.85;4.35\n", encoding="utf-8")
    services, report = read_services_file(path)
    assert report.ok
    html = maps.web_map(demo_bundle.units("municipality"), indicator="pop_total", services=services, tiles=None).get_root().render()
    assert EVIL not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_a_clicked_unit_polygon_is_found_and_other_features_are_ignored(demo_bundle):
    from app_pages.common import unit_at

    units = demo_bundle.units("municipality")
    drawn = maps.to_web(units.iloc[[7]], tolerance_m=40)  # as the map draws it: simplified, WGS84
    feature = {"type": "Feature", "properties": {"_name": "x"}, "geometry": drawn.geometry.iloc[0].__geo_interface__}
    assert unit_at(units, feature) == units.index[7]
    assert unit_at(units, {**feature, "properties": {"_label": "zone"}}) is None  # a zone outline, not a unit
    assert unit_at(units, {"properties": {"_name": "x"}, "geometry": None}) is None


def test_show_map_loads_the_vendored_assets_and_sends_the_same_map_every_rerun(monkeypatch, demo_bundle):
    import streamlit_folium

    from app_pages import common
    from zorgzones import webassets

    sent = []
    monkeypatch.setattr(streamlit_folium, "_component_func", lambda **kwargs: sent.append(kwargs))
    units = demo_bundle.units("municipality")
    fmap = maps.web_map(units, plan=Plan.from_bundle(demo_bundle, "elz"), services=demo_bundle.services(), cluster_threshold=0)
    fmap.get_root().render()  # as cached by the app
    for _ in range(3):  # three reruns on the same cached map
        common.show_map(fmap, key="m")
    assert len({s["script"] for s in sent}) == 1 and len({s["key"] for s in sent}) == 1  # same map: the frame stays
    assert "geo_json_div" in sent[0]["script"]  # streamlit-folium's names, consistent across reruns
    links = sent[0]["js_links"] + sent[0]["css_links"]
    assert len(links) == 6 and not any(url.startswith("http") for url in links)  # Leaflet, jQuery, clusters: no CDN, no d3
    assert all(url.startswith(common.MAP_ASSETS_URL) for url in links)
    assert all((webassets.ASSETS_DIR / url.removeprefix(common.MAP_ASSETS_URL)).is_file() for url in links)
    assert common.MAP_ASSETS_URL == f"../{common.MAP_ASSETS.name}/" and Path(common.MAP_ASSETS.path) == webassets.ASSETS_DIR


# -- real bundle ----------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_pages_on_real_bundle(monkeypatch, bundle_dir):
    at = _app(monkeypatch, bundle_dir)
    assert not any("Synthetische" in w for w in _texts(at.warning))
    assert at.dataframe[0].value.shape[0] >= 6  # key figures of the first official zone
    at.selectbox(key="explore_indicator").set_value("share_80plus").run()
    assert not at.exception
    at.switch_page("app_pages/access.py").run()
    at.button(key="access_run").click().run()
    assert not at.exception and len(at.metric) == 4
    at.switch_page("app_pages/planner.py").run()
    unit, zone, target = _move_first_unit(at)
    assert at.session_state["editor"].plan.assignment[unit] == target
    at.button(key="planner_undo").click().run()
    assert at.session_state["editor"].plan.assignment[unit] == zone
    at.switch_page("app_pages/export.py").run()
    at.button(key="build_exp_plan_csv").click().run()
    assert not at.exception and at.session_state["export_exp_plan_csv"][1].count(b"\n") == 305
    at.switch_page("app_pages/data.py").run()
    assert not at.exception
    assert not at.error and any(s.startswith("Echte regiobundel") for s in _texts(at.success))
    assert at.dataframe[1].value.shape[0] >= 5  # one row per public source


@pytest.mark.slow
def test_explore_travel_time_supply_and_neighbourhoods_on_real_bundle(monkeypatch, bundle_dir, bundle):
    from zorgzones.analysis_access import unit_access

    at = _app(monkeypatch, bundle_dir)
    for key in ("travel_min_pharmacy", "supply_per_1000_pharmacy", "travel_min_hospital", "supply_per_1000_hospital"):
        at.selectbox(key="explore_indicator").set_value(key).run()
        assert not at.exception
    assert "Ziekenhuisbedden per 1.000 inwoners (E2SFCA, 30 min met de auto)" in _map_args(at)["script"]
    start = time.perf_counter()
    at.selectbox(key="explore_level").set_value("neighbourhood").run()  # 2,730 units, hospital supply, classified
    at.selectbox(key="explore_indicator").set_value("travel_min_pharmacy").run()
    assert not at.exception and time.perf_counter() - start < 30  # Fisher-Jenks alone took ~40 s before
    assert "Reistijd naar de dichtstbijzijnde apotheek" in _map_args(at)["script"]

    services = bundle.services()
    pharmacy = unit_access(bundle, level="neighbourhood", service_type="pharmacy")
    populated = pharmacy["target_pop"] > 0  # units without people have no travel time (shown as "no data")
    assert pharmacy.loc[populated, "travel_min"].notna().all() and pharmacy["travel_min"].max() < 90  # within 90 min on foot
    hospital = unit_access(bundle, level="municipality", service_type="hospital")
    assert hospital["supply_per_1000"].between(0, 50).all()  # beds per 1,000: no border artefact of foreign hospitals
    beds = services.query("service_type == 'hospital' and inside_region")["capacity"].sum()
    reached = (hospital["supply_per_1000"] * hospital["target_pop"] / 1000).sum()
    assert reached == pytest.approx(beds, rel=0.05)  # 2SFCA hands out (almost) every bed of the region


# -- streamlit run --------------------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_streamlit_run_serves_the_app(tmp_path):
    port = _free_port()
    env = dict(os.environ, ZORGZONES_DATA_DIR=str(tmp_path))
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", APP, "--server.headless", "true", "--server.address", "127.0.0.1",
         "--server.port", str(port), "--browser.gatherUsageStats", "false"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as response:
                    assert response.read() == b"ok"
                    break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("streamlit did not answer on /_stcore/health within 60 s")
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_explore_marks_age_indicators_as_estimates_below_the_municipality(monkeypatch, tmp_path):
    at = _app(monkeypatch, tmp_path)
    options = at.selectbox(key="explore_indicator").options
    assert not any("geschat" in o for o in options)  # municipalities: ages measured
    at.selectbox(key="explore_level").set_value("neighbourhood").run()
    options = at.selectbox(key="explore_indicator").options
    share = next(o for o in options if o.startswith("Aandeel 65+"))
    density = next(o for o in options if o.startswith("Bevolkingsdichtheid"))
    assert share.endswith("geschat op basis van de gemeente") and "geschat" not in density


# -- population year (issue 14) -----------------------------------------------------------------------------
def _year_badge(at: AppTest) -> str:
    return next(c.value for c in at.sidebar.caption if ":material/" in c.value)


def _key_figure(at: AppTest, row: str) -> str:
    table = at.dataframe[0].value
    return table.loc[table["Kerncijfer"].str.startswith(row), "Zone"].iloc[0]


def test_year_changes_key_figures_map_label_and_url_on_demo(monkeypatch, tmp_path, demo_bundle):
    from zorgzones.indicators import format_number
    from zorgzones.plan_checks import zone_metrics
    from zorgzones.population import units_for_year

    at = _app(monkeypatch, tmp_path)
    assert at.query_params["year"] == "2022" and at.select_slider(key="year").value == 2022
    assert "2022: waargenomen (synthetische demodata)" in _year_badge(at)  # the demo says it is synthetic
    plan = Plan.from_bundle(demo_bundle, "elz")
    zone = at.selectbox(key="explore_zone").value
    base = zone_metrics(demo_bundle.units("municipality"), plan).at[zone, "pop_total"]
    assert _key_figure(at, "Bevolking") == format_number(base, 0, "nl")
    assert at.get("image")  # the zone's trend chart
    script_2022 = _map_args(at)["script"]

    at.select_slider(key="year").set_value(2035).run()
    assert not at.exception
    assert at.query_params["year"] == "2035" and at.session_state["year"] == 2035
    assert "2035: projectie (synthetische demodata)" in _year_badge(at) and ":red[" in _year_badge(at)
    assert at.subheader[0].value == "Kerncijfers van de zone in 2035"
    assert any(c.startswith("Bevolking 2035: projectie (synthetische demodata)") for c in _texts(at.caption))
    expected = zone_metrics(units_for_year(demo_bundle, "municipality", 2035), plan).at[zone, "pop_total"]
    assert expected != base and _key_figure(at, "Bevolking") == format_number(expected, 0, "nl")
    assert _map_args(at)["script"] != script_2022  # the map shows the year's figures
    at.selectbox(key="explore_trend_column").set_value("share_80plus").run()
    assert not at.exception and any("Ter vergelijking" in c for c in _texts(at.caption))  # the region beside the zone

    at.selectbox(key="explore_level").set_value("neighbourhood").run()  # below the municipality: flagged as estimates
    assert any("Wijken: inwoners van 2035 geschat uit de gemeente" in c for c in _texts(at.caption))

    again = AppTest.from_file(APP, default_timeout=240)
    again.query_params["year"] = "2030"  # a shared link keeps the year
    again.run()
    assert again.select_slider(key="year").value == 2030 and "2030" in _year_badge(again)
    again.query_params["year"] = "1850"
    fresh = AppTest.from_file(APP, default_timeout=240)
    fresh.query_params["year"] = "1850"  # a year without figures: the base year
    fresh.run()
    assert not fresh.exception and fresh.select_slider(key="year").value == 2022


def test_planner_follows_the_year_and_lists_zones_leaving_the_band(monkeypatch, tmp_path, demo_bundle):
    from zorgzones.population import band_by_year, band_runs, population_series

    at = _app(monkeypatch, tmp_path, "planner")
    editor = at.session_state["editor"]
    pop_2022 = editor.metrics["pop_total"].copy()
    at.select_slider(key="year").set_value(2040).run()
    assert not at.exception
    editor = at.session_state["editor"]
    expected = population_series(demo_bundle, plan=editor.plan, years=[2040]).set_index("id")["pop_total"]
    assert (editor.metrics["pop_total"] == expected.reindex(editor.metrics.index)).all()  # the live panel in 2040
    assert not (editor.metrics["pop_total"] == pop_2022).all()
    assert any(c.startswith("Bevolking 2040") for c in _texts(at.caption))

    low, high = float(pop_2022.median()), float(pop_2022.max())  # about half the zones start below the band
    editor.min_population, editor.max_population = low, high
    at.run()
    assert not at.exception
    table = next(d.value for d in at.dataframe if "Tegenover de band" in d.value.columns)
    bands = band_by_year(population_series(demo_bundle, plan=editor.plan, years=range(2022, 2041)),
                         min_population=low, max_population=high)
    runs = band_runs(bands)  # the package's own answer, from population_series (the page sums units per year itself)
    assert len(runs) > 0 and table["Zonecode"].tolist() == runs["id"].tolist()
    assert table["Van"].tolist() == runs["first_year"].tolist() and table["Tot en met"].tolist() == runs["last_year"].tolist()
    assert set(table["Tegenover de band"]) <= {"onder de band", "boven de band"}
    assert any(w.startswith(f"{runs['id'].nunique()} van {bands['id'].nunique()} zones verlaten de band") for w in _texts(at.warning))


def test_accessibility_uses_the_years_demand(monkeypatch, tmp_path):
    at = _app(monkeypatch, tmp_path, "access")
    at.button(key="access_run").click().run()
    beyond_2022 = {m.label: m.value for m in at.metric}
    at.select_slider(key="year").set_value(2035).run()
    assert any(w.startswith("De instellingen zijn gewijzigd") for w in _texts(at.warning))  # a result of another year
    at.button(key="access_run").click().run()
    assert not at.exception
    result = at.session_state["access"]
    assert result["access"].demand.year == 2035 and result["gaps"].demand.year == 2035
    assert any(c.startswith("Bevolking 2035") for c in _texts(at.caption))
    assert {m.label: m.value for m in at.metric} != beyond_2022


@pytest.mark.slow
def test_year_on_real_bundle(monkeypatch, bundle_dir, bundle):
    at = _app(monkeypatch, bundle_dir)
    assert "2022: waargenomen (Statbel)" in _year_badge(at)
    at.selectbox(key="explore_plan_municipality").set_value("Arrondissementen (referentie)").run()
    at.select_slider(key="year").set_value(2015).run()
    at.selectbox(key="explore_zone").set_value("13000").run()
    assert not at.exception
    assert _key_figure(at, "Bevolking") == "450.522"  # the Kempen in 2015 (DESIGN: "450,522 inhabitants in 2015")
    assert "2015: waargenomen (Statbel)" in _year_badge(at)
    at.select_slider(key="year").set_value(2030).run()
    assert "2030: projectie (Federaal Planbureau, vooruitzichten 2022)" in _year_badge(at)
    assert 470_000 <= int(_key_figure(at, "Bevolking").replace(".", "")) <= 490_000  # DESIGN: ~470-490k in 2030
    at.selectbox(key="explore_level").set_value("neighbourhood").run()
    assert not at.exception
    at.switch_page("app_pages/planner.py").run()
    assert not at.exception and any(c.startswith("Bevolking 2030: projectie") for c in _texts(at.caption))
    editor = at.session_state["editor"]
    editor.min_population, editor.max_population = 100_000, 130_000
    at.run()
    table = next(d.value for d in at.dataframe if "Tegenover de band" in d.value.columns)
    assert len(table) > 0 and set(table["Zonecode"]) <= set(editor.plan.zone_ids)
