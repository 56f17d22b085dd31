"""Cached need typologies, hot spots and their map layers for the app pages."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import streamlit as st

from app_pages import cache, mapview
from app_pages.cache import plan_key
from app_pages.ui import indicator_label, lang, service_type_label, t
from zorgzones import settings
from zorgzones.cluster_zones import cluster_zones
from zorgzones.cluster_layers import GI_COLOURS, LISA_COLOURS, hotspot_layer, typology_layer
from zorgzones.cluster_maps import layer_map, overlay_group
from zorgzones.errors import ZorgzonesError
from zorgzones.hotspots import HotSpots, cluster_polygons, hot_spots
from zorgzones.i18n import format_number, localized_names
from zorgzones.indicators import INDICATORS
from zorgzones.maps import legend_html
from zorgzones.typology import Typology, need_indicators, need_typology, standardise
from zorgzones.zones import Plan


# -- results (cached per data directory, level and options) -------------------------------------------------------
def _units(path: str, level: str, year: int | None):
    """The level's units with the population of ``year`` (None: the base year), as the other pages show them."""
    return cache._units(path, level) if year is None else cache._units_year(path, level, year)


@st.cache_data(show_spinner=False, max_entries=16)
def typology(path: str, level: str, method: str, k: int | str, seed: int, indicators: tuple, year: int | None = None) -> Typology:
    """:func:`typology.need_typology` of the level's units in ``year`` (the same call as ``zorgzones cluster typology
    [--year]``)."""
    return need_typology(_units(path, level, year), bundle=cache.bundle_for(path), indicators=indicators, k=k,
                         method=method, seed=seed)


def _values(path: str, level: str, indicator: str, services_key: str, services: gpd.GeoDataFrame,
            year: int | None = None) -> pd.Series | None:
    """The values the explore map shows for a service indicator when the user's own services are in use (None: let
    hot_spots compute them from the bundle, as the CLI does)."""
    info = INDICATORS[indicator]
    if info.service_type is None or not services_key:
        return None
    units = _units(path, level, year)
    access = (cache._unit_access(path, level, services_key, info.service_type, services) if year is None else
              cache._unit_access_year(path, level, services_key, info.service_type, year, services))
    return access[info.measure].reindex(units.index)


@st.cache_data(show_spinner=False, max_entries=32)
def hotspots(path: str, level: str, indicator: str, permutations: int, fdr: bool, seed: int, services_key: str,
             _services: gpd.GeoDataFrame | None = None, year: int | None = None) -> HotSpots:
    """:func:`hotspots.hot_spots` of ``indicator`` over the level's units in ``year`` (adjacency, island policy
    "nearest")."""
    units = _units(path, level, year)
    values = _values(path, level, indicator, services_key, _services, year) if _services is not None else None
    return hot_spots(units, indicator=indicator, values=values, bundle=cache.bundle_for(path), permutations=permutations,
                     seed=seed, fdr=fdr)


@st.cache_data(show_spinner=False, max_entries=16)
def measure_hotspots(path: str, level: str, indicator: str, values: pd.Series, permutations: int,
                     year: int | None = None) -> HotSpots:
    """Gi*/LISA of given ``values`` (aligned to the level's units), e.g. the travel times of an accessibility run."""
    return hot_spots(_units(path, level, year), indicator=indicator, values=values, permutations=permutations,
                     seed=settings.CLUSTER_SEED)


@st.cache_data(show_spinner=False, max_entries=16)
def hotspot_clusters(path: str, level: str, labels: pd.Series, year: int | None = None) -> pd.DataFrame:
    """Connected clusters of units sharing a label (no geometry): cluster_id, label, n_units, pop_total, unit_ids."""
    return pd.DataFrame(cluster_polygons(_units(path, level, year), labels).drop(columns="geometry"))


