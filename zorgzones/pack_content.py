"""Content of the plenary pack, computed once: zones, metrics, tables.

:class:`PackData` is drawn as pages by :mod:`zorgzones.export_pack` and as slides by :mod:`zorgzones.export_deck`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from zorgzones import printmap as pm
from zorgzones.errors import ValidationError
from zorgzones.settings import PACK_CLASS_MODES
from zorgzones.i18n import LANGUAGES, format_number, localized_names, t
from zorgzones.indicators import INDICATORS, KEY_FIGURES, credit_line, get_indicator, indicator_values, shown_values
from zorgzones.pack_clusters import PackClusters, pack_clusters, parse_extras
from zorgzones.pack_trends import zone_trends
from zorgzones.population import units_for_year
from zorgzones.plan_metrics import comparison_region
from zorgzones.reference import REFERENCE_COLUMNS, zone_areas, zone_references
from zorgzones.year_labels import check_year, units_year_line, year_short
from zorgzones.zones import Plan, dissolve_zones

PACK_SUFFIXES = {".pdf": "pdf", ".pptx": "pptx"}


#: Columns of the overview table (indicator keys) after zone number and name.
OVERVIEW_COLUMNS = ("pop_total", "share_65plus", "share_80plus", "informal_care_ratio", "pharmacies_per_10000",
                    "general_beds_per_1000")


CLASS_MODES = PACK_CLASS_MODES
#: Hospital names listed on a zone page (the rest as "and N more"), so the block stays above the page's footer.
HOSPITAL_NAMES_SHOWN = 4


#: Smallest text of tables in packs (points): readable on a projected slide.
TABLE_FONT_PT = 9.0


#: Table rows (zones and regional totals) on one A4 page at TABLE_FONT_PT; beside the overview map when all fit there.
TABLE_ROWS_PER_PAGE = 32
TABLE_ROWS_BESIDE_MAP = 24




#: Names longer than this are wrapped in tables and lists (never cut).
NAME_WRAP = 26


@dataclass


class PackData:
    """Everything a pack page needs, computed once: display geometries, metrics, regional averages, classes."""

    bundle: object
    plan: Plan
    level: str
    indicator: str
    lang: str
    units: gpd.GeoDataFrame           # display geometries + zone_id + shown indicator value ``_value`` + ``name`` in lang
    zones: gpd.GeoDataFrame           # display geometries indexed by zone_id, with metrics
    metrics: pd.DataFrame
    regions: pd.DataFrame
    services: gpd.GeoDataFrame | None
    bins: np.ndarray
    date: dt.date = field(default_factory=dt.date.today)
    #: Zones that get a page (None: all), in the order of ``zones``.
    chosen: list | None = None
    classes: str = "regional"
    title: str | None = None
    #: Clustering pages asked for (``typology``, ``hotspots``) and their content.
    extras: tuple = ()
    clusters: PackClusters | None = None
    #: Population year of maps and figures (None: the base year 2022) and its label (``Bevolking 2030: projectie ...``).
    year: int | None = None
    year_label: str = ""
    year_kind: str | None = None
    #: Population series of the zones for the trend charts (``pack_trends.zone_trends``), None without population by year.
    trends: pd.DataFrame | None = None
    #: Each zone's key figures in its arrondissement and province (``reference.reference_comparison``, long table),
    #: None when the units carry no arrondissement/province.
    references: pd.DataFrame | None = None

    @property
    def credits(self) -> str:
        population = ["population_years"] if self.year is not None or self.trends is not None else []
        return credit_line(self.bundle, ["units", "plans"] + (["services"] if self.services is not None else []) + population,
                           lang=self.lang)

    def year_subtitle(self) -> str:
        """`` - bevolking 2030: projectie`` for page subtitles; empty for the base year."""
        return "" if self.year is None else " - " + year_short(self.year, self.year_kind, self.lang)

    def zone_trend(self, zone_id) -> pd.DataFrame | None:
        """The trend rows of one zone, None when there are none."""
        if self.trends is None:
            return None
        rows = self.trends[self.trends["id"].astype(str) == str(zone_id)]
        return rows if len(rows) >= 2 else None

    @property
    def zone_ids(self) -> list:
        """Zones with a page and a table row, in name order."""
        return [z for z in self.zones.index if self.chosen is None or z in self.chosen]

    @property
    def official(self) -> bool:
        """Whether the plan is one of the bundle's official plans (else it is a scenario and labelled so)."""
        return self.plan.name in self.bundle.plan_names() or any(
            self.bundle.plan_info(n).get("title") == self.plan.name for n in self.bundle.plan_names())

    def zone_region(self, zone_id) -> str:
        """The area a zone is compared with: its region, or the whole area (``all``) for a zone spanning regions or
        covering its whole region (Bruzel is Brussels: comparing it with Brussels would compare it with itself)."""
        return comparison_region(self.metrics, self.regions, zone_id)

    def is_region(self, zone_id) -> bool:
        """Whether the zone covers its whole region (see :meth:`zone_region`)."""
        return self.zone_region(zone_id) == "all" and str(self.metrics.at[zone_id, "regions"]) in self.regions.index


