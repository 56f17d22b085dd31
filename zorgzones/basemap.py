"""Optional web basemap tiles under print maps, skipped when offline.

Optional web basemap tiles under print maps (contextily): drawn when the tile server answers, skipped
otherwise.
"""

from __future__ import annotations

import warnings
from urllib.parse import urlsplit

from zorgzones.errors import ValidationError
from zorgzones.settings import WORKING_CRS

#: Named tile sources: URL template and the credit printed with the map.
TILE_SOURCES = {
    "OpenStreetMap": ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "achtergrond © OpenStreetMap contributors (ODbL)"),
}


def source_problems(source: str) -> list[str]:
    """Why ``source`` is not a usable tile source (empty list when it is)."""
    if source in TILE_SOURCES:
        return []
    if not all(part in source for part in ("{z}", "{x}", "{y}")) or not source.startswith(("http://", "https://")):
        return [f"basemap {source!r} is unknown; expected one of {', '.join(TILE_SOURCES)} or an http(s) URL template "
                "with {z}, {x} and {y}"]
    return []


def resolve(source: str) -> tuple[str, str]:
    """URL template and credit of a named source or of a ``{z}/{x}/{y}`` URL template."""
    problems = source_problems(source)
    if problems:
        raise ValidationError("basemap", problems)
    if source in TILE_SOURCES:
        return TILE_SOURCES[source]
    return source, f"achtergrond: tegels van {urlsplit(source).netloc}"


def add_basemap(ax, source: str, *, timeout: float = 10.0) -> tuple[bool, str]:
    """Draw tiles of ``source`` under everything on ``ax`` (extent in EPSG:31370 already set).

    Returns ``(drawn, message)``: the credit line when drawn, else why not (offline, server error). Never raises for
    an unreachable server, so a map is always produced, identical to one without basemap apart from the tiles."""
    url, credit = resolve(source)
    import contextily  # here: only maps with a basemap need it (and its imports)

    try:
        with warnings.catch_warnings():  # contextily multiplies Affine transforms with `*` (affine >= 3.1 warns)
            warnings.simplefilter("ignore", PendingDeprecationWarning)
            contextily.add_basemap(ax, source=url, crs=WORKING_CRS, attribution=False, zorder=0, timeout=timeout)
    except (OSError, ValueError) as exc:  # requests' errors are OSErrors; no tiles -> no basemap
        return False, f"basemap not drawn ({type(exc).__name__}: {str(exc)[:160]})"
    return True, credit
