"""Read the routable ways of an OpenStreetMap .osm.pbf.

Directed edge arrays with length and per-mode travel time.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

import numpy as np
import pyproj

from .errors import DataError, ValidationError
from .settings import WORKING_CRS

#: Speed in km/h per highway type and mode; a missing entry means the mode may not use that type.
#: Car speeds are typical free-flow averages in Flanders (urban 30/50 zones, 70-90 regional roads,
#: 120 motorways, minus junction delays); bike 15 km/h, walk 4.8 km/h wherever allowed.
HIGHWAY_SPEED_KMH: dict[str, dict[str, float]] = {
    "motorway": {"car": 100.0},
    "motorway_link": {"car": 50.0},
    "trunk": {"car": 70.0},
    "trunk_link": {"car": 40.0},
    "primary": {"car": 50.0, "bike": 15.0, "walk": 4.8},
    "primary_link": {"car": 40.0, "bike": 15.0, "walk": 4.8},
    "secondary": {"car": 45.0, "bike": 15.0, "walk": 4.8},
    "secondary_link": {"car": 35.0, "bike": 15.0, "walk": 4.8},
    "tertiary": {"car": 40.0, "bike": 15.0, "walk": 4.8},
    "tertiary_link": {"car": 30.0, "bike": 15.0, "walk": 4.8},
    "unclassified": {"car": 30.0, "bike": 15.0, "walk": 4.8},
    "residential": {"car": 25.0, "bike": 15.0, "walk": 4.8},
    "living_street": {"car": 10.0, "bike": 12.0, "walk": 4.8},
    "road": {"car": 25.0, "bike": 15.0, "walk": 4.8},
    "service": {"car": 15.0, "bike": 12.0, "walk": 4.8},
    "track": {"bike": 12.0, "walk": 4.8},
    "cycleway": {"bike": 16.0, "walk": 4.8},
    "path": {"bike": 12.0, "walk": 4.8},
    "footway": {"walk": 4.8},
    "pedestrian": {"bike": 8.0, "walk": 4.8},
    "steps": {"walk": 2.0},
    "bridleway": {"walk": 4.8},
}
MODES = ("car", "bike", "walk")
_NO_ACCESS = {"no", "private"}


@dataclass
class RoadEdges:
    """Directed road segments between OSM nodes: positions into ``node_id``/``x``/``y`` (EPSG:31370)."""

    node_id: np.ndarray
    x: np.ndarray
    y: np.ndarray
    source: np.ndarray
    target: np.ndarray
    length_m: np.ndarray
    speed_kmh: np.ndarray
    mode: str

    @property
    def travel_min(self) -> np.ndarray:
        return self.length_m / (self.speed_kmh * 1000.0 / 60.0)


def _maxspeed(value: str | None) -> float | None:
    if not value:
        return None
    match = re.match(r"^\s*(\d+(?:\.\d+)?)\s*(mph)?", value)
    if not match:
        return None
    speed = float(match.group(1))
    return speed * 1.609344 if match.group(2) else speed


def _oneway(tags, highway: str) -> int:
    """+1 forward only, -1 backward only, 0 both ways (for cars)."""
    value = tags.get("oneway", "")
    if value in ("yes", "true", "1"):
        return 1
    if value == "-1" or value == "reverse":
        return -1
    if value == "no":
        return 0
    if tags.get("junction", "") in ("roundabout", "circular") or highway == "motorway":
        return 1
    return 0


def read_road_edges(path: str | os.PathLike, *, mode: str = "car") -> RoadEdges:
    """Directed edges usable by ``mode`` from the ways of an .osm.pbf (one-way streets respected for cars).

    Car speed is the way's numeric ``maxspeed`` when lower than the type speed, else the type
    speed of HIGHWAY_SPEED_KMH; ``access=no/private`` ways are skipped.
    """
    import osmium

    if mode not in MODES:
        raise DataError(f"mode is {mode!r}; expected one of {MODES}")
    if not os.path.isfile(path):
        raise DataError(f"OSM file {path} does not exist; pass an .osm.pbf (e.g. bundle.path('osm_antwerp'))")
    if os.path.getsize(path) == 0:
        raise ValidationError(f"OSM file {os.path.basename(path)}", ["the file is empty (0 bytes); download the extract again"])
    try:
        return _read_road_edges(path, mode, osmium)
    except (RuntimeError, ValueError, OSError) as exc:  # osmium reports unreadable input as RuntimeError
        raise ValidationError(f"OSM file {os.path.basename(path)}", [
            f"could not read it as OpenStreetMap data ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__}); "
            "give an .osm.pbf extract (e.g. from download.geofabrik.de)"]) from None


def _read_road_edges(path, mode: str, osmium) -> RoadEdges:
    refs: list[np.ndarray] = []
    speeds: list[float] = []
    directions: list[int] = []
    locations: dict[int, tuple[float, float]] = {}
    processor = osmium.FileProcessor(str(path)).with_locations().with_filter(osmium.filter.KeyFilter("highway"))
    for way in processor:
        if not way.is_way():
            continue
        tags = way.tags
        highway = tags.get("highway", "")
        speed = HIGHWAY_SPEED_KMH.get(highway, {}).get(mode)
        if speed is None or tags.get("access", "") in _NO_ACCESS or tags.get(f"{'motor_vehicle' if mode == 'car' else 'bicycle' if mode == 'bike' else 'foot'}", "") in _NO_ACCESS:
            continue
        if mode == "car":
            limit = _maxspeed(tags.get("maxspeed"))
            if limit is not None and 0 < limit < speed:
                speed = limit
        ids = []
        for node in way.nodes:
            if not node.location.valid():
                continue
            ids.append(node.ref)
            locations[node.ref] = (node.location.lon, node.location.lat)
        if len(ids) < 2:
            continue
        refs.append(np.asarray(ids, dtype=np.int64))
        speeds.append(speed)
        directions.append(_oneway(tags, highway) if mode == "car" else 0)
    if not refs:
        raise DataError(f"no ways usable by {mode!r} in {path}; is it an OpenStreetMap extract with highway ways?")
    node_id = np.fromiter(locations.keys(), dtype=np.int64, count=len(locations))
    lonlat = np.array(list(locations.values()), dtype=float)
    order = np.argsort(node_id)
    node_id, lonlat = node_id[order], lonlat[order]
    x, y = pyproj.Transformer.from_crs("EPSG:4326", WORKING_CRS, always_xy=True).transform(lonlat[:, 0], lonlat[:, 1])
    lengths = np.array([len(r) - 1 for r in refs])
    all_refs = np.concatenate(refs)
    starts = np.concatenate([[0], np.cumsum(lengths + 1)[:-1]])
    first = np.concatenate([np.arange(s, s + n) for s, n in zip(starts, lengths)])
    u = np.searchsorted(node_id, all_refs[first])
    v = np.searchsorted(node_id, all_refs[first + 1])
    speed = np.repeat(np.asarray(speeds), lengths)
    direction = np.repeat(np.asarray(directions), lengths)
    length = np.hypot(x[u] - x[v], y[u] - y[v])
    forward = direction >= 0
    backward = direction <= 0
    source = np.concatenate([u[forward], v[backward]])
    target = np.concatenate([v[forward], u[backward]])
    return RoadEdges(
        node_id=node_id,
        x=np.asarray(x),
        y=np.asarray(y),
        source=source,
        target=target,
        length_m=np.concatenate([length[forward], length[backward]]),
        speed_kmh=np.concatenate([speed[forward], speed[backward]]),
        mode=mode,
    )
