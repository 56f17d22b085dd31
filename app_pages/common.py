"""One import for the pages: the helpers of state, cache, ui and mapview."""

from __future__ import annotations

from app_pages.cache import (bundle, bundle_for, data_dir, metric_context, service_unit, services,
                             plan_key, services_key, units, zone_references)
from app_pages.mapview import (MAP_ASSETS, MAP_ASSETS_URL, MAP_HEIGHT, TILES, _frozen, show_map, unit_at,
                               web_map, zone_layer)
from app_pages.state import state
from app_pages.ui import (EXPLORE_LEVELS, PLAN_LEVELS, add_plan, indicator_label, lang, language_switch,
                          level_label, plan_picker, plans, plans_of_level, service_type_label, show_error,
                          start_editor, t)

__all__ = ["EXPLORE_LEVELS", "MAP_ASSETS", "MAP_ASSETS_URL", "MAP_HEIGHT", "PLAN_LEVELS", "TILES", "_frozen", "add_plan", "bundle",
           "bundle_for", "data_dir", "indicator_label", "lang", "language_switch", "level_label", "metric_context", "plan_key",
           "plan_picker", "plans", "plans_of_level", "service_type_label", "service_unit", "services", "services_key", "show_error",
           "show_map", "start_editor", "state", "t", "unit_at", "units", "web_map", "zone_layer", "zone_references"]
