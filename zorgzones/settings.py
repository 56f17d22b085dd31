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

# -- clustering of areas by need (typology, hot spots, clustering-based zones) ----------------------------------
#: Indicators of the need typology by default: ageing, informal care, density, and travel/2SFCA supply per service.
TYPOLOGY_INDICATORS = ("share_65plus", "share_80plus", "informal_care_ratio", "density_per_km2",
                       "travel_min_pharmacy", "travel_min_hospital", "supply_per_1000_pharmacy", "supply_per_1000_hospital")
#: Indicators clustered on a log10(1 + x) scale: density spans 20 to 25,000 inhabitants per km², raw z-scores would let
#: a few city blocks decide every type.
TYPOLOGY_LOG_INDICATORS = ("density_per_km2",)
#: Range of the number of types tried with ``k="auto"`` (inclusive; best mean silhouette wins).
TYPOLOGY_K_RANGE = (2, 12)
#: Seed of every random step of the clustering (k-means starts, GMM init, permutations) unless one is given.
CLUSTER_SEED = 0
#: k-means / GMM restarts: the best of this many starts is kept (fewer = faster, more = more stable).
CLUSTER_N_INIT = 4
#: Gaussian-mixture starts: each starts from k-means, so one start is stable and 4x faster than CLUSTER_N_INIT.
GMM_N_INIT = 1
#: Threads of scikit-learn's OpenMP/BLAS pools while clustering: problems of a few thousand units run 10-20x faster
#: on one thread than with pools competing for the cores of a shared machine (measured 2026-12-02).
CLUSTER_THREADS = 1
#: Above this many units the silhouette is estimated on a seeded sample of this size (the exact one needs n² distances).
SILHOUETTE_MAX_UNITS = 6000
#: |z| (standard deviations from the region mean of units) from which a type's mean is worth describing in words.
PROFILE_NOTABLE_Z = 0.5
#: Clustering-based zones start from this many times the zones needed; the band repair merges the clusters by
#: similarity (1 = one cluster per zone, which the band then tears apart; 3 keeps most of the clustering).
CLUSTER_ZONE_OVERSPLIT = 3
#: Passes of compactness moves after the band repair of clustering-based zones (0 = off): on the Flemish design
#: band they lift mean Polsby-Popper 0.24 -> 0.28 for within-zone variance 0.43 -> 0.45 (measured 2026-12-02).
CLUSTER_ZONE_POLISH_PASSES = 30
#: Permutations of the conditional randomisation of Gi* and local Moran (999 = p down to 0.001).
HOTSPOT_PERMUTATIONS = 999
#: Significance level of a hot/cold spot or LISA cluster (pseudo p-value from the permutations).
HOTSPOT_ALPHA = 0.05
