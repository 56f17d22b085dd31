"""Working CRS, data locations and defaults (each with its unit in the name)."""

from __future__ import annotations

import contextvars
import os
from dataclasses import dataclass, replace
from pathlib import Path

import platformdirs

#: All geometry maths happens in Belgian Lambert 72 (metres).
WORKING_CRS = "EPSG:31370"
#: Only web maps are drawn in WGS84.
WEB_CRS = "EPSG:4326"

#: Folders of the data directory: the region bundle and the written demo region.
BUNDLE_DIR = "bundle"
DEMO_DIR = "demo"
#: Whether a command may fall back to the synthetic demo when the data directory holds no bundle: the CLI sets it
#: from ``--demo`` for the command it runs (a context variable, so the app and tests keep the default).
DEMO_ALLOWED: contextvars.ContextVar[bool] = contextvars.ContextVar("zorgzones_demo_allowed", default=True)

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
#: A zone whose population is within this share of its region's *is* the region: it is compared with the whole area.
SAME_AS_REGION_SHARE = 0.005
#: Band preset zones are generated for, by the region of the units (the Flemish minimum alone bounds no zone, so
#: generation aims at the 2018 design target); units of both regions must choose a band.
GENERATION_PRESETS = {"brussels": "brussels", "flanders": "flanders_elz_design"}

#: Travel modes (straight line): speed in km/h and detour factor (network length / straight line).
#: Car 40 km/h is a mixed urban/rural average; detours from Belgian road-network studies (about 1.2-1.35).
SPEED_KMH = {"car": 40.0, "bike": 15.0, "walk": 4.8}
DETOUR_FACTOR = {"car": 1.3, "bike": 1.25, "walk": 1.2}

#: Target populations: name -> {unit column: weight}, summed. Weights per age band are allowed,
#: e.g. {"pop_0_14": 0.5, "pop_15_64": 1.0, "pop_65plus": 2.5} for GP demand by consultation rate.
TARGET_PRESETS: dict[str, dict[str, float]] = {
    "all": {"pop_total": 1.0},
    "0_2": {"pop_0_2": 1.0},
    "0_14": {"pop_0_14": 1.0},
    "65plus": {"pop_65plus": 1.0},
    "75plus": {"pop_75plus": 1.0},
    "80plus": {"pop_80plus": 1.0},
    "85plus": {"pop_85plus": 1.0},
}


@dataclass(frozen=True)
class ServiceType:
    """Defaults of one service type: who it serves, how far is too far, what its capacity counts."""

    key: str
    #: Target population: a TARGET_PRESETS name.
    target: str
    #: Threshold T in minutes: people beyond T are a gap; also the 2SFCA catchment.
    max_minutes: float
    #: Travel mode of T (a SPEED_KMH key).
    mode: str
    #: What ``capacity`` counts ("site" when every service counts 1).
    capacity_unit: str
    #: Planning rule: target inhabitants one unit of capacity serves (None: no rule).
    population_per_capacity: float | None = None
    #: Where that rule comes from.
    norm_source: str = ""

    @property
    def norm_per_1000(self) -> float | None:
        """Capacity per 1,000 target inhabitants that the planning rule asks for."""
        return None if not self.population_per_capacity else 1000.0 / self.population_per_capacity