def region_name(region: str, lang: str) -> str:
    return t(f"region_{region}", lang)


def pack_data(bundle, plan: Plan, *, level: str | None = None, indicator: str = "share_65plus", lang: str = "nl",
              with_services: bool = True, tolerance_m: float = 40.0, date: dt.date | None = None, zones=None,
              classes: str = "regional", title: str | None = None, extras=(), year: int | None = None,
              trends: bool = True) -> PackData:
    """Compute the content of a plenary pack (shared by the PDF and the PowerPoint deck); ``zones`` limits the pages to
    those zone ids (the overview then shows them and their neighbours), ``classes`` is ``regional`` or ``zone``;
    ``extras`` adds clustering pages: ``typology`` (need types) and/or ``hotspots`` (Gi* hot spots); ``year`` the
    population of that year (default the base year 2022) in maps, figures and classes, named on every page; ``trends``
    a population chart per zone (when the bundle has population by year)."""
    from zorgzones.plan_metrics import region_summary, zone_metrics

    problems = []
    if lang not in LANGUAGES:
        problems.append(f"language {lang!r} is unknown; expected one of {', '.join(LANGUAGES)}")
    if classes not in CLASS_MODES:
        problems.append(f"classes {classes!r} is unknown; expected one of {', '.join(CLASS_MODES)}")
    chosen = None
    if zones is not None:
        chosen = [str(z).strip() for z in zones if str(z).strip()]
        unknown = [z for z in chosen if z not in set(plan.zone_ids)]
        if unknown:
            problems.append(f"zone(s) {', '.join(unknown)} are not in plan {plan.name!r}; it has {', '.join(plan.zone_ids[:12])}"
                            + (" ..." if len(plan.zone_ids) > 12 else ""))
        if not chosen:
            problems.append("--zones is empty; give zone ids separated by commas")
    extras, extra_problems = parse_extras(extras)
    problems += extra_problems
    try:
        check_year(bundle, year, level=level or plan.level)
    except ValidationError as exc:
        problems.extend(exc.problems)
    if problems:
        raise ValidationError("plenary pack", problems)
    level = level or plan.level
    units = bundle.units(level) if year is None else units_for_year(bundle, level, year)
    pm.check_plan_units(units, plan, level=level)
    get_indicator(indicator, scope="unit")
    services = bundle.services() if with_services else None
    if services is not None:
        services = services[services["active"].fillna(True).astype(bool)] if "active" in services else services
    metrics = zone_metrics(units, plan, services=services)
    regions = region_summary(units, services=services)
    shown = pm.display_geometries(units, tolerance_m=tolerance_m)
    shown["name"] = localized_names(units, lang).to_numpy()
    shown["zone_id"] = plan.assignment.reindex(units.index).to_numpy()
    shown["_value"] = shown_values(units, indicator).to_numpy()
    bins, _ = pm.classify(shown["_value"], scheme="fisher_jenks", k=5)
    shapes = pm.display_geometries(dissolve_zones(units, plan), tolerance_m=tolerance_m)
    shapes = shapes[["zone_name", "geometry"]].join(metrics.drop(columns="zone_name")).sort_values("zone_name", key=lambda s: s.str.lower())
    clusters = pack_clusters(units, plan, bundle=bundle, extras=extras, indicator=indicator) if extras else None
    references = zone_references(bundle, units, plan, services)
    return PackData(bundle, plan, level, indicator, lang, shown, shapes, metrics, regions, services, bins, date or dt.date.today(),
                    chosen=chosen, classes=classes, title=title, extras=extras, clusters=clusters, year=year,
                    year_label=units_year_line(units, lang, synthetic=bundle.is_demo),
                    year_kind=units.attrs.get("population_kind"),
                    trends=zone_trends(bundle, plan, zones=chosen) if trends else None, references=references)


