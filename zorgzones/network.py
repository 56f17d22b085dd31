"""Road-network travel costs from an OpenStreetMap graph.

Road-network travel costs: a scipy.sparse graph per mode, point snapping, one-to-many cost tables and a one-
pass nearest-service search. Graph library chosen by measurement (benchmarks/bench_network.py, 2 shared
cores): nearest service for every node in one pass — Antwerp car graph (24,470 nodes, 40,157 edges, 200
pharmacies): csgraph super-source 0.017 s, rustworkx 0.023 s (+0.05 s graph build), networkx 0.082 s (+0.30 s
build); 600 x 600 grid (360,000 nodes, 1.44 M edges, 1,000 services): csgraph 0.50 s, rustworkx 0.86 s (+1.2 s
build). scipy.sparse.csgraph wins and adds no dependency; igraph was not installed and not measured.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse import csgraph

from .errors import Report, ValidationError
from .osm import MODES, RoadEdges, read_road_edges
from .validation import check_projected

#: Speed (km/h) of the leg between a point and its snapped network node (walking to the car,
#: riding onto the street, walking); its time is added to every network cost.
SNAP_SPEED_KMH = {"car": 20.0, "bike": 12.0, "walk": 4.8}
#: Points farther than this from every usable node are left out of cost tables (reported in ``snap``).
MAX_SNAP_M = 1_000.0
#: Dijkstra sources per batch in one-to-many searches (bounds memory to batch x nodes floats).
BATCH_SOURCES = 128
#: Weight of length (per metre) added to time in the second Dijkstra that measures path length.
LENGTH_EPS = 1e-7


@dataclass
class RoadNetwork:
    """Directed road graph in minutes (CSR) with node coordinates in EPSG:31370; solved once, queried many times."""

    x: np.ndarray
    y: np.ndarray
    graph: sparse.csr_matrix
    length: sparse.csr_matrix
    mode: str
    node_id: np.ndarray | None = None

    @classmethod
    def from_edges(cls, x, y, source, target, travel_min, length_m=None, *, mode: str = "car", node_id=None) -> RoadNetwork:
        """Build from directed edges (positions into ``x``/``y``); parallel edges keep the fastest one."""
        report = Report("road network edges")
        if mode not in MODES:
            report.problem(f"mode is {mode!r}; expected one of {MODES}")
        x, y = np.asarray(x, float), np.asarray(y, float)
        source, target = np.asarray(source, np.int64), np.asarray(target, np.int64)
        travel_min = np.asarray(travel_min, float)
        length_m = np.hypot(x[source] - x[target], y[source] - y[target]) if length_m is None else np.asarray(length_m, float)
        if not (len(source) == len(target) == len(travel_min) == len(length_m)):
            report.problem("source, target, travel_min and length_m must have the same length")
        elif len(source) and (source.min() < 0 or target.min() < 0 or max(source.max(), target.max()) >= len(x)):
            report.problem("edge endpoints must be positions into x/y")
        if not np.isfinite(travel_min).all() or (travel_min < 0).any():
            report.problem("edge travel_min must be finite and >= 0")
        report.raise_if_problems()
        keep = source != target
        source, target, travel_min, length_m = source[keep], target[keep], travel_min[keep], length_m[keep]
        # csgraph ignores explicit zeros: give zero-time edges a negligible positive weight
        travel_min = np.maximum(travel_min, 1e-9)
        order = np.lexsort((travel_min, target, source))
        source, target, travel_min, length_m = source[order], target[order], travel_min[order], length_m[order]
        first = np.r_[True, (source[1:] != source[:-1]) | (target[1:] != target[:-1])] if len(source) else np.zeros(0, bool)
        n = len(x)
        graph = sparse.csr_matrix((travel_min[first], (source[first], target[first])), shape=(n, n))
        length = sparse.csr_matrix((np.maximum(length_m[first], 1e-9), (source[first], target[first])), shape=(n, n))
        return cls(x=x, y=y, graph=graph, length=length, mode=mode, node_id=node_id)

    @classmethod
    def from_road_edges(cls, edges: RoadEdges) -> RoadNetwork:
        return cls.from_edges(edges.x, edges.y, edges.source, edges.target, edges.travel_min, edges.length_m, mode=edges.mode, node_id=edges.node_id)

    @classmethod
    def from_osm(cls, path: str | os.PathLike, *, mode: str = "car") -> RoadNetwork:
        """Read an .osm.pbf (speeds per highway type and mode from ``osm.HIGHWAY_SPEED_KMH``, one-way for cars)."""
        return cls.from_road_edges(read_road_edges(path, mode=mode))

    @property
    def n_nodes(self) -> int:
        return len(self.x)

    @property
    def usable(self) -> np.ndarray:
        """Nodes of the largest strongly connected component (from them every other one can be reached)."""
        if not hasattr(self, "_usable"):
            _, labels = csgraph.connected_components(self.graph, directed=True, connection="strong")
            self._usable = labels == np.bincount(labels).argmax()
        return self._usable

    def _segment_tree(self):
        """Unique undirected segments between usable nodes, with a shapely STRtree over them."""
        if not hasattr(self, "_segments"):
            import shapely

            coo = self.graph.tocoo()
            keep = self.usable[coo.row] & self.usable[coo.col]
            a, b = np.minimum(coo.row, coo.col)[keep], np.maximum(coo.row, coo.col)[keep]
            key = np.sort(a.astype(np.int64) * self.n_nodes + b)
            key = key[np.r_[True, key[1:] != key[:-1]]] if len(key) else key
            a, b = key // self.n_nodes, key % self.n_nodes
            lines = shapely.linestrings(np.stack([np.column_stack([self.x[a], self.y[a]]), np.column_stack([self.x[b], self.y[b]])], axis=1))
            self._segments = (a, b, shapely.STRtree(lines))
        return self._segments

    def _edge_values(self, matrix: sparse.csr_matrix, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """Value of edge u -> v (0 where there is no such edge)."""
        return np.asarray(matrix[u, v]).ravel() if len(u) else np.zeros(0)

    def snap(self, points: gpd.GeoDataFrame, *, max_snap_m: float = MAX_SNAP_M) -> pd.DataFrame:
        """Snap each point to the nearest usable road segment (edge) at Q, its projection.

        Columns: ``node`` (nearer end of the segment; -1 when the point is farther than
        ``max_snap_m``), ``snap_distance_m`` (point to Q), ``snap_min`` (that leg at
        SNAP_SPEED_KMH), and the ways into the graph along the segment: ``out_node_k``,
        ``out_min_k``, ``out_m_k`` (leave Q to a node, k = 0, 1) and ``in_node_k``, ``in_min_k``,
        ``in_m_k`` (arrive at Q from a node); one-way segments give one way (-1 / inf otherwise).
        """
        report = Report("points to snap")
        check_projected(points, report, name="points")
        report.raise_if_problems()
        a_all, b_all, tree = self._segment_tree()
        geoms = points.geometry.to_numpy()
        (which, segment), distance = tree.query_nearest(geoms, return_distance=True, all_matches=False)
        n = len(points)
        dist = np.full(n, np.inf)
        seg = np.zeros(n, np.int64)
        dist[which], seg[which] = distance, segment
        a, b = a_all[seg], b_all[seg]
        px, py = points.geometry.x.to_numpy(), points.geometry.y.to_numpy()
        dx, dy = self.x[b] - self.x[a], self.y[b] - self.y[a]
        norm = np.maximum(dx * dx + dy * dy, 1e-18)
        t = np.clip(((px - self.x[a]) * dx + (py - self.y[a]) * dy) / norm, 0.0, 1.0)
        t = np.where(t < 1e-9, 0.0, np.where(t > 1 - 1e-9, 1.0, t))
        ok = dist <= max_snap_m
        t_ab, t_ba = self._edge_values(self.graph, a, b), self._edge_values(self.graph, b, a)
        m_ab, m_ba = self._edge_values(self.length, a, b), self._edge_values(self.length, b, a)
        has_ab, has_ba = (t_ab > 0) & ok, (t_ba > 0) & ok
        at_a, at_b = ok & (t == 0.0), ok & (t == 1.0)
        frame = {"node": np.where(ok, np.where(t <= 0.5, a, b), -1), "snap_distance_m": dist,
                 "snap_min": dist / (SNAP_SPEED_KMH[self.mode] * 1000.0 / 60.0)}
        ways = {
            # leave Q: along a->b to b, or along b->a to a; standing on a node is a free way in
            "out_0": (b, has_ab, (1 - t) * t_ab, (1 - t) * m_ab, at_b),
            "out_1": (a, has_ba, t * t_ba, t * m_ba, at_a),
            # arrive at Q: from a along a->b, or from b along b->a
            "in_0": (a, has_ab, t * t_ab, t * m_ab, at_a),
            "in_1": (b, has_ba, (1 - t) * t_ba, (1 - t) * m_ba, at_b),
        }
        for name, (node, has, minutes, metres, free) in ways.items():
            valid = has | free
            kind, k = name.split("_")
            frame[f"{kind}_node_{k}"] = np.where(valid, node, -1)
            frame[f"{kind}_min_{k}"] = np.where(has, minutes, np.where(free, 0.0, np.inf))
            frame[f"{kind}_m_{k}"] = np.where(has, metres, 0.0)
        return pd.DataFrame(frame, index=points.index)

    def costs(self, origins: gpd.GeoDataFrame, destinations: gpd.GeoDataFrame, *, max_minutes: float, max_snap_m: float = MAX_SNAP_M) -> pd.DataFrame:
        """Cost table (origin_id, dest_id, distance_m, travel_min, cost) within ``max_minutes`` including both snap legs.

        Points join the graph on their nearest segment (see :meth:`snap`). Dijkstra runs from the
        smaller side (destinations on the reversed graph when they are fewer), in batches, cut at
        ``max_minutes``. ``distance_m`` (path length plus partial segments and snap distances)
        comes from a second Dijkstra on ``time + LENGTH_EPS * length``: the difference of the two,
        divided by LENGTH_EPS, is the length of the fastest path (ties broken by length). Two points
        on the same segment are routed through its end nodes (a small overestimate).
        """
        if not (isinstance(max_minutes, (int, float, np.integer, np.floating)) and np.isfinite(max_minutes) and max_minutes >= 0):
            raise ValidationError("network costs input", [f"max_minutes is {max_minutes!r}; expected a non-negative number"])
        snap_o, snap_d = self.snap(origins, max_snap_m=max_snap_m), self.snap(destinations, max_snap_m=max_snap_m)
        snap_o, snap_d = snap_o[snap_o["node"] >= 0], snap_d[snap_d["node"] >= 0]
        from_dest = len(snap_d) <= len(snap_o)
        mixed = self.graph + LENGTH_EPS * self.length
        if from_dest:  # search backwards from destinations: their "in" ways, origins' "out" ways
            time_graph, mixed_graph, src, dst, src_kind, dst_kind = self.graph.T.tocsr(), mixed.T.tocsr(), snap_d, snap_o, "in", "out"
        else:
            time_graph, mixed_graph, src, dst, src_kind, dst_kind = self.graph, mixed.tocsr(), snap_o, snap_d, "out", "in"

        def ways(frame, kind):
            nodes = np.column_stack([frame[f"{kind}_node_{k}"].to_numpy() for k in (0, 1)])
            minutes = np.column_stack([frame[f"{kind}_min_{k}"].to_numpy() for k in (0, 1)]) + frame["snap_min"].to_numpy()[:, None]
            metres = np.column_stack([frame[f"{kind}_m_{k}"].to_numpy() for k in (0, 1)]) + frame["snap_distance_m"].to_numpy()[:, None]
            return nodes, minutes, metres

        s_nodes, s_min, s_m = ways(src, src_kind)
        t_nodes, t_min, t_m = ways(dst, dst_kind)
        t_cols = np.maximum(t_nodes, 0)
        parts_a, parts_b, parts_m, parts_t = [], [], [], []
        for start in range(0, len(src), BATCH_SOURCES // 2):
            rows = np.arange(start, min(start + BATCH_SOURCES // 2, len(src)))
            batch = np.unique(s_nodes[rows][s_nodes[rows] >= 0])
            if not len(batch):
                continue
            limit = max_minutes
            dist = csgraph.dijkstra(time_graph, directed=True, indices=batch, limit=limit)
            mixed_dist = csgraph.dijkstra(mixed_graph, directed=True, indices=batch, limit=limit * (1 + 1e-6) + 1.0)
            best = np.full((len(rows), len(dst)), np.inf)
            best_m = np.zeros((len(rows), len(dst)))
            for e in (0, 1):
                valid_e = s_nodes[rows, e] >= 0
                r = np.searchsorted(batch, np.maximum(s_nodes[rows, e], 0))
                r = np.minimum(r, len(batch) - 1)
                for f in (0, 1):
                    core = dist[r][:, t_cols[:, f]]
                    total = s_min[rows, e][:, None] + core + t_min[:, f][None, :]
                    total[~valid_e] = np.inf
                    total[:, t_nodes[:, f] < 0] = np.inf
                    better = total < best
                    if better.any():
                        with np.errstate(invalid="ignore"):
                            path_m = (mixed_dist[r][:, t_cols[:, f]] - core) / LENGTH_EPS
                        metres = s_m[rows, e][:, None] + path_m + t_m[:, f][None, :]
                        best = np.where(better, total, best)
                        best_m = np.where(better, metres, best_m)
            a, b = np.nonzero(best <= max_minutes)
            parts_a.append(rows[a])
            parts_b.append(b)
            parts_t.append(best[a, b])
            parts_m.append(best_m[a, b])
        a = np.concatenate(parts_a) if parts_a else np.zeros(0, np.int64)
        b = np.concatenate(parts_b) if parts_b else np.zeros(0, np.int64)
        ids_a, ids_b = src.index.to_numpy()[a], dst.index.to_numpy()[b]
        travel_min = np.concatenate(parts_t) if parts_t else np.zeros(0)
        table = pd.DataFrame(
            {
                "origin_id": ids_b if from_dest else ids_a,
                "dest_id": ids_a if from_dest else ids_b,
                "distance_m": np.concatenate(parts_m) if parts_m else np.zeros(0),
                "travel_min": travel_min,
                "cost": travel_min.copy(),
            }
        )
        for column, index in (("origin_id", origins.index), ("dest_id", destinations.index)):
            table[column] = table[column].astype(index.dtype)
        position = origins.index.get_indexer(table["origin_id"])
        order = np.lexsort((table["cost"].to_numpy(), position))
        return table.iloc[order].reset_index(drop=True)

    def nearest_from_nodes(self, nodes: np.ndarray, offsets_min: np.ndarray | None = None, *, max_minutes: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Travel time from every node to the nearest of ``nodes`` (plus its offset) and the position of that source in ``nodes``.

        One Dijkstra on the reversed graph from a virtual super-source linked to every source node
        by its offset; the source is found by pointer doubling on the predecessor tree. Nodes that
        reach no source get inf and -1.
        """
        nodes = np.asarray(nodes, np.int64)
        offsets = np.zeros(len(nodes)) if offsets_min is None else np.asarray(offsets_min, float)
        # several sources on one node: keep the smallest offset
        order = np.lexsort((offsets, nodes))
        first = order[np.r_[True, nodes[order][1:] != nodes[order][:-1]]] if len(order) else order
        n = self.n_nodes
        reverse = self.graph.T.tocsr()
        super_row = sparse.csr_matrix((offsets[first], (np.zeros(len(first), np.int64), nodes[first])), shape=(1, n + 1))
        augmented = sparse.vstack([sparse.hstack([reverse, sparse.csr_matrix((n, 1))]), super_row], format="csr")
        dist, pred = csgraph.dijkstra(augmented, directed=True, indices=n, limit=np.inf if max_minutes is None else max_minutes, return_predecessors=True)
        dist, pred = dist[:n], pred[:n]
        # pointer doubling: every node jumps to its ancestor just below the super-source
        is_top = pred == n
        pointer = np.where(is_top | (pred < 0), np.arange(n), pred)
        while True:
            jumped = pointer[pointer]
            if np.array_equal(jumped, pointer):
                break
            pointer = jumped
        top = np.where(is_top[pointer], pointer, -1)
        lookup = np.full(n, -1)
        lookup[nodes[first]] = first
        source = np.where(top >= 0, lookup[np.maximum(top, 0)], -1)
        return dist, source


