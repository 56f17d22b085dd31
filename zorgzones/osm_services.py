"""Read care and social services (points) from an OpenStreetMap .osm.pbf."""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .errors import DataError
from .hospitals import HOSPITAL_FAMILY, classify_hospital
from .settings import WORKING_CRS, service_type_defaults

#: OSM tag -> service type, first match wins (so ``social_facility=nursing_home`` beats ``amenity=social_facility``).
#: ``*`` matches any value. Notes say where a Belgian reading differs from the tag's name.
OSM_SERVICE_TAGS: tuple[tuple[str, str, str, str], ...] = (
    ("amenity", "pharmacy", "pharmacy", ""),
    ("healthcare", "pharmacy", "pharmacy", ""),
    ("amenity", "hospital", "hospital", "split into hospital_general/psychiatric/other by healthcare:speciality and the name rule"),
    ("healthcare", "hospital", "hospital", "as amenity=hospital"),
    ("amenity", "doctors", "gp", "a practice; OSM does not say whether it is a GP (huisarts) or a specialist"),
    ("healthcare", "doctor", "gp", "as amenity=doctors"),
    ("amenity", "dentist", "dentist", ""),
    ("healthcare", "dentist", "dentist", ""),
    ("amenity", "clinic", "clinic", "outpatient clinic / polikliniek"),
    ("healthcare", "clinic", "clinic", ""),
    ("healthcare", "centre", "health_centre", "wijkgezondheidscentrum / maison médicale"),
    ("healthcare", "nurse", "home_nursing", "nursing practice"),
    ("healthcare", "psychotherapist", "psychotherapist", ""),
    ("healthcare", "physiotherapist", "physiotherapist", ""),
    ("social_facility", "nursing_home", "nursing_home", "woonzorgcentrum / maison de repos"),
    ("amenity", "nursing_home", "nursing_home", "deprecated tag, same meaning"),
    ("social_facility", "assisted_living", "assisted_living", "assistentiewoningen / résidence-services"),
    ("social_facility", "group_home", "group_home", ""),
    ("social_facility", "day_care", "day_care_centre", "dagverzorgingscentrum"),
    ("amenity", "childcare", "childcare", "kinderopvang (0-3 years)"),
    ("amenity", "kindergarten", "kindergarten", "in Belgium mostly a kleuterschool / école maternelle (2.5-6 years, "
                                                "education), so NOT counted as childcare"),
    ("social_facility", "*", "social_facility_other", "other social facilities (outreach, shelter, food bank, ...)"),
    ("amenity", "social_facility", "social_facility_other", "social facility without a social_facility tag"),
    ("healthcare", "*", "healthcare_other", "any other healthcare=* value (kept in osm_tag)"),
)
OSM_LICENCE = "ODbL 1.0"
OSM_KEYS = sorted({key for key, _, _, _ in OSM_SERVICE_TAGS})


def osm_service_type(tags) -> tuple[str, str] | None:
    """``(service_type, "key=value")`` of an OSM object by :data:`OSM_SERVICE_TAGS`, None when no row matches."""
    for key, value, service_type, _ in OSM_SERVICE_TAGS:
        found = tags.get(key)
        if found and (value == "*" or found == value):
            return service_type, f"{key}={found}"
    return None


def _number(text) -> float:
    try:
        return float(str(text).split(";")[0].strip())
    except (TypeError, ValueError):
        return np.nan


def _record(kind: str, osm_id: int, tags, geometry, timestamp) -> dict | None:
    matched = osm_service_type(tags)
    if matched is None or geometry is None or geometry.is_empty:
        return None
    service_type, tag = matched
    capacity = _number(tags.get("beds") or tags.get("capacity"))
    street = " ".join(p for p in (tags.get("addr:street"), tags.get("addr:housenumber")) if p)
    return {"service_id": f"osm:{kind}{osm_id}", "service_type": service_type, "osm_tag": tag,
            "name": tags.get("name") or tags.get("operator") or "", "address": street or None,
            "postcode": tags.get("addr:postcode"), "city": tags.get("addr:city"), "capacity": capacity,
            "emergency": tags.get("emergency") == "yes", "speciality": tags.get("healthcare:speciality", ""),
            "timestamp": timestamp, "geometry": geometry}


