"""One import for the pages: the app's shared helpers, which live by job in state (session state), cache (cached
package calls), ui (language, labels, plans, errors) and mapview (the map widget)."""

from __future__ import annotations

from app_pages.cache import (bundle, bundle_for, data_dir, metric_context, service_unit, services,  # noqa: F401
                             services_key, units)
from app_pages.mapview import (MAP_ASSETS, MAP_ASSETS_URL, MAP_HEIGHT, TILES, _frozen, show_map, unit_at,  # noqa: F401
                               web_map, zone_layer)
from app_pages.state import state  # noqa: F401
from app_pages.ui import (EXPLORE_LEVELS, PLAN_LEVELS, add_plan, indicator_label, lang, language_switch,  # noqa: F401
                          level_label, plan_key, plan_picker, plans, plans_of_level, service_type_label, show_error,
                          start_editor, t)