def network_costs(network: RoadNetwork, origins: gpd.GeoDataFrame, destinations: gpd.GeoDataFrame, *, max_minutes: float, max_snap_m: float = MAX_SNAP_M) -> pd.DataFrame:
    """Cost table over the road network, same shape as ``travel.straight_line_costs`` (see RoadNetwork.costs)."""
    return network.costs(origins, destinations, max_minutes=max_minutes, max_snap_m=max_snap_m)


def nearest_service_on_network(
    network: RoadNetwork, points: gpd.GeoDataFrame, services: gpd.GeoDataFrame, *, max_minutes: float | None = None, max_snap_m: float = MAX_SNAP_M
) -> pd.DataFrame:
    """Per point: ``nearest_cost`` (minutes incl. snap legs and partial segments), ``nearest_dest_id``, ``snap_distance_m`` — one Dijkstra for all points."""
    snap_s = network.snap(services, max_snap_m=max_snap_m)
    snap_s = snap_s[snap_s["node"] >= 0]
    if snap_s.empty:
        raise ValidationError("nearest service input", [f"no service lies within {max_snap_m:g} m of the road network; check the services' CRS and the extract"])
    # every service enters the (reversed) search through the nodes it can be reached from
    nodes = np.concatenate([snap_s[f"in_node_{k}"].to_numpy() for k in (0, 1)])
    offsets = np.concatenate([snap_s[f"in_min_{k}"].to_numpy() + snap_s["snap_min"].to_numpy() for k in (0, 1)])
    owner = np.tile(np.arange(len(snap_s)), 2)
    valid = nodes >= 0
    dist, source = network.nearest_from_nodes(nodes[valid], offsets[valid], max_minutes=max_minutes)
    owner = owner[valid]
    snap_p = network.snap(points, max_snap_m=max_snap_m)
    cost = np.full(len(points), np.inf)
    dest = np.full(len(points), -1)
    for k in (0, 1):
        node = snap_p[f"out_node_{k}"].to_numpy()
        ok = node >= 0
        total = np.full(len(points), np.inf)
        total[ok] = dist[node[ok]] + snap_p[f"out_min_{k}"].to_numpy()[ok] + snap_p["snap_min"].to_numpy()[ok]
        better = total < cost
        cost = np.where(better, total, cost)
        dest = np.where(better, np.where(ok, source[np.maximum(node, 0)], -1), dest)
    found = np.isfinite(cost) & (dest >= 0)
    if max_minutes is not None:
        found &= cost <= max_minutes
    ids = np.full(len(points), None, dtype=object)
    ids[found] = snap_s.index.to_numpy()[owner[dest[found]]]
    return pd.DataFrame({"nearest_cost": np.where(found, cost, np.nan), "nearest_dest_id": ids, "snap_distance_m": snap_p["snap_distance_m"].to_numpy()}, index=points.index)
