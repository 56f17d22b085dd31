"""Sector demand: hand-made cases for points and aggregation, real-data checks on the bundle (issue 12)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from shapely.geometry import Point, box

from zorgzones import accessibility, demand, sectors, travel
from zorgzones.errors import DataError, ValidationError
from zorgzones.settings import WORKING_CRS

T = 10.0


def _points(rows, *, unit="u1"):
    """Demand points as demand_points() returns them: (id, x, y, population, inside_region)."""
    frame = pd.DataFrame(rows, columns=["point_id", "x", "y", "pop_total", "inside_region"]).set_index("point_id")
    frame["unit_id"] = np.where(frame["inside_region"], unit, None)
    return gpd.GeoDataFrame(frame.drop(columns=["x", "y"]), geometry=gpd.points_from_xy(frame["x"], frame["y"]), crs=WORKING_CRS)


# --------------------------------------------------------------------------- hand-made cases


def test_share_beyond_is_the_far_sectors_share():
    # one unit, two sectors: 300 people 100 m from the pharmacy, 100 people 2 km away; walking 4.8 km/h x 1.2 detour
    points = _points([("near", 100.0, 0.0, 300.0, True), ("far", 2000.0, 0.0, 100.0, True), ("abroad", 50.0, 0.0, 1e6, False)])
    service = gpd.GeoDataFrame(index=pd.Index(["ph"]), geometry=[Point(0, 0)], crs=WORKING_CRS)
    costs = travel.straight_line_costs(points, service, mode="walk", max_minutes=40)
    nearest = accessibility.nearest_service(costs, origin_index=points.index)
    assert nearest.loc["near", "nearest_cost"] == pytest.approx(120 / 80)  # 100 m x 1.2 at 80 m/min
    assert nearest.loc["far", "nearest_cost"] == pytest.approx(2400 / 80)
    result = demand.aggregate_to_units(nearest, points, units=pd.Index(["u1", "u2"]), max_minutes=T)
    row = result.loc["u1"]
    assert row["population"] == 400 and row["n_points"] == 2  # the point outside the region does not count
    assert row["pop_beyond"] == 100 and row["share_beyond"] == pytest.approx(0.25)
    assert row["travel_min_mean"] == pytest.approx((300 * 1.5 + 100 * 30) / 400)
    assert row["travel_min_p50"] == pytest.approx(1.5) and row["travel_min_p90"] == pytest.approx(30)
    assert result.loc["u2", "population"] == 0 and np.isnan(result.loc["u2", "share_beyond"])
    # the centroid model: both sectors' 400 people at one point 1,050 m away (15.75 min) -> all beyond
    centroid = _points([("u1", 1050.0, 0.0, 400.0, True)])
    far = accessibility.nearest_service(travel.straight_line_costs(centroid, service, mode="walk", max_minutes=40), origin_index=centroid.index)
    assert demand.aggregate_to_units(far, centroid, max_minutes=T).loc["u1", "share_beyond"] == 1.0


def test_unreached_points_count_beyond_and_supply_is_population_weighted():
    points = _points([("a", 0, 0, 100.0, True), ("b", 0, 0, 300.0, True), ("c", 0, 0, 0.0, True)])
    values = pd.DataFrame({"nearest_cost": [4.0, np.nan, np.nan], "supply_per_demand": [0.002, 0.001, np.nan]}, index=points.index)
    row = demand.aggregate_to_units(values, points, max_minutes=T).loc["u1"]
    assert row["pop_beyond"] == 300 and row["share_beyond"] == 0.75
    assert row["travel_min_mean"] == 4.0  # over the people within reach
    assert row["travel_min_p50"] != row["travel_min_p50"]  # the median person has no service within reach: NaN
    assert row["supply_per_1000"] == pytest.approx(1000 * (100 * 0.002 + 300 * 0.001) / 400)
    by_age = demand.aggregate_to_units(values, points.assign(pop_80plus=[10.0, 0.0, 5.0]), weights="pop_80plus", max_minutes=T)
    assert by_age.loc["u1", "share_beyond"] == pytest.approx(5 / 15) and by_age.loc["u1", "population"] == 15


def test_weighted_quantiles_match_a_slow_oracle():
    rng = np.random.default_rng(12)
    n, groups = 500, 17
    values = rng.exponential(5.0, n)
    values[rng.random(n) < 0.1] = np.inf
    weights = rng.integers(0, 50, n).astype(float)
    group = rng.integers(0, groups, n)
    fast = demand.weighted_quantiles(values, weights, group, groups + 1, (0.5, 0.9))
    for g in range(groups + 1):
        keep = (group == g) & (weights > 0)
        order = np.argsort(values[keep], kind="stable")
        v, w = values[keep][order], weights[keep][order]
        for k, q in enumerate((0.5, 0.9)):
            if not len(v):
                assert np.isnan(fast[g, k])
                continue
            share = np.cumsum(w) / w.sum()
            expected = next(v[i] for i in range(len(v)) if share[i] >= q * (1 - 1e-12))
            assert fast[g, k] == expected


def test_aggregate_refuses_bad_input():
    points = _points([("a", 0, 0, 1.0, True)])
    with pytest.raises(ValidationError, match="weights column"):
        demand.aggregate_to_units(pd.DataFrame({"nearest_cost": [1.0]}, index=["a"]), points, weights="pop_99")
    with pytest.raises(ValidationError, match="not in points"):
        demand.aggregate_to_units(pd.DataFrame({"nearest_cost": [1.0]}, index=["zz"]), points)


def test_multipolygon_lists_become_shapely_geometry():
    identity = pyproj.Transformer.from_crs(WORKING_CRS, WORKING_CRS, always_xy=True)
    square = np.array([[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]], dtype=float)
    hole = np.array([[2, 2], [4, 2], [4, 4], [2, 4], [2, 2]], dtype=float)
    nested = [[[square, hole], [square + 100]], [[square * 2]]]
    geoms = sectors._multipolygons(nested, identity)
    assert [g.geom_type for g in geoms] == ["MultiPolygon", "MultiPolygon"]
    assert shapely.area(geoms).tolist() == [100 - 4 + 100, 400]


def _raster(path, values):
    import rasterio
    from affine import Affine

    array = np.asarray(values, dtype="float32")
    with rasterio.open(path, "w", driver="GTiff", width=array.shape[1], height=array.shape[0], count=1, dtype="float32",
                       crs=WORKING_CRS, transform=Affine(100.0, 0.0, 0.0, 0.0, -100.0, 100.0 * array.shape[0]), nodata=np.nan) as dst:
        dst.write(array, 1)
    return path


def test_sector_points_are_population_weighted_inside_a_finer_raster(tmp_path):
    path = _raster(tmp_path / "pop.tif", [[10, 0, 0], [0, 0, 0], [0, 0, 20]])  # cell centres (50, 250) and (250, 50)
    polygons = gpd.GeoSeries([box(0, 0, 300, 300), box(0, 0, 100, 300).union(box(0, 0, 300, 100)), box(1000, 0, 1100, 100)],
                             index=["square", "ell", "outside"], crs=WORKING_CRS)
    points, method = sectors.sector_points(polygons.iloc[[0, 2]], raster_path=path)
    assert method.to_dict() == {"square": "population_weighted", "outside": "representative"}
    assert (points["square"].x, points["square"].y) == pytest.approx(((10 * 50 + 20 * 250) / 30, (10 * 250 + 20 * 50) / 30))
    # in the L the weighted mean (183, 117) falls outside the polygon: the most populated cell centre is used
    points, method = sectors.sector_points(polygons.iloc[[1]], raster_path=path)
    assert method["ell"] == "largest_cell" and (points["ell"].x, points["ell"].y) == (250, 50)


def test_demo_bundle_has_centroid_demand_only(demo_bundle):
    points = demand.demand_points(demo_bundle, level="municipality")
    units = demo_bundle.units("municipality")
    assert (points["source"] == "unit").all() and list(points.index) == list(units.index)
    assert points["pop_total"].sum() == units["pop_total"].sum() and points["inside_region"].all()
    with pytest.raises(DataError, match="no sector demand"):
        demand.demand_points(demo_bundle, level="municipality", model="sector")
    with pytest.raises(ValidationError, match="level") as error:
        demand.demand_points(demo_bundle, level="province", year=2021, include_outside="abroad")
    assert len(error.value.problems) == 3  # every problem at once


# --------------------------------------------------------------------------- real data


@pytest.fixture(scope="module")
def sector_points(bundle):
    return demand.demand_points(bundle, level="neighbourhood", model="sector")


def test_all_belgian_sector_polygons_are_read(bundle_dir):
    from zorgzones.build import _Sources
    from zorgzones.catalog import default_catalog

    polygons = sectors.read_sector_polygons(_Sources(bundle_dir, default_catalog())("statistical_sectors", "BE_ADMIN_SECTORS.rda"))
    assert len(polygons) == 19_478 and polygons.index.is_unique
    assert polygons.crs == WORKING_CRS and polygons.geometry.is_valid.all()
    assert polygons["region_code"].value_counts().to_dict() == {"02000": 9159, "03000": 9599, "04000": 720}
    assert polygons["area_km2"].sum() == pytest.approx(30_689, rel=0.01)  # Belgium: 30,689 km2 of land


def test_sector_population_matches_the_bundle(bundle, sector_points):
    inside = sector_points[sector_points["inside_region"]]
    table = bundle.sectors
    units = bundle.units("neighbourhood")
    placed = table[table["neighbourhood_id"].isin(units.index)]
    assert inside["pop_total"].sum() == placed["population"].sum() == units["pop_total"].sum()
    per_unit = inside.groupby("unit_id")["pop_total"].sum().reindex(units.index).fillna(0)
    assert (per_unit == units["pop_total"]).all()
    # the only sectors left out are the 'unlocated' ones without any polygon, reported in the build notes
    unplaced = table["population"].sum() - inside["pop_total"].sum()
    assert any(f"({int(unplaced):,} inhabitants, mostly 'ZZZZ'" in note for note in bundle.manifest["notes"])
    assert inside["age_estimated"].all() and not inside["pop_estimated"].any()
    ages = inside.groupby(bundle.layer("sector_points").loc[inside.index, "municipality_id"])[["pop_total", "pop_80plus"]].sum()
    municipal = bundle.units("municipality")[["pop_total", "pop_80plus"]]
    assert np.allclose(ages["pop_80plus"], municipal.loc[ages.index, "pop_80plus"], rtol=0.03, atol=10)


def test_outside_demand_lies_across_the_border_within_the_buffer(bundle, sector_points):
    outside = sector_points[~sector_points["inside_region"]]
    region = bundle.boundaries("region").union_all()
    assert set(outside["region"]) == {"wallonia", "abroad"} and outside["unit_id"].isna().all()
    assert outside.geometry.distance(region).max() <= 20_000 + 1
    assert not shapely.contains_xy(region, outside.geometry.x, outside.geometry.y).any()
    abroad = outside[outside["region"] == "abroad"]
    assert abroad["pop_estimated"].all() and len(abroad) > 1000
    belgium = bundle.layer("sector_polygons")
    assert len(belgium.sindex.query(abroad.geometry.to_numpy(), predicate="within")[0]) == 0  # no Belgian counted twice
    assert 1.5e6 < outside.loc[outside["region"] == "wallonia", "pop_total"].sum() < 2.0e6


def test_kapellen_centrum_a_third_beyond_a_ten_minute_walk(bundle, sector_points):
    units = bundle.units("neighbourhood")
    kapellen = units.index[units["name"].str.startswith("Kapellen-Centrum")][0]
    pharmacies = bundle.services("pharmacy", active_only=True)
    assert pharmacies.geometry.within(units.geometry[kapellen]).sum() == 3
    costs = travel.straight_line_costs(sector_points, pharmacies, mode="walk", max_minutes=T)
    nearest = accessibility.nearest_service(costs, origin_index=sector_points.index)
    mine = sector_points[sector_points["unit_id"] == kapellen]
    beyond = mine["pop_total"][~(nearest.loc[mine.index, "nearest_cost"] <= T)].sum() / mine["pop_total"].sum()
    assert mine["pop_total"].sum() == 12_002 and 0.25 < beyond < 0.42
    by_unit = demand.aggregate_to_units(nearest, sector_points, units=units, max_minutes=T)
    assert by_unit.loc[kapellen, "share_beyond"] == pytest.approx(beyond)
    # province Antwerp and the region: the share from the sectors equals the one from the units' aggregates
    inside = sector_points[sector_points["inside_region"]]
    far = ~(nearest.loc[inside.index, "nearest_cost"] <= T)
    province = units["province_id"].reindex(inside["unit_id"]).to_numpy() == "10000"
    direct = inside["pop_total"][far & province].sum() / inside["pop_total"][province].sum()
    in_province = units["province_id"] == "10000"
    assert by_unit.loc[in_province, "pop_beyond"].sum() / by_unit.loc[in_province, "population"].sum() == pytest.approx(direct, rel=1e-12)
    region = demand.aggregate_to_units(nearest, sector_points, by=pd.Series("all", index=sector_points.index), max_minutes=T)
    assert region.loc["all", "share_beyond"] == pytest.approx(inside["pop_total"][far].sum() / inside["pop_total"].sum(), rel=1e-12)
    assert region.loc["all", "population"] == by_unit["population"].sum()
    # the centroid model put all 12,002 people at one point beyond the walk: the ranking error of issue 12
    centroid = demand.demand_points(bundle, level="neighbourhood", model="centroid", include_outside=False)
    near_c = accessibility.nearest_service(travel.straight_line_costs(centroid, pharmacies, mode="walk", max_minutes=T), origin_index=centroid.index)
    assert demand.aggregate_to_units(near_c, centroid, max_minutes=T).loc[kapellen, "share_beyond"] == 1.0


def _zone_supply(bundle, include_outside):
    points = demand.demand_points(bundle, level="municipality", model="sector", include_outside=include_outside)
    pharmacies = bundle.services("pharmacy", active_only=True)
    costs = travel.straight_line_costs(points, pharmacies, mode="car", max_minutes=30)
    ratio = accessibility.enhanced_two_step_fca(costs, points["pop_total"], pd.Series(1.0, index=pharmacies.index), steps=accessibility.DEFAULT_STEPS)
    zone = points["unit_id"].map(bundle.plan_assignment("elz").set_index("unit_id")["zone_id"])
    zones = demand.aggregate_to_units(ratio.to_frame(), points, by=zone)
    region = demand.aggregate_to_units(ratio.to_frame(), points, by=pd.Series("all", index=points.index))
    return zones["supply_per_1000"] / region.loc["all", "supply_per_1000"]


def test_border_supply_is_shared_with_the_people_across_the_border(bundle):
    alone = _zone_supply(bundle, False)
    shared = _zone_supply(bundle, "belgium")
    assert alone["elz54"] > 4  # Zuid-Oost-Limburg alone with the Walloon pharmacies of Visé and Liège
    assert 0.7 < shared["elz54"] < 1.3
    assert shared.max() < 2 and alone.max() > 4
