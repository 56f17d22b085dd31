"""Benchmark: a population-year switch in the app on the real bundle (issue 14 target: under 1 s), beside the base year.

Two parts, in one process (the pages first, then the caches are emptied). ``calls``: the app's cached functions for the base year and for other years, cold (first
call) then warm (second call), per level: units, zone-metric context, key figures (zone metrics + region summary), the
explore map (share 65+, official plan, services) and a travel-time indicator (pharmacies); the map of the base year is
timed both with the shared web shapes (as the app builds it now) and without (``maps.web_map`` redoing the geometry).
``pages``: the explore page rerun in AppTest (the script runs, no browser) when the sidebar year moves to a new year
(cold) and back to a visited one (warm), at municipality and neighbourhood level, beside the base-year first load and
an indicator switch (the same map rebuild).

    cd WORKTREE && PYTHONPATH=. .venv/bin/python benchmarks/bench_app_year.py [--data-dir DIR] [--json]

Without ``--data-dir`` the bundle is built from the shared mirror in a temporary directory (~1 min).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SHARED = Path(os.environ.get("ZORGZONES_SHARED_GEODATA", REPO.parent / "shared" / "geodata"))
APP = str(REPO / "app.py")
#: Plans drawn on the explore map per level (the bundle's official ones).
PLANS = {"municipality": "elz", "neighbourhood": "elz_neighbourhood"}
YEARS = (2015, 2035)


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench_calls(path: str) -> dict:
    from app_pages import cache, mapview
    from app_pages.ui import plan_key
    from zorgzones import maps
    from zorgzones.plan_metrics import region_summary, zone_metrics
    from zorgzones.zones import Plan

    out = {}
    bundle, services = cache.bundle_for(path), cache._services(path)
    kinds = tuple(sorted(services["service_type"].astype(str).unique()))
    for level, name in PLANS.items():
        plan = Plan.from_bundle(bundle, name)
        key = plan_key(plan)

        def units(year):
            return cache._units(path, level) if year is None else cache._units_year(path, level, year)

        def context(year):
            return cache._context(path, level, "", services) if year is None else cache._context_year(path, level, "", year, services)

        def figures(year):
            zone_metrics(units(year), plan, context=context(year))
            region_summary(units(year), context=context(year))

        def web_map(year, indicator="share_65plus"):
            extra = {} if year is None else {"year": year}
            mapview._web_map(path, level, indicator, key, "nl", kinds, "", "", plan, services, None, **extra)

        for year in (None,) + YEARS:
            label = f"{level}_{year or 'base'}"
            for step, call in (("units", units), ("context", context), ("key_figures", figures), ("map", web_map),
                               ("travel_map", lambda y: web_map(y, "travel_min_pharmacy"))):
                out[f"{label}_{step}_cold_s"] = timed(lambda: call(year))
                out[f"{label}_{step}_warm_s"] = timed(lambda: call(year))
        shown = cache._units(path, level)
        sample = services[services["service_type"].isin(kinds)]
        out[f"{level}_base_map_without_shared_shapes_s"] = timed(lambda: maps.web_map(
            shown, indicator="share_65plus", plan=plan, services=sample, bundle=bundle, tiles="OpenStreetMap",
            level=level).get_root().render())
    return out


def bench_pages() -> dict:
    from streamlit.testing.v1 import AppTest

    out = {}
    at = AppTest.from_file(APP, default_timeout=600)
    out["page_explore_base_year_first_load_s"] = timed(at.run)
    for level in PLANS:
        if level != "municipality":
            out[f"page_{level}_level_switch_s"] = timed(lambda: at.selectbox(key="explore_level").set_value(level).run())
        out[f"page_{level}_indicator_switch_s"] = timed(lambda: at.selectbox(key="explore_indicator").set_value("share_80plus").run())
        at.selectbox(key="explore_indicator").set_value("share_65plus").run()
        for year in YEARS:
            out[f"page_{level}_year_{year}_cold_s"] = timed(lambda: at.select_slider(key="year").set_value(year).run())
        out[f"page_{level}_year_{YEARS[0]}_warm_s"] = timed(lambda: at.select_slider(key="year").set_value(YEARS[0]).run())
        out[f"page_{level}_base_year_warm_s"] = timed(lambda: at.select_slider(key="year").set_value(2022).run())
        assert not at.exception, at.exception
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="data directory with a real bundle (default: build one from the shared mirror)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)  # "no runtime" / "missing ScriptRunContext" chatter
    data_dir = args.data_dir
    if data_dir is None:
        from zorgzones import fetch

        data_dir = tempfile.mkdtemp(prefix="zorgzones-bench-app-year-")
        fetch.fetch_region(data_dir=data_dir, mirror=SHARED / "mirror", progress=False)
    os.environ["ZORGZONES_DATA_DIR"] = str(data_dir)
    result = bench_pages()  # first, in a fresh process: the cached functions below share the app's caches
    import streamlit as st

    st.cache_resource.clear()
    st.cache_data.clear()
    result |= bench_calls(str(data_dir))
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    for key, value in result.items():
        print(f"{key:48s} {value:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
