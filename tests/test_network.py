"""Road network: a tiny graph checked by hand, a hand-written OSM file, and the Antwerp extract against networkx."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from zorgzones.errors import ValidationError
from zorgzones.network import SNAP_SPEED_KMH, RoadNetwork, nearest_service_on_network, network_costs
from zorgzones.osm import HIGHWAY_SPEED_KMH, read_road_edges

CRS = "EPSG:31370"
ANTWERP = "raw.githubusercontent.com/longhu520/OsmSharp.Samples/2b81d30500c29efd681a0239c74e89eb49374da2/OsmSharp.Routing.TSP/OsmSharp.Routing.TSP/antwerp.osm.pbf"


def pts(coords, ids):
    return gpd.GeoDataFrame(geometry=[Point(x, y) for x, y in coords], index=pd.Index(ids), crs=CRS)


@pytest.fixture
def square():
    """0 -> 1 -> 2 -> 3 -> 0 around a 1 km square at 1 min per edge, plus a slow two-way diagonal 0 <-> 2 (5 min)."""
    x = np.array([0.0, 1000.0, 1000.0, 0.0])
    y = np.array([0.0, 0.0, 1000.0, 1000.0])
    source = np.array([0, 1, 2, 3, 0, 2])
    target = np.array([1, 2, 3, 0, 2, 0])
    minutes = np.array([1.0, 1.0, 1.0, 1.0, 5.0, 5.0])
    return RoadNetwork.from_edges(x, y, source, target, minutes, mode="car")


def test_tiny_graph_by_hand(square):
    origins = pts([(0, 0), (1000, 1000)], ["o0", "o2"])
    services = pts([(1000, 0), (0, 1000)], ["s1", "s3"])
    table = network_costs(square, origins, services, max_minutes=10)
    got = {(o, d): round(t, 9) for o, d, t in zip(table.origin_id, table.dest_id, table.travel_min)}
    # one-way ring: 0->1 = 1, 0->3 = 3 (0->1->2->3); 2->1 = 3 (2->3->0->1), 2->3 = 1
    assert got == {("o0", "s1"): 1.0, ("o0", "s3"): 3.0, ("o2", "s1"): 3.0, ("o2", "s3"): 1.0}
    assert table.loc[(table.origin_id == "o0") & (table.dest_id == "s3"), "distance_m"].item() == pytest.approx(3000.0)
    assert len(network_costs(square, origins, services, max_minutes=2)) == 2
    nearest = nearest_service_on_network(square, origins, services)
    assert nearest.loc["o0", "nearest_dest_id"] == "s1" and nearest.loc["o2", "nearest_dest_id"] == "s3"
    assert nearest["nearest_cost"].tolist() == [1.0, 1.0]


def test_snap_to_edge_is_reported_and_costed(square):
    origins = pts([(30, -40), (99_000, 99_000)], ["near", "far"])
    snap = square.snap(origins)
    # nearest segment is the one-way 0 -> 1 at 3 % of its length, 40 m away
    assert snap.loc["near", "node"] == 0 and snap.loc["near", "snap_distance_m"] == pytest.approx(40.0)
    assert snap.loc["near", "out_node_0"] == 1 and snap.loc["near", "out_min_0"] == pytest.approx(0.97)
    assert snap.loc["near", "out_node_1"] == -1  # no way back against the one-way street
    assert snap.loc["far", "node"] == -1
    services = pts([(1000, 0)], ["s1"])
    table = network_costs(square, origins, services, max_minutes=10)
    assert table.origin_id.tolist() == ["near"]  # far from the network: left out
    leg = 40.0 / (SNAP_SPEED_KMH["car"] * 1000 / 60)
    assert table.travel_min.item() == pytest.approx(leg + 0.97)
    assert table.distance_m.item() == pytest.approx(40.0 + 970.0)
    nearest = nearest_service_on_network(square, origins, services)
    assert nearest.loc["near", "nearest_cost"] == pytest.approx(leg + 0.97)
    assert np.isnan(nearest.loc["far", "nearest_cost"])
    # against the one-way street: from (970, 10) to s3 at node 3 = 0.03 to node 1, then 1->2->3
    back = network_costs(square, pts([(970, 10)], ["o"]), pts([(0, 1000)], ["s3"]), max_minutes=10)
    assert back.travel_min.item() == pytest.approx(10.0 / (SNAP_SPEED_KMH["car"] * 1000 / 60) + 0.03 + 2.0)
    with pytest.raises(ValidationError, match="geographic"):
        square.snap(origins.set_crs("EPSG:4326", allow_override=True))


def test_multi_source_offsets_pick_the_right_service(square):
    dist, source = square.nearest_from_nodes(np.array([1, 3, 3]), np.array([0.0, 5.0, 0.5]))
    # node 0 -> node 1 costs 1 (+0); node 0 -> node 3 costs 3 (+0.5 for the second service on node 3)
    assert dist.tolist() == [1.0, 0.0, 1.5, 0.5]
    assert source.tolist() == [0, 0, 2, 2]


def write_osm(path):
    path.write_text(
        """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6">
 <node id="1" lat="51.2000" lon="4.4000"/>
 <node id="2" lat="51.2000" lon="4.4100"/>
 <node id="3" lat="51.2100" lon="4.4100"/>
 <node id="4" lat="51.2100" lon="4.4000"/>
 <way id="10"><nd ref="1"/><nd ref="2"/><tag k="highway" v="residential"/><tag k="oneway" v="yes"/></way>
 <way id="11"><nd ref="2"/><nd ref="3"/><tag k="highway" v="primary"/><tag k="maxspeed" v="30"/></way>
 <way id="12"><nd ref="3"/><nd ref="4"/><tag k="highway" v="footway"/></way>
 <way id="13"><nd ref="4"/><nd ref="1"/><tag k="highway" v="residential"/><tag k="access" v="private"/></way>
 <way id="14"><nd ref="1"/><nd ref="3"/><tag k="building" v="yes"/></way>
