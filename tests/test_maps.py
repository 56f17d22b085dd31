"""Web maps: escaping of every shown text (services, units, zones), EPSG:4326 only here, credits, clustering, bad input."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import MultiPolygon, Point, box

from zorgzones import maps, webassets
from zorgzones.errors import ValidationError
from zorgzones.indicators import DEMO_LABEL, format_number
from zorgzones.zones import Plan

XSS = "<img src=x onerror=alert(1)>"
ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"


def grid_units(n: int = 3, size_m: float = 1_000.0) -> gpd.GeoDataFrame:
    rows = []
    for col in range(n):
        for row in range(n):
            pop = 1_000 * (col + 1) + 100 * row
            rows.append({"unit_id": f"u{col}{row}", "name": f"Unit {col}{row}", "level": "municipality", "pop_total": pop,
                         "pop_50_64": pop // 5, "pop_65plus": pop // 10 * (row + 1), "pop_80plus": pop // 20,
                         "area_km2": 1.0, "geometry": MultiPolygon([box(150_000 + col * size_m, 170_000 + row * size_m,
                                                                        150_000 + (col + 1) * size_m, 170_000 + (row + 1) * size_m)])})
    return gpd.GeoDataFrame(rows, crs="EPSG:31370").set_index("unit_id")


def services(n: int = 3) -> gpd.GeoDataFrame:
    names = [XSS] + [f"Apotheek `${{x}}` {i}" for i in range(1, n)]
    return gpd.GeoDataFrame({"service_type": ["pharmacy"] * n, "name": names, "capacity": 1.0, "active": True},
                            geometry=[Point(150_500 + 300 * i, 170_500) for i in range(n)], crs="EPSG:31370",
                            index=pd.Index([f"s{i}" for i in range(n)], name="service_id"))


class FakeBundle:
    def __init__(self, demo: bool = False):
        self.is_demo = demo

    def credits(self, layers):
        return "Bronnen: " + "; ".join(f"bron-{layer} (CC BY 4.0)" for layer in layers)


def html_of(fmap) -> str:
    """The rendered page with JSON ``\\uXXXX`` escapes decoded (what the browser's JavaScript sees)."""
    page = fmap.get_root().render()
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), page)


def test_escape_text_covers_html_and_js_template_strings():
    assert maps.escape_text(XSS) == ESCAPED
    assert maps.escape_text("a`b${c}\\") == "a&#96;b&#36;&#123;c&#125;&#92;"
    assert maps.escape_text('"quoted" & \'single\'') == "&quot;quoted&quot; &amp; &#x27;single&#x27;"
    assert maps.escape_text(None) == "" and maps.escape_text(float("nan")) == ""


def test_to_web_converts_simplifies_and_refuses_geographic():
    units = grid_units()
    web = maps.to_web(units, tolerance_m=10)
    assert web.crs.to_epsg() == 4326
    minx, miny, maxx, maxy = web.total_bounds
    assert 2.5 < minx < maxx < 6.5 and 49.4 < miny < maxy < 51.6
    assert units.crs.to_epsg() == 31370  # input untouched
    with pytest.raises(ValidationError, match="expected a projected CRS"):
        maps.to_web(web)


@pytest.mark.parametrize("threshold", [0, 1_000])
def test_service_names_are_escaped_clustered_or_not(threshold):
    units = grid_units()
    page = html_of(maps.web_map(units, services=services(), cluster_threshold=threshold, tiles=None))
    assert XSS not in page
    assert ESCAPED in page
    assert "${x}" not in page  # would be evaluated inside folium's JS template strings
    assert ("MarkerCluster" in page or "markerClusterGroup" in page) == (threshold == 0)


