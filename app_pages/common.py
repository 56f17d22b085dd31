"""Shared UI plumbing of the app pages."""

from __future__ import annotations

import dataclasses
import hashlib
import threading
import weakref

import folium
import geopandas as gpd
import pandas as pd
import shapely
import streamlit as st
import streamlit.components.v1 as components
import streamlit_folium
from shapely.geometry import shape
from streamlit_folium import st_folium

from zorgzones import maps, settings, webassets
from zorgzones.access_summary import in_region
from zorgzones.analysis_access import unit_access
from zorgzones.bundle import load_bundle
from zorgzones.coverage import service_units
from zorgzones.editing import PlanEditor
from zorgzones.i18n import DEFAULT_LANGUAGE, LANGUAGES, t as translate
from zorgzones.indicators import get_indicator
from zorgzones.plan_metrics import MetricContext
from zorgzones.settings import WEB_CRS
from zorgzones.zones import Plan

MAP_HEIGHT = 560
TILES = "OpenStreetMap"
EXPLORE_LEVELS = ("municipality", "neighbourhood")
PLAN_LEVELS = ("municipality", "deelgemeente", "neighbourhood")


# -- language -------------------------------------------------------------------------------------------------
def lang() -> str:
    return st.session_state.get("lang", DEFAULT_LANGUAGE)


def t(key: str, **values) -> str:
    return translate(key, lang(), **values)


def language_switch() -> None:
    """Sidebar switch Dutch/English, kept in the URL (``?lang=en``)."""
    if "lang" not in st.session_state:
        wanted = st.query_params.get("lang", DEFAULT_LANGUAGE)
        st.session_state["lang"] = wanted if wanted in LANGUAGES else DEFAULT_LANGUAGE
    st.sidebar.radio(translate("language", lang()), LANGUAGES, key="lang", horizontal=True,
                     format_func=lambda code: {"nl": "Nederlands", "en": "English"}[code])
    st.query_params["lang"] = lang()


def level_label(level: str) -> str:
    return t(f"level_{level}")


def indicator_label(key: str) -> str:
    return get_indicator(key, scope="unit").title(lang())


# -- data (cached) --------------------------------------------------------------------------------------------
def data_dir() -> str:
    return str(settings.data_dir())


@st.cache_resource(show_spinner=False)
def bundle_for(path: str):
    return load_bundle(path)


def bundle():
    return bundle_for(data_dir())


@st.cache_resource(show_spinner=False)
def _units(path: str, level: str) -> gpd.GeoDataFrame:
    return bundle_for(path).units(level)


def units(level: str) -> gpd.GeoDataFrame:
    """Units of a level (shared, read-only: copy before changing)."""
    return _units(data_dir(), level)


@st.cache_resource(show_spinner=False)
def _services(path: str) -> gpd.GeoDataFrame:
    return bundle_for(path).services()


def services() -> gpd.GeoDataFrame:
    """Bundle services plus the user's uploaded services when in use (read-only)."""
    own = st.session_state.get("user_services")
    base = _services(data_dir())
    if own is None or not len(own):
        return base
    return pd.concat([base, own[[c for c in base.columns if c in own.columns]]])


def services_key() -> str:
    own = st.session_state.get("user_services")
    return "" if own is None else hashlib.sha1(pd.util.hash_pandas_object(own.drop(columns="geometry"), index=True).values.tobytes()).hexdigest()


@st.cache_resource(show_spinner=False, max_entries=8)
def _context(path: str, level: str, services_key: str, _services: gpd.GeoDataFrame) -> MetricContext:
    active = _services[_services["active"].fillna(True).astype(bool)] if "active" in _services else _services
    return MetricContext(_units(path, level), services=active)


def metric_context(level: str) -> MetricContext:
    """Unit-level sums for zone metrics of ``level`` (built once per level and services)."""
    return _context(data_dir(), level, services_key(), services())


# -- plans in the session -------------------------------------------------------------------------------------
def plan_key(plan: Plan | None) -> str:
    if plan is None:
        return ""
    text = "|".join(f"{u}={z}" for u, z in sorted(plan.assignment.items())) + repr(sorted(plan.zone_names.items()))
    return hashlib.sha1(text.encode()).hexdigest()


def plans() -> dict[str, Plan]:
    """The plans of this session by name: the bundle's official plans, then generated, uploaded and loaded ones."""
    if st.session_state.get("plans_for") != data_dir():
        found = bundle()
        st.session_state["plans"] = {}
        for name in found.plan_names():
            plan = Plan.from_bundle(found, name)
            plan.name = found.plan_info(name).get("title", name)
            st.session_state["plans"][plan.name] = plan
        st.session_state["plans_for"] = data_dir()
        for key in ("editor", "access", "access_greedy", "access_exact_result", "user_services", "comparison", "upload_check"):
            st.session_state.pop(key, None)
    return st.session_state["plans"]


def add_plan(plan: Plan) -> str:
    """Put ``plan`` in the session's plans (a name taken by another plan gets a number) and return its name."""
    known = plans()
    name, i = plan.name, 2
    while name in known and not known[name].equals(plan):
        name, i = f"{plan.name} ({i})", i + 1
    plan.name = name
    known[name] = plan
    return name


def plans_of_level(level: str) -> list[str]:
    return [name for name, plan in plans().items() if plan.level == level]


