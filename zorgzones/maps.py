"""Interactive folium web maps; the only place that converts to EPSG:4326.

Interactive folium web maps (choropleth, zones, services, analysis layers, escaped popups, credits); the only
place that converts to EPSG:4326.
"""

from __future__ import annotations

import html
import json

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, MacroElement
from folium.elements import ElementAddToElement
from folium.features import GeoJsonStyleMapper
from folium.plugins import FastMarkerCluster
from folium.utilities import get_obj_in_upper_tree
from jinja2 import Template
from matplotlib import colors as mcolors

from zorgzones.errors import ValidationError
from zorgzones.i18n import format_number, localized_names, t
from zorgzones.indicators import credit_line, demo_label, get_indicator, shown_values
from zorgzones.printmap import (NO_DATA_COLOUR, OTHER_SERVICE, SERVICE_STYLE, check_plan_units, class_colours, class_labels,
                               classify, service_name)
from zorgzones.settings import WEB_CRS
from zorgzones.year_labels import units_year_line
from zorgzones.zones import Plan, require_projected

INACTIVE_COLOUR = "#9e9e9e"
#: Above this many services of one type, markers are clustered.
CLUSTER_THRESHOLD = 300
#: Simplification tolerance (metres, EPSG:31370) of display geometries per level.
TOLERANCE_M = {"municipality": 40.0, "deelgemeente": 25.0, "neighbourhood": 15.0, "zone": 60.0}
TILES_ATTRIBUTION = {"OpenStreetMap": "&copy; OpenStreetMap contributors (ODbL)"}
#: The credits in the attribution corner: a short line that opens into the full list (with licences) on a click.
CREDITS_STYLE = ("<style>.zz-credits{display:inline;cursor:pointer}.zz-credits summary{display:inline;text-decoration:underline}"
                 ".zz-credits[open]{display:block;max-width:520px;white-space:normal;padding:4px 2px}</style>")


def escape_text(value) -> str:
    """Text safe inside HTML and inside the JavaScript template strings folium writes (``<``, ``&``, quotes,
    backticks, ``${`` and backslashes become entities); ``None``/NaN become an empty string."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    text = html.escape(str(value), quote=True)
    return text.replace("`", "&#96;").replace("$", "&#36;").replace("\\", "&#92;").replace("{", "&#123;").replace("}", "&#125;")


def to_web(frame: gpd.GeoDataFrame, *, tolerance_m: float = 40.0, decimals: int = 5) -> gpd.GeoDataFrame:
    """Display copy in EPSG:4326: simplified in metres first (topology kept), coordinates rounded (~1 m)."""
    require_projected(frame)
    out = frame.copy()
    if tolerance_m > 0:
        out["geometry"] = shapely.simplify(out.geometry.to_numpy(), tolerance_m, preserve_topology=True)
    out = out.to_crs(WEB_CRS)
    out["geometry"] = shapely.transform(out.geometry.to_numpy(), lambda xy: np.round(xy, decimals))
    return out


#: Scripts and styles the maps of this module need (folium's Bootstrap and Awesome-Markers defaults are dropped; the
#: legend is our own HTML, so no d3). Every URL has a vendored copy (``zorgzones.webassets``): exported maps inline them,
#: the app serves them, so no map needs the internet apart from basemap tiles.
MAP_JS = [("leaflet", "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"),
          ("jquery", "https://code.jquery.com/jquery-3.7.1.min.js")]
MAP_CSS = [("leaflet_css", "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css")]


def _hex(colour) -> str:
    return mcolors.to_hex(colour)


def feature_collection(frame: gpd.GeoDataFrame, columns: list[str], *, raw: tuple = ("_fill",)) -> dict:
    """GeoJSON with only ``columns`` as properties, every one escaped text except the style columns in ``raw``.
    Geometries are written by GEOS (``shapely.to_geojson``), several times faster than geopandas' ``to_json``."""
    values = {c: frame[c].tolist() if c in raw else [escape_text(v) for v in frame[c]] for c in columns}
    shapes = json.loads("[" + ",".join(g if g is not None else "null" for g in shapely.to_geojson(frame.geometry.to_numpy())) + "]")
    return {"type": "FeatureCollection",
            "features": [{"type": "Feature", "properties": {c: values[c][i] for c in columns}, "geometry": g}
                         for i, g in enumerate(shapes)]}