def plan_title(data: PackData) -> str:
    """``Plenair pakket - <title>``: the ``--title`` given, else the official plan's title, else the plan's name."""
    name = data.title
    if name is None and data.plan.name in data.bundle.plan_names():
        name = data.bundle.plan_info(data.plan.name).get("title")
    return t("pack_title", data.lang, pack=t("pack", data.lang), plan=name or data.plan.name)


def key_figure_header(data: PackData, zone_id) -> list[str]:
    """Column heads of a zone's key-figure table: the figure, the zone, its arrondissement and province (when the
    data has them; ``arr. Turnhout``) and the comparison region."""
    head = [t("key_figure", data.lang), str(data.metrics.at[zone_id, "zone_name"])]
    if data.references is not None:
        head += [t(f"ref_{level}_short", data.lang, name=name) if name else "-"
                 for level, name in zone_areas(data.references, zone_id).items()]
    return head + [region_name(data.zone_region(zone_id), data.lang)]


def key_figure_table(data: PackData, zone_id) -> list[tuple[str, ...]]:
    """Rows (label with unit, zone value, [arrondissement, province,] value of the comparison region) of one zone's
    key figures; a reference area that is the zone itself, Brussels' province and sizes are ``-``."""
    zone = data.metrics.loc[[zone_id]]
    region = data.regions.loc[[data.zone_region(zone_id)]]
    rows = []
    for key in KEY_FIGURES:
        ind = INDICATORS[key]
        try:
            z, r = float(indicator_values(zone, key).iloc[0]), float(indicator_values(region, key).iloc[0])
        except ValidationError:
            continue
        label = ind.label(data.lang) + (f" ({ind.unit_short})" if ind.unit_short else "")
        middle = []
        if data.references is not None:
            for level in REFERENCE_COLUMNS:
                value = data.references[level].get((zone_id, key), np.nan)
                middle.append(ind.format(value, data.lang))  # NaN (no area, or a size) -> "-"
        rows.append((label, ind.format(z, data.lang), *middle, ind.format(r, data.lang)))
    return rows


def has_indicator(frame, key) -> bool:
    try:
        indicator_values(frame, key)
        return True
    except ValidationError:
        return False


def _cells(frame: pd.DataFrame, lang: str) -> list[str]:
    return [INDICATORS[k].format(float(indicator_values(frame, k).iloc[0]), lang) if has_indicator(frame, k) else "-"
            for k in OVERVIEW_COLUMNS]


