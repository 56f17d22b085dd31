"""Interactive folium web maps (choropleth, zones, services, analysis layers, escaped popups, credits); the only place that converts to EPSG:4326."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import branca.colormap as cm
import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, MacroElement
from folium.plugins import FastMarkerCluster
from jinja2 import Template
from matplotlib import colors as mcolors

from zorgzones.errors import ValidationError
from zorgzones.indicators import DEMO_LABEL, credit_line, format_number, get_indicator, shown_values
from zorgzones.printmap import NO_DATA_COLOUR, OTHER_SERVICE, SERVICE_STYLE, check_plan_units, class_colours, classify
from zorgzones.settings import WEB_CRS
from zorgzones.zones import Plan, dissolve_zones, require_projected

INACTIVE_COLOUR = "#9e9e9e"
#: Above this many services of one type, markers are clustered.
CLUSTER_THRESHOLD = 300
#: Simplification tolerance (metres, EPSG:31370) of display geometries per level.
TOLERANCE_M = {"municipality": 40.0, "deelgemeente": 25.0, "neighbourhood": 15.0, "zone": 60.0}
TILES_ATTRIBUTION = {"OpenStreetMap": "&copy; OpenStreetMap contributors (ODbL)"}


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


#: Scripts and styles the maps of this module need (folium's Bootstrap and Awesome-Markers defaults are dropped).
MAP_JS = [("leaflet", "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"),
          ("jquery", "https://code.jquery.com/jquery-3.7.1.min.js")]
MAP_CSS = [("leaflet_css", "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css")]
_ASSET_TAGS = re.compile(r'<script src="(https?://[^"]+)"></script>|<link rel="stylesheet" href="(https?://[^"]+)"\s*/?>')


def external_assets(page: str) -> list[str]:
    """URLs of the scripts and style sheets a rendered page still loads from the web."""
    return [m.group(1) or m.group(2) for m in _ASSET_TAGS.finditer(page)]


def inline_assets(page: str, assets_dir) -> tuple[str, list[str]]:
    """Inline every script/style sheet whose file (URL basename) is in ``assets_dir``; returns the page and the
    URLs still external. With all files present the page is fully self-contained (apart from basemap tiles)."""
    folder = Path(assets_dir)
    missing = []

    def replace(match):
        url = match.group(1) or match.group(2)
        local = folder / url.rstrip("/").rsplit("/", 1)[-1]
        if not local.is_file():
            missing.append(url)
            return match.group(0)
        content = local.read_text(encoding="utf-8").replace("</script", "<\\/script")
        return f"<script>{content}</script>" if match.group(1) else f"<style>{content}</style>"

    return _ASSET_TAGS.sub(replace, page), missing


def _hex(colour) -> str:
    return mcolors.to_hex(colour)


def _feature_collection(frame: gpd.GeoDataFrame, columns: list[str], *, raw: tuple = ("_fill",)) -> dict:
    """GeoJSON with only ``columns`` as properties, every one escaped text except the style columns in ``raw``."""
    props = pd.DataFrame(index=frame.index)
    for column in columns:
        props[column] = [v if column in raw else escape_text(v) for v in frame[column]]
    out = gpd.GeoDataFrame(props, geometry=frame.geometry.to_numpy(), crs=frame.crs)
    return json.loads(out.to_json(drop_id=True))


class _Attribution(MacroElement):
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


def web_map(units: gpd.GeoDataFrame, *, indicator: str = "share_65plus", plan: Plan | None = None,
            services: gpd.GeoDataFrame | None = None, bundle=None, analysis: dict | None = None, lang: str = "nl",
            tiles: str | None = "OpenStreetMap", k: int = 5, cluster_threshold: int = CLUSTER_THRESHOLD,
            level: str | None = None) -> folium.Map:
    """A folium map: units coloured by ``indicator`` (legend with unit), zone outlines with labels, services by type
    (clustered when dense), optional analysis layers (name -> GeoDataFrame in EPSG:31370), layer control and the
    credits of every layer (and the synthetic-data label for a demo bundle). Every text shown is HTML-escaped."""
    require_projected(units)
    info = get_indicator(indicator, scope="unit")
    if plan is not None:
        check_plan_units(units, plan, level=level)
    if tiles is not None and tiles not in TILES_ATTRIBUTION:
        raise ValidationError("web map", [f"tiles {tiles!r} unknown; expected one of {', '.join(TILES_ATTRIBUTION)} or None"])
    level = level or (str(units["level"].iloc[0]) if "level" in units.columns and len(units) else "municipality")
    shown = to_web(units, tolerance_m=TOLERANCE_M.get(level, 25.0))
    values = shown_values(units, indicator)
    bins, classes = classify(values, scheme="fisher_jenks", k=k)
    colours = [_hex(c) for c in class_colours(len(bins), info.cmap)]
    shown["_fill"] = [colours[c] if c >= 0 else NO_DATA_COLOUR for c in classes]
    shown["_name"] = units["name"].to_numpy() if "name" in units else units.index.astype(str)
    shown["_value"] = [format_number(v, info.decimals, lang) for v in values]
    shown["_pop"] = [format_number(v, 0, lang) for v in units["pop_total"]] if "pop_total" in units else ""
    shown["_zone"] = [plan.zone_name(z) if isinstance(z, str) else "" for z in plan.assignment.reindex(units.index)] if plan is not None else ""

    minx, miny, maxx, maxy = shown.total_bounds
    fmap = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], tiles=None, control_scale=True, prefer_canvas=True)
    fmap.default_js, fmap.default_css = list(MAP_JS), list(MAP_CSS)
    fmap.options["maxZoom"] = 18  # marker clusters need it when no tile layer sets one
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    if tiles is not None:
        folium.TileLayer(tiles, name="Achtergrond" if lang == "nl" else "Basemap", attr=TILES_ATTRIBUTION[tiles]).add_to(fmap)

    fields = ["_name", "_value", "_pop"] + (["_zone"] if plan is not None else [])
    aliases = ["", info.title(lang) + ":", ("Inwoners" if lang == "nl" else "Population") + ":"] + (["Zone:"] if plan is not None else [])
    folium.GeoJson(
        _feature_collection(shown, fields + ["_fill"]), name=info.label(lang),
        style_function=lambda f: {"fillColor": f["properties"]["_fill"], "color": "#ffffff", "weight": 0.5, "fillOpacity": 0.75},
        highlight_function=lambda f: {"weight": 2, "color": "#333333"},
        tooltip=folium.GeoJsonTooltip(fields=fields, aliases=[escape_text(a) for a in aliases], sticky=True),
    ).add_to(fmap)
    legend = cm.StepColormap(colours or ["#cccccc"], index=[float(np.nanmin(values))] + bins.tolist() if len(bins) else [0, 1],
                             vmin=float(np.nanmin(values)) if len(bins) else 0, vmax=float(bins[-1]) if len(bins) else 1,
                             caption=info.title(lang))
    legend.add_to(fmap)

    layers = ["units"]
    if plan is not None:
        zones = to_web(dissolve_zones(units, plan), tolerance_m=TOLERANCE_M["zone"])
        zones["_label"] = zones["zone_name"]
        zones["_pop"] = [format_number(v, 0, lang) for v in zones["pop_total"]]
        group = folium.FeatureGroup(name="Zones", show=True)
        folium.GeoJson(_feature_collection(zones, ["_label", "_pop"]),
                       style_function=lambda f: {"fill": False, "color": "#222222", "weight": 2.2},
                       tooltip=folium.GeoJsonTooltip(fields=["_label", "_pop"], aliases=["Zone:", ("Inwoners" if lang == "nl" else "Population") + ":"])
                       ).add_to(group)
        for label, point in zip(zones["_label"], shapely.point_on_surface(zones.geometry.to_numpy())):
            folium.Marker([point.y, point.x], icon=folium.DivIcon(
                html=f'<div style="font:600 11px sans-serif;color:#111;text-shadow:0 0 3px #fff,0 0 3px #fff;'
                     f'white-space:nowrap;transform:translate(-50%,-50%)">{escape_text(label)}</div>')).add_to(group)
        group.add_to(fmap)
        layers.append("plans")

    if services is not None and len(services):
        add_services(fmap, services, lang=lang, cluster_threshold=cluster_threshold)
        layers.append("services")
    for name, frame in (analysis or {}).items():
        add_analysis_layer(fmap, frame, name=name)
    credits = credit_line(bundle, layers) if bundle is not None else ""
    if credits:
        _Attribution(escape_text(credits)).add_to(fmap)
    if bundle is not None and bundle.is_demo:
        fmap.get_root().html.add_child(Element(
            f'<div style="position:fixed;top:10px;left:50%;transform:translateX(-50%);z-index:9999;background:#c0392b;'
            f'color:#fff;padding:4px 10px;border-radius:4px;font:600 13px sans-serif">{escape_text(DEMO_LABEL)}</div>'))
    folium.LayerControl(collapsed=False).add_to(fmap)
    return fmap


def add_services(fmap: folium.Map, services: gpd.GeoDataFrame, *, lang: str = "nl", cluster_threshold: int = CLUSTER_THRESHOLD) -> None:
    """One layer per service type: circle markers with escaped popups, clustered above ``cluster_threshold``."""
    require_projected(services, "services")
    points = services.to_crs(WEB_CRS)
    types = points["service_type"].astype(str) if "service_type" in points else pd.Series("service", index=points.index)
    for kind in sorted(set(types)):
        colour, _, _, nl, en = SERVICE_STYLE.get(kind, OTHER_SERVICE)
        part = points[types == kind]
        label = f"{nl if lang == 'nl' else en} ({len(part)})"
        popups = [_popup_html(row, lang) for row in part.itertuples()]
        active = part["active"].fillna(True).astype(bool).tolist() if "active" in part else [True] * len(part)
        fills = [colour if a else INACTIVE_COLOUR for a in active]  # suspended services in grey
        if len(part) > cluster_threshold:
            data = [[round(g.y, 6), round(g.x, 6), p, f] for g, p, f in zip(part.geometry, popups, fills)]
            callback = ("function (row) { var m = L.circleMarker(new L.LatLng(row[0], row[1]), {radius: 5, color: '#ffffff', "
                        "weight: 1, fillColor: row[3], fillOpacity: 0.9}); m.bindPopup(row[2]); return m; }")
            FastMarkerCluster(data, callback=callback, name=label, options={"disableClusteringAtZoom": 14}).add_to(fmap)
        else:
            group = folium.FeatureGroup(name=label)
            for geometry, popup, fill in zip(part.geometry, popups, fills):
                folium.CircleMarker([geometry.y, geometry.x], radius=5 if kind != "hospital" else 7, color="#ffffff", weight=1,
                                    fill=True, fill_color=fill, fill_opacity=0.9,
                                    popup=folium.Popup(folium.Html(popup, script=True), max_width=300)).add_to(group)
            group.add_to(fmap)


def _popup_html(row, lang: str) -> str:
    """Popup of one service: every value escaped, labels fixed."""
    parts = [f"<b>{escape_text(getattr(row, 'name', ''))}</b>"]
    kind = getattr(row, "service_type", "")
    parts.append(escape_text(kind))
    capacity = getattr(row, "capacity", None)
    if kind == "hospital" and capacity is not None and not pd.isna(capacity):
        parts.append(f"{'bedden' if lang == 'nl' else 'beds'}: {escape_text(format_number(capacity, 0, lang))}")
    if getattr(row, "active", True) is False:
        parts.append("<i>" + ("niet actief" if lang == "nl" else "not active") + f" ({escape_text(getattr(row, 'status', ''))})</i>")
    return "<br>".join(parts)


def add_analysis_layer(fmap: folium.Map, frame: gpd.GeoDataFrame, *, name: str, column: str | None = None,
                       colour: str = "#7b3294") -> None:
    """An analysis result (e.g. coverage gaps) as its own toggleable layer, with an escaped tooltip of its columns."""
    require_projected(frame, f"analysis layer {name!r}")
    shown = to_web(frame, tolerance_m=15.0)
    columns = [c for c in frame.columns if c != frame.geometry.name][:6] if column is None else [column]
    points = len(shown) and (shown.geom_type == "Point").all()
    layer = folium.GeoJson(
        _feature_collection(shown, columns) if columns else json.loads(shown[[shown.geometry.name]].to_json(drop_id=True)),
        name=escape_text(name),
        style_function=lambda f: {"color": colour, "weight": 1.2, "fillColor": colour, "fillOpacity": 0.35},
        marker=folium.CircleMarker(radius=4, fill=True) if points else None,
        tooltip=folium.GeoJsonTooltip(fields=columns) if columns else None,
    )
    layer.add_to(fmap)
