"""zorgzones Streamlit app: municipalities coloured by population with the official zones outlined (foundation stage)."""

from __future__ import annotations

import json
import os

import branca.colormap as cm
import folium
import streamlit as st
from streamlit_folium import st_folium

from zorgzones.bundle import load_bundle
from zorgzones.settings import WEB_CRS

st.set_page_config(page_title="zorgzones", layout="wide")
DATA_DIR = os.environ.get("ZORGZONES_DATA_DIR")


@st.cache_resource
def get_bundle(data_dir: str | None):
    return load_bundle(data_dir)


@st.cache_data
def map_layers(data_dir: str | None) -> tuple[dict, dict, str]:
    """Simplified municipalities (with their zone) and dissolved zones as GeoJSON in WGS84, plus the credit line."""
    bundle = get_bundle(data_dir)
    units = bundle.units("municipality")
    plan = bundle.plan_assignment("elz").set_index("unit_id")
    units["zone_id"] = plan["zone_id"].reindex(units.index)
    units["zone_name"] = plan["zone_name"].reindex(units.index)
    zones = units.dissolve(by="zone_id", aggfunc={"zone_name": "first", "pop_total": "sum"}).reset_index()
    units["geometry"] = units.geometry.simplify(50)
    zones["geometry"] = zones.geometry.simplify(50)
    keep = ["name", "zone_name", "pop_total", "geometry"]
    return (json.loads(units[keep].reset_index().to_crs(WEB_CRS).to_json()),
            json.loads(zones.to_crs(WEB_CRS).to_json()),
            bundle.credits(["units", "population", "plans"]))


bundle = get_bundle(DATA_DIR)
st.title("zorgzones")
if bundle.is_demo:
    st.warning("Synthetische demoregio - geen echte gegevens. Haal de echte data op met `zorgzones data fetch`.")
st.caption(bundle.title)

units_geo, zones_geo, credit = map_layers(DATA_DIR)
values = [f["properties"]["pop_total"] for f in units_geo["features"]]
scale = cm.linear.YlOrRd_09.scale(min(values), max(values)).to_step(7)
scale.caption = "Inwoners per gemeente"
bounds = folium.GeoJson(zones_geo).get_bounds()
fmap = folium.Map(tiles="OpenStreetMap", control_scale=True)
fmap.fit_bounds(bounds)
folium.GeoJson(
    units_geo, name="Gemeenten",
    style_function=lambda f: {"fillColor": scale(f["properties"]["pop_total"]), "color": "#666", "weight": 0.4, "fillOpacity": 0.75},
    tooltip=folium.GeoJsonTooltip(fields=["name", "zone_name", "pop_total"], aliases=["Gemeente", "Zone", "Inwoners"]),
).add_to(fmap)
folium.GeoJson(zones_geo, name="Zones", style_function=lambda f: {"fill": False, "color": "#1f3b73", "weight": 2.2}).add_to(fmap)
scale.add_to(fmap)
st_folium(fmap, height=620, use_container_width=True, returned_objects=[])
st.caption(credit)
