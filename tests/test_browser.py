"""Real headless-browser runs without internet (every host but this machine unresolvable): `streamlit run app.py`, wait
until the planner's Leaflet map is drawn, move a unit, screenshot, no exception box; the exported HTML map drawn offline."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
#: No host but this machine resolves: the maps must work without internet (basemap tiles just stay blank).
OFFLINE = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"
#: What a drawn Leaflet map shows (run inside the map's document): Leaflet's version, the painted pixels of the vector
#: canvas (units and zones; the maps use preferCanvas), zone labels, legend, and the scripts/styles it loaded.
MAP_STATE = """
const canvas = document.querySelector('.leaflet-overlay-pane canvas');
let painted = 0;
if (canvas && canvas.width) {
  const px = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  for (let i = 3; i < px.length; i += 4) if (px[i] > 0) painted++;
}
return {leaflet: typeof L === 'undefined' ? null : L.version, painted: painted,
        labels: document.querySelectorAll('.leaflet-marker-icon').length,
        legend: document.querySelectorAll('.zz-legend').length,
        layers: document.querySelectorAll('.leaflet-control-layers').length,
        loaded: performance.getEntriesByType('resource').map(e => e.name).filter(n => /[.](js|css)([?]|$)/.test(n))};
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def browser(tmp_path):
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()) and os.environ.get("CI", "").lower() != "true":
        pytest.skip("chromium/chromedriver not installed (CI installs them)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1500,1300",
                 OFFLINE, f"--user-data-dir={tmp_path / 'chromium-profile'}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(120)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def app_url(tmp_path):
    """The app served by `streamlit run` on 127.0.0.1 (synthetic demo data in an empty data dir)."""
    port = _free_port()
    env = dict(os.environ, ZORGZONES_DATA_DIR=str(tmp_path / "data"))
    log = open(tmp_path / "streamlit.log", "wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"), "--server.headless", "true", "--server.address",
         "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as response:
                    if response.read() == b"ok":
                        break
            except OSError:
                pass
            if time.time() > deadline:
                pytest.fail("streamlit did not answer on /_stcore/health within 90 s")
            time.sleep(0.5)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def _no_exception_box(driver) -> None:
    from selenium.webdriver.common.by import By

    boxes = driver.find_elements(By.CSS_SELECTOR, '[data-testid="stException"]')
    assert not boxes, "Streamlit exception box: " + " | ".join(b.text[:500] for b in boxes)


def _wait_for_map(driver, timeout: float = 120) -> dict:
    """Wait in the current document until Leaflet has drawn the units and zones; fail, saying what is there, if never."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    state: dict = {}

    def drawn(d) -> bool:
        state.update(d.execute_script(MAP_STATE))
        return bool(state["leaflet"]) and state["painted"] > 5_000

    try:
        WebDriverWait(driver, timeout, poll_frequency=0.5).until(drawn)
    except TimeoutException:
        pytest.fail(f"the Leaflet map was not drawn within {timeout:.0f} s: {state}")
    return state


MOVE_BUTTON = '//button[.//p[text()="Verplaatsen"]]'


def _unit_picked(driver) -> bool:
    """A unit is selected when the move button is enabled (it is disabled while the selection is empty)."""
    from selenium.webdriver.common.by import By

    buttons = driver.find_elements(By.XPATH, MOVE_BUTTON)
    return bool(buttons) and buttons[0].is_enabled()


@pytest.mark.browser
@pytest.mark.slow
def test_planner_in_a_real_browser(browser, app_url):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 120)
    browser.get(f"{app_url}/planner")
    frame = wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, 'iframe[title="streamlit_folium.st_folium"]')))
    browser.switch_to.frame(frame)
    state = _wait_for_map(browser)  # offline: Leaflet & co. come from the app itself, not from a CDN
    assert state["leaflet"] == "1.9.3" and state["legend"] == 1 and state["labels"] > 0  # legend, zone labels
    assert state["loaded"] and all(url.startswith(app_url) for url in state["loaded"]), state["loaded"]
    container = browser.find_element(By.CSS_SELECTOR, ".leaflet-container")
    browser.switch_to.default_content()
    _no_exception_box(browser)

    # click units on the map until one is picked (labels can sit under the pointer); the pick lands in the multiselect
    for dx, dy in ((-60, 40), (50, -50), (-120, -90), (110, 100), (0, 150)):
        browser.switch_to.frame(frame)
        ActionChains(browser).move_to_element_with_offset(container, dx, dy).click().perform()
        browser.switch_to.default_content()
        try:
            WebDriverWait(browser, 10).until(_unit_picked)
            break
        except TimeoutException:
            continue
    assert _unit_picked(browser), "no click on the map picked a unit (something above the units catches the clicks)"
    picked = browser.find_element(By.CSS_SELECTOR, '[data-testid="stMultiSelect"]').text

    move = wait.until(ec.element_to_be_clickable((By.XPATH, MOVE_BUTTON)))
    move.click()
    wait.until(lambda d: "verplaatst" in d.find_element(By.TAG_NAME, "body").text)
    browser.switch_to.frame(wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, 'iframe[title="streamlit_folium.st_folium"]'))))
    _wait_for_map(browser)  # the map with the moved unit is drawn again
    browser.switch_to.default_content()
    time.sleep(1)  # let it settle for the screenshot
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "planner_after_move.png"))
    _no_exception_box(browser)
    assert picked
    assert (ARTIFACTS / "planner_after_move.png").stat().st_size > 10_000


@pytest.mark.browser
def test_exported_html_map_draws_offline(browser, demo_bundle, tmp_path):
    from zorgzones import export
    from zorgzones.zones import Plan

    plan = Plan.from_bundle(demo_bundle, "elz")
    out = export.write_html(tmp_path / "kaart.html", demo_bundle, plan=plan)  # with the web basemap, which stays blank here
    browser.get(out.as_uri())
    state = _wait_for_map(browser, timeout=60)
    assert state["leaflet"] == "1.9.3" and state["loaded"] == []  # nothing fetched: every script and style is in the file
    assert state["labels"] == len(plan.zone_ids) and state["legend"] == 1 and state["layers"] == 1
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "html_map_offline.png"))
    assert (ARTIFACTS / "html_map_offline.png").stat().st_size > 10_000


# -- every page in a real browser, in French (issue 17) ---------------------------------------------------------------
#: Page url path -> whether it draws a map on opening.
PAGES = {"explore": True, "access": False, "planner": True, "cluster": True, "export": False, "data": False}


@pytest.fixture(scope="module")
def served_app(tmp_path_factory):
    """The app served by `python -m app_pages.serve` (first page built before the server starts; demo data) for the page
    tests of this module."""
    folder = tmp_path_factory.mktemp("served")
    port = _free_port()
    log = open(folder / "streamlit.log", "wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "app_pages.serve", "--server.headless", "true", "--server.address",
         "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=REPO, env=dict(os.environ, ZORGZONES_DATA_DIR=str(folder / "data")), stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as response:
                    if response.read() == b"ok":
                        break
            except OSError:
                pass
            if time.time() > deadline:
                pytest.fail("streamlit did not answer on /_stcore/health within 90 s")
            time.sleep(0.5)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def _untranslated_in(text: str, lang: str) -> list[str]:
    """i18n keys (words with underscores that are keys of the table) and Dutch page names shown in a French page."""
    from zorgzones.i18n import LABELS, LANGUAGES

    words = set(text.replace("\n", " ").split(" "))
    keys = sorted(w for w in words if "_" in w and w.strip(".,:;()") in LABELS)
    index = LANGUAGES.index(lang)
    dutch = [LABELS[k][0] for k in ("page_explore", "page_planner", "page_export", "page_data", "language")
             if LABELS[k][0] != LABELS[k][index] and LABELS[k][0] in text.split("\n")]
    return keys + dutch


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("page", list(PAGES))
def test_page_in_french_in_a_real_browser(browser, served_app, page):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    from zorgzones.i18n import t

    wait = WebDriverWait(browser, 120)
    browser.get(f"{served_app}/{'' if page == 'explore' else page}?lang=fr")  # explore is the default page: /
    wait.until(lambda d: t("language", "fr") in d.find_element(By.TAG_NAME, "body").text)
    if PAGES[page]:
        frame = wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, 'iframe[title="streamlit_folium.st_folium"]')))
        browser.switch_to.frame(frame)
        state = _wait_for_map(browser)
        browser.switch_to.default_content()
        assert state["legend"] == 1
    wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, '[data-testid="stStatusWidget"]'))
    time.sleep(1)
    _no_exception_box(browser)
    body = browser.find_element(By.TAG_NAME, "body").text
    assert t(f"page_{page}", "fr") in body and "Page not found" not in body
    assert not _untranslated_in(body, "fr"), _untranslated_in(body, "fr")
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / f"app_{page}_fr.png"))


# -- the population year (issue 14) ----------------------------------------------------------------------------------
@pytest.mark.browser
@pytest.mark.slow
def test_explore_in_2035_in_a_real_browser(browser, served_app):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 120)
    browser.get(f"{served_app}/?year=2035")  # a shared link with a year
    frame = wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, 'iframe[title="streamlit_folium.st_folium"]')))
    browser.switch_to.frame(frame)
    assert _wait_for_map(browser)["legend"] == 1
    browser.switch_to.default_content()
    wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, '[data-testid="stStatusWidget"]'))
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, '[data-testid="stImage"] img'))  # the zone's trend chart
    time.sleep(1)
    _no_exception_box(browser)
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "2035: projectie (synthetische demodata)" in body  # beside the slider: a projection, and synthetic
    assert "Kerncijfers van de zone in 2035" in body and "Page not found" not in body
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "app_explore_2035.png"))
