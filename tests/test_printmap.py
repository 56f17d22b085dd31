"""Print maps: classification against a brute-force oracle, paper sizes, PDF/PNG/SVG outputs opened and checked, bad input."""

from __future__ import annotations

import datetime as dt
import http.server
import io
import socket
import threading
import xml.etree.ElementTree as ET

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image
from pypdf import PdfReader
from shapely.geometry import MultiPolygon, box

from zorgzones import printmap as pm
from zorgzones.errors import ValidationError
from zorgzones.indicators import DEMO_LABEL, INDICATORS, format_number, indicator_values, shown_values
from zorgzones.zones import Plan


def grid_units(n: int = 3, size_m: float = 1_000.0) -> gpd.GeoDataFrame:
    """n x n squares of ``size_m`` in EPSG:31370; unit ``u{col}{row}``; population grows with the column."""
    rows = []
    for col in range(n):
        for row in range(n):
            pop = 1_000 * (col + 1) + 100 * row
            rows.append({"unit_id": f"u{col}{row}", "name": f"Unit {col}{row}", "level": "municipality", "region": "flanders",
                         "pop_total": pop, "pop_0_14": pop // 5, "pop_50_64": pop // 5, "pop_65plus": pop // 10 * (row + 1),
                         "pop_80plus": pop // 20, "area_km2": size_m ** 2 / 1e6,
                         "geometry": MultiPolygon([box(150_000 + col * size_m, 170_000 + row * size_m,
                                                       150_000 + (col + 1) * size_m, 170_000 + (row + 1) * size_m)])})
    return gpd.GeoDataFrame(rows, crs="EPSG:31370").set_index("unit_id")


def column_plan(units: gpd.GeoDataFrame) -> Plan:
    """One zone per column of the grid."""
    zones = pd.Series([f"z{u[1]}" for u in units.index], index=units.index)
    return Plan.from_assignment(zones, name="columns", zone_names={f"z{c}": f"Kolom {c}" for c in range(3)})


class FakeBundle:
    """Enough of a bundle for credits and the demo label."""

    def __init__(self, demo: bool = False):
        self.is_demo = demo
        self.sources = [{"id": "grid", "title": "Testraster", "licence": "CC0 1.0", "reference_date": "2025", "credit": "Testraster (CC0 1.0)"}]
        self.manifest = {"layers": {}}

    def credits(self, layers):
        return "Bronnen: Testraster (CC0 1.0)"


def brute_classes(values, bins):
    out = []
    for v in values:
        if not np.isfinite(v):
            out.append(-1)
            continue
        out.append(next((i for i, b in enumerate(bins) if v <= b), len(bins) - 1))
    return out


def test_classify_quantiles_by_hand():
    bins, classes = pm.classify(pd.Series([1, 2, 3, 4, 5, 6.0]), scheme="quantiles", k=3)
    assert bins.tolist() == pytest.approx([8 / 3, 13 / 3, 6])  # linear-interpolated terciles
    assert classes.tolist() == [0, 0, 1, 1, 2, 2]


def test_classify_missing_constant_and_small_k():
    bins, classes = pm.classify(pd.Series([np.nan, 2.0, 2.0]), k=5)
    assert bins.tolist() == [2.0] and classes.tolist() == [-1, 0, 0]
    bins, classes = pm.classify(pd.Series([1.0, 5.0, 9.0]), scheme="fisher_jenks", k=7)
    assert len(bins) == 3 and classes.tolist() == [0, 1, 2]
    with pytest.raises(ValidationError, match="scheme 'bogus' is unknown"):
        pm.classify(pd.Series([1.0]), scheme="bogus")


@pytest.mark.parametrize("scheme", ["fisher_jenks", "quantiles", "equal_interval"])
def test_classify_matches_brute_force(scheme):
    rng = np.random.default_rng(7)
    values = pd.Series(np.r_[rng.gamma(2.0, 3.0, 200), [np.nan, np.nan]])
    bins, classes = pm.classify(values, scheme=scheme, k=5)
    assert classes.tolist() == brute_classes(values.to_numpy(), bins)
    assert bins[-1] == pytest.approx(np.nanmax(values))