class _ScriptText(Element):
    """A rendered script kept as text (see :class:`DataGeoJson`)."""

    def __init__(self, text: str):
        super().__init__()
        self._text = text

    def render(self, **kwargs) -> str:
        return self._text


class DataGeoJson(folium.GeoJson):
    """``folium.GeoJson`` whose rendered script (the features themselves: megabytes for 2,730 neighbourhoods) is added to
    the page as text. branca wraps every rendered script in a new jinja ``Template`` and so lexes all the data once
    more: a quarter of a second per neighbourhood map. The style and highlight maps are made as folium makes them."""

    def render(self, **kwargs):
        self.parent_map = get_obj_in_upper_tree(self, folium.Map)
        if (self.style or self.highlight) and self.data["features"]:
            mapper = GeoJsonStyleMapper(self.data, self.feature_identifier, self)
            if self.style:
                self.style_map = mapper.get_style_map(self.style_function)
            if self.highlight:
                self.highlight_map = mapper.get_highlight_map(self.highlight_function)
        if self.show:  # what folium's Layer.render adds
            self.add_child(ElementAddToElement(element_name=self.get_name(), element_parent_name=self._parent.get_name()),
                           name=self.get_name() + "_add")
        self.get_root().script.add_child(_ScriptText(self._template.module.script(self, kwargs)), name=self.get_name())
        for element in self._children.values():
            element.render(**kwargs)


class MapAttribution(MacroElement):
    """Adds an attribution (credit line of our own layers) to the map's attribution control."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.text|tojson }});
        {% endmacro %}
    """)

    def __init__(self, text: str):
        super().__init__()
        self._name = "Attribution"
        self.text = text


