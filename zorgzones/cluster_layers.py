"""Map-ready layers of need types and hot spots (EPSG:4326, legends)."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd

from zorgzones.hotspots import HotSpots, cluster_polygons
from zorgzones.i18n import t
from zorgzones.maps import legend_html, to_web
from zorgzones.typology import Typology

#: Colours of need types 1..n (ColorBrewer Set2 then Dark2: qualitative, colour-blind friendlier than tab10).
TYPE_COLOURS = ("#66c2a5", "#fc8d62", "#8da0cb", "#e78ac3", "#a6d854", "#ffd92f", "#e5c494", "#b3b3b3",
                "#1b9e77", "#d95f02", "#7570b3", "#e7298a")
UNTYPED_COLOUR = "#ffffff"
GI_COLOURS = {"hot": "#d7301f", "cold": "#2b8cbe", "ns": "#f0f0f0"}
LISA_COLOURS = {"HH": "#d7191c", "LL": "#2c7bb6", "HL": "#fdae61", "LH": "#abd9e9", "ns": "#f0f0f0"}
#: French labels until i18n.py carries French (keys as in i18n.LABELS).
_FR = {"cluster_type": "Type {n}", "cluster_untyped": "Pas de type (sans habitants)", "cluster_types_title": "Types de besoins",
       "hotspot_hot": "Point chaud", "hotspot_cold": "Point froid", "hotspot_ns": "Non significatif",
       "hotspot_title": "Points chauds et froids (Gi*) : {indicator}", "lisa_title": "Grappes LISA : {indicator}",
       "lisa_HH": "Haut-haut", "lisa_LL": "Bas-bas", "lisa_HL": "Haut entouré de bas", "lisa_LH": "Bas entouré de haut",
       "lisa_ns": "Non significatif", "estimate_note": "âges estimés"}


def label(key: str, lang: str = "nl", **values) -> str:
    """i18n label ``key`` in nl/en, or French from ``_FR``."""
    if lang == "fr" and key in _FR:
        return _FR[key].format(**values)
    return t(key, lang, **values)


@dataclass
class MapLayer:
    """A layer ready for folium: ``frame`` in EPSG:4326 with ``_fill`` colours and text columns, plus its legend."""

    frame: gpd.GeoDataFrame
    title: str
    colours: list
    labels: list

    def legend(self) -> str:
        return legend_html(self.title, self.colours, self.labels)


def typology_layer(typology: Typology, units: gpd.GeoDataFrame, *, lang: str = "nl", tolerance_m: float = 40.0) -> MapLayer:
    """Units coloured by need type, with name, type label, plain-words description and the age_estimated flag."""
    descriptions = typology.descriptions(lang)
    table = typology.units.reindex(units.index)
    frame = gpd.GeoDataFrame({"name": units["name"] if "name" in units.columns else units.index.astype(str),
                              "cluster": table["cluster"].fillna(0).astype(int)}, geometry=units.geometry, crs=units.crs)
    frame["type_label"] = [label("cluster_type", lang, n=c) if c > 0 else label("cluster_untyped", lang) for c in frame["cluster"]]
    frame["description"] = frame["cluster"].map(descriptions).fillna("")
    frame["age_estimated"] = table["age_estimated"].fillna(False).astype(bool)
    frame["_fill"] = [TYPE_COLOURS[(c - 1) % len(TYPE_COLOURS)] if c > 0 else UNTYPED_COLOUR for c in frame["cluster"]]
    types = list(range(1, typology.k + 1))
    labels = [f"{label('cluster_type', lang, n=c)}: {descriptions.get(c, '')}" for c in types]
    return MapLayer(to_web(frame, tolerance_m=tolerance_m), label("cluster_types_title", lang),
                    [TYPE_COLOURS[(c - 1) % len(TYPE_COLOURS)] for c in types], labels)


def hotspot_layer(hotspots: HotSpots, units: gpd.GeoDataFrame, *, statistic: str = "gi", lang: str = "nl",
                  dissolved: bool = False, tolerance_m: float = 40.0) -> MapLayer:
    """Units (or, with ``dissolved``, connected clusters) coloured by Gi* hot/cold or LISA quadrant labels."""
    column, colours, prefix = ("gi_label", GI_COLOURS, "hotspot") if statistic == "gi" else ("lisa_label", LISA_COLOURS, "lisa")
    if dissolved:
        frame = cluster_polygons(units, hotspots.units[column].reindex(units.index))
    else:
        table = hotspots.units.reindex(units.index)
        keep = [c for c in ("name", "value", "gi_z", "gi_p", "lisa_p", column, "age_estimated") if c in table.columns]
        frame = gpd.GeoDataFrame(table[keep].rename(columns={column: "label"}), geometry=units.geometry, crs=units.crs)
    frame["label_text"] = [label(f"{prefix}_{v}", lang) for v in frame["label"]]
    frame["_fill"] = frame["label"].map(colours)
    title_key = "hotspot_title" if statistic == "gi" else "lisa_title"
    return MapLayer(to_web(frame, tolerance_m=tolerance_m), label(title_key, lang, indicator=hotspots.indicator),
                    list(colours.values()), [label(f"{prefix}_{v}", lang) for v in colours])