def test_unit_and_zone_names_are_escaped_in_tooltips_and_labels():
    units = grid_units()
    units.loc["u11", "name"] = XSS
    zones = pd.Series([f"z{u[1]}" for u in units.index], index=units.index)
    plan = Plan.from_assignment(zones, name="cols", zone_names={"z0": "<b>bold</b>", "z1": "Midden", "z2": "Oost"})
    page = html_of(maps.web_map(units, plan=plan, tiles=None))
    assert XSS not in page and "<b>bold</b>" not in page
    assert ESCAPED in page and "&lt;b&gt;bold&lt;/b&gt;" in page
    assert "Midden" in page and "Oost" in page


def test_choropleth_legend_layers_and_credits():
    units = grid_units()
    plan = Plan.from_assignment(pd.Series([f"z{u[1]}" for u in units.index], index=units.index), name="cols")
    fmap = maps.web_map(units, indicator="share_65plus", plan=plan, services=services(), bundle=FakeBundle(), tiles="OpenStreetMap")
    page = html_of(fmap)
    assert "Aandeel 65+ (% van de bevolking)" in page  # legend caption with unit
    for credit in ("bron-units (CC BY 4.0)", "bron-plans (CC BY 4.0)", "bron-services (CC BY 4.0)", "OpenStreetMap contributors"):
        assert credit in page
    assert "addAttribution" in page
    fills = set(re.findall(r'"_fill": "(#[0-9a-f]{6})"', page))
    assert len(fills) >= 3  # classes differ across the grid
    assert DEMO_LABEL not in page


def test_demo_bundle_is_labelled(demo_bundle):
    units = demo_bundle.units("municipality")
    plan = Plan.from_bundle(demo_bundle, "elz")
    page = html_of(maps.web_map(units, plan=plan, services=demo_bundle.services(), bundle=demo_bundle, tiles=None))
    assert DEMO_LABEL in page
    assert "Demozone" in page


def test_analysis_layer_is_escaped():
    units = grid_units()
    gaps = gpd.GeoDataFrame({"label": [XSS], "pop_beyond": [120]}, geometry=[box(150_000, 170_000, 151_000, 171_000)], crs="EPSG:31370")
    page = html_of(maps.web_map(units, analysis={"Gaten": gaps}, tiles=None))
    assert XSS not in page and ESCAPED in page and "Gaten" in page


def test_bad_input():
    units = grid_units()
    with pytest.raises(ValidationError, match="unknown indicator 'nope'"):
        maps.web_map(units, indicator="nope")
    with pytest.raises(ValidationError, match="tiles 'Stamen' unknown"):
        maps.web_map(units, tiles="Stamen")
    other = Plan.from_assignment(pd.Series(["a"], index=["x1"]), name="other", level="municipality")
    with pytest.raises(ValidationError, match="not among"):
        maps.web_map(units, plan=other)


@pytest.mark.slow
def test_real_municipalities_web_map(bundle):
    units = bundle.units("municipality")
    plan = Plan.from_bundle(bundle, "elz")
    fmap = maps.web_map(units, plan=plan, services=bundle.services(), bundle=bundle, tiles=None)
    page = html_of(fmap)
    assert "Bruzel" in page and "Modellicentie Gratis Hergebruik" in page
    data = re.search(r'"features": \[', page)
    assert data is not None
    assert len(page) < 8_000_000  # simplified display geometries keep the page light
    assert json.dumps("Antwerpen")[1:-1] in page


def _all_maps():
    """One map of each kind the app and the export draw: clustered services; zones, services and analysis layers."""
    units = grid_units()
    plan = Plan.from_assignment(pd.Series([f"z{u[1]}" for u in units.index], index=units.index), name="cols")
    areas = gpd.GeoDataFrame({"pop_beyond": [120]}, geometry=[box(150_000, 170_000, 151_000, 171_000)], crs="EPSG:31370")
    points = gpd.GeoDataFrame({"pop_beyond": [5]}, geometry=[Point(150_500, 170_500)], crs="EPSG:31370")
    return [maps.web_map(units, services=services(), cluster_threshold=0, tiles=None),
            maps.web_map(units, plan=plan, services=services(), analysis={"Gaten": areas, "Punten": points})]


