"""Unit adjacency from polygons, with an explicit island policy.

Unit adjacency graph from polygons (shared border lengths, region/province borders) with an explicit island
policy.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from zorgzones.errors import ValidationError
from zorgzones.zones import require_projected

#: How units that touch no other unit of their region are handled.
ISLAND_POLICIES = ("nearest", "allow", "strict")


@dataclass
class UnitGraph:
    """Rook adjacency of units (edges share a border of ``shared_m`` metres) plus per-unit geometry measures.

    ``links`` are the virtual edges added by the ``"nearest"`` island policy (shared_m = 0); ``islands`` are the units
    outside the largest connected part of their region (e.g. Voeren 73109) under any policy.
    """

    unit_ids: np.ndarray
    edges: np.ndarray
    shared_m: np.ndarray
    region: np.ndarray
    province: np.ndarray
    perimeter_m: np.ndarray
    area_m2: np.ndarray
    hulls: list
    island_policy: str
    islands: set = field(default_factory=set)
    links: list = field(default_factory=list)

    def __post_init__(self):
        self.position = {u: i for i, u in enumerate(self.unit_ids)}
        n = len(self.unit_ids)
        self.neighbours = [[] for _ in range(n)]
        self.edge_length = {}
        for (a, b), length in zip(self.edges.tolist(), self.shared_m.tolist()):
            self.neighbours[a].append(b)
            self.neighbours[b].append(a)
            self.edge_length[(a, b)] = self.edge_length[(b, a)] = length

    @property
    def n(self) -> int:
        return len(self.unit_ids)

    def allowed_edges(self, respect: str | None = "region") -> list[list[int]]:
        """Neighbour lists without edges crossing the region (or province) border."""
        key = {"region": self.region, None: None,
               "province": np.array([f"{r}|{p}" for r, p in zip(self.region, self.province)], dtype=object)}[respect]
        if key is None:
            return [list(nb) for nb in self.neighbours]
        return [[b for b in nb if key[b] == key[a]] for a, nb in enumerate(self.neighbours)]

    def components(self, members: np.ndarray, neighbours: list | None = None) -> list[list[int]]:
        """Connected parts (lists of positions) of the units ``members`` (positions), largest first."""
        neighbours = neighbours if neighbours is not None else self.neighbours
        inside = set(int(m) for m in members)
        seen, parts = set(), []
        for start in members:
            start = int(start)
            if start in seen:
                continue
            stack, part = [start], []
            seen.add(start)
            while stack:
                v = stack.pop()
                part.append(v)
                for w in neighbours[v]:
                    if w in inside and w not in seen:
                        seen.add(w)
                        stack.append(w)
            parts.append(part)
        return sorted(parts, key=len, reverse=True)

    def report(self) -> dict:
        return {"island_policy": self.island_policy, "islands": sorted(self.islands), "links": list(self.links)}


def unit_graph(units: gpd.GeoDataFrame, *, island_policy: str = "nearest", tolerance_m: float = 1.0) -> UnitGraph:
    """The adjacency graph of ``units`` (EPSG:31370); units touching only at a point are not neighbours."""
    require_projected(units)
    if island_policy not in ISLAND_POLICIES:
        raise ValidationError("island policy", [f"got {island_policy!r}; expected one of {ISLAND_POLICIES}"])
    geoms = units.geometry.to_numpy()
    tree = shapely.STRtree(geoms)
    a, b = tree.query(geoms, predicate="dwithin", distance=tolerance_m)
    keep = a < b
    a, b = a[keep], b[keep]
    boundaries = shapely.boundary(geoms)
    shared = shared_lengths(geoms, a, b)
    exact = shared <= 0  # no common vertices: fall back to exact boundary intersection for these pairs
    if exact.any():
        shared[exact] = shapely.length(shapely.intersection(boundaries[a[exact]], boundaries[b[exact]]))
    touching = shared > 0
    edges = np.column_stack([a[touching], b[touching]]).astype(np.int64).reshape(-1, 2)
    shared = shared[touching]
    n = len(units)
    region = _column(units, "region", n)
    province = _column(units, "province_id", n)
    hulls = [shapely.get_coordinates(h) for h in shapely.convex_hull(geoms)]
    graph = UnitGraph(units.index.to_numpy(dtype=object), edges, shared.astype(float), region, province,
                      shapely.length(boundaries).astype(float), shapely.area(geoms).astype(float), hulls, island_policy)
    _handle_islands(graph, geoms)
    return graph


def shared_lengths(geoms: np.ndarray, a: np.ndarray, b: np.ndarray, *, precision_m: float = 0.01) -> np.ndarray:
    """Length of border shared by each pair (a[i], b[i]) from segments both polygons contain (vertices equal to
    ``precision_m``): exact for topologically consistent layers and much faster than intersecting boundaries."""
    if not len(a):
        return np.zeros(0)
    # boundary of a (Multi)Polygon is a (Multi)LineString: get_coordinates indexes by geometry, so split rings by parts
    parts = shapely.get_parts(shapely.boundary(geoms), return_index=True)
    part_coords, part_index = shapely.get_coordinates(parts[0], return_index=True)
    owner = parts[1][part_index]
    same_part = part_index[1:] == part_index[:-1]
    grid = np.round(part_coords / precision_m).astype(np.int64)
    p, q = grid[:-1][same_part], grid[1:][same_part]
    seg_owner = owner[:-1][same_part]
    length = np.hypot(*(part_coords[1:][same_part] - part_coords[:-1][same_part]).T)
    swap = (p[:, 0] > q[:, 0]) | ((p[:, 0] == q[:, 0]) & (p[:, 1] > q[:, 1]))
    lo = np.where(swap[:, None], q, p)
    hi = np.where(swap[:, None], p, q)
    frame = pd.DataFrame({"x1": lo[:, 0], "y1": lo[:, 1], "x2": hi[:, 0], "y2": hi[:, 1], "owner": seg_owner, "length": length})
    frame = frame.drop_duplicates(["x1", "y1", "x2", "y2", "owner"])
    pairs = frame.merge(frame, on=["x1", "y1", "x2", "y2"], suffixes=("_a", "_b"))
    pairs = pairs[pairs["owner_a"] < pairs["owner_b"]]
    summed = pairs.groupby(["owner_a", "owner_b"])["length_a"].sum()
    key = pd.MultiIndex.from_arrays([np.minimum(a, b), np.maximum(a, b)])
    return summed.reindex(key).fillna(0.0).to_numpy(dtype=float).copy()


def _column(units: pd.DataFrame, name: str, n: int) -> np.ndarray:
    if name in units.columns:
        return units[name].astype(object).fillna("").to_numpy(dtype=object)
    if name == "region":
        return np.array(["brussels" if str(u).startswith("21") else "flanders" for u in units.index], dtype=object)
    return np.array([""] * n, dtype=object)


def _handle_islands(graph: UnitGraph, geoms: np.ndarray) -> None:
    """Find units outside the largest connected part of their region; under "nearest" link each such part to the
    nearest unit of the same region outside it (repeated until every region is one connected part)."""
    neighbours = graph.allowed_edges("region")
    for region in dict.fromkeys(graph.region.tolist()):
        members = np.flatnonzero(graph.region == region)
        parts = graph.components(members, neighbours)
        for part in parts[1:]:
            graph.islands.update(graph.unit_ids[part].tolist())
        if graph.island_policy != "nearest":
            continue
        while len(parts) > 1:
            part = parts[-1]  # smallest part first
            others = np.setdiff1d(members, part)
            tree = shapely.STRtree(geoms[others])
            (src, dst), dist = tree.query_nearest(geoms[part], return_distance=True, all_matches=False)
            k = int(np.argmin(dist))
            u, v = int(part[src[k]]), int(others[dst[k]])
            graph.neighbours[u].append(v)
            graph.neighbours[v].append(u)
            graph.edge_length[(u, v)] = graph.edge_length[(v, u)] = 0.0
            neighbours[u].append(v)
            neighbours[v].append(u)
            graph.links.append({"unit_id": graph.unit_ids[u], "attached_to": graph.unit_ids[v],
                                "distance_m": round(float(dist[k]), 1), "region": region})
            parts = graph.components(members, neighbours)


def edge_frame(graph: UnitGraph) -> pd.DataFrame:
    """The graph as a table ``unit_a, unit_b, shared_m`` (virtual island links included with shared_m = 0)."""
    rows = [(graph.unit_ids[a], graph.unit_ids[b], length) for (a, b), length in graph.edge_length.items() if a < b]
    return pd.DataFrame(rows, columns=["unit_a", "unit_b", "shared_m"])