</osm>
"""
    )
    return path


def test_osm_reader_modes_oneway_and_speeds(tmp_path):
    path = write_osm(tmp_path / "tiny.osm")
    car = read_road_edges(path, mode="car")
    pairs = {(int(car.node_id[s]), int(car.node_id[t])) for s, t in zip(car.source, car.target)}
    assert pairs == {(1, 2), (2, 3), (3, 2)}  # oneway 1->2, footway and private way excluded
    speeds = {(int(car.node_id[s]), int(car.node_id[t])): v for s, t, v in zip(car.source, car.target, car.speed_kmh)}
    assert speeds[(1, 2)] == HIGHWAY_SPEED_KMH["residential"]["car"] and speeds[(2, 3)] == 30.0
    assert car.length_m.min() == pytest.approx(697, rel=0.02)  # 0.01 deg longitude at 51.2 N
    walk = read_road_edges(path, mode="walk")
    walk_pairs = {(int(walk.node_id[s]), int(walk.node_id[t])) for s, t in zip(walk.source, walk.target)}
    assert {(2, 1), (3, 4), (4, 3)} <= walk_pairs and (4, 1) not in walk_pairs
    network = RoadNetwork.from_osm(path, mode="walk")
    assert network.graph.nnz == len(walk_pairs)


@pytest.fixture(scope="module")
def antwerp(mirror_dir):
    return RoadNetwork.from_osm(mirror_dir / ANTWERP, mode="car")


@pytest.fixture(scope="module")
def antwerp_pharmacies(shared_geodata, antwerp):
    frame = gpd.read_file(shared_geodata / "services" / "be_pharmacies_afmps.gpkg").to_crs(CRS)
    frame.index = frame["authorization_id"].astype(str)
    return frame.cx[antwerp.x.min() : antwerp.x.max(), antwerp.y.min() : antwerp.y.max()]


def reversed_nx(network):
    coo = network.graph.tocoo()
    graph = nx.DiGraph()
    graph.add_weighted_edges_from(zip(coo.col.tolist(), coo.row.tolist(), coo.data.tolist()))
    return graph


@pytest.mark.slow
def test_antwerp_nearest_pharmacy_matches_networkx(antwerp, antwerp_pharmacies):
    assert antwerp.n_nodes > 20_000 and antwerp.usable.sum() > 20_000
    snap = antwerp.snap(antwerp_pharmacies)
    nodes = snap["node"][snap["node"] >= 0].to_numpy()
    assert len(nodes) > 150 and snap["snap_distance_m"].max() < 200
    dist, source = antwerp.nearest_from_nodes(nodes)
    lengths = nx.multi_source_dijkstra_path_length(reversed_nx(antwerp), set(nodes.tolist()))
    reference = np.full(antwerp.n_nodes, np.inf)
    reference[list(lengths)] = list(lengths.values())
    assert (np.isfinite(reference) == np.isfinite(dist)).all()
    finite = np.isfinite(reference)
    np.testing.assert_allclose(dist[finite], reference[finite], rtol=1e-9, atol=1e-9)
    # the reported source really is at that time: spot-check 50 nodes with single-pair Dijkstra
    rng = np.random.default_rng(0)
    graph = nx.DiGraph()
    coo = antwerp.graph.tocoo()
    graph.add_weighted_edges_from(zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist()))
    for node in rng.choice(np.flatnonzero(finite), 50, replace=False):
        assert nx.dijkstra_path_length(graph, int(node), int(nodes[source[node]])) == pytest.approx(dist[node], abs=1e-9)


@pytest.mark.slow
def test_antwerp_cost_table_matches_networkx(antwerp, antwerp_pharmacies):
    rng = np.random.default_rng(1)
    usable = np.flatnonzero(antwerp.usable)
    chosen = rng.choice(usable, 25, replace=False)
    origins = pts(np.column_stack([antwerp.x[chosen], antwerp.y[chosen]]), [f"n{k}" for k in chosen])
    services = antwerp_pharmacies.iloc[:40]
    table = network_costs(antwerp, origins, services, max_minutes=8)
    assert len(table) > 100
    graph = nx.DiGraph()
    coo, length = antwerp.graph.tocoo(), antwerp.length.tocsr()
    graph.add_weighted_edges_from(zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist()))
    snap = antwerp.snap(services)
    for row in table.sample(30, random_state=0).itertuples():
        source = int(row.origin_id[1:])
        options = []
        for k in (0, 1):
            node = int(snap.loc[row.dest_id, f"in_node_{k}"])
            if node < 0:
                continue
            minutes, path = nx.single_source_dijkstra(graph, source, node)
            metres = sum(length[a, b] for a, b in zip(path[:-1], path[1:])) + snap.loc[row.dest_id, f"in_m_{k}"]
            options.append((minutes + snap.loc[row.dest_id, f"in_min_{k}"] + snap.loc[row.dest_id, "snap_min"], metres + snap.loc[row.dest_id, "snap_distance_m"]))
        expected, metres = min(options)
        assert row.travel_min == pytest.approx(expected, abs=1e-9)
        assert row.distance_m == pytest.approx(metres, rel=1e-6, abs=0.01)
    # complete within the cutoff: every pair networkx finds within 8 min is in the table
    found = set(zip(table.origin_id, table.dest_id))
    within = nx.single_source_dijkstra_path_length(graph, int(chosen[0]), cutoff=8)
    for dest_id in services.index:
        reach = [within[n] + snap.loc[dest_id, f"in_min_{k}"] for k in (0, 1) if (n := int(snap.loc[dest_id, f"in_node_{k}"])) in within]
        if reach and min(reach) + snap.loc[dest_id, "snap_min"] <= 8 - 1e-9:
            assert (f"n{chosen[0]}", dest_id) in found
    # the one-pass nearest search agrees with the cost table's minimum per origin
    nearest = nearest_service_on_network(antwerp, origins, services, max_minutes=8)
    minimum = table.groupby("origin_id")["cost"].min()
    np.testing.assert_allclose(nearest.loc[minimum.index, "nearest_cost"], minimum, rtol=1e-9)
    assert nearest["nearest_cost"].notna().sum() == len(minimum)