def plan_picker(level: str, *, key: str, label: str | None = None, with_none: bool = True) -> Plan | None:
    """Select box of the session's plans made of ``level`` units (the edited plan first)."""
    names = plans_of_level(level)
    editor = st.session_state.get("editor")
    if editor is not None and editor.plan.level == level:
        names = [editor.plan.name] + [n for n in names if n != editor.plan.name]
    options = names + ([""] if with_none else [])
    if not options:
        return None
    choice = st.selectbox(label or t("plan"), options, key=key, format_func=lambda n: n or t("no_plan"))
    if not choice:
        return None
    if editor is not None and choice == editor.plan.name:
        return editor.plan
    return plans()[choice]


def start_editor(plan: Plan) -> PlanEditor:
    """A fresh editor on a copy of ``plan`` marked ``*`` (its band; services counted per zone)."""
    plan = dataclasses.replace(plan, name=f"{plan.name} *")
    editor = PlanEditor(units(plan.level), plan, context=metric_context(plan.level),
                        min_population=plan.min_population, max_population=plan.max_population)
    st.session_state["editor"] = editor
    return editor


# -- maps -----------------------------------------------------------------------------------------------------
@st.cache_resource(show_spinner=False, max_entries=24)
def _web_map(path: str, level: str, indicator: str, plan_key: str, language: str, kinds: tuple, services_key: str,
             analysis_key: str, _plan: Plan | None, _services: gpd.GeoDataFrame | None, _analysis: dict | None):
    chosen = None
    if _services is not None and kinds:
        chosen = _services[_services["service_type"].isin(kinds)]
        chosen = chosen[in_region(chosen)]
    shown = _units(path, level)
    info = get_indicator(indicator, scope="unit")
    if info.service_type is not None:  # travel time / supply per 1,000: a column computed from the services
        shown = shown.assign(**{indicator: _unit_access(path, level, services_key, info.service_type, _services)[info.measure]})
    fmap = maps.web_map(shown, indicator=indicator, plan=_plan, services=chosen, bundle=bundle_for(path),
                        analysis=_analysis, lang=language, tiles=TILES, level=level)
    fmap.get_root().render()  # rendered once here, so st_folium can skip it on every rerun (render=False)
    return _frozen(fmap)


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


@st.cache_resource(show_spinner=False, max_entries=16)
def _unit_access(path: str, level: str, services_key: str, kind: str, _services: gpd.GeoDataFrame) -> pd.DataFrame:
    return unit_access(bundle_for(path), level=level, service_type=kind, services=_services)


@st.cache_resource(show_spinner=False, max_entries=4)
def _display_units(path: str, level: str) -> gpd.GeoDataFrame:
    return maps.display_coverage(_units(path, level), level=level)


@st.cache_resource(show_spinner=False, max_entries=32)
def _zone_shapes(path: str, level: str, plan_key: str, _plan: Plan) -> gpd.GeoDataFrame:
    return maps.zone_shapes(_display_units(path, level), _plan)


def zone_layer(plan: Plan, *, selected=()) -> folium.FeatureGroup:
    """The zones of ``plan`` (outlines, labels) and the ``selected`` units as a layer of their own, to draw over a
    plan-free base map with :func:`show_map` ``layers=``: a change of plan then redraws only this layer."""
    zones = _zone_shapes(data_dir(), plan.level, plan_key(plan), plan)
    display = _display_units(data_dir(), plan.level)
    chosen = [u for u in selected if u in display.index]
    return maps.zone_layer(zones, selected=display.loc[chosen].to_crs(WEB_CRS) if chosen else None)


def web_map(level: str, indicator: str, plan: Plan | None, kinds=(), *, analysis: dict | None = None,
            analysis_key: str = ""):
    """The folium map (cached per level, indicator, plan, language, service types and analysis)."""
    if plan is not None and plan.level != level:
        plan = None
    return _web_map(data_dir(), level, indicator, plan_key(plan), lang(), tuple(sorted(kinds)), services_key(), analysis_key,
                    plan, services(), analysis)


#: The vendored map scripts and styles (zorgzones/web_assets) are served by the app itself, as the files of a component
#: that is never drawn (``/component/<name>/...``), so the map frame needs no CDN and maps work offline.
MAP_ASSETS = components.declare_component("map_assets", path=str(webassets.ASSETS_DIR))
#: Their URL relative to streamlit-folium's frame (``.../component/streamlit_folium.st_folium/index.html``), so it also
#: holds under a ``server.baseUrlPath``.
MAP_ASSETS_URL = f"../{MAP_ASSETS.name}/"


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


@st.cache_resource(show_spinner=False, max_entries=8)
def _service_unit(path: str, level: str, services_key: str, _services: gpd.GeoDataFrame) -> pd.Series:
    return service_units(_services, _units(path, level))


def service_unit(level: str) -> pd.Series:
    """The unit of ``level`` each service lies in (NaN outside the region)."""
    return _service_unit(data_dir(), level, services_key(), services())


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


def service_type_label(kind: str) -> str:
    label = translate(f"service_{kind}", lang())
    return kind if label == f"service_{kind}" else label


def show_error(exc: Exception) -> None:
    """A package error as one readable message (its problem list), never a traceback."""
    problems = getattr(exc, "problems", None)
    text = "\n".join(f"- {p}" for p in problems) if problems else str(exc)
    st.error(f"{t('error')}: {getattr(exc, 'subject', '')}\n\n{text}")
