"""Accessibility and gaps page: the analysis layer's answers on a map.

Accessibility & gaps page: travel times, catchment ratios, gaps, overlaps, capacity-limited coverage and
siting.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages import clustering, common, years
from app_pages.common import t
from zorgzones import settings
from zorgzones.analysis import e2sfca_steps, parse_steps
from zorgzones.analysis_access import AccessRequest, run_access
from zorgzones.analysis_gaps import GapsRequest, SiteRequest, run_gaps, run_site
from zorgzones.errors import ZorgzonesError
from zorgzones.indicators import format_number


def analyse(level: str, kind: str, mode: str, method: str, minutes: float, steps: dict | None, per_capacity: float, plan,
            year: int | None = None):
    """Every figure of the page from the analysis layer: the same calls as ``zorgzones access`` and ``zorgzones gaps``
    (``--year``: the demand of that year; None is the base year)."""
    bundle, services = common.bundle(), common.services()
    access = run_access(bundle, AccessRequest(service_type=kind, level=level, method=method, mode=mode, max_minutes=minutes,
                                              steps=steps or None, year=year), plan=plan, services=services)
    gaps = run_gaps(bundle, GapsRequest(service_type=kind, level=level, mode=mode, max_minutes=minutes,
                                        population_per_capacity=per_capacity, year=year), plan=plan, services=services)
    return {"access": access, "gaps": gaps, "minutes": minutes, "level": level}


def suggest(result: dict, p: int, method: str):
    """Maximal covering: p new sites at the centres of the people beyond T (greedy, or exact within 20 s)."""
    found = run_site(common.bundle(), SiteRequest(gaps=result["gaps"].request, p=p, method=method, time_limit_s=20.0),
                     gaps=result["gaps"])
    if found.result is None:
        return None, found.sites
    return found.result, found.sites


def number(value, decimals: int = 0) -> str:
    return format_number(value, decimals, common.lang())


st.header(t("access_title"))
kinds = sorted(common.services()["service_type"].astype(str).unique())
c1, c2, c3, c4 = st.columns(4)
kind = c1.selectbox(t("service_type"), kinds, index=kinds.index("pharmacy") if "pharmacy" in kinds else 0,
                    format_func=common.service_type_label, key="access_kind")  # the CLI's default type
defaults = settings.service_type_defaults(kind)  # every default follows the service type, as in the CLI
modes = list(settings.SPEED_KMH)
mode = c2.selectbox(t("mode"), modes, index=modes.index(defaults.mode), format_func=lambda m: t(f"mode_{m}"),
                    key=f"access_mode_{kind}")
c3.selectbox(t("engine"), ["straight"], format_func=lambda e: t(f"engine_{e}"), key="access_engine")
level = c4.selectbox(t("level"), list(common.EXPLORE_LEVELS), format_func=common.level_label, key="access_level")
c1, c2, c3, c4 = st.columns(4)
methods = ["2sfca", "e2sfca"]
method = c1.selectbox(t("method"), methods, index=methods.index(settings.DEFAULT_ACCESS_METHOD),
                      format_func=lambda m: t(f"method_{m}"), key="access_method")
minutes = c2.number_input(t("threshold"), min_value=1.0, max_value=120.0, value=float(defaults.max_minutes), step=1.0,
                          key=f"access_minutes_{kind}")
steps_text = c3.text_input(t("steps"), "", placeholder=", ".join(f"{k:g}:{v:g}" for k, v in e2sfca_steps(minutes).items()),
                           help=t("steps_help"), key="access_steps", disabled=method != "e2sfca")
per_capacity = c4.number_input(t("pop_per_capacity"), min_value=1.0, value=float(defaults.population_per_capacity or 1000.0),
                               step=50.0, key=f"access_per_capacity_{kind}")
plan = common.plan_picker(level, key=f"access_plan_{level}")

settings_now = (common.data_dir(), common.services_key(), level, kind, mode, method, minutes, steps_text, per_capacity,
                common.plan_key(plan) if plan is not None else None, common.state.year)
if st.button(t("run_analysis"), type="primary", key="access_run"):
    try:
        steps = parse_steps(steps_text) if method == "e2sfca" and steps_text.strip() else None
        with st.spinner(t("run_analysis")):
            result = analyse(level, kind, mode, method, minutes, steps, per_capacity, plan, year=int(common.state.year))
        st.session_state["access"] = {**result, "settings": settings_now, "kind": kind}
    except (ZorgzonesError, ValueError) as exc:
        common.show_error(exc)
result = st.session_state.get("access")
if result is None:
    st.info(t("analysis_hint"))
    st.stop()
if result["settings"] != settings_now:
    st.warning(t("analysis_stale"))

level, minutes = result["level"], result["minutes"]
access, gaps = result["access"], result["gaps"]
units = common.units(level)
names = units["name"].astype(str)
region = access.region
m1, m2, m3, m4 = st.columns(4)
m1.metric(t("mean_travel"), number(region["mean_travel_min"], 1))
m2.metric(t("pop_beyond", t=f"{minutes:g}"), number(region["pop_beyond"]))
m3.metric(t("supply_per_1000"), number(region["supply_per_1000"], 3))
capacity = gaps.summary().get("capacity_limited") or {}
m4.metric(t("covered_share"), number((capacity.get("covered_share") or 0.0) * 100, 1) + " %")
st.caption(f"{access.request.method.upper()} · {t(f'mode_{access.request.mode}')} · T = {minutes:g} min · "
           f"{access.request.target} · {access.demand.model}")
st.caption(years.population_note(level) if access.demand.year == common.state.year  # the demand's year (issue 14)
           else t("population_year_note", label=years.year_label(access.demand.year)))

st.subheader(t("siting"))
s1, s2 = st.columns([1, 3])
p = s1.number_input(t("n_sites"), min_value=1, max_value=20, value=3, key="access_p")
exact_key = (result["settings"], int(p))
if st.session_state.get("access_greedy", (None,))[0] != exact_key:  # greedy is quick, but not on every rerun
    st.session_state["access_greedy"] = (exact_key, *suggest(result, int(p), "greedy"))
_, greedy, greedy_sites = st.session_state["access_greedy"]
if s1.button(t("siting_exact"), key="access_exact") and greedy is not None:
    try:
        with st.spinner(t("siting_exact")):
            st.session_state["access_exact_result"] = (exact_key, *suggest(result, int(p), "exact"))
    except ZorgzonesError as exc:
        common.show_error(exc)
exact = st.session_state.get("access_exact_result")
exact = exact if exact is not None and exact[0] == exact_key else None
if greedy is None:
    s2.info(t("no_candidates"))
else:
    s2.write(t("siting_greedy", pop=number(greedy.value), t=f"{minutes:g}"))
    if exact is not None:
        s2.write(t("siting_exact_result", status=exact[1].status, s=exact[1].seconds, pop=number(exact[1].value), t=f"{minutes:g}"))

analysis = {}
if len(gaps.areas):
    analysis[t("layer_gaps")] = gaps.areas[["rank", "population", "units", "geometry"]].round(1)
for label, sites in ((t("layer_greedy"), greedy_sites), (t("layer_exact"), exact[2] if exact else None)):
    if sites is not None and len(sites):
        analysis[label] = sites[["name", "geometry"]]
key = repr((result["settings"], int(p), bool(exact)))
fmap = common.web_map(level, "pop_total", plan, [result["kind"]], analysis=analysis, analysis_key=key)
overlay = clustering.access_overlay(result, container=st.sidebar)  # hot spots of the result (issue 16)
common.show_map(fmap, key="access_map", layers=overlay)

by_unit = access.by_unit.reindex(units.index)
table = pd.DataFrame({t("name"): names, t("travel_min"): by_unit["mean_travel_min"].round(1),
                      t("supply_per_1000"): by_unit["supply_per_1000"].round(3)})
left, right = st.columns(2)
with left:
    st.subheader(t("gaps"))
    ranked_gaps = gaps.ranked_gaps
    if ranked_gaps.empty:
        st.success(t("no_gaps"))
    else:
        st.dataframe(ranked_gaps[["rank", "pop_beyond"]].join(table), hide_index=True, height=260, width="stretch")
with right:
    st.subheader(t("overlaps"))
    overlaps = gaps.ranked_overlaps
    st.dataframe(overlaps[["rank", "services_within", "pop_overlap"]].join(table[[t("name")]]), hide_index=True, height=260,
                 width="stretch")

if gaps.coverage is not None:
    st.subheader(t("capacity_coverage"))
    facilities = gaps.coverage.facilities.join(common.services()["name"])
    st.dataframe(facilities[["name", "order", "capacity", "covered_pop", "capacity_realised", "capacity_residual"]].head(200),
                 height=240, width="stretch")
if access.by_zone is not None:
    st.subheader(t("by_zone"))
    by_zone = access.by_zone
    if gaps.coverage is not None:
        by_zone = by_zone.join(gaps.by_zone[["covered_share", "residual_pop"]])
    st.dataframe(by_zone.drop(columns=["note", "n_points"]).round(3), width="stretch")
for note in access.notes + [n for n in gaps.notes if n not in access.notes]:
    st.caption(note)