#: Every analysis default per service type. Thresholds follow how people reach each service: a pharmacy or a
#: local service centre is walked to (10/15 min, DESIGN.md: "a third of its people beyond a 10-minute walk"),
#: GPs and nursing homes are driven to within a quarter of an hour, hospitals within half an hour (the usual
#: Belgian planning horizon for general hospital care).
SERVICE_TYPES: dict[str, ServiceType] = {s.key: s for s in (
    ServiceType("pharmacy", "all", 10.0, "walk", "site", 2500.0,
                "Belgian pharmacy establishment rule: about one pharmacy per 2,500-3,000 inhabitants"),
    ServiceType("gp", "all", 10.0, "car", "FTE", 1000.0, "rule of thumb: one full-time GP per 1,000 inhabitants"),
    ServiceType("hospital", "all", 30.0, "car", "beds", 250.0, "about 4 general beds per 1,000 inhabitants"),
    ServiceType("hospital_general", "all", 30.0, "car", "beds", 250.0, "about 4 general beds per 1,000 inhabitants"),
    ServiceType("hospital_psychiatric", "all", 30.0, "car", "beds"),
    ServiceType("nursing_home", "80plus", 15.0, "car", "places"),
    ServiceType("residential_care", "80plus", 15.0, "car", "places"),
    ServiceType("local_service_centre", "65plus", 15.0, "walk", "site"),
    ServiceType("home_nursing", "65plus", 15.0, "car", "FTE"),
    ServiceType("mental_health_centre", "all", 30.0, "car", "site"),
    ServiceType("childcare", "0_2", 10.0, "car", "places"),
    ServiceType("welfare_office", "all", 15.0, "car", "site"),
    # hospital sites that are neither general nor psychiatric (rehabilitation, hospices), zorgzones.hospitals
    ServiceType("hospital_other", "all", 30.0, "car", "beds"),
    # dental practices (e.g. from OpenStreetMap, zorgzones.osm_services): driven to like a GP practice
    ServiceType("dentist", "all", 15.0, "car", "site"),
)}
#: Defaults for a service type not in the table (e.g. a type from a user's own file).
DEFAULT_SERVICE_TYPE = ServiceType("other", "all", 15.0, "car", "site")


def service_type_defaults(key: str) -> ServiceType:
    """The defaults of a service type (``DEFAULT_SERVICE_TYPE`` values for an unknown type)."""
    return SERVICE_TYPES.get(key) or replace(DEFAULT_SERVICE_TYPE, key=key)


#: E2SFCA steps: upper bound in minutes -> weight (Luo & Qi 2009 Gaussian-derived weights 1, 0.68, 0.22).
E2SFCA_STEPS = {10.0: 1.0, 20.0: 0.68, 30.0: 0.22}
#: Default E2SFCA steps as fractions of the threshold T: the Luo & Qi zones 0-10-20-30 min for T = 30,
#: so a 10-minute pharmacy walk and a 30-minute hospital drive get the same shape of decay.
E2SFCA_STEP_FRACTIONS = {1 / 3: 1.0, 2 / 3: 0.68, 1.0: 0.22}
#: Gaussian 2SFCA: width sigma = this fraction of T; pairs up to 3 sigma take part.
GAUSSIAN_SIGMA_FRACTION = 0.5
#: Accessibility measures the analysis layer knows; e2sfca is the default (distance decay within the catchment).
ACCESS_METHODS = ("nearest", "2sfca", "e2sfca", "gaussian")
DEFAULT_ACCESS_METHOD = "e2sfca"
#: Demand models: "sector" = each statistical sector's people at its own point (population-weighted where a finer
#: raster exists), "centroid" = a unit's whole population at one point (kept for comparison).
DEMAND_MODELS = ("sector", "centroid")
#: Every analysis places people by sector where the bundle has sector points (real bundles), else by unit (the demo).
DEFAULT_DEMAND_MODEL = "sector"
#: People outside the region who share its services in catchment ratios: "belgium" = the Walloon sectors within
#: BORDER_BUFFER_M (the services across the border in the bundle are Belgian; Dutch, French and German services are
#: not loaded, so counting foreign people would make them use Belgian capacity only: Maasland 0.43x the regional
#: supply instead of ~0.9x); True = also GHS-POP cells abroad; False = nobody (the model before sector demand).
OUTSIDE_DEMAND = "belgium"
#: Nearest-service search stops here (minutes); farther is reported as "no service in reach".
NEAREST_SEARCH_MAX_MINUTES = 240.0
#: Gap areas on maps: contiguous units where at least this share of the target population is beyond T (with sector
#: demand nearly every unit has someone beyond T; an area is drawn where most of its people are).
GAP_AREA_MIN_SHARE = 0.5
#: Overlap: a person within T of at least this many services of one type is "duplicated" coverage.
OVERLAP_MIN_SERVICES = 2
#: Siting: exact solver time limit (s), search radius for candidate-demand pairs (min), grid spacing (m).
SITING_TIME_LIMIT_S = 60.0
SITING_CUTOFF_MINUTES = 60.0
SITING_GRID_SPACING_M = 1000.0

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

