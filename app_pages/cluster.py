"""Clustering page: need typology of the units and hot spots of one indicator.

Clustering page: types of need (k-means, Gaussian mixture or Ward on standardised indicators) with their profiles
and each zone's mix of types; hot and cold spots (Getis-Ord Gi*, local Moran) of one indicator.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import streamlit as st
from matplotlib.figure import Figure

from app_pages import clustering, common, years
from app_pages.cache import year as cache_year
from app_pages.common import t
from zorgzones import settings
from zorgzones.cluster_layers import TYPE_COLOURS
from zorgzones.errors import ZorgzonesError
from zorgzones.i18n import format_number, localized_names
from zorgzones.indicators import INDICATORS, indicator_keys, uses_age_bands
from zorgzones.typology import METHODS, zone_type_mix

K_CHOICES = ["auto"] + list(range(2, 13))


def number(value, decimals: int = 0) -> str:
    return format_number(value, decimals, common.lang())


def type_name(n: int) -> str:
    return t("cluster_type", n=n) if n > 0 else t("cl_region")


def profile_chart(profiles: pd.DataFrame, indicators: tuple):
    """Heat map of the types' standardised means (rows: types, columns: indicators; 0 = the region's mean)."""
    z = profiles.drop(index=0)[[f"z_{k}" for k in indicators]].to_numpy(dtype=float)
    limit = max(1.0, float(np.nanmax(np.abs(z))) if z.size else 1.0)
    fig = Figure(figsize=(2.0 + 1.1 * len(indicators), 1.6 + 0.42 * len(z)), dpi=100)
    ax = fig.subplots()
    image = ax.imshow(z, cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto")
    for (i, j), value in np.ndenumerate(z):
        ax.text(j, i, format_number(value, 1, common.lang()), ha="center", va="center", fontsize=9,
                color="white" if abs(value) > 0.6 * limit else "black")
    ax.set_xticks(range(len(indicators)), [textwrap.fill(common.indicator_label(k), 22) for k in indicators], fontsize=7.5,
                  rotation=30, ha="right")
    ax.set_yticks(range(len(z)), [type_name(int(n)) for n in profiles.drop(index=0).index], fontsize=9)
    for label, n in zip(ax.get_yticklabels(), profiles.drop(index=0).index):
        label.set_color(TYPE_COLOURS[(int(n) - 1) % len(TYPE_COLOURS)])
        label.set_fontweight("bold")
    fig.colorbar(image, ax=ax, fraction=0.03, pad=0.02).set_label(t("cl_z_axis"), fontsize=8)
    ax.set_title(t("cl_profile_chart"), fontsize=9)
    fig.tight_layout()
    return fig


def plan_choice(level: str, key: str):
    """A plan of this level or, for neighbourhoods, of municipalities (units are matched by their municipality)."""
    plans = common.plans()
    names = [n for n, p in plans.items() if p.level == level or (level == "neighbourhood" and p.level == "municipality")]
    choice = st.selectbox(t("cl_plan_mix"), [""] + names, key=key, format_func=lambda n: n or t("no_plan"))
    return plans[choice] if choice else None


st.header(t("cl_title"))
st.caption(t("cl_intro"))
kinds = sorted(common.services()["service_type"].astype(str).unique())
keys = indicator_keys("unit", service_types=kinds)
level = st.selectbox(t("level"), list(common.EXPLORE_LEVELS), format_func=common.level_label, key="cl_level")
st.caption(years.population_note(level))  # the sidebar's year: its population, demand and labels
path = common.data_dir()
# one section at a time (not st.tabs): a Leaflet map drawn in a hidden tab gets no size, and only what is shown is computed
section = st.radio(t("cl_section"), ["types", "hotspots"], format_func=lambda s: t(f"cl_tab_{s}"), horizontal=True,
                   key="cl_section", label_visibility="collapsed")

# -- (a) need typology ------------------------------------------------------------------------------------------------
if section == "types":
    c1, c2, c3 = st.columns([1, 1, 1])
    method = c1.selectbox(t("method"), list(METHODS), format_func=lambda m: t(f"cl_method_{m}"), key="cl_method")
    k = c2.selectbox(t("cl_k"), K_CHOICES, format_func=lambda v: t("cl_k_auto") if v == "auto" else str(v), key="cl_k")
    seed = int(c3.number_input(t("seed"), min_value=0, max_value=2**31 - 1, value=settings.CLUSTER_SEED, step=1, key="cl_seed"))
    defaults = [key for key in settings.TYPOLOGY_INDICATORS if key in keys]
    chosen = st.multiselect(t("cl_indicators"), keys, default=defaults, format_func=common.indicator_label, key="cl_indicators")
    indicators = tuple(chosen)
    plan = plan_choice(level, key=f"cl_plan_{level}")
    result = None
    if not indicators:
        st.info(t("cl_pick_indicators"))
    else:
        try:
            with st.spinner(t("cl_running_typology")):
                result = clustering.typology(path, level, method, k, seed, indicators, cache_year())
        except ZorgzonesError as exc:
            common.show_error(exc)
    if result is not None:
        profiles = result.profiles
        descriptions = result.descriptions(common.lang())
        if k == "auto":
            s1, s2 = st.columns([1, 2])
            s1.metric(t("cl_k_chosen"), result.k)
            scores = result.scores["silhouette"].rename(t("cl_silhouette"))
            scores.index = scores.index.astype(int).rename("k")
            s2.bar_chart(scores, height=160, x_label="k", y_label=t("cl_silhouette"))
            s1.caption(t("cl_k_auto_note"))
        typed = result.units
        estimated = int((typed["age_estimated"] & (typed["cluster"] > 0)).sum())
        if estimated:
            st.warning(t("cl_estimated_warning", n=estimated))
        common.show_map(clustering.typology_map(level, (method, k, seed, indicators), result, plan), key="cl_types_map")

        table = pd.DataFrame({
            t("cl_type"): [type_name(int(n)) for n in profiles.index],
            t("cl_n_units"): profiles["n_units"].to_numpy(),
            t("population"): [number(v) for v in profiles["pop_total"]],
            t("cl_profile"): [descriptions.get(n, t("cl_region_row")) for n in profiles.index],
            t("cl_share_estimated"): [number(100 * v, 0) + " %" for v in profiles["share_age_estimated"]],
        })
        for key in result.indicators:
            info = INDICATORS[key]
            mark = " *" if level != "municipality" and uses_age_bands(key) else ""
            table[common.indicator_label(key) + mark] = [info.format(v, common.lang()) for v in profiles[key]]
        st.subheader(t("cl_profiles"))
        st.caption(t("cl_profile_help"))
        st.pyplot(profile_chart(profiles, result.indicators), width="stretch")
        st.dataframe(table, hide_index=True, width="stretch")
        if level != "municipality" and any(uses_age_bands(key) for key in result.indicators):
            st.caption("\\* " + t("estimated_below_municipality"))

        if plan is not None:
            st.subheader(t("cl_zone_mix", plan=plan.name))
            try:
                mix = zone_type_mix(result, plan, common.units(level))
            except ZorgzonesError as exc:
                common.show_error(exc)
            else:
                shares = mix[[c for c in mix.columns if c.startswith("type_")]] * 100
                shares.columns = [type_name(int(c.split("_")[1])) for c in shares.columns]
                shares.index = [f"{name} ({zone})" for zone, name in zip(mix.index, mix["zone_name"])]
                st.bar_chart(shares, horizontal=True, stack=True, height=max(260, 22 * len(shares)),
                             color=[TYPE_COLOURS[i % len(TYPE_COLOURS)] for i in range(len(shares.columns))],
                             x_label="", y_label=t("cl_share_pop"))
                shown = shares.round(1)
                shown[t("cl_dominant")] = [type_name(int(v)) for v in mix["dominant_type"]]
                st.dataframe(shown, width="stretch")
        for note in result.notes:
            st.caption(note)

        st.subheader(t("cl_zones_title"))
        st.caption(t("cl_zones_help"))
        z1, z2, z3 = st.columns(3, vertical_alignment="bottom")
        low = int(z1.number_input(t("band_min"), min_value=1000, value=int(settings.DEFAULT_BAND[0]), step=5000, key="cl_zones_min"))
        high = int(z2.number_input(t("band_max"), min_value=1000, value=int(settings.DEFAULT_BAND[1]), step=5000, key="cl_zones_max"))
        if z3.button(t("cl_zones_button"), key="cl_zones_button"):
            try:
                with st.spinner(t("cl_zones_button")):
                    made, score = clustering.zones_from_clusters(
                        level, result.indicators, low, high, seed,
                        name=t("cl_zones_name", low=low // 1000, high=high // 1000, level=common.level_label(level).lower()))
                st.session_state["cl_zones"] = (path, common.add_plan(made), score)
                st.rerun()  # the plan pickers above list the new plan
            except ZorgzonesError as exc:
                common.show_error(exc)
        made = st.session_state.get("cl_zones")
        if made is not None and made[0] == path:
            _, name, score = made
            st.success(t("cl_zones_done", plan=name, zones=score["zones"], inband=score["zones_in_band"],
                         flagged=score["zones_flagged"], pp=number(score["mean_polsby_popper"], 2)))

# -- (b) hot spots ------------------------------------------------------------------------------------------------------
else:
    h1, h2, h3, h4 = st.columns([3, 3, 2, 2])
    indicator = h1.selectbox(t("indicator"), keys, index=keys.index("share_80plus") if "share_80plus" in keys else 0,
                             format_func=common.indicator_label, key="cl_hot_indicator")
    statistic = h2.radio(t("cl_statistic"), ["gi", "lisa"], format_func=lambda s: t(f"cl_statistic_{s}"), key="cl_hot_statistic",
                         horizontal=True)
    permutations = int(h3.number_input(t("cl_permutations"), min_value=99, max_value=9999, value=settings.HOTSPOT_PERMUTATIONS,
                                       step=100, key="cl_hot_permutations"))
    fdr = h4.toggle(t("cl_fdr"), value=False, key="cl_hot_fdr", help=t("cl_fdr_help"))
    found = None
    try:
        with st.spinner(t("cl_running_hotspots")):
            found = clustering.hotspots(path, level, indicator, permutations, fdr, settings.CLUSTER_SEED, common.services_key(),
                                        common.services(), year=cache_year())
    except ZorgzonesError as exc:
        common.show_error(exc)
    if found is not None:
        counts = found.counts()
        m1, m2, m3, m4 = st.columns(4)
        m1.metric(t("cl_moran"), number(found.moran_i, 3), help=t("cl_moran_help"))
        if statistic == "gi":
            m2.metric(t("hotspot_hot"), counts["gi"]["hot"])
            m3.metric(t("hotspot_cold"), counts["gi"]["cold"])
        else:
            m2.metric(t("lisa_HH"), counts["lisa"]["HH"])
            m3.metric(t("lisa_LL"), counts["lisa"]["LL"])
        m4.metric(t("cl_threshold"), number(found.thresholds[statistic], 4))
        if uses_age_bands(indicator) and found.units["age_estimated"].any():
            st.warning(t("cl_estimated_hot", n=int(found.units["age_estimated"].sum())))
        options = (indicator, permutations, fdr, common.services_key())
        common.show_map(clustering.hotspot_map(level, options, found, statistic), key="cl_hot_map")

        column, prefix = ("gi_label", "hotspot") if statistic == "gi" else ("lisa_label", "lisa")
        members = found.units[found.units[column] != "ns"]
        info = INDICATORS[indicator]
        table = pd.DataFrame({
            t("name"): localized_names(common.units(level), common.lang()).reindex(members.index).astype(str),
            t("cl_label"): [t(f"{prefix}_{v}") for v in members[column]],
            common.indicator_label(indicator): [info.format(v, common.lang()) for v in members["value"]],
            t("cl_z"): members["gi_z" if statistic == "gi" else "lisa_z"].round(2),
            t("cl_p_value"): members["gi_p" if statistic == "gi" else "lisa_p"].round(4),
            t("cl_estimate"): [t("cl_estimated_mark") if e else "" for e in members["age_estimated"]],
        }, index=members.index)
        order = members[column].map({v: i for i, v in enumerate(("hot", "HH", "HL", "cold", "LL", "LH"))})
        table = table.assign(_order=order, _z=-members["gi_z" if statistic == "gi" else "lisa_z"].abs())
        table = table.sort_values(["_order", "_z"]).drop(columns=["_order", "_z"])
        st.subheader(t("cl_units_in_clusters", n=len(table)))
        st.dataframe(table, width="stretch", height=320)
        clusters = clustering.hotspot_clusters(path, level, found.units[column], cache_year())
        if len(clusters):
            clusters = clusters.assign(label=[t(f"{prefix}_{v}") for v in clusters["label"]],
                                       pop_total=[number(v) for v in clusters["pop_total"]])
            st.caption(t("cl_connected", n=len(clusters)))
            st.dataframe(clusters.rename(columns={"label": t("cl_label"), "n_units": t("cl_n_units"),
                                                  "pop_total": t("population")}).drop(columns="unit_ids"),
                         hide_index=True, width="stretch", height=200)
        for note in found.notes:
            st.caption(note)
