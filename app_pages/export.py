"""Export page: each file is built only when its button is clicked.

Export page: each file (print map, plenary pack, HTML map, data, plan table) is built only when its button is
clicked.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

from app_pages import common, years
from app_pages.common import state, t
from app_pages.state import BuiltFile
from zorgzones import export
from zorgzones.pack import write_pack
from zorgzones.errors import ZorgzonesError
from zorgzones.i18n import format_number
from zorgzones.pack_content import CLASS_MODES
from zorgzones.indicators import indicator_keys
from zorgzones.settings import PACK_EXTRAS, POPULATION_BASE_YEAR
from zorgzones.zones import write_plan

#: key -> (file suffix, MIME type)
FORMATS = {
    "exp_map_pdf": (".pdf", "application/pdf"),
    "exp_map_png": (".png", "image/png"),
    "exp_pack_pdf": (".pdf", "application/pdf"),
    "exp_pack_pptx": (".pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    "exp_html": (".html", "text/html"),
    "exp_gpkg": (".gpkg", "application/geopackage+sqlite3"),
    "exp_xlsx": (".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "exp_plan_csv": (".csv", "text/csv"),
}


def build(kind: str, path: Path, plan, indicator: str, paper: str, with_services: bool, pack: dict) -> None:
    """Write one export file with the package's writer, for the population year chosen in the sidebar (the
    writers label it on every map, page and table)."""
    bundle, lang = common.bundle(), common.lang()
    year = None if int(state.year) == POPULATION_BASE_YEAR else int(state.year)
    if kind in ("exp_map_pdf", "exp_map_png"):
        export.write_map(path, bundle, plan=plan, level=plan.level, indicator=indicator, paper=paper,
                         with_services=with_services, lang=lang, year=year)
    elif kind in ("exp_pack_pdf", "exp_pack_pptx"):
        write_pack(path, bundle, plan, level=plan.level, indicator=indicator, lang=lang, year=year, **pack)
    elif kind == "exp_html":
        export.write_html(path, bundle, plan=plan, level=plan.level, indicator=indicator, with_services=with_services,
                          lang=lang, tiles=common.TILES, year=year)
    elif kind in ("exp_gpkg", "exp_xlsx"):
        export.write_data(path, bundle, plan, level=plan.level, lang=lang, year=year)
    else:
        write_plan(plan, path)


st.header(t("export_title"))
st.caption(t("export_hint") + " " + t("export_year", label=years.year_label()))
c1, c2, c3 = st.columns([2, 2, 1])
with c1:
    level = st.selectbox(t("level"), list(common.PLAN_LEVELS), format_func=common.level_label, key="export_level")
    plan = common.plan_picker(level, key=f"export_plan_{level}", with_none=False)
keys = indicator_keys("unit")
indicator = c2.selectbox(t("indicator"), keys, index=keys.index("share_65plus"), format_func=common.indicator_label,
                         key="export_indicator")
paper = c3.selectbox(t("paper"), ["A4", "A3"], key="export_paper")
with_services = c2.checkbox(t("with_services"), value=True, key="export_services")
if plan is None:
    st.info(t("no_plan"))
    st.stop()

with st.expander(t("pack_options")):
    p1, p2, p3 = st.columns([2, 2, 1])
    pack = {"title": p1.text_input(t("pack_title_input"), key="export_pack_title").strip() or None,
            "zones": p2.multiselect(t("pack_zones"), plan.zone_ids, format_func=plan.zone_name, key="export_pack_zones") or None,
            "classes": p3.selectbox(t("pack_classes"), list(CLASS_MODES), format_func=lambda c: t(f"classes_{c}_option"),
                                    key="export_pack_classes")}
    pack["extras"] = tuple(extra for extra in PACK_EXTRAS  # clustering pages (issue 16), as `export pack --with`
                           if p1.checkbox(t(f"pack_with_{extra}"), value=False, key=f"export_pack_{extra}"))

stem = "".join(ch if ch.isalnum() else "_" for ch in plan.name).strip("_") or "plan"
for kind, (suffix, mime) in FORMATS.items():
    what = t(kind)
    left, right = st.columns([1, 2])
    if left.button(t("build", what=what), key=f"build_{kind}"):
        try:
            with st.spinner(t("build", what=what)), tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / f"zorgzones_{stem}_{kind.removeprefix('exp_')}_{state.year}{suffix}"
                build(kind, path, plan, indicator, paper, with_services, pack)
                state.set_built(kind, BuiltFile(path.name, path.read_bytes(), repr((plan.name, indicator, paper, state.year))))
        except ZorgzonesError as exc:
            common.show_error(exc)
    ready = state.built(kind)
    if ready is not None:
        right.download_button(t("download", what=what), data=ready.data, file_name=ready.name, mime=mime, key=f"download_{kind}")
        right.caption(t("built", name=ready.name, size=format_number(len(ready.data) / 1024, 0, common.lang())))