class MapLegend(MacroElement):
    """The class legend as a Leaflet control (plain HTML: no d3 or other script to load)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.control({position: "bottomright"});
        {{ this.get_name() }}.onAdd = function () {
            var div = L.DomUtil.create("div", "zz-legend");
            div.innerHTML = {{ this.html|tojson }};
            return div;
        };
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, html_text: str):
        super().__init__()
        self._name = "Legend"
        self.html = html_text


def legend_html(title: str, colours: list[str], labels: list[str], *, no_data: str | None = None,
                caption: str | None = None) -> str:
    """Legend box: escaped title, an escaped ``caption`` under it (e.g. the population year), one colour swatch per
    class label, and a no-data swatch when ``no_data`` is given."""
    swatch = ('<div><span style="display:inline-block;width:14px;height:11px;margin-right:6px;vertical-align:middle;'
              'border:1px solid #888;background:{}"></span>{}</div>')
    rows = [swatch.format(c, escape_text(lab)) for c, lab in zip(colours, labels)]
    if no_data:
        rows.append(swatch.format(NO_DATA_COLOUR, escape_text(no_data)))
    return ('<div style="background:rgba(255,255,255,.9);padding:6px 8px;border-radius:4px;box-shadow:0 0 4px rgba(0,0,0,.3);'
            f'font:12px/18px sans-serif;max-width:240px"><div style="font-weight:600;margin-bottom:3px">{escape_text(title)}</div>'
            + (f'<div class="zz-legend-caption" style="font-size:11px;line-height:14px;color:#444;margin-bottom:4px">'
               f'{escape_text(caption)}</div>' if caption else "")
            + "".join(rows) + "</div>")


def web_map(units: gpd.GeoDataFrame, *, indicator: str = "share_65plus", plan: Plan | None = None,
            services: gpd.GeoDataFrame | None = None, bundle=None, analysis: dict | None = None, lang: str = "nl",
            tiles: str | None = "OpenStreetMap", k: int = 5, cluster_threshold: int = CLUSTER_THRESHOLD,
            level: str | None = None, web_units: gpd.GeoDataFrame | None = None,
            zones: gpd.GeoDataFrame | None = None) -> folium.Map:
    """A folium map: units coloured by ``indicator`` (legend with unit), zone outlines with labels, services by type
    (clustered when dense), optional analysis layers (name -> GeoDataFrame in EPSG:31370), layer control and the
    credits of every layer (and the synthetic-data label for a demo bundle). Every text shown is HTML-escaped.

    ``web_units`` (:func:`to_web` of the same units) and ``zones`` (:func:`zone_shapes` of ``plan``), when a caller
    keeps them, skip the geometry work: the app redraws another year's or indicator's figures on the same shapes."""
    require_projected(units)
    info = get_indicator(indicator, scope="unit")
    if plan is not None:
        check_plan_units(units, plan, level=level)
    if tiles is not None and tiles not in TILES_ATTRIBUTION:
        raise ValidationError("web map", [f"tiles {tiles!r} unknown; expected one of {', '.join(TILES_ATTRIBUTION)} or None"])
    level = level or (str(units["level"].iloc[0]) if "level" in units.columns and len(units) else "municipality")
    if web_units is not None and not web_units.index.equals(units.index):
        raise ValidationError("web map", ["web_units are not the units of the map (another index); pass to_web(units)"])
    shown = to_web(units, tolerance_m=TOLERANCE_M.get(level, 25.0)) if web_units is None else web_units[[web_units.geometry.name]].copy()
    values = shown_values(units, indicator)
    bins, classes = classify(values, scheme="fisher_jenks", k=k)
    colours = [_hex(c) for c in class_colours(len(bins), info.cmap)]
    shown["_fill"] = [colours[c] if c >= 0 else NO_DATA_COLOUR for c in classes]
    shown["_name"] = localized_names(units, lang).to_numpy()
    shown["_value"] = [format_number(v, info.decimals, lang) for v in values]
    shown["_pop"] = [format_number(v, 0, lang) for v in units["pop_total"]] if "pop_total" in units else ""
    shown["_zone"] = [plan.zone_name(z) if isinstance(z, str) else "" for z in plan.assignment.reindex(units.index)] if plan is not None else ""

    minx, miny, maxx, maxy = shown.total_bounds
    fmap = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], tiles=None, control_scale=True, prefer_canvas=True)
    fmap.default_js, fmap.default_css = list(MAP_JS), list(MAP_CSS)
    fmap.options["maxZoom"] = 18  # marker clusters need it when no tile layer sets one
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    if tiles is not None:
        folium.TileLayer(tiles, name=t("basemap", lang), attr=TILES_ATTRIBUTION[tiles]).add_to(fmap)

    fields = ["_name", "_value", "_pop"] + (["_zone"] if plan is not None else [])
    aliases = ["", info.title(lang) + ":", t("population", lang) + ":"] + ([t("zone", lang) + ":"] if plan is not None else [])
    DataGeoJson(
        feature_collection(shown, fields + ["_fill"]), name=info.label(lang),
        style_function=lambda f: {"fillColor": f["properties"]["_fill"], "color": "#ffffff", "weight": 0.5, "fillOpacity": 0.75},
        highlight_function=lambda f: {"weight": 2, "color": "#333333"},
        tooltip=folium.GeoJsonTooltip(fields=fields, aliases=[escape_text(a) for a in aliases], sticky=True),
    ).add_to(fmap)
    labels = class_labels(bins, float(np.nanmin(values)), info, lang) if len(bins) else []
    no_data = t("no_data", lang) if (np.asarray(classes) < 0).any() else None
    population = units_year_line(units, lang, synthetic=bool(getattr(bundle, "is_demo", False)))
    MapLegend(legend_html(info.title(lang), colours, labels, no_data=no_data, caption=population or None)).add_to(fmap)

    layers = ["units"] + (["population_years"] if population else [])
    if plan is not None:
        zones = zone_shapes(display_coverage(units, level=level), plan) if zones is None else zones
        zone_layer(zones, name=t("zones_layer", lang)).add_to(fmap)
        layers.append("plans")

    if services is not None and len(services):
        add_services(fmap, services, lang=lang, cluster_threshold=cluster_threshold)
        layers.append("services")
    for name, frame in (analysis or {}).items():
        add_analysis_layer(fmap, frame, name=name)
    return finish_map(fmap, bundle, layers, lang=lang)


def finish_map(fmap: folium.Map, bundle, layers: list[str], *, lang: str = "nl") -> folium.Map:
    """The credits of ``layers`` (one short line; the full credits with licences one click away), the synthetic-data
    banner of a demo bundle and the layer control: what every map of the package ends with."""
    credits = credit_line(bundle, layers, lang=lang) if bundle is not None else ""
    if credits:
        MapAttribution(f'<details class="zz-credits"><summary>{escape_text(t("credits_all", lang))}</summary>'
                       f'{escape_text(credits)}</details>').add_to(fmap)
        fmap.get_root().header.add_child(Element(CREDITS_STYLE))
    if bundle is not None and bundle.is_demo:
        fmap.get_root().html.add_child(Element(
            f'<div style="position:fixed;top:10px;left:50%;transform:translateX(-50%);z-index:9999;background:#c0392b;'
            f'color:#fff;padding:4px 10px;border-radius:4px;font:600 13px sans-serif">{escape_text(demo_label(lang))}</div>'))
    folium.LayerControl(collapsed=False).add_to(fmap)
    return fmap


def add_services(fmap: folium.Map, services: gpd.GeoDataFrame, *, lang: str = "nl", cluster_threshold: int = CLUSTER_THRESHOLD) -> None:
    """One layer per service type: circle markers with escaped popups, clustered above ``cluster_threshold``."""
    require_projected(services, "services")
    points = services.to_crs(WEB_CRS)
    types = points["service_type"].astype(str) if "service_type" in points else pd.Series("service", index=points.index)
    for kind in sorted(set(types)):
        colour = SERVICE_STYLE.get(kind, OTHER_SERVICE)[0]
        part = points[types == kind]
        label = f"{service_name(kind, lang)} ({format_number(len(part), 0, lang)})"
        popups = [_popup_html(row, lang) for row in part.itertuples()]
        active = part["active"].fillna(True).astype(bool).tolist() if "active" in part else [True] * len(part)
        fills = [colour if a else INACTIVE_COLOUR for a in active]  # suspended services in grey
        if len(part) > cluster_threshold:
            data = [[round(g.y, 6), round(g.x, 6), p, f] for g, p, f in zip(part.geometry, popups, fills)]
            callback = ("function (row) { var m = L.circleMarker(new L.LatLng(row[0], row[1]), {radius: 5, color: '#ffffff', "
                        "weight: 1, fillColor: row[3], fillOpacity: 0.9}); m.bindPopup(row[2]); return m; }")
            FastMarkerCluster(data, callback=callback, name=label, options={"disableClusteringAtZoom": 14}).add_to(fmap)
        else:  # one compact array drawn by one loop in the browser (a folium marker each wrote ~1 kB of script)
            group = folium.FeatureGroup(name=label)
            radius = 5 if kind != "hospital" else 7
            _Points([[round(g.y, 6), round(g.x, 6), p, f, radius] for g, p, f in zip(part.geometry, popups, fills)]).add_to(group)
            group.add_to(fmap)


def _popup_html(row, lang: str) -> str:
    """Popup of one service: every value escaped, labels fixed."""
    parts = [f"<b>{escape_text(getattr(row, 'name', ''))}</b>"]
    kind = getattr(row, "service_type", "")
    parts.append(escape_text(service_name(kind, lang)))
    capacity = getattr(row, "capacity", None)
    if kind == "hospital" and capacity is not None and not pd.isna(capacity):
        parts.append(f"{escape_text(t('beds', lang))}: {escape_text(format_number(capacity, 0, lang))}")
    if getattr(row, "active", True) is False:
        parts.append(f"<i>{escape_text(t('not_active', lang))} ({escape_text(getattr(row, 'status', ''))})</i>")
    return "<br>".join(parts)


def add_analysis_layer(fmap: folium.Map, frame: gpd.GeoDataFrame, *, name: str, column: str | None = None,
                       colour: str = "#7b3294") -> None:
    """An analysis result (e.g. coverage gaps) as its own toggleable layer, with an escaped tooltip of its columns."""
    require_projected(frame, f"analysis layer {name!r}")
    shown = to_web(frame, tolerance_m=15.0)
    columns = [c for c in frame.columns if c != frame.geometry.name][:6] if column is None else [column]
    points = len(shown) and (shown.geom_type == "Point").all()
    layer = DataGeoJson(
        feature_collection(shown, columns),
        name=escape_text(name),
        style_function=lambda f: {"color": colour, "weight": 1.2, "fillColor": colour, "fillOpacity": 0.35},
        marker=folium.CircleMarker(radius=4, fill=True) if points else None,
        tooltip=folium.GeoJsonTooltip(fields=columns) if columns else None,
    )
    layer.add_to(fmap)


class _Points(MacroElement):
    """Circle markers with popups (HTML already escaped) from one array ``[lat, lon, popup, fill, radius]``, added to
    the parent layer by one loop in the browser."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        {{ this.data }}.forEach(function (row) {
            L.circleMarker([row[0], row[1]], {radius: row[4], color: "#ffffff", weight: 1, fillColor: row[3], fillOpacity: 0.9})
                .bindPopup(row[2], {maxWidth: 300}).addTo({{ this._parent.get_name() }});
        });
        {% endmacro %}
    """)

    def __init__(self, rows: list):
        super().__init__()
        self._name = "Points"
        self.data = json.dumps(rows, ensure_ascii=False)


# -- zone layer: drawn apart from the base map, so the planner can redraw it alone ----------------------------------------
class _Labels(MacroElement):
    """Text labels (HTML already escaped) at points, biggest zone first, added by one loop in the browser; after every
    zoom or pan a label that would overlap one already shown is hidden, so labels appear as the map zooms in and never
    overlap. Not interactive, so a click goes to the unit underneath."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var group = {{ this._parent.get_name() }};
            var markers = {{ this.rows|tojson }}.map(function (row) {
                return L.marker([row[0], row[1]], {interactive: false, keyboard: false,
                    icon: L.divIcon({className: "zz-label", iconSize: null, html: row[2]})}).addTo(group);
            });
            function declutter() {
                var kept = [];
                markers.forEach(function (marker) {
                    var el = marker.getElement();
                    if (!el) return;
                    var r = (el.firstChild || el).getBoundingClientRect();
                    var clash = r.width === 0 || kept.some(function (k) {
                        return !(r.right + 3 < k.left || r.left - 3 > k.right || r.bottom + 1 < k.top || r.top - 1 > k.bottom);
                    });
                    el.style.visibility = clash ? "hidden" : "visible";
                    if (!clash) kept.push(r);
                });
            }
            function hook() {
                if (!group._map) { setTimeout(hook, 100); return; }
                group._map.on("zoomend moveend resize", declutter);
                setTimeout(declutter, 0);
            }
            hook();
        })();
        {% endmacro %}
    """)

    def __init__(self, rows: list):
        super().__init__()
        self._name = "Labels"
        self.rows = rows


def display_coverage(units: gpd.GeoDataFrame, *, level: str | None = None, tolerance_m: float | None = None) -> gpd.GeoDataFrame:
    """Units (id, ``pop_total``, geometry in EPSG:31370) simplified for display *as a coverage*: each shared border is
    simplified once, so neighbours still meet exactly and any group of units dissolves cleanly with a fast coverage
    union (``coverage`` in ``attrs``). Units that are not a valid coverage are simplified one by one instead."""
    require_projected(units)
    level = level or (str(units["level"].iloc[0]) if "level" in units.columns and len(units) else "municipality")
    tolerance = TOLERANCE_M.get(level, 25.0) if tolerance_m is None else tolerance_m
    geoms = units.geometry.to_numpy()
    coverage = hasattr(shapely, "coverage_simplify") and bool(shapely.coverage_is_valid(geoms))  # shapely >= 2.1
    simple = shapely.coverage_simplify(geoms, tolerance) if coverage else shapely.simplify(geoms, tolerance, preserve_topology=True)
    pop = units["pop_total"].to_numpy(dtype=float) if "pop_total" in units else np.zeros(len(units))
    out = gpd.GeoDataFrame({"pop_total": pop}, geometry=simple, index=units.index, crs=units.crs)
    out.attrs["coverage"] = coverage
    return out


def zone_shapes(display: gpd.GeoDataFrame, plan: Plan, *, tolerance_m: float = TOLERANCE_M["zone"], decimals: int = 5
                ) -> gpd.GeoDataFrame:
    """Zones of ``plan`` from :func:`display_coverage` units, simplified again by ``tolerance_m`` (as a coverage: zones
    still meet) and in EPSG:4326 for drawing: ``zone_name``, ``pop_total``, ``label_lat``/``label_lon`` (a point inside
    the zone). A few hundredths of a second for 57 zones of 304 municipalities or 60 zones of 2,730 neighbourhoods."""
    zone = plan.assignment.reindex(display.index).to_numpy(dtype=object)
    present = np.flatnonzero(pd.notna(zone))
    codes, zone_ids = pd.factorize(zone[present], sort=True)
    geoms = display.geometry.to_numpy()[present]
    union = shapely.coverage_union_all if display.attrs.get("coverage") else shapely.union_all
    order = np.argsort(codes, kind="stable")
    groups = np.split(order, np.flatnonzero(np.diff(codes[order])) + 1) if len(order) else []
    shapes = np.array([union(geoms[g]) for g in groups], dtype=object)
    if tolerance_m > 0 and len(shapes):
        shapes = (shapely.coverage_simplify(shapes, tolerance_m) if display.attrs.get("coverage")
                  else shapely.simplify(shapes, tolerance_m, preserve_topology=True))
    pop = np.bincount(codes, weights=display["pop_total"].to_numpy(dtype=float)[present], minlength=len(zone_ids))
    out = gpd.GeoDataFrame({"zone_name": [plan.zone_name(z) for z in zone_ids], "pop_total": pop},
                           geometry=shapes, index=pd.Index(list(zone_ids), name="zone_id", dtype=object), crs=display.crs)
    out = out.to_crs(WEB_CRS)
    out["geometry"] = shapely.transform(out.geometry.to_numpy(), lambda xy: np.round(xy, decimals))
    points = shapely.point_on_surface(out.geometry.to_numpy())
    out["label_lat"], out["label_lon"] = shapely.get_y(points), shapely.get_x(points)
    return out


def zone_layer(zones: gpd.GeoDataFrame, *, selected: gpd.GeoDataFrame | None = None,
               name: str = "Zones") -> folium.FeatureGroup:
    """Zone outlines with their labels, from :func:`zone_shapes`; ``selected`` units (EPSG:4326) are outlined in blue.
    Outlines, labels and the selection do not catch clicks (the units below them do; zones are named by their labels)."""
    group = folium.FeatureGroup(name=name, show=True)
    if len(zones):
        # not interactive: on a canvas map an outline catches every click inside it, and clicks must reach the units
        folium.GeoJson(feature_collection(zones, []), interactive=False,
                       style_function=lambda f: {"fill": False, "color": "#222222", "weight": 2.2}).add_to(group)
        style = ("font:600 11px sans-serif;color:#111;text-shadow:0 0 3px #fff,0 0 3px #fff;white-space:nowrap;"
                 "transform:translate(-50%,-50%)")
        order = zones.sort_values("pop_total", ascending=False, kind="stable") if "pop_total" in zones else zones
        _Labels([[round(float(lat), 6), round(float(lon), 6), f'<div style="{style}">{escape_text(label)}</div>']
                 for lat, lon, label in zip(order["label_lat"], order["label_lon"], order["zone_name"])]).add_to(group)
    if selected is not None and len(selected):
        folium.GeoJson(feature_collection(selected, []), interactive=False,
                       style_function=lambda f: {"color": "#1565c0", "weight": 3, "fillColor": "#1565c0", "fillOpacity": 0.25}
                       ).add_to(group)
    return group