#: Population by year: the base year (Statbel 1 January 2022, the bundle's age data) whose shares carry the
#: Planning Bureau's arrondissement projections down to municipalities and sub-municipal units.
POPULATION_BASE_YEAR = 2022
#: First year of the observed municipal series (Statbel via bepop starts on 1 January 2009).
POPULATION_FIRST_YEAR = 2009
#: Planning Bureau projection vintage shown with projected figures ("projections 2021-2070, update Oekraïne", 2022).
PROJECTION_VINTAGE = "2022"
#: Growth indicators ("growth of 80+ 2022-2035"): the population groups and the projection years each unit and zone
#: carries (columns ``pop_80plus_2035`` ..., written into the bundle's units; estimates below the municipality).
GROWTH_COLUMNS = ("pop_total", "pop_65plus", "pop_80plus")
GROWTH_YEARS = (2030, 2035, 2040)
#: First year the Planning Bureau file projects (it holds observed Statbel figures up to 1 January 2021).
FPB_FIRST_PROJECTED_YEAR = 2022
#: Last year (a calendar year) of the app's zone trend chart and band-by-year check by default: zone plans look
#: 15-20 years ahead ("2030", "2040" in planning documents); the projection itself runs to 2071.
PLAN_HORIZON_YEAR = 2040


def data_dir(path: str | os.PathLike | None = None) -> Path:
    """The data directory: ``path`` if given, else ``$ZORGZONES_DATA_DIR``, else the platform user data dir."""
    if path is not None:
        return Path(path).expanduser()
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("zorgzones", appauthor=False))

#: Sector polygons are stored simplified to this tolerance in metres (drawing and dissolving only; demand points
#: are computed from the full polygons).
SECTOR_SIMPLIFY_M = 5.0

# -- clustering of areas by need (typology, hot spots, clustering-based zones) ----------------------------------
#: Indicators of the need typology by default: ageing, informal care, density, and travel/2SFCA supply per service.
TYPOLOGY_INDICATORS = ("share_65plus", "share_80plus", "informal_care_ratio", "density_per_km2", "growth_80plus_2035",
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

#: Plan files the CLI and the app read and write.
PLAN_SUFFIXES = (".csv", ".xlsx", ".gpkg")
#: Print maps: paper sizes in millimetres (portrait width, height) and orientations; ``auto`` takes landscape for
#: data wider than high, else portrait.
PAPER_MM = {"A4": (210.0, 297.0), "A3": (297.0, 420.0)}
ORIENTATIONS = ("landscape", "portrait")
MAP_ORIENTATIONS = ORIENTATIONS + ("auto",)
#: Classes of the pack's zone maps: one set for the whole area (zones comparable) or one per zone (inner differences).
PACK_CLASS_MODES = ("regional", "zone")
#: Optional clustering pages of the plenary pack (``--with``): need types (map, profiles, mix per zone) and hot spots.
PACK_EXTRAS = ("typology", "hotspots")
#: Indicator of the pack's hot-spot page unless the pack's own indicator is a share (ageing is the usual question).
PACK_HOTSPOT_INDICATOR = "share_80plus"
#: Confidence levels of the pack's hot/cold-spot classes (pseudo p <= 1 - level), strongest first, as ArcGIS's
#: Hot Spot Analysis shows them: a reader sees how sure each spot is, not only whether it passed 95 %.
PACK_HOTSPOT_CONFIDENCE = (0.99, 0.95, 0.90)
#: Last year of the population trend chart on pack zone pages: the zone plans' horizon (2040); the projections run to
#: 2071, but a page-sized chart that far out says little about the plan at hand.
PACK_TREND_LAST_YEAR = 2040

#: Bounds of command-line options, checked before any work starts (see ``cli_common``):
#: PNG resolution in dots per inch (below 10 nothing is legible, above 2400 an A0 page no longer fits in memory),
DPI_RANGE = (10, 2400)
#: travel-time thresholds in minutes (a day is beyond any care-access question),
MAX_TRAVEL_MIN = 24 * 60.0
#: population bands in inhabitants (Belgium has 11.8 M; a billion catches typos such as 1e300),
MAX_POPULATION = 1e9
#: and alternatives of ``plan generate`` (each one is a full search of several seconds).
MAX_PLAN_ALTERNATIVES = 20
