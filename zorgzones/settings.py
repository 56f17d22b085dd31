"""Working CRS, data locations and defaults (each with its unit in the name)."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

#: All geometry maths happens in Belgian Lambert 72 (metres).
WORKING_CRS = "EPSG:31370"
#: Only web maps are drawn in WGS84.
WEB_CRS = "EPSG:4326"

#: Environment variable that overrides the data directory (cache + bundle).
DATA_DIR_ENV = "ZORGZONES_DATA_DIR"

#: Services this far outside the region are kept in the bundle (people cross borders).
BORDER_BUFFER_M = 20_000.0

#: Levels of units in a region bundle, from coarse to fine.
LEVELS = ("municipality", "deelgemeente", "neighbourhood")

#: Region codes used in the ``region`` column of every unit.
REGIONS = {"02000": "flanders", "04000": "brussels"}

#: Population bands (inclusive) with presets per region; the default is the Brussels band.
BAND_PRESETS = {
    "brussels": (200_000, 300_000),
    "flanders_elz": (60_000, None),
    "flanders_elz_design": (75_000, 125_000),
}
DEFAULT_BAND = BAND_PRESETS["brussels"]

#: Catchment in minutes of the 2SFCA supply ratio shown per unit on maps, per service type (others: the default).
CATCHMENT_MINUTES = {"pharmacy": 10.0, "gp": 10.0, "hospital": 30.0}
DEFAULT_CATCHMENT_MINUTES = 15.0

#: Age bands kept per unit, as (column, first age, last age); ``None`` = open-ended.
AGE_BANDS = (
    ("pop_0_14", 0, 14),
    ("pop_0_2", 0, 2),
    ("pop_15_64", 15, 64),
    ("pop_50_64", 50, 64),
    ("pop_65plus", 65, None),
    ("pop_75plus", 75, None),
    ("pop_80plus", 80, None),
    ("pop_85plus", 85, None),
)


def data_dir(path: str | os.PathLike | None = None) -> Path:
    """The data directory: ``path`` if given, else ``$ZORGZONES_DATA_DIR``, else the platform user data dir."""
    if path is not None:
        return Path(path).expanduser()
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("zorgzones", appauthor=False))

#: Bounds of command-line options, checked before any work starts (see ``cli_common``):
#: PNG resolution in dots per inch (below 10 nothing is legible, above 2400 an A0 page no longer fits in memory),
DPI_RANGE = (10, 2400)
#: travel-time thresholds in minutes (a day is beyond any care-access question),
MAX_TRAVEL_MIN = 24 * 60.0
#: population bands in inhabitants (Belgium has 11.8 M; a billion catches typos such as 1e300),
MAX_POPULATION = 1e9
#: and alternatives of ``plan generate`` (each one is a full search of several seconds).
MAX_PLAN_ALTERNATIVES = 20
