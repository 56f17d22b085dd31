"""Explore page: indicators, zones, services and a zone's key figures.

Explore page: choropleth of an indicator, zones of a plan, services, key figures of a zone and the social map.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages import clustering, common, years
from app_pages.common import t
from zorgzones.access_summary import in_region
from zorgzones.errors import ZorgzonesError
from zorgzones.indicators import INDICATORS, KEY_FIGURES, indicator_keys, indicator_values, uses_age_bands
from zorgzones.plan_metrics import comparison_region, region_summary, zone_metrics
from zorgzones.reference import zone_areas

st.header(t("explore_title"))

params = st.query_params
levels = list(common.EXPLORE_LEVELS)
kinds_all = sorted(common.services()["service_type"].astype(str).unique())
keys = indicator_keys("unit", service_types=kinds_all)  # travel time and supply per 1,000 for the service types present
# the map's controls sit in the sidebar, so the map takes the page's width and most of its height
side = st.sidebar
level = side.selectbox(t("level"), levels, format_func=common.level_label, key="explore_level",
                       index=levels.index(params["level"]) if params.get("level") in levels else 0)
def picker_label(key: str) -> str:
    """The indicator's title; below the municipality an age-based one is marked as an estimate."""
    label = common.indicator_label(key)
    return f"{label} — {t('estimated_below_municipality')}" if level != "municipality" and uses_age_bands(key) else label


indicator = side.selectbox(t("indicator"), keys, format_func=picker_label, key="explore_indicator",
                           index=keys.index(params["indicator"]) if params.get("indicator") in keys else keys.index("share_65plus"))
params["level"], params["indicator"] = level, indicator
plan = common.plan_picker(level, key=f"explore_plan_{level}", container=side)
kinds = side.multiselect(t("service_types"), kinds_all, default=kinds_all, format_func=common.service_type_label,
                         key="explore_kinds")
overlay = clustering.explore_overlay(level, indicator, container=side)  # hot spots of the indicator (issue 16)
if plan is None and common.plans() and not common.plans_of_level(level):
    other = next(iter(common.plans().values()))
    st.caption(t("plan_other_level", plan=other.name, plan_level=common.level_label(other.level)))

st.caption(years.population_note(level))  # the year shown, observed or projected (issue 14)
if INDICATORS[indicator].service_type is not None:
    st.caption(t("access_indicator_note"))
try:
    fmap = common.web_map(level, indicator, plan, kinds)
except ZorgzonesError as exc:  # e.g. uploaded services of a type without any capacity
    common.show_error(exc)
else:
    common.show_map(fmap, key="explore_map", layers=overlay)

units = common.units(level)
if plan is not None:
    context = common.metric_context(level)
    metrics = zone_metrics(units, plan, context=context)
    regions = region_summary(units, context=context)
    st.subheader(t("key_figures_year", year=common.state.year))
    st.caption(years.year_label())
    zone = st.selectbox(t("zone"), list(metrics.index), key="explore_zone",
                        format_func=lambda z: f"{metrics.at[z, 'zone_name']} ({z})")
    row = metrics.loc[[zone]]
    region = comparison_region(metrics, regions, zone)  # the pack's comparison area: Bruzel is not set beside itself
    references = common.zone_references(level, plan)  # its arrondissement and province, as on the pack's zone page
    areas = {level_: name for level_, name in zone_areas(references, zone).items() if name}
    table = []
    for key in KEY_FIGURES:
        info = INDICATORS[key]
        try:
            zone_value = float(indicator_values(row, key).iloc[0])
            region_value = float(indicator_values(regions.loc[[region]], key).iloc[0])
        except ValueError:
            continue
        line = {t("key_figure"): info.title(common.lang()), t("zone_value"): info.format(zone_value, common.lang())}
        for level_, name in areas.items():
            line[t(f"ref_{level_}_short", name=name)] = info.format(references[level_].get((zone, key), float("nan")), common.lang())
        line[t(f"region_{region}")] = info.format(region_value, common.lang())
        table.append(line)
    st.dataframe(pd.DataFrame(table), hide_index=True, width="stretch")
    years.trend_block(plan, zone, region)  # the zone over the years (issue 14)

st.subheader(t("social_map"))
services = common.services()
services = services[in_region(services)]
c1, c2, c3 = st.columns([2, 1, 1])
query = c1.text_input(t("search"), key="social_search")
kind = c2.selectbox(t("service_type"), [""] + kinds_all, key="social_kind",
                    format_func=lambda k: common.service_type_label(k) if k else "-")
table = pd.DataFrame({t("name"): services["name"].astype(str), t("col_type"): services["service_type"].map(common.service_type_label)})
for column, label in (("address", "col_address"), ("city", "col_city"), ("capacity", "col_capacity"), ("active", "col_active")):
    if column in services:
        table[t(label)] = services[column]
if plan is not None:
    where = common.service_unit(level).reindex(services.index)
    table[t("col_zone")] = where.map(plan.assignment).map(lambda z: plan.zone_name(z) if isinstance(z, str) else "").to_numpy()
    zone_filter = c3.selectbox(t("zone"), [""] + plan.zone_ids, key="social_zone",
                               format_func=lambda z: plan.zone_name(z) if z else t("all_zones"))
    if zone_filter:
        table = table[table[t("col_zone")] == plan.zone_name(zone_filter)]
if kind:
    table = table[table[t("col_type")] == common.service_type_label(kind)]
if query:
    text = table.drop(columns=[c for c in (t("col_capacity"), t("col_active")) if c in table]).fillna("").astype(str).agg(" ".join, axis=1)
    table = table[text.str.contains(query, case=False, regex=False)]
st.caption(t("n_services", n=len(table)))
st.dataframe(table, hide_index=True, width="stretch", height=320)
