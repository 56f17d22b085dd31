"""Benchmark: nearest-service travel time for every node in one multi-source pass — scipy.sparse.csgraph (zorgzones) vs rustworkx vs networkx.

Cases:
  antwerp:   car network of the Antwerp OSM extract (mirror), pharmacies inside its bbox snapped to nodes
  synthetic: a seeded W x W grid road graph (4-neighbour, both directions, random minutes per edge)
             with >= 1 million directed edges and 1,000 random services
Each engine computes, for every node, the time to its nearest service; results are checked equal.
zorgzones = RoadNetwork.nearest_from_nodes (one Dijkstra from a virtual super-source on the
reversed CSR graph, nearest service found by pointer doubling on the predecessor tree).
Also timed: csgraph.dijkstra(min_only=True) (no per-service offsets), the one-to-many cost table
for Antwerp (all pharmacies, 10 min) and OSM reading.

    cd /work/main && PYTHONPATH=. /work/venv/bin/python benchmarks/bench_network.py [--grid 600] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from zorgzones.network import RoadNetwork, network_costs  # noqa: E402

SHARED = Path(os.environ.get("ZORGZONES_SHARED_GEODATA", REPO.parent / "shared" / "geodata"))
ANTWERP = SHARED / "mirror" / "raw.githubusercontent.com/longhu520/OsmSharp.Samples/2b81d30500c29efd681a0239c74e89eb49374da2/OsmSharp.Routing.TSP/OsmSharp.Routing.TSP/antwerp.osm.pbf"


def clock(function):
    start = time.perf_counter()
    result = function()
    return result, time.perf_counter() - start


def grid_network(width: int, seed: int) -> RoadNetwork:
    rng = np.random.default_rng(seed)
    ids = np.arange(width * width).reshape(width, width)
    right = np.column_stack([ids[:, :-1].ravel(), ids[:, 1:].ravel()])
    down = np.column_stack([ids[:-1, :].ravel(), ids[1:, :].ravel()])
    pairs = np.vstack([right, down])
    source = np.concatenate([pairs[:, 0], pairs[:, 1]])
    target = np.concatenate([pairs[:, 1], pairs[:, 0]])
    minutes = rng.uniform(0.1, 1.0, len(source))
    x, y = (ids % width).ravel() * 100.0, (ids // width).ravel() * 100.0
    return RoadNetwork.from_edges(x, y, source, target, minutes, mode="car")


def rustworkx_nearest(network: RoadNetwork, nodes: np.ndarray) -> tuple[np.ndarray, float, float]:
    import rustworkx as rx

    def build():
        coo = network.graph.tocoo()
        graph = rx.PyDiGraph()
        graph.add_nodes_from(range(network.n_nodes + 1))
        # reversed edges + a super-source (index n) linked to every service node at cost 0
        edges = list(zip(coo.col.tolist(), coo.row.tolist(), coo.data.tolist()))
        edges += [(network.n_nodes, int(v), 0.0) for v in np.unique(nodes)]
        graph.add_edges_from(edges)
        return graph

    graph, build_s = clock(build)
    lengths, run_s = clock(lambda: rx.digraph_dijkstra_shortest_path_lengths(graph, network.n_nodes, edge_cost_fn=float))
    dist = np.full(network.n_nodes, np.inf)
    keys = np.fromiter(lengths.keys(), dtype=np.int64, count=len(lengths))
    values = np.fromiter(lengths.values(), dtype=float, count=len(lengths))
    dist[keys[keys < network.n_nodes]] = values[keys < network.n_nodes]
    dist[np.unique(nodes)] = 0.0
    return dist, build_s, run_s


def networkx_nearest(network: RoadNetwork, nodes: np.ndarray) -> tuple[np.ndarray, float, float]:
    import networkx as nx

    def build():
        coo = network.graph.tocoo()
        graph = nx.DiGraph()
        graph.add_weighted_edges_from(zip(coo.col.tolist(), coo.row.tolist(), coo.data.tolist()))
        return graph

    graph, build_s = clock(build)
    lengths, run_s = clock(lambda: nx.multi_source_dijkstra_path_length(graph, set(nodes.tolist())))
    dist = np.full(network.n_nodes, np.inf)
    dist[list(lengths)] = list(lengths.values())
    return dist, build_s, run_s


def agree(a: np.ndarray, b: np.ndarray) -> float:
    same_reach = np.isfinite(a) == np.isfinite(b)
    if not same_reach.all():
        return float("inf")
    finite = np.isfinite(a)
    return float(np.max(np.abs(a[finite] - b[finite]))) if finite.any() else 0.0


def case_rows(name: str, network: RoadNetwork, nodes: np.ndarray, *, with_networkx: bool) -> list[dict]:
    from scipy.sparse import csgraph

    rows = []
    (ours, _), ours_s = clock(lambda: network.nearest_from_nodes(nodes))
    base = {"case": name, "nodes": network.n_nodes, "edges": int(network.graph.nnz), "services": int(len(np.unique(nodes)))}
    rows.append({**base, "engine": "zorgzones (csgraph super-source)", "build_s": 0.0, "run_s": ours_s, "max_abs_diff_min": 0.0})
    reverse = network.graph.T.tocsr()
    min_only, run_s = clock(lambda: csgraph.dijkstra(reverse, directed=True, indices=np.unique(nodes), min_only=True))
    rows.append({**base, "engine": "csgraph min_only (no offsets)", "build_s": 0.0, "run_s": run_s, "max_abs_diff_min": agree(ours, min_only)})
    dist, build_s, run_s = rustworkx_nearest(network, nodes)
    rows.append({**base, "engine": "rustworkx (super-source)", "build_s": build_s, "run_s": run_s, "max_abs_diff_min": agree(ours, dist)})
    if with_networkx:
        dist, build_s, run_s = networkx_nearest(network, nodes)
        rows.append({**base, "engine": "networkx multi_source_dijkstra", "build_s": build_s, "run_s": run_s, "max_abs_diff_min": agree(ours, dist)})
    return rows


def run(width: int, seed: int, with_networkx_grid: bool) -> tuple[list[dict], dict]:
    extra = {}
    antwerp, extra["antwerp_read_s"] = clock(lambda: RoadNetwork.from_osm(ANTWERP, mode="car"))
    pharmacies = gpd.read_file(SHARED / "services" / "be_pharmacies_afmps.gpkg").to_crs("EPSG:31370")
    pharmacies.index = pharmacies["authorization_id"].astype(str)
    pharmacies = pharmacies.cx[antwerp.x.min() : antwerp.x.max(), antwerp.y.min() : antwerp.y.max()]
    snap = antwerp.snap(pharmacies)
    nodes = snap["node"][snap["node"] >= 0].to_numpy()
    rows = case_rows("antwerp", antwerp, nodes, with_networkx=True)
    usable = np.flatnonzero(antwerp.usable)
    sample = gpd.GeoDataFrame(geometry=gpd.points_from_xy(antwerp.x[usable[::20]], antwerp.y[usable[::20]]), crs="EPSG:31370")
    table, extra["antwerp_cost_table_s"] = clock(lambda: network_costs(antwerp, sample, pharmacies, max_minutes=10))
    extra["antwerp_cost_table"] = f"{len(sample)} origins x {len(pharmacies)} pharmacies, 10 min: {len(table):,} pairs"
    grid, extra["grid_build_s"] = clock(lambda: grid_network(width, seed))
    rng = np.random.default_rng(seed)
    services = rng.choice(grid.n_nodes, 1000, replace=False)
    rows += case_rows(f"grid {width}x{width}", grid, services, with_networkx=with_networkx_grid)
    return rows, extra


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", type=int, default=600, help="grid width (600 -> 360,000 nodes, 1.44 M directed edges)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--networkx-grid", action="store_true", help="also run networkx on the large grid (slow)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows, extra = run(args.grid, args.seed, args.networkx_grid)
    if args.json:
        print(json.dumps({"rows": rows, **extra}, indent=1))
        return 0
    print(f"{'case':14} {'nodes':>8} {'edges':>9} {'services':>8}  {'engine':34} {'build s':>8} {'pass s':>8} {'max |diff| min':>14}")
    for r in rows:
        print(f"{r['case']:14} {r['nodes']:>8,} {r['edges']:>9,} {r['services']:>8,}  {r['engine']:34} {r['build_s']:8.3f} {r['run_s']:8.3f} {r['max_abs_diff_min']:14.2e}")
    for key, value in extra.items():
        print(f"{key}: {value if isinstance(value, str) else round(value, 3)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
