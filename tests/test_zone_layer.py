"""The zone layer drawn apart from the base map: coverage simplification, zone shapes against a plain dissolve, labels, selection."""

from __future__ import annotations

import re

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from shapely.geometry import box

from zorgzones import maps
from zorgzones.zones import Plan, dissolve_zones

XSS = "<img src=x onerror=alert(1)>"


def grid(n: int = 4, size_m: float = 1_000.0) -> gpd.GeoDataFrame:
    """n x n squares in EPSG:31370, unit ``u{col}{row}`` with 100 * (col + 1) inhabitants."""
    rows = [{"unit_id": f"u{c}{r}", "name": f"Unit {c}{r}", "level": "municipality", "pop_total": 100.0 * (c + 1),
             "geometry": box(150_000 + c * size_m, 170_000 + r * size_m, 150_000 + (c + 1) * size_m, 170_000 + (r + 1) * size_m)}
            for c in range(n) for r in range(n)]
    return gpd.GeoDataFrame(rows, crs="EPSG:31370").set_index("unit_id")


def halves(units: gpd.GeoDataFrame) -> Plan:
    """Columns 0-1 in zone ``w``, columns 2-3 in ``e``."""
    return Plan.from_assignment(pd.Series(["w" if int(u[1]) < 2 else "e" for u in units.index], index=units.index),
                                name="halves", zone_names={"w": XSS, "e": "Oost"})


def page_of(group) -> str:
    fmap = maps.folium.Map(tiles=None)
    group.add_to(fmap)
    page = fmap.get_root().render()
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), page)


def test_zone_shapes_match_a_dissolve_and_carry_population_and_labels():
    units = grid()
    display = maps.display_coverage(units, level="municipality")
    assert display.attrs["coverage"] and display.crs == units.crs
    zones = maps.zone_shapes(display, halves(units))
    assert zones.crs.to_epsg() == 4326 and list(zones.index) == ["e", "w"]
    assert zones.loc["w", "zone_name"] == XSS
    assert zones.loc["w", "pop_total"] == 4 * (100 + 200) and zones.loc["e", "pop_total"] == 4 * (300 + 400)
    reference = dissolve_zones(units, halves(units))
    ours = zones.to_crs(units.crs)
    for zone in ("w", "e"):  # squares simplify to themselves: the same 2 x 4 km rectangles (up to ~0.5 m of rounding)
        assert reference.geometry[zone].area == pytest.approx(8e6)
        assert ours.geometry[zone].symmetric_difference(reference.geometry[zone]).area < 8e6 * 1e-3
        label = shapely.Point(zones.at[zone, "label_lon"], zones.at[zone, "label_lat"])
        assert zones.geometry[zone].contains(label)


def test_zone_shapes_of_units_that_are_no_coverage_still_dissolve():
    units = grid()
    units.loc["u00", "geometry"] = box(149_900, 169_900, 151_100, 171_100)  # overlaps its neighbours: not a coverage
    display = maps.display_coverage(units, level="municipality")
    assert not display.attrs["coverage"]
    zones = maps.zone_shapes(display, halves(units))
    assert zones.is_valid.all() and zones.geometry["w"].geom_type == "Polygon"


def test_zone_layer_escapes_labels_and_outlines_the_selection():
    units = grid()
    display = maps.display_coverage(units, level="municipality")
    zones = maps.zone_shapes(display, halves(units))
    page = page_of(maps.zone_layer(zones))
    assert XSS not in page and maps.escape_text(XSS) in page and "Oost" in page
    assert "zz-label" in page and "#1565c0" not in page
    # outlines must not catch clicks (on a canvas map they would take every click meant for the units below)
    assert '"interactive": true' not in page and page.count('"interactive": false') >= 1
    selected = page_of(maps.zone_layer(zones, selected=display.loc[["u00"]].to_crs(4326)))
    assert "#1565c0" in selected and selected.count('"interactive": false') >= 2
    assert maps.zone_layer(zones.iloc[:0]).get_name()  # no zones: an empty layer, no error


@pytest.mark.slow
def test_zone_shapes_on_real_neighbourhoods_are_valid_and_fast(bundle):
    import time

    units = bundle.units("neighbourhood")
    plan = Plan.from_bundle(bundle, "elz_neighbourhood")
    display = maps.display_coverage(units, level="neighbourhood")
    start = time.perf_counter()
    zones = maps.zone_shapes(display, plan)
    assert time.perf_counter() - start < 2.0  # about 0.07 s here
    assert len(zones) == len(plan.zone_ids) and zones.is_valid.all()
    assert zones["pop_total"].sum() == pytest.approx(units["pop_total"].sum())
    reference = dissolve_zones(units, plan).to_crs(3035)  # areas compared in an equal-area CRS
    ratio = zones.to_crs(3035).area / reference.area.reindex(zones.index)
    assert ratio.between(0.99, 1.01).all()
