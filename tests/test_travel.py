"""Straight-line cost tables and demand points: hand-made grids, a brute-force oracle and the real raster."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, Polygon, box

from zorgzones.errors import ValidationError
from zorgzones.travel import DETOUR_FACTOR, SPEED_KMH, demand_points, raster_demand_points, straight_line_costs

CRS = "EPSG:31370"


def points(coords, ids, crs=CRS):
    return gpd.GeoDataFrame(geometry=[Point(x, y) for x, y in coords], index=pd.Index(ids, name="id"), crs=crs)


@pytest.fixture
def grid():
    """Centres of a 3x3 grid of 1 km squares, and two services."""
    coords = [(500 + 1000 * i, 500 + 1000 * j) for j in range(3) for i in range(3)]
    origins = points(coords, [f"c{k}" for k in range(9)])
    services = points([(500, 500), (2500, 2500)], ["s1", "s2"])
    return origins, services


def test_costs_by_hand(grid):
    origins, services = grid
    table = straight_line_costs(origins, services, mode="walk", max_distance_m=1200, detour_factor=1.0)
    # within 1.2 km of s1 (at c0): c0 (0 m), c1, c3 (1 km); of s2 (at c8): c8, c5, c7
    assert set(zip(table.origin_id, table.dest_id)) == {("c0", "s1"), ("c1", "s1"), ("c3", "s1"), ("c8", "s2"), ("c5", "s2"), ("c7", "s2")}
    row = table[(table.origin_id == "c1")].iloc[0]
    assert row.distance_m == pytest.approx(1000.0)
    assert row.travel_min == pytest.approx(1000.0 / (SPEED_KMH["walk"] * 1000 / 60))
    assert (table["cost"] == table["travel_min"]).all()
    assert list(table.columns) == ["origin_id", "dest_id", "distance_m", "travel_min", "cost"]
    # origins in input order
    assert table.origin_id.tolist() == sorted(table.origin_id.tolist(), key=lambda s: int(s[1:]))


def test_detour_and_minutes_cutoff(grid):
    origins, services = grid
    table = straight_line_costs(origins, services, mode="car", max_minutes=2.0)
    speed = SPEED_KMH["car"] * 1000 / 60
    oracle = []
    for o, p in origins.geometry.items():
        for d, q in services.geometry.items():
            metres = p.distance(q) * DETOUR_FACTOR["car"]
            if metres / speed <= 2.0:
                oracle.append((o, d, metres, metres / speed))
    oracle = pd.DataFrame(oracle, columns=["origin_id", "dest_id", "distance_m", "travel_min"]).sort_values(["origin_id", "dest_id"])
    got = table.sort_values(["origin_id", "dest_id"])
    assert got[["origin_id", "dest_id"]].values.tolist() == oracle[["origin_id", "dest_id"]].values.tolist()
    np.testing.assert_allclose(got["distance_m"], oracle["distance_m"])
    np.testing.assert_allclose(got["travel_min"], oracle["travel_min"])


def test_random_against_brute_force():
    rng = np.random.default_rng(7)
    origins = points(rng.uniform(0, 20_000, (300, 2)), np.arange(300))
    services = points(rng.uniform(0, 20_000, (40, 2)), [f"s{k}" for k in range(40)])
    table = straight_line_costs(origins, services, mode="bike", max_distance_m=3000)
    xy_o = np.column_stack([origins.geometry.x, origins.geometry.y])
    xy_d = np.column_stack([services.geometry.x, services.geometry.y])
    full = np.hypot(xy_o[:, None, 0] - xy_d[None, :, 0], xy_o[:, None, 1] - xy_d[None, :, 1]) * DETOUR_FACTOR["bike"]
    assert len(table) == int((full <= 3000).sum())
    assert table.origin_id.dtype.kind == "i"
    no_cutoff = straight_line_costs(origins, services, mode="bike")
    assert len(no_cutoff) == 300 * 40


def test_bad_inputs_listed(grid):
    origins, services = grid
    with pytest.raises(ValidationError, match="geographic") as info:
        straight_line_costs(origins.to_crs("EPSG:4326"), services.set_crs(None, allow_override=True), max_minutes=5, mode="plane")
    text = str(info.value)
    assert "no CRS" in text and "mode is 'plane'" in text and "to_crs" in text
    with pytest.raises(ValidationError, match="max_minutes"):
        straight_line_costs(origins, services, max_minutes=-1)
    with pytest.raises(ValidationError, match="detour_factor"):
        straight_line_costs(origins, services, max_minutes=5, detour_factor=0.5)
    empty = services.copy()
    empty.loc["s3", "geometry"] = None
    with pytest.raises(ValidationError, match="without coordinates"):
        straight_line_costs(origins, empty, max_minutes=5)


def test_demand_points_inside_units():
    square = box(0, 0, 1000, 1000)
    crescent = Polygon([(0, 0), (3000, 0), (3000, 3000), (0, 3000), (0, 2500), (2500, 2500), (2500, 500), (0, 500)])
    units = gpd.GeoDataFrame({"pop_total": [10, 20]}, geometry=[square, crescent], index=pd.Index(["u1", "u2"], name="unit_id"), crs=CRS)
    result = demand_points(units)
    assert result.loc["u1", "point_method"] == "centroid"
    assert result.geometry["u1"].equals(Point(500, 500))
    assert result.loc["u2", "point_method"] == "representative"
    assert result.geometry["u2"].within(crescent)
    assert result["pop_total"].tolist() == [10, 20]
    with pytest.raises(ValidationError, match="geographic"):
        demand_points(units.to_crs("EPSG:4326"))
    with pytest.raises(ValidationError, match="pop_65plus"):
        demand_points(units, weight_column="pop_65plus")


def test_raster_demand_points(shared_geodata, tmp_path):
    import rasterio
    from affine import Affine

    path = tmp_path / "pop.tif"
    data = np.array([[0, 5, np.nan], [2, 0, 1]], dtype="float32")
    with rasterio.open(path, "w", driver="GTiff", height=2, width=3, count=1, dtype="float32", crs=CRS, transform=Affine(100, 0, 1000, 0, -100, 3000), nodata=np.nan) as dst:
        dst.write(data, 1)
    cells = raster_demand_points(path)
    assert cells.index.tolist() == [1, 3, 5] and cells["pop_total"].tolist() == [5.0, 2.0, 1.0]
    assert cells.geometry[1].equals(Point(1150, 2950))
    clipped = raster_demand_points(path, clip_to=gpd.GeoDataFrame(geometry=[box(1100, 2800, 1300, 3000)], crs=CRS))
    assert clipped.index.tolist() == [1, 5]
    real = raster_demand_points(shared_geodata / "raster" / "ghs_pop_100m_mollweide_westflanders_bbox.tif")
    assert len(real) == 200_533 and real.crs == CRS
    assert real["pop_total"].sum() == pytest.approx(1_689_316, rel=1e-4)
    x, y = real.geometry.x, real.geometry.y  # West Flanders in Lambert 72
    assert 20_000 < x.median() < 90_000 and 160_000 < y.median() < 220_000


def test_population_weighted_points_by_hand():
    from zorgzones.travel import population_weighted_points

    units = gpd.GeoDataFrame(
        {"pop_total": [400, 50, 0]},
        geometry=[box(0, 0, 2000, 1000), Polygon([(0, 2000), (3000, 2000), (3000, 5000), (0, 5000), (0, 4500), (2500, 4500), (2500, 2500), (0, 2500)]), box(5000, 0, 6000, 1000)],
        index=pd.Index(["A", "C", "E"], name="unit_id"),
        crs=CRS,
    )
    parts = gpd.GeoDataFrame(
        {"municipality_id": ["A", "A", "C", "C"], "pop_total": [100, 300, 40, 10]},
        geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000), box(0, 2000, 3000, 2500), box(0, 4500, 3000, 5000)],
        crs=CRS,
    )
    points = population_weighted_points(units, parts)
    # A: (100 * 500 + 300 * 1500) / 400 = 1250, y = 500
    assert points.geometry["A"].equals(Point(1250, 500)) and points.loc["A", "point_method"] == "population_weighted"
    # C: the weighted mean (1500, 2650) falls in the hole of the crescent -> point of the larger part
    assert points.loc["C", "point_method"] == "largest_part" and points.geometry["C"].equals(Point(1500, 2250))
    assert points.loc["E", "point_method"] == "centroid"  # no populated parts
    assert points["pop_total"].tolist() == [400, 50, 0]