def test_paper_sizes_and_bad_layout():
    assert pm.paper_inches("A4", "landscape") == pytest.approx((297 / 25.4, 210 / 25.4))
    assert pm.paper_inches("A3", "portrait") == pytest.approx((297 / 25.4, 420 / 25.4))
    with pytest.raises(ValidationError) as err:
        pm.paper_inches("A5", "sideways")
    assert len(err.value.problems) == 2


def test_indicator_catalogue_formulas_by_hand():
    units = grid_units()
    row = units.loc[["u21"]]  # pop 3100, 65+ = 310 * 2 = 620, 50-64 = 620, 80+ = 155
    assert indicator_values(row, "share_65plus").iloc[0] == pytest.approx(620 / 3100)
    assert shown_values(row, "share_65plus").iloc[0] == pytest.approx(20.0)
    assert indicator_values(row, "informal_care_ratio").iloc[0] == pytest.approx(4.0)
    assert indicator_values(row, "density_per_km2").iloc[0] == pytest.approx(3100.0)
    assert INDICATORS["share_65plus"].format(0.2, "nl") == "20,0"
    assert format_number(12345.6, 0, "nl") == "12.346" and format_number(12345.6, 0, "en") == "12,346"
    for indicator in INDICATORS.values():
        assert indicator.label_nl and indicator.label_en and indicator.unit_nl and indicator.unit_en


def test_print_map_pdf_text_title_zones_credits(tmp_path):
    units = grid_units()
    fig = pm.print_map(units, indicator="share_65plus", plan=column_plan(units), bundle=FakeBundle(), title="Vergrijzing test")
    out = pm.save_figure(fig, tmp_path / "map.pdf")
    reader = PdfReader(out)
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    for expected in ("Vergrijzing test", "Kolom 0", "Kolom 2", "Testraster (CC0 1.0)", "Aandeel 65+", "EPSG:31370"):
        assert expected in text
    width_pt, height_pt = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    assert (width_pt, height_pt) == pytest.approx((297 / 25.4 * 72, 210 / 25.4 * 72), abs=1)
    assert list(tmp_path.iterdir()) == [out]


def test_print_map_png_is_300_dpi_a4(tmp_path):
    from PIL import Image

    units = grid_units()
    out = pm.save_figure(pm.print_map(units, indicator="density_per_km2", plan=column_plan(units)), tmp_path / "map.png")
    with Image.open(out) as image:
        assert image.size == pytest.approx((297 / 25.4 * 300, 210 / 25.4 * 300), abs=1)
        assert image.info["dpi"] == pytest.approx((300, 300), abs=0.01)


def test_print_map_svg_parses_and_a3_portrait_zone_choropleth(tmp_path):
    units = grid_units()
    fig = pm.print_map(units, indicator="deviation_ideal_pct", plan=column_plan(units),
                       by="zone", paper="A3", orientation="portrait", bundle=FakeBundle(demo=True), lang="en")
    out = pm.save_figure(fig, tmp_path / "map.svg")
    root = ET.parse(out).getroot()
    assert root.tag.endswith("svg")
    content = out.read_text(encoding="utf-8")
    assert "Kolom 1" in content and DEMO_LABEL in content and "Deviation from ideal size" in content


def test_print_map_refuses_bad_input(tmp_path):
    units = grid_units()
    with pytest.raises(ValidationError, match="unknown indicator 'bogus'"):
        pm.print_map(units, indicator="bogus")
    with pytest.raises(ValidationError, match="by='zone' needs a plan"):
        pm.print_map(units, by="zone")
    with pytest.raises(ValidationError, match="CRS is EPSG:4326"):
        pm.print_map(units.to_crs("EPSG:4326"))
    other = Plan.from_assignment(pd.Series(["a", "b"], index=["x1", "x2"]), name="other", level="municipality")
    with pytest.raises(ValidationError, match="2 of 2 units of plan 'other' are not among"):
        pm.print_map(units, plan=other)


