"""The app's map widget: cached folium maps, zone layer, clicks."""

from __future__ import annotations

import threading
import weakref

import folium
import geopandas as gpd
import shapely
import streamlit.components.v1 as components
import streamlit as st
import streamlit_folium
from streamlit import runtime
from shapely.geometry import shape
from streamlit_folium import st_folium

from app_pages import cache
from app_pages.cache import plan_key
from app_pages.ui import lang
from zorgzones import maps, webassets
from zorgzones.access_summary import in_region
from zorgzones.indicators import get_indicator
from zorgzones.settings import WEB_CRS
from zorgzones.zones import Plan

#: Height of the main maps in pixels: most of a laptop screen under the page header (the width is the page's).
MAP_HEIGHT = 680
TILES = "OpenStreetMap"


@st.cache_resource(show_spinner=False, max_entries=24)
def _web_map(path: str, level: str, indicator: str, plan_key: str, language: str, kinds: tuple, services_key: str,
             analysis_key: str, _plan: Plan | None, _services: gpd.GeoDataFrame | None, _analysis: dict | None,
             year: int | None = None):
    chosen = None
    if _services is not None and kinds:
        chosen = _services[_services["service_type"].isin(kinds)]
        chosen = chosen[in_region(chosen)]
    shown = cache._units(path, level) if year is None else cache._units_year(path, level, year)  # year: population of that year
    info = get_indicator(indicator, scope="unit")
    if info.service_type is not None:  # travel time / supply per 1,000: a column computed from the services
        access = (cache._unit_access(path, level, services_key, info.service_type, _services) if year is None
                  else cache._unit_access_year(path, level, services_key, info.service_type, year, _services))
        shown = shown.assign(**{indicator: access[info.measure]})
    fmap = maps.web_map(shown, indicator=indicator, plan=_plan, services=chosen, bundle=cache.bundle_for(path),
                        analysis=_analysis, lang=language, tiles=TILES, level=level, web_units=_web_units(path, level),
                        zones=None if _plan is None else _zone_shapes(path, level, plan_key, _plan))
    fmap.get_root().render()  # rendered once here, so st_folium can skip it on every rerun (render=False)
    return _frozen(fmap)


@st.cache_resource(show_spinner=False, max_entries=4)
def _web_units(path: str, level: str) -> gpd.GeoDataFrame:
    """The units' shapes as drawn (simplified, EPSG:4326): the same for every indicator and year of a level."""
    units = cache._units(path, level)
    return maps.to_web(units[[units.geometry.name]], tolerance_m=maps.TOLERANCE_M.get(level, 25.0))


def _frozen(fmap):
    """After the full render above, make this (cached, never changed again) map's own ``render`` a no-op and its
    bounds a constant, and let :func:`_map_script` keep its script: streamlit-folium redoes all three on every rerun
    (``Map.render`` re-renders every element, ``get_bounds`` walks every coordinate in Python, the script is written
    out again), which took 0.4-0.7 s per rerun with the explore map and 0.4 s with the neighbourhood base map."""
    fit = [child.bounds for child in fmap._children.values() if isinstance(child, folium.map.FitBounds)]
    bounds = fit[0] if fit else fmap.get_bounds()  # the fitted view: get_bounds would walk every coordinate (0.2 s)
    fmap.get_bounds = lambda: bounds
    fmap.render = lambda **kwargs: None
    _FROZEN_SCRIPTS[fmap] = None
    return fmap


#: Script of each frozen map, written by streamlit-folium on its first call (None until then).
_FROZEN_SCRIPTS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_MAP_SCRIPT = getattr(streamlit_folium, "_zz_get_map_string", None) or getattr(streamlit_folium, "_get_map_string", None)


def _map_script(fig) -> str:
    """streamlit-folium's ``_get_map_string``, kept per frozen map: the same map always gives the same script (and the
    elements it names keep those names: layers added to the map refer to it as ``map_div`` either way)."""
    if fig not in _FROZEN_SCRIPTS:
        return _MAP_SCRIPT(fig)
    if _FROZEN_SCRIPTS[fig] is None:
        _FROZEN_SCRIPTS[fig] = _MAP_SCRIPT(fig)
    return _FROZEN_SCRIPTS[fig]


if _MAP_SCRIPT is not None:  # the original is kept on the module, so a reload of this one wraps it again, not twice
    streamlit_folium._zz_get_map_string = _MAP_SCRIPT
    streamlit_folium._get_map_string = _map_script


@st.cache_resource(show_spinner=False, max_entries=32)
def _zone_shapes(path: str, level: str, plan_key: str, _plan: Plan) -> gpd.GeoDataFrame:
    return maps.zone_shapes(cache._display_units(path, level), _plan)


