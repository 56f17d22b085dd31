"""Data page: the loaded bundle, its sources, and users' uploads.

Data page: which bundle is loaded (or the synthetic demo), its sources, and uploads of a user's services or
plan.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from app_pages import common
from app_pages.common import state, t
from app_pages.state import UploadCheck
from zorgzones.errors import Report, ZorgzonesError
from zorgzones.hospitals import hospital_classification
from zorgzones.plan_checks import finding_text, severity_text, validate_plan
from zorgzones.uploads import MAX_UPLOAD_BYTES, VECTOR_SUFFIXES, read_services_file, read_user_table
from zorgzones.zones import read_plan

SUFFIXES = ["csv", "xlsx", "gpkg", "geojson", "json"]
FIELDS = ("id", "name", "type", "capacity", "x", "y")
#: Plan findings that make a plan unusable on these units (other findings are shown but allowed in a draft).
BLOCKING = {"wrong_level", "unknown_unit", "duplicate_unit", "empty_zone_id", "unassigned"}


def saved_copy(upload, folder: str) -> Path:
    """The upload written to ``folder`` under a fixed name with its (lower-case) suffix; the user's name is not a path."""
    path = Path(folder) / f"upload{Path(upload.name).suffix.lower()}"
    path.write_bytes(upload.getvalue())
    return path


def show_report(problems: list[str], notes: list[str], rows: int) -> None:
    st.subheader(t("report"))
    if problems:
        st.error(t("report_problems", n=len(problems)))
        st.dataframe(pd.DataFrame({t("problems"): problems}), hide_index=True, width="stretch")
    else:
        st.success(t("report_ok", n=rows))
    if notes:
        st.dataframe(pd.DataFrame({t("notes"): notes}), hide_index=True, width="stretch")


st.header(t("data_title"))
bundle = common.bundle()
st.subheader(t("bundle_loaded", title=bundle.title))
if bundle.is_demo:
    st.error(t("bundle_demo"))
else:
    st.success(t("bundle_real", built=bundle.manifest.get("built_at", "?")))
info = bundle.info()
st.dataframe(pd.DataFrame(info["levels"]).T.rename(columns={"units": t("col_unit"), "population": t("population")}),
             width="stretch")
st.subheader(t("sources"))
sources = pd.DataFrame([{t("col_title"): s.get("title"), t("col_licence"): s.get("licence"),
                         t("col_date"): s.get("reference_date"), t("col_url"): (s.get("urls") or [""])[0]} for s in bundle.sources])
st.dataframe(sources, hide_index=True, width="stretch")
with st.expander(t("hospital_types")):  # general / psychiatric / other, with the rule that decided each site
    st.caption(t("hospital_types_caption"))
    hospitals = hospital_classification(bundle.services())
    st.dataframe(hospitals.assign(service_subtype=hospitals["service_subtype"].map(common.service_type_label)).rename(columns={
        "name": t("name"), "service_subtype": t("col_subtype"), "type_rule": t("col_rule"), "type_derived": t("col_derived"),
        "capacity": t("col_capacity"), "city": t("col_city"), "inside_region": t("col_inside_region")}), width="stretch")

st.subheader(t("upload"))
own = state.user_services
if own is not None:
    st.info(t("used_services", n=len(own)))
    if st.button(t("remove_upload"), key="upload_remove"):
        del state.user_services
        st.rerun()
kind = st.radio(t("upload_kind"), ["services", "plan"], format_func=lambda k: t(f"upload_{k}"), horizontal=True, key="upload_kind")
upload = st.file_uploader(t("upload_file", mb=MAX_UPLOAD_BYTES // 2**20), type=SUFFIXES, key=f"upload_file_{kind}")
if upload is None:
    st.stop()
if upload.size > MAX_UPLOAD_BYTES:
    st.error(t("upload_too_big", mb=upload.size / 2**20, limit=MAX_UPLOAD_BYTES // 2**20))
    st.stop()
check_key = (kind, upload.file_id)
checked = state.upload_check
checked = checked if checked is not None and checked.key == check_key else None

with tempfile.TemporaryDirectory() as folder:
    path = saved_copy(upload, folder)
    if kind == "services":
        st.write(t("column_mapping"))
        header_report = Report(upload.name)
        frame = read_user_table(path, header_report)
        columns = [c for c in (frame.columns if frame is not None else []) if c != "geometry"]
        mapping = {}
        cols = st.columns(len(FIELDS))
        for column, field in zip(cols, FIELDS):
            if field in ("x", "y") and path.suffix in VECTOR_SUFFIXES:
                continue
            chosen = column.selectbox(t("col_for", field=field), [""] + columns, format_func=lambda c: c or t("guess"),
                                      key=f"upload_map_{field}")
            if chosen:
                mapping[field] = chosen
        crs = st.text_input(t("crs"), key="upload_crs").strip() or None
        encoding = st.text_input(t("encoding"), key="upload_encoding").strip() or None
        if st.button(t("validate"), type="primary", key="upload_validate"):
            try:
                region = bundle.boundaries("region").union_all()
                services, report = read_services_file(path, columns=mapping, crs=crs, encoding=encoding, region=region)
                checked = UploadCheck(check_key, services if report.ok else None, report.problems, report.notes, len(services))
            except (ZorgzonesError, ValueError) as exc:
                checked = UploadCheck(check_key, None, [t("unreadable", error=exc)], [], 0)
            state.upload_check = checked
    else:
        level = st.selectbox(t("plan_level"), list(common.PLAN_LEVELS), format_func=common.level_label, key="upload_level")
        if st.button(t("validate"), type="primary", key="upload_validate"):
            try:
                plan = read_plan(path, level=level, name=Path(upload.name).stem)
                report = validate_plan(common.units(level), plan, context=common.metric_context(level))
                blocking = [finding_text(f, common.lang()) for f in report.findings if f["code"] in BLOCKING]
                others = [f"[{severity_text(f['severity'], common.lang())}] {finding_text(f, common.lang())}" for f in report.findings
                          if f["code"] not in BLOCKING]
                checked = UploadCheck(check_key, None if blocking else plan, blocking, others + report.notes, plan.assignment.size)
            except (ZorgzonesError, ValueError) as exc:
                checked = UploadCheck(check_key, None, list(getattr(exc, "problems", [str(exc)])), [], 0)
            state.upload_check = checked

if checked is not None:
    show_report(checked.problems, checked.notes, checked.rows)
    if checked.result is not None and st.button(t("use_upload"), key="upload_use"):
        if kind == "services":
            state.user_services = checked.result
            st.success(t("used_services", n=len(checked.result)))
        else:
            st.success(t("used_plan", plan=common.add_plan(checked.result)))
        del state.upload_check
