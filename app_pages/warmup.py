"""Warm the other pages' caches in the background after the first page."""

from __future__ import annotations

import logging
import threading
import time

from streamlit import runtime

from app_pages import cache, mapview
from app_pages.cache import plan_key
from app_pages.ui import EXPLORE_LEVELS, PLAN_LEVELS, lang
from zorgzones.i18n import DEFAULT_LANGUAGE
from zorgzones.zones import Plan

_STARTED: set = set()
_LOCK = threading.Lock()
log = logging.getLogger(__name__)


def steps(path: str, language: str) -> list:
    """The warm-up work, most needed first (each a call of a cached function): units and zone sums of every plan level
    and the planner's base map (municipalities by population, no plan, no services). Heavier maps (neighbourhoods)
    are left to the page that asks for them: a warm-up competes with the visitor for the same interpreter."""
    services = cache._services(path)
    work = [lambda level=level: cache._units(path, level) for level in PLAN_LEVELS]
    work += [lambda level=level: cache._context(path, level, "", services) for level in PLAN_LEVELS]
    work += [lambda: cache._display_units(path, EXPLORE_LEVELS[0]),
             lambda: mapview._web_map(path, EXPLORE_LEVELS[0], "pop_total", "", language, (), "", "", None, services, None)]
    return work


def start() -> None:
    """Start the warm-up thread once per data directory and language (only under a real server, not in tests)."""
    if not runtime.exists() or not isinstance(runtime.get_instance(), runtime.Runtime):  # AppTest mocks the runtime
        return
    path, language = cache.data_dir(), lang()
    with _LOCK:
        if (path, language) in _STARTED:
            return
        _STARTED.add((path, language))
    threading.Thread(target=_run, args=(path, language), name="zorgzones-warmup", daemon=True).start()


def _run(path: str, language: str) -> None:
    started = time.perf_counter()
    time.sleep(0.5)  # let the first page finish drawing
    try:
        for step in steps(path, language):
            step()
            time.sleep(0.01)  # give the GIL to sessions between steps
    except Exception:  # noqa: BLE001 (a failed warm-up only means the page computes it itself)
        log.exception("warm-up failed")
    log.info("warm-up done in %.1f s", time.perf_counter() - started)


def first_page(path: str | None = None, language: str = DEFAULT_LANGUAGE) -> float:
    """Build what the explore page shows first (bundle, municipalities, services, the default map with the first plan,
    zone sums) into the app's caches, in this process; returns the seconds it took. Used by :mod:`app_pages.serve`
    before the server starts, so the first visitor finds the map ready."""
    started = time.perf_counter()
    path = path or cache.data_dir()
    bundle = cache.bundle_for(path)
    services = cache._services(path)
    level = EXPLORE_LEVELS[0]
    cache._units(path, level)
    plans = [Plan.from_bundle(bundle, name) for name in bundle.plan_names()]
    plan = next((p for p in plans if p.level == level), None)
    kinds = tuple(sorted(services["service_type"].astype(str).unique()))
    mapview._web_map(path, level, "share_65plus", plan_key(plan), language, kinds, "", "", plan, services, None)
    cache._context(path, level, "", services)
    if plan is not None:
        cache._service_unit(path, level, "", services)
    return time.perf_counter() - started
