"""zorgzones Streamlit app: the page navigation (pages in app_pages/).

zorgzones Streamlit app: explore, analyse accessibility, plan zones, export and manage data (pages in
app_pages/; not `pages/`, which Streamlit would auto-load as old-style pages).
"""

from __future__ import annotations

import streamlit as st

from app_pages import common, mapview, warmup, years

st.set_page_config(page_title="zorgzones", layout="wide")
mapview.register_components()
#: Less padding around the page, so the maps get most of the window.
st.html("<style>.block-container{padding-top:2.6rem;padding-bottom:1rem}h2{padding-top:0.2rem}</style>")
common.language_switch()
years.year_control()  # the population year of every page (issue 14)
if common.bundle().is_demo:
    st.sidebar.warning(common.t("demo_warning"))
st.sidebar.caption(common.bundle().title)

PAGES = [
    st.Page("app_pages/explore.py", title=common.t("page_explore"), icon=":material/map:", url_path="explore", default=True),
    st.Page("app_pages/access.py", title=common.t("page_access"), icon=":material/directions_car:", url_path="access"),
    st.Page("app_pages/planner.py", title=common.t("page_planner"), icon=":material/edit_location_alt:", url_path="planner"),
    st.Page("app_pages/cluster.py", title=common.t("page_cluster"), icon=":material/hub:", url_path="cluster"),
    st.Page("app_pages/export.py", title=common.t("page_export"), icon=":material/download:", url_path="export"),
    st.Page("app_pages/data.py", title=common.t("page_data"), icon=":material/database:", url_path="data"),
]
try:
    st.navigation(PAGES).run()
finally:  # also after st.stop()
    warmup.start()  # the other pages' data and maps, in the background, once per server and language