def overview_rows(data: PackData) -> tuple[list[str], list[list[str]], list[list[str]]]:
    """Header, one row per zone (number, full name wrapped, values) and one total row per region of those zones (never
    a total mixing Flanders and Brussels)."""
    lang = data.lang
    header = [t("nr", lang), t("zone", lang)] + [t(f"short_{k}", lang) for k in OVERVIEW_COLUMNS]
    rows = [[str(number), pm.wrap(str(data.zones.at[z, "zone_name"]), NAME_WRAP)] + _cells(data.metrics.loc[[z]], lang)
            for z, number in zone_numbers(data).items()]
    present = {str(data.metrics.at[z, "regions"]) for z in data.zone_ids}
    totals = [["", t("total_of", lang, region=region_name(r, lang))] + _cells(data.regions.loc[[r]], lang)
              for r in data.regions.index if r != "all" and r in present]
    return header, rows, totals


def zone_numbers(data: PackData) -> dict:
    """Zone id -> its number on the overview map and in the table (1..n in name order)."""
    return {z: n for n, z in enumerate(data.zone_ids, start=1)}


def table_chunks(data: PackData, *, per_page: int = TABLE_ROWS_PER_PAGE) -> list[list[list[str]]]:
    """The zone rows cut into pages of ``per_page`` rows (totals follow on every page)."""
    _, rows, totals = overview_rows(data)
    size = max(1, per_page - len(totals))
    count = -(-len(rows) // size)
    size = -(-len(rows) // max(count, 1))  # pages of even length, never one lonely row on the last page
    return [rows[i:i + size] for i in range(0, len(rows), size)] or [[]]


def table_inline(data: PackData) -> bool:
    """Whether the whole key-figure table fits beside the overview map at the table font size."""
    _, rows, totals = overview_rows(data)
    lines = sum(r[1].count("\n") + 1 for r in rows) + len(totals)
    return lines <= TABLE_ROWS_BESIDE_MAP


def zone_classes(data: PackData, zone_id) -> tuple[np.ndarray, pd.Series]:
    """Class bounds and values of a zone map: the pack's classes, or with ``classes="zone"`` the zone's own."""
    inside = data.units.loc[data.units["zone_id"] == zone_id, "_value"]
    if data.classes == "zone":
        bins, _ = pm.classify(inside, scheme="fisher_jenks", k=min(5, max(2, -(-len(inside) // 2))))
        return bins, inside
    return data.bins, data.units["_value"]


def _lower(label: str) -> str:
    """``Apotheken`` -> ``apotheken`` inside a sentence; acronyms (``GPs``) stay."""
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


def services_line(data: PackData, zone_id, *, hospitals_shown: int = HOSPITAL_NAMES_SHOWN) -> str:
    """``Voorzieningen: 31 apotheken, 2 ziekenhuizen`` and the hospitals' names (wrapped, never cut) inside a zone."""
    if data.services is None:
        return ""
    lang = data.lang
    metrics = data.metrics.loc[zone_id]
    parts = []
    kinds = [c.removeprefix("n_") for c in data.metrics.columns if c.startswith("n_") and c not in ("n_units", "n_parts")]
    first = {"pharmacy": 0, "hospital": 1}
    for kind in sorted(kinds, key=lambda k: (first.get(k, 2), k)):
        count = int(metrics.get(f"n_{kind}", 0))
        word = t(f"svc1_{kind}", lang) if count == 1 else t(f"service_{kind}", lang)
        parts.append(f"{format_number(count, 0, lang)} {_lower(word)}")
    zone = data.zones.geometry.loc[zone_id]
    hospitals = data.services[data.services["service_type"] == "hospital"] if "service_type" in data.services else data.services.iloc[:0]
    inside = hospitals.iloc[hospitals.sindex.query(zone, predicate="contains")] if len(hospitals) else hospitals
    names = sorted({str(n) for n in inside.get("name", [])})
    text = pm.wrap(t("services_line", lang, list=", ".join(parts)), 64)  # more service types: wrapped, never cut
    if names and hospitals_shown > 0:
        shown = hospitals_shown
        more = (" " + t("and_more", lang, n=len(names) - shown)) if len(names) > shown else ""
        text += "\n" + pm.wrap(t("hospitals_in_zone", lang, list="; ".join(names[:shown])) + more, 64)
    return text