def _links(fmap) -> list[str]:
    """The script and style-sheet URLs of every element of a map (what streamlit-folium hands its frame to load)."""
    found, stack = [], [fmap]
    while stack:
        element = stack.pop()
        found += [url for _, url in getattr(element, "default_js", []) + getattr(element, "default_css", [])]
        stack.extend(getattr(element, "_children", {}).values())
    return found


def test_vendored_assets_are_the_npm_files_with_licences():
    assert webassets.check_files() == []
    names = {p["name"]: p["version"] for p in webassets.manifest()["packages"]}
    assert names == {"leaflet": "1.9.3", "jquery": "3.7.1", "leaflet.markercluster": "1.1.0"}
    assert "1.9.3" in maps.MAP_JS[0][1] and "3.7.1" in maps.MAP_JS[1][1]  # the versions folium's templates are written for


def test_every_map_inlines_to_a_self_contained_page():
    pages = [fmap.get_root().render() for fmap in _all_maps()]
    assert any("markercluster" in url for url in webassets.external_assets(pages[0]))
    for page in pages:
        urls = webassets.external_assets(page)
        assert urls and set(urls) <= set(webassets.vendored())  # nothing the package does not ship (no d3, bootstrap)
        inlined, missing = webassets.inline_assets(page)
        assert missing == [] and webassets.external_assets(inlined) == []
        assert "<script src=" not in inlined and 'rel="stylesheet"' not in inlined
        assert "Leaflet 1.9.3" in inlined and "jQuery v3.7.1" in inlined
        assert "url(images/" not in inlined and "url(data:image/png;base64," in inlined  # CSS images embedded
    assert "tile.openstreetmap.org" in pages[1] and "tile.openstreetmap.org" not in pages[0]
    page = "<html><head>" + '<script src="https://example.org/other.js"></script>' + "</head></html>"
    assert webassets.inline_assets(page) == (page, ["https://example.org/other.js"])


def test_serve_locally_points_every_element_at_the_vendored_files():
    for fmap in _all_maps():
        assert webassets.serve_locally(fmap, "../assets") == []
        links = _links(fmap)
        assert links and all(url.startswith("../assets/") for url in links)
        assert all((webassets.ASSETS_DIR / url.removeprefix("../assets/")).is_file() for url in links)
        assert webassets.serve_locally(fmap, "../assets/") == [] and _links(fmap) == links  # idempotent
    fmap.default_js = fmap.default_js + [("other", "https://example.org/other.js")]
    assert webassets.serve_locally(fmap, "../assets/") == ["https://example.org/other.js"]


def test_legend_is_plain_html_so_no_d3_is_loaded():
    import branca.colormap

    fmap = maps.web_map(grid_units(), indicator="share_65plus", tiles=None)
    stack, elements = [fmap], []
    while stack:
        elements.append(stack.pop())
        stack.extend(getattr(elements[-1], "_children", {}).values())
    # streamlit-folium fetches d3 from the web for any branca colormap in a map; offline that stops the whole map
    assert not any(isinstance(e, branca.colormap.ColorMap) for e in elements)
    page = html_of(fmap)
    assert "zz-legend" in page and "d3" not in " ".join(webassets.external_assets(page))
    values = grid_units()["pop_65plus"] / grid_units()["pop_total"] * 100
    assert format_number(values.min(), 1, "nl") + " - " in page  # first class starts at the lowest value
    box_html = maps.legend_html(XSS, ["#ffffff"], [XSS], no_data="geen gegevens")
    assert XSS not in box_html and box_html.count(ESCAPED) == 2 and "geen gegevens" in box_html


def test_default_basemap_renders_without_warnings():
    page = html_of(maps.web_map(grid_units()))  # filterwarnings=error: a tile-provider warning would fail here
    assert "tile.openstreetmap.org" in page and "OpenStreetMap contributors (ODbL)" in page