def read_osm_services(path: str | os.PathLike, *, extract_date: str | None = None) -> gpd.GeoDataFrame:
    """Services in an .osm.pbf as bundle-shaped points (EPSG:31370), by the tag table :data:`OSM_SERVICE_TAGS`.

    Nodes are taken as they are, ways at the centroid of their outline, multipolygon relations at the centroid of
    their area. ``capacity`` comes from the ``beds`` or ``capacity`` tag, else 1 with ``capacity_known`` False;
    ``capacity_unit`` is the service type's unit (settings.SERVICE_TYPES). Hospitals get a ``service_subtype``
    (psychiatric when ``healthcare:speciality`` says psychiatry, else the name rule of zorgzones.hospitals).
    Every type is ``type_derived`` from the tag in ``type_rule``. The OSM credit (ODbL, extract date: the file
    header's timestamp, else ``extract_date``, else the newest edit among the services read) is in
    ``frame.attrs["credit"]`` and the ``credit`` column.
    """
    import osmium

    path = Path(path)
    if not path.is_file():
        raise DataError(f"OSM file {path} does not exist; pass an .osm.pbf (e.g. bundle.path('osm_antwerp'))")
    header = osmium.io.Reader(str(path), osmium.osm.osm_entity_bits.NOTHING)
    stamp = header.header().get("osmosis_replication_timestamp") or header.header().get("timestamp")
    header.close()
    wkb = osmium.geom.WKBFactory()
    records = []
    processor = (osmium.FileProcessor(str(path)).with_locations().with_areas()
                 .with_filter(osmium.filter.KeyFilter(*OSM_KEYS)))
    for obj in processor:
        geometry = None
        try:
            if obj.is_node():
                geometry = shapely.Point(obj.location.lon, obj.location.lat) if obj.location.valid() else None
                kind = "n"
            elif obj.is_way():
                coords = [(n.location.lon, n.location.lat) for n in obj.nodes if n.location.valid()]
                kind = "w"
                if len(coords) >= 4 and coords[0] == coords[-1]:
                    geometry = shapely.Polygon(coords).centroid
                elif coords:
                    geometry = shapely.LineString(coords).centroid if len(coords) > 1 else shapely.Point(coords[0])
            elif obj.is_area() and not obj.from_way():
                geometry, kind = shapely.from_wkb(bytes.fromhex(wkb.create_multipolygon(obj))).centroid, "r"
            else:
                continue
        except (RuntimeError, osmium.InvalidLocationError):
            continue  # broken outline in the extract: skip the object, not the file
        osm_id = obj.orig_id() if obj.is_area() else obj.id
        record = _record(kind, osm_id, obj.tags, geometry, obj.timestamp)
        if record is not None:
            records.append(record)
    if not records:
        frame = gpd.GeoDataFrame({"service_id": [], "service_type": [], "name": [], "capacity": []}, geometry=[], crs=WORKING_CRS)
        frame.attrs["credit"] = f"© OpenStreetMap contributors ({OSM_LICENCE})"
        return frame.set_index("service_id")
    frame = pd.DataFrame(records).drop_duplicates("service_id")
    newest = pd.to_datetime(frame["timestamp"], utc=True).max()
    date = (stamp or extract_date or "")[:10] or f"date unknown, newest service edit {newest:%Y-%m-%d}"
    frame["capacity_known"] = frame["capacity"].notna()
    frame["capacity"] = frame["capacity"].fillna(1.0)
    frame["capacity_unit"] = [service_type_defaults(t).capacity_unit for t in frame["service_type"]]
    frame["service_subtype"] = None
    hospital = frame["service_type"].eq(HOSPITAL_FAMILY)
    frame.loc[hospital, "service_subtype"] = [
        classify_hospital(n, "psychiatric" if "psychiatr" in s else None)[0] for n, s in zip(frame.loc[hospital, "name"], frame.loc[hospital, "speciality"])]
    frame["type_derived"] = True
    frame["type_rule"] = "OpenStreetMap tag " + frame["osm_tag"]
    frame["active"], frame["status"], frame["dataset"] = True, "ACTIVE", "osm"
    credit = f"© OpenStreetMap contributors ({OSM_LICENCE}), extract of {date}"
    frame["credit"] = credit
    frame = frame.drop(columns=["timestamp"])
    out = gpd.GeoDataFrame(frame, geometry="geometry", crs="EPSG:4326").to_crs(WORKING_CRS)
    out = out.set_index("service_id").sort_index()
    out.attrs.update({"credit": credit, "licence": OSM_LICENCE, "extract_date": date, "source": str(path.name)})
    return out


def write_osm_services(services: gpd.GeoDataFrame, path: str | os.PathLike) -> Path:
    """Write services read by :func:`read_osm_services` (GeoPackage layer ``services`` with the credit as layer
    metadata plus a ``sources`` table, or GeoJSON / CSV with lon/lat) so the credit travels with them."""
    import pyogrio

    path = Path(path)
    credit = services.attrs.get("credit", f"© OpenStreetMap contributors ({OSM_LICENCE})")
    frame = services.reset_index()
    suffix = path.suffix.lower()
    if suffix == ".gpkg":
        if path.exists():
            path.unlink()
        pyogrio.write_dataframe(frame, path, layer="services", driver="GPKG",
                                layer_metadata={"credit": credit, "licence": OSM_LICENCE,
                                                "extract_date": str(services.attrs.get("extract_date", ""))})
        sources = pd.DataFrame({"key": ["credit", "licence", "extract_date", "source_file"],
                                "value": [credit, OSM_LICENCE, str(services.attrs.get("extract_date", "")),
                                          str(services.attrs.get("source", ""))]})
        pyogrio.write_dataframe(sources, path, layer="sources", driver="GPKG", append=True)
    elif suffix in (".geojson", ".json"):
        pyogrio.write_dataframe(frame.to_crs("EPSG:4326"), path, driver="GeoJSON")
    elif suffix == ".csv":
        lonlat = frame.to_crs("EPSG:4326")
        table = pd.DataFrame(frame.drop(columns="geometry")).assign(lon=lonlat.geometry.x, lat=lonlat.geometry.y)
        table.to_csv(path, index=False)
    else:
        raise DataError(f"unsupported output {path.suffix!r} for services; use .gpkg, .geojson or .csv")
    return path
