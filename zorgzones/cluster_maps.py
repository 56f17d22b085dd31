"""Folium maps and overlays of need types and hot spots (from MapLayers)."""

from __future__ import annotations

import folium
import geopandas as gpd
from branca.element import MacroElement
from jinja2 import Template

from zorgzones.cluster_layers import MapLayer
from zorgzones.i18n import t
from zorgzones.maps import (MAP_CSS, MAP_JS, TILES_ATTRIBUTION, DataGeoJson, MapLegend, escape_text, feature_collection,
                            finish_map, zone_layer)


class _GroupLegend(MacroElement):
    """A legend that shows while its parent layer is on the map: added with the layer, removed with it (also when the
    app swaps the layer for another, or the layer control switches it off)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var group = {{ this._parent.get_name() }};
            var legend = L.control({position: {{ this.position|tojson }}});
            legend.onAdd = function () {
                var div = L.DomUtil.create("div", "zz-legend zz-overlay-legend");
                div.innerHTML = {{ this.html|tojson }};
                return div;
            };
            function show() { if (group._map && !legend._map) { legend.addTo(group._map); } }
            group.on("add", show);
            group.on("remove", function () { if (legend._map) { legend.remove(); } });
            show();
        })();
        {% endmacro %}
    """)

    def __init__(self, html_text: str, position: str = "bottomleft"):
        super().__init__()
        self._name = "GroupLegend"
        self.html = html_text
        self.position = position


def overlay_group(layer: MapLayer, *, name: str, legend: str | None = None, skip: tuple = ("ns",),
                  fill_opacity: float = 0.15) -> folium.FeatureGroup:
    """``layer`` as a layer to draw over another map (e.g. the app's explore map): shapes whose ``label`` is in ``skip``
    (not significant) are left out, the others are outlined in their colour over a white casing, so they stand out
    on any choropleth, with a light fill that keeps the map below readable. Best with a dissolved layer (one shape
    per cluster). Not interactive (the units below keep their tooltips and clicks); its legend (``legend`` HTML,
    default the layer's own) shows at the bottom left while the layer is on."""
    frame = layer.frame
    if "label" in frame.columns and skip:
        frame = frame[~frame["label"].isin(skip)]
    group = folium.FeatureGroup(name=escape_text(name), show=True)
    if len(frame):
        shapes = feature_collection(frame, ["_fill"])
        folium.GeoJson(shapes, interactive=False,
                       style_function=lambda f: {"fill": False, "color": "#ffffff", "weight": 5, "opacity": 0.9}).add_to(group)
        folium.GeoJson(shapes, interactive=False,
                       style_function=lambda f: {"fillColor": f["properties"]["_fill"], "color": f["properties"]["_fill"],
                                                 "weight": 2.5, "fillOpacity": fill_opacity}).add_to(group)
    _GroupLegend(legend if legend is not None else layer.legend()).add_to(group)
    return group


def layer_map(layer: MapLayer, *, fields: dict[str, str], zones: gpd.GeoDataFrame | None = None, bundle=None,
              lang: str = "nl", tiles: str | None = "OpenStreetMap", legend: str | None = None,
              name: str | None = None) -> folium.Map:
    """A folium map of ``layer`` alone: its units in their colours with a tooltip of ``fields`` (column -> label; the
    values are escaped), its legend (or ``legend`` HTML), optional zone outlines (``zones`` from
    :func:`maps.zone_shapes`), the credits of the bundle's unit layer and the synthetic-data label of a demo; ``name``
    (default the layer's title) names the layer in the layer control."""
    frame = layer.frame
    minx, miny, maxx, maxy = frame.total_bounds
    fmap = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], tiles=None, control_scale=True, prefer_canvas=True)
    fmap.default_js, fmap.default_css = list(MAP_JS), list(MAP_CSS)
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    if tiles is not None:
        folium.TileLayer(tiles, name=t("basemap", lang), attr=TILES_ATTRIBUTION[tiles]).add_to(fmap)
    columns = [c for c in fields if c in frame.columns]
    DataGeoJson(
        feature_collection(frame, columns + ["_fill"]), name=escape_text(name or layer.title),
        style_function=lambda f: {"fillColor": f["properties"]["_fill"], "color": "#ffffff", "weight": 0.5, "fillOpacity": 0.8},
        highlight_function=lambda f: {"weight": 2, "color": "#333333"},
        tooltip=folium.GeoJsonTooltip(fields=columns, aliases=[escape_text(fields[c]) for c in columns], sticky=True),
    ).add_to(fmap)
    MapLegend(legend if legend is not None else layer.legend()).add_to(fmap)
    layers = ["units"]
    if zones is not None and len(zones):
        zone_layer(zones, name=t("zones_layer", lang)).add_to(fmap)
        layers.append("plans")
    return finish_map(fmap, bundle, layers, lang=lang)