def zones_from_clusters(level: str, indicators: tuple, low: float, high: float, seed: int, *, name: str) -> tuple[Plan, dict]:
    """Contiguous zones of alike need within [low, high] inhabitants (:func:`cluster_zones.cluster_zones` on the
    standardised ``indicators``, as ``zorgzones cluster zones``): the plan and its score."""
    units = cache.units(level)
    values = need_indicators(units, bundle=cache.bundle(), indicators=indicators)
    profiles, _ = standardise(values.drop(columns="age_estimated"))
    return cluster_zones(units, profiles=profiles, min_population=low, max_population=high, seed=seed, name=name)


# -- maps -----------------------------------------------------------------------------------------------------------
def hotspot_legend(result: HotSpots, statistic: str, *, skip_ns: bool = False, what: str | None = None) -> str:
    """The legend of a hot-spot layer with the indicator's title in words (not its key), or ``what``."""
    layer_title = "hotspot_title" if statistic == "gi" else "lisa_title"
    prefix, labels = ("hotspot", ("hot", "cold", "ns")) if statistic == "gi" else ("lisa", ("HH", "LL", "HL", "LH", "ns"))
    colours = GI_COLOURS if statistic == "gi" else LISA_COLOURS
    shown = [v for v in labels if not (skip_ns and v == "ns")]
    what = what or (indicator_label(result.indicator) if result.indicator in INDICATORS else result.indicator)
    title = t(layer_title, indicator=what)
    return legend_html(title, [colours[v] for v in shown], [t(f"{prefix}_{v}") for v in shown])


@st.cache_resource(show_spinner=False, max_entries=12)
def _typology_map(path: str, level: str, options: tuple, language: str, plan_id: str, _result: Typology, _plan: Plan | None):
    units = cache._units(path, level)
    layer = typology_layer(_result, units, lang=language)
    frame = layer.frame
    frame["name"] = localized_names(units, language).reindex(frame.index).to_numpy()  # official French names in French
    frame["_estimated"] = [t("cl_estimated_mark") if e else "" for e in frame["age_estimated"]]
    frame["_pop"] = [format_number(v, 0, language) for v in units["pop_total"].reindex(frame.index)]
    zones = mapview._zone_shapes(path, _plan.level, plan_id, _plan) if _plan is not None else None
    legend = f'<div style="max-height:{mapview.MAP_HEIGHT - 120}px;overflow-y:auto">{layer.legend()}</div>'  # up to 12 types
    fmap = layer_map(layer, fields={"name": t("name"), "type_label": t("cl_type"), "description": t("cl_profile"),
                                    "_pop": t("population"), "_estimated": t("cl_estimate")},
                     zones=zones, bundle=cache.bundle_for(path), lang=language, tiles=mapview.TILES, legend=legend)
    fmap.get_root().render()
    return mapview._frozen(fmap)


def typology_map(level: str, options: tuple, result: Typology, plan: Plan | None):
    """The map of the types (legend naming each type in words), zones of ``plan`` outlined; cached and frozen."""
    return _typology_map(cache.data_dir(), level, options, lang(), plan_key(plan), result, plan)


@st.cache_resource(show_spinner=False, max_entries=12)
def _hotspot_map(path: str, level: str, options: tuple, statistic: str, language: str, _result: HotSpots):
    units = cache._units(path, level)
    layer = hotspot_layer(_result, units, statistic=statistic, lang=language)
    frame = layer.frame
    frame["name"] = localized_names(units, language).reindex(frame.index).to_numpy()
    info = INDICATORS.get(_result.indicator)
    frame["_value"] = [info.format(v, language) if info is not None else format_number(v, 2, language) for v in frame["value"]]
    frame["_p"] = [format_number(v, 3, language) for v in frame["gi_p" if statistic == "gi" else "lisa_p"]]
    fmap = layer_map(layer, fields={"name": t("name"), "_value": indicator_label(_result.indicator) if info else _result.indicator,
                                    "label_text": t("cl_label"), "_p": t("cl_p_value")},
                     bundle=cache.bundle_for(path), lang=language, tiles=mapview.TILES,
                     legend=hotspot_legend(_result, statistic), name=t(f"cl_statistic_{statistic}"))
    fmap.get_root().render()
    return mapview._frozen(fmap)