def test_save_figure_bad_paths_leave_nothing(tmp_path):
    fig = pm.print_map(grid_units())
    with pytest.raises(ValidationError, match="does not exist"):
        pm.save_figure(fig, tmp_path / "missing" / "map.pdf")
    with pytest.raises(ValidationError, match="unsupported file type '.jpg'"):
        pm.save_figure(fig, tmp_path / "map.jpg")
    (tmp_path / "folder.pdf").mkdir()
    with pytest.raises(ValidationError, match="is a folder"):
        pm.save_figure(fig, tmp_path / "folder.pdf")

    def failing(tmp):
        tmp.write_bytes(b"half a file")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        pm.atomic_write(tmp_path / "x.pdf", failing)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder.pdf"]


@pytest.mark.slow
def test_print_map_real_municipalities(bundle, tmp_path):
    from zorgzones import export

    units = bundle.units("municipality")
    assert len(units) == 304
    plan = Plan.from_bundle(bundle, "elz")
    out = export.write_map(tmp_path / "elz.pdf", bundle, plan=plan, indicator="share_80plus", with_services=True,
                           title="Aandeel 80-plussers per gemeente")
    text = PdfReader(out).pages[0].extract_text()
    for expected in ("Aandeel 80-plussers per gemeente", "Bruzel", "Modellicentie Gratis Hergebruik", "Apotheek", "Ziekenhuis"):
        assert expected in text
    png = export.write_map(tmp_path / "elz.png", bundle, plan=plan, indicator="informal_care_ratio", paper="A3", orientation="portrait")
    from PIL import Image

    with Image.open(png) as image:
        assert image.size == pytest.approx((297 / 25.4 * 300, 420 / 25.4 * 300), abs=1)


class _TileServer(http.server.BaseHTTPRequestHandler):
    """Serves one magenta 256 px PNG for every tile path and remembers the paths asked."""

    asked: list = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        type(self).asked.append(self.path)
        buffer = io.BytesIO()
        Image.new("RGB", (256, 256), (255, 0, 255)).save(buffer, format="PNG")
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()
        self.wfile.write(buffer.getvalue())

    def log_message(self, *args):
        pass


@pytest.fixture()
def tile_url():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _TileServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _TileServer.asked = []
    yield f"http://127.0.0.1:{server.server_address[1]}/{{z}}/{{x}}/{{y}}.png"
    server.shutdown()
    server.server_close()


def pixels(fig) -> np.ndarray:
    FigureCanvasAgg(fig).draw()
    return np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()


def test_basemap_tiles_drawn_under_the_map_with_credit(tile_url, tmp_path):
    units = grid_units()
    fig = pm.print_map(units, plan=column_plan(units), bundle=FakeBundle(), basemap=tile_url, date=dt.date(2026, 1, 1))
    assert fig.basemap == (True, "achtergrond: tegels van " + tile_url.split("/")[2])
    assert _TileServer.asked and all(path.endswith(".png") for path in _TileServer.asked)
    magenta = (pixels(fig) == (255, 0, 255)).all(axis=-1)
    assert magenta.sum() > 1_000  # tiles show around the units (inside the map frame only)
    text = PdfReader(pm.save_figure(fig, tmp_path / "map.pdf")).pages[0].extract_text()
    assert "tegels van 127.0.0.1" in text and "Testraster (CC0 1.0)" in text


def test_basemap_offline_gives_the_same_map_without_tiles():
    units = grid_units()
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}/{{z}}/{{x}}/{{y}}.png"
    date = dt.date(2026, 1, 1)
    offline = pm.print_map(units, plan=column_plan(units), bundle=FakeBundle(), basemap=dead, date=date)
    plain = pm.print_map(units, plan=column_plan(units), bundle=FakeBundle(), date=date)
    assert offline.basemap[0] is False and "basemap not drawn" in offline.basemap[1]
    assert np.array_equal(pixels(offline), pixels(plain))


def test_basemap_source_must_be_known_or_a_tile_template():
    with pytest.raises(ValidationError, match="basemap 'ftp://x' is unknown"):
        pm.print_map(grid_units(), basemap="ftp://x")
