"""Benchmark: responsiveness of the map app on the real region bundle (issue 6 targets: first page < 3 s, a planner move
reflected in map and panel < 1 s).

Server side, with streamlit's AppTest (the script runs, without the browser): the explore page cold (fresh process
caches) and warm (a new session), the switch to neighbourhoods and to a travel-time indicator, and the rerun after
clicking "move" in the planner for a municipality plan and a neighbourhood plan; plus the package calls such a rerun
makes (editor move, zone shapes, zone layer). With ``--browser``: ``streamlit run`` (``--serve``: ``python -m
app_pages.serve``) in headless chromium, time from navigation until the explore map has run its script (layer control drawn), cold then warm, then page switches by
the sidebar links until the page's script is done and its map drawn.

    cd /work/main && PYTHONPATH=. /work/venv/bin/python benchmarks/bench_app.py [--data-dir DIR] [--moves 3] [--browser] [--json]

Without ``--data-dir`` the bundle is built from the shared mirror in a temporary directory (~10 s).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SHARED = Path(os.environ.get("ZORGZONES_SHARED_GEODATA", REPO.parent / "shared" / "geodata"))
APP = str(REPO / "app.py")


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench_pages(moves: int) -> dict:
    from streamlit.testing.v1 import AppTest

    out = {}
    at = AppTest.from_file(APP, default_timeout=600)
    out["explore_cold_s"] = timed(at.run)
    at = AppTest.from_file(APP, default_timeout=600)
    out["explore_warm_s"] = timed(at.run)
    out["explore_neighbourhoods_s"] = timed(lambda: at.selectbox(key="explore_level").set_value("neighbourhood").run())
    from zorgzones.indicators import INDICATORS

    if "travel_min_pharmacy" in INDICATORS:  # (absent before issue 6: the benchmark also runs on older checkouts)
        out["explore_travel_time_s"] = timed(lambda: at.selectbox(key="explore_indicator").set_value("travel_min_pharmacy").run())
    assert not at.exception, at.exception
    at.switch_page("app_pages/planner.py").run()
    for level in ("municipality", "neighbourhood"):
        plans = at.session_state["plans"]
        at.selectbox(key="planner_start").set_value(next(n for n, p in plans.items() if p.level == level))
        at.button(key="planner_start_button").click().run()
        plan = at.session_state["editor"].plan
        times = []
        for i in range(moves):
            unit, zone = list(plan.assignment.items())[i * 37 % len(plan.assignment)]
            target = next(z for z in plan.zone_ids if z != zone)
            at.multiselect(key="planner_units").set_value([unit])
            at.selectbox(key="planner_target").set_value(target)
            at.run()
            times.append(timed(lambda: at.button(key="planner_move").click().run()))
            assert not at.exception and at.session_state["editor"].plan.assignment[unit] == target
        out[f"planner_move_{level}_s"] = times
        out[f"planner_undo_{level}_s"] = timed(lambda: at.button(key="planner_undo").click().run())
    return out


def bench_calls(data_dir: str) -> dict:
    """The package work of a move rerun, without streamlit (zone shapes are cached per plan in the app)."""
    from zorgzones import maps
    from zorgzones.region import load_bundle
    from zorgzones.editing import PlanEditor
    from zorgzones.zones import Plan

    bundle = load_bundle(data_dir)
    out = {}
    for level in ("municipality", "neighbourhood"):
        units = bundle.units(level)
        plan = Plan.from_bundle(bundle, next(n for n in bundle.plan_names() if Plan.from_bundle(bundle, n).level == level))
        editor = PlanEditor(units, plan)
        unit, zone = next(iter(plan.assignment.items()))
        target = next(z for z in plan.zone_ids if z != zone)
        out[f"editor_move_{level}_s"] = timed(lambda: (editor.move(unit, target), editor.metrics))
        # a whole map with the plan, built and rendered: what every planner move cost before the zone layer
        out[f"web_map_with_plan_{level}_s"] = timed(
            lambda: maps.web_map(units, indicator="pop_total", plan=editor.plan, level=level).get_root().render())
        if hasattr(maps, "zone_shapes"):  # the zone layer redrawn alone after a move (absent before issue 6)
            display = maps.display_coverage(units, level=level)
            out[f"zone_shapes_{level}_s"] = timed(lambda: maps.zone_shapes(display, editor.plan))
            zones = maps.zone_shapes(display, editor.plan)
            out[f"zone_layer_{level}_s"] = timed(
                lambda: maps.zone_layer(zones).add_to(maps.folium.Map(tiles=None)).get_root().render())
    return out


def bench_browser(data_dir: str, visits: int = 4, *, serve: bool = False) -> dict:
    import socket
    import subprocess
    import urllib.request

    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    start = ["app_pages.serve"] if serve else ["streamlit", "run", APP]  # serve: first page built before the server starts
    process = subprocess.Popen([sys.executable, "-m", *start, "--server.headless", "true", "--server.address",
                                "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false",
                                "--server.fileWatcherType", "none"], cwd=REPO, env=dict(os.environ, ZORGZONES_DATA_DIR=data_dir),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1500,1300"):
        options.add_argument(flag)
    driver = None
    try:
        for _ in range(120):
            try:
                if urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.5)
        driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        seconds = []
        for _ in range(visits):
            driver.get("about:blank")
            start = time.perf_counter()
            driver.get(f"http://127.0.0.1:{port}/")
            while time.perf_counter() - start < 120:
                frames = driver.find_elements(By.CSS_SELECTOR, 'iframe[title="streamlit_folium.st_folium"]')
                if frames:
                    driver.switch_to.frame(frames[0])
                    done = driver.execute_script("return !!document.querySelector('.leaflet-control-layers')")
                    driver.switch_to.default_content()
                    if done:
                        break
                time.sleep(0.05)
            seconds.append(time.perf_counter() - start)
        return {"browser_explore_cold_s": seconds[0], "browser_explore_warm_s": seconds[1:]} | bench_switches(driver)
    finally:
        if driver is not None:
            driver.quit()
        process.terminate()
        process.wait(timeout=20)


#: Page switches timed in the browser: (url path, whether the page draws a map), in click order from the explore page.
SWITCHES = (("planner", True), ("export", False), ("data", False), ("access", False), ("explore", True), ("planner", True),
            ("explore", True))
#: Run inside the page: is the script done (no "running" widget) and, for a map page, is a Leaflet map drawn?
PAGE_READY = """
const running = document.querySelector('[data-testid="stStatusWidget"]');
const frames = [...document.querySelectorAll('iframe[title="streamlit_folium.st_folium"]')];
let drawn = false;
for (const f of frames) { try { drawn = drawn || !!f.contentDocument.querySelector('.leaflet-control-layers'); } catch (e) {} }
return {running: !!running, drawn: drawn, path: location.pathname};
"""


def bench_switches(driver) -> dict:
    """Click the sidebar link of each page in turn (as a person does) and time until its script has finished and, on a
    map page, its map is drawn."""
    from selenium.webdriver.common.by import By

    out: dict = {}
    for path, has_map in SWITCHES:
        links = driver.find_elements(By.CSS_SELECTOR, '[data-testid="stSidebarNav"] a')
        order = ("explore", "access", "planner", "export", "data")  # the order of app.py's pages
        if len(links) != len(order):
            continue
        links = [links[order.index(path)]]
        start = time.perf_counter()
        links[0].click()
        seen_running = False
        while time.perf_counter() - start < 60:
            state = driver.execute_script(PAGE_READY)
            seen_running = seen_running or state["running"]
            if (state["path"].rstrip("/").endswith(path) or path == "explore") and not state["running"] and (state["drawn"] or not has_map) \
                    and (seen_running or time.perf_counter() - start > 0.3):
                break
            time.sleep(0.03)
        out.setdefault(f"browser_switch_{path}_s", []).append(time.perf_counter() - start)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="data directory with a real bundle (default: build one from the shared mirror)")
    parser.add_argument("--moves", type=int, default=3)
    parser.add_argument("--browser", action="store_true", help="also time the explore page in headless chromium")
    parser.add_argument("--serve", action="store_true", help="start the browser's server with `python -m app_pages.serve` "
                        "(warm first page) instead of `streamlit run app.py`")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)  # AppTest's "missing ScriptRunContext" chatter
    data_dir = args.data_dir
    if data_dir is None:
        from zorgzones import fetch

        data_dir = tempfile.mkdtemp(prefix="zorgzones-bench-app-")
        fetch.fetch_region(data_dir=data_dir, mirror=SHARED / "mirror", progress=False)
    os.environ["ZORGZONES_DATA_DIR"] = str(data_dir)
    result = bench_pages(args.moves) | bench_calls(str(data_dir))
    if args.browser:
        result |= bench_browser(str(data_dir), serve=args.serve)
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    for key, value in result.items():
        shown = ", ".join(f"{v:.2f}" for v in value) + f" (median {statistics.median(value):.2f})" if isinstance(value, list) else f"{value:.3f}"
        print(f"{key:32s} {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