def hotspot_map(level: str, options: tuple, result: HotSpots, statistic: str):
    """The map of hot/cold spots (Gi*) or LISA clusters of every unit; cached and frozen."""
    return _hotspot_map(cache.data_dir(), level, options, statistic, lang(), result)


@st.cache_resource(show_spinner=False, max_entries=16)
def _overlay_layer(path: str, level: str, key: tuple, language: str, _result: HotSpots):
    return hotspot_layer(_result, cache._units(path, level), statistic="gi", lang=language, dissolved=True)


def hotspot_overlay(level: str, key: tuple, result: HotSpots, *, name: str, what: str | None = None):
    """The significant Gi* hot and cold spots of ``result`` as a layer to draw over a page's map (show_map ``layers``)."""
    layer = _overlay_layer(cache.data_dir(), level, key, lang(), result)
    return overlay_group(layer, name=name, legend=hotspot_legend(result, "gi", skip_ns=True, what=what))


# -- the sidebar toggle of the explore and accessibility maps ---------------------------------------------------------
def _summary(result: HotSpots) -> str:
    counts = result.counts()["gi"]
    return t("cl_overlay_summary", hot=counts["hot"], cold=counts["cold"], n=result.permutations, alpha=f"{result.alpha:g}")


def explore_overlay(level: str, indicator: str, *, container=None) -> list:
    """Sidebar toggle "hot spots of this indicator" (off by default): the Gi* hot/cold spots of the shown indicator
    (default permutations) as a list of layers for :func:`mapview.show_map` (empty when off or impossible)."""
    where = container or st.sidebar
    if not where.toggle(t("cl_overlay_toggle"), value=False, key="explore_hotspots", help=t("cl_overlay_help")):
        return []
    path, services = cache.data_dir(), cache.services()
    try:
        with st.spinner(t("cl_running_hotspots")):
            result = hotspots(path, level, indicator, settings.HOTSPOT_PERMUTATIONS, False, settings.CLUSTER_SEED,
                              cache.services_key(), services, year=cache.year())
    except ZorgzonesError as exc:
        where.caption(f"{t('error')}: {'; '.join(getattr(exc, 'problems', []) or [str(exc)])}")
        return []
    where.caption(_summary(result))
    key = (indicator, settings.HOTSPOT_PERMUTATIONS, cache.services_key())
    return [hotspot_overlay(level, key, result, name=t("cl_overlay_layer"))]


def access_overlay(result: dict, *, container=None) -> list:
    """Sidebar toggle on the accessibility page: Gi* hot/cold spots of the analysed travel time or supply per 1,000
    (``result`` of the page's run), as layers for :func:`mapview.show_map`."""
    where = container or st.sidebar
    if not where.toggle(t("cl_overlay_toggle_access"), value=False, key="access_hotspots", help=t("cl_overlay_help")):
        return []
    measure = where.radio(t("cl_overlay_measure"), ["mean_travel_min", "supply_per_1000"], key="access_hotspots_measure",
                          format_func=lambda m: t("travel_min") if m == "mean_travel_min" else t("supply_per_1000"))
    level, kind = result["level"], result["kind"]
    units = cache.units(level)
    values = result["access"].by_unit[measure].reindex(units.index).astype(float)
    indicator = f"{'travel_min' if measure == 'mean_travel_min' else 'supply_per_1000'}_{kind}"
    try:
        with st.spinner(t("cl_running_hotspots")):
            found = measure_hotspots(cache.data_dir(), level, indicator, values, settings.HOTSPOT_PERMUTATIONS,
                                     year=cache.year())
    except ZorgzonesError as exc:
        where.caption(f"{t('error')}: {'; '.join(getattr(exc, 'problems', []) or [str(exc)])}")
        return []
    where.caption(_summary(found))
    key = (repr(result["settings"]), measure, settings.HOTSPOT_PERMUTATIONS)
    what = f"{t('travel_min') if measure == 'mean_travel_min' else t('supply_per_1000')} - {service_type_label(kind)}"
    return [hotspot_overlay(level, key, found, name=t("cl_overlay_layer"), what=what)]