def zone_layer(plan: Plan, *, selected=()) -> folium.FeatureGroup:
    """The zones of ``plan`` (outlines, labels) and the ``selected`` units as a layer of their own, to draw over a
    plan-free base map with :func:`show_map` ``layers=``: a change of plan then redraws only this layer."""
    zones = _zone_shapes(cache.data_dir(), plan.level, plan_key(plan), plan)
    display = cache._display_units(cache.data_dir(), plan.level)
    chosen = [u for u in selected if u in display.index]
    return maps.zone_layer(zones, selected=display.loc[chosen].to_crs(WEB_CRS) if chosen else None)


def web_map(level: str, indicator: str, plan: Plan | None, kinds=(), *, analysis: dict | None = None,
            analysis_key: str = ""):
    """The folium map (cached per level, indicator, plan, language, service types, analysis and population year)."""
    if plan is not None and plan.level != level:
        plan = None
    return _web_map(cache.data_dir(), level, indicator, plan_key(plan), lang(), tuple(sorted(kinds)), cache.services_key(),
                    analysis_key, plan, cache.services(), analysis, **cache.year_args())


#: The vendored map scripts and styles (zorgzones/web_assets) are served by the app itself, as the files of a component
#: that is never drawn (``/component/<name>/...``), so the map frame needs no CDN and maps work offline.
MAP_ASSETS = components.declare_component("map_assets", path=str(webassets.ASSETS_DIR))
#: Their URL relative to streamlit-folium's frame (``.../component/streamlit_folium.st_folium/index.html``), so it also
#: holds under a ``server.baseUrlPath``.
MAP_ASSETS_URL = f"../{MAP_ASSETS.name}/"


def register_components() -> None:
    """Register the map components (ours and streamlit-folium's) with the server when their import ran outside a
    session (as in :mod:`app_pages.serve`, which builds the first map before the server starts): Streamlit registers a
    component only when it is declared inside a script run."""
    if not runtime.exists() or not isinstance(runtime.get_instance(), runtime.Runtime):
        return
    registry = runtime.get_instance().component_registry
    for component in (MAP_ASSETS, getattr(streamlit_folium, "_component_func", None)):
        if component is not None and registry.get_component_path(component.name) is None:
            registry.register_component(component)


#: One st_folium call at a time on the shared (cached) maps, which it changes while it works (see show_map).
_MAP_LOCK = threading.Lock()


def show_map(fmap, *, key: str, returned_objects=(), height: int = MAP_HEIGHT, layers=()):
    """Render a folium map with Leaflet & co. loaded from the app (:data:`MAP_ASSETS`), asking streamlit-folium only for
    ``returned_objects`` (no rerun on pan/zoom).

    streamlit-folium renames every element (``_id``) and folium's markers add children each time they are rendered;
    on a cached map, kept across reruns and sessions, the next call would then refer to names that no longer exist
    (a blank map) and its script would change on every rerun (the map frame reloaded). So the map is put back as it
    was after each call: the same map gives the same script, and its frame stays. ``layers`` (folium FeatureGroups,
    e.g. :func:`zone_layer`) are drawn into that frame without reloading it (streamlit-folium ``feature_group_to_add``);
    they are rendered into the map's figure during the call and dropped from it afterwards as well."""
    with _MAP_LOCK:
        webassets.serve_locally(fmap, MAP_ASSETS_URL)
        root = fmap.get_root()
        state, stack = [], [fmap] + ([root.header, root.html, root.script] if root is not fmap else [])
        while stack:
            element = stack.pop()
            children = getattr(element, "_children", {})
            state.append((element, element._id, set(children)))
            stack.extend(children.values())
        try:
            return st_folium(fmap, key=key, height=height, use_container_width=True,
                             returned_objects=list(returned_objects), render=False,
                             feature_group_to_add=list(layers) or None)
        finally:
            for element, element_id, keys in state:
                element._id = element_id
                for added in [k for k in element._children if k not in keys]:
                    del element._children[added]


def unit_at(units: gpd.GeoDataFrame, feature: dict) -> str | None:
    """The unit under a clicked unit polygon of the map (a point inside the drawn polygon, located in the working CRS)."""
    if "_name" not in (feature.get("properties") or {}):
        return None  # a zone outline or a label, not a unit
    try:
        point = shape(feature["geometry"]).representative_point()
    except (KeyError, TypeError, ValueError, AttributeError, shapely.errors.GEOSException):
        return None
    here = gpd.GeoSeries([point], crs=WEB_CRS).to_crs(units.crs).iloc[0]
    hits = units.sindex.query(here, predicate="within")
    return str(units.index[hits[0]]) if len(hits) else None
