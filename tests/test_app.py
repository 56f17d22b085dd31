"""Main flow of every app page with streamlit's AppTest, on the synthetic demo and on the real bundle; `streamlit run` serves."""

from __future__ import annotations

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
from zorgzones.bundle import load_bundle
from zorgzones.uploads import read_services_file

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
def test_explore_on_demo_is_marked_and_switches_indicator_and_language(monkeypatch, tmp_path):
    at = _app(monkeypatch, tmp_path)
    assert any("Synthetische demoregio" in w for w in _texts(at.warning))
    assert at.query_params["indicator"] == "share_65plus"
    at.selectbox(key="explore_indicator").set_value("informal_care_ratio").run()
    assert not at.exception
    assert at.query_params["indicator"] == "informal_care_ratio"
    key_figures = at.dataframe[0].value
    assert list(key_figures.columns) == ["Kerncijfer", "Zone", "Gewest"]
    assert key_figures.iloc[0, 0].startswith("Bevolking")
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
    at.selectbox(key="access_method").set_value("e2sfca").run()
    assert any(w.startswith("De instellingen zijn gewijzigd") for w in _texts(at.warning))
    at.button(key="access_run").click().run()
    assert not at.exception and not any("gewijzigd" in w for w in _texts(at.warning))
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


def test_planner_generates_a_plan(monkeypatch, tmp_path):
    at = _app(monkeypatch, tmp_path, "planner")
    at.number_input(key="gen_min").set_value(60000)
    at.number_input(key="gen_max").set_value(130000)
    at.button(key="gen_button").click().run()
    assert not at.exception
    plan = at.session_state["editor"].plan
    assert plan.name.startswith("generated 60k-130k") and len(plan.zone_ids) >= 8
    assert any("binnen de band" in s for s in _texts(at.success))


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
