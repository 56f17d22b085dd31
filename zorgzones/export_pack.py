"""The plenary pack as PDF: overview page and one page per zone.

The plenary pack: its content computed once (:class:`PackData`), the overview page and one page per zone (map,
key figures next to the regional average, units, services) as a PDF; the PowerPoint deck is in
:mod:`zorgzones.export_deck`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from zorgzones import printmap as pm
from zorgzones.errors import ValidationError
from zorgzones.export import check_export, level_units
from zorgzones.indicators import (INDICATORS, KEY_FIGURES, credit_line, format_number, get_indicator, indicator_values,
                                  shown_values)
from zorgzones.zones import Plan, dissolve_zones

REGION_NAMES = {"nl": {"flanders": "Vlaanderen", "brussels": "Brussel", "all": "Vlaanderen + Brussel"},
                "en": {"flanders": "Flanders", "brussels": "Brussels", "all": "Flanders + Brussels"}}
WORDS = {
    "nl": {"pack": "Plenair pakket", "overview": "Overzicht", "key": "Kerncijfer", "zone": "Zone", "page": "Pagina",
           "units": {"municipality": "gemeenten", "deelgemeente": "deelgemeenten", "neighbourhood": "wijken"},
           "inhabitants": "inwoners", "more": "en {n} meer", "sources": "Bronnen", "table": "Kerncijfers per zone",
           "nr": "Nr", "in_zone": "Eenheden in deze zone"},
    "en": {"pack": "Plenary pack", "overview": "Overview", "key": "Key figure", "zone": "Zone", "page": "Page",
           "units": {"municipality": "municipalities", "deelgemeente": "sub-municipalities", "neighbourhood": "neighbourhoods"},
           "inhabitants": "inhabitants", "more": "and {n} more", "sources": "Sources", "table": "Key figures per zone",
           "nr": "No", "in_zone": "Units in this zone"},
}
PACK_SUFFIXES = {".pdf": "pdf", ".pptx": "pptx"}
#: Short column heads of the overview table.
SHORT = {"nl": {"pop_total": "Inwoners", "share_65plus": "65+\n(%)", "share_80plus": "80+\n(%)", "informal_care_ratio": "Mantel-\nzorgratio",
                "pharmacies_per_10000": "Apotheken\n/10.000"},
         "en": {"pop_total": "Population", "share_65plus": "65+\n(%)", "share_80plus": "80+\n(%)", "informal_care_ratio": "Care\nratio",
                "pharmacies_per_10000": "Pharmacies\n/10,000"}}
#: Columns of the overview table (indicator keys) after zone number and name.
OVERVIEW_COLUMNS = ("pop_total", "share_65plus", "share_80plus", "informal_care_ratio", "pharmacies_per_10000")


@dataclass
class PackData:
    """Everything a pack page needs, computed once: display geometries, metrics, regional averages, classes."""

    bundle: object
    plan: Plan
    level: str
    indicator: str
    lang: str
    units: gpd.GeoDataFrame           # display geometries + zone_id + shown indicator value ``_value``
    zones: gpd.GeoDataFrame           # display geometries indexed by zone_id, with metrics
    metrics: pd.DataFrame
    regions: pd.DataFrame
    services: gpd.GeoDataFrame | None
    bins: np.ndarray
    date: dt.date = field(default_factory=dt.date.today)

    @property
    def credits(self) -> str:
        return credit_line(self.bundle, ["units", "plans"] + (["services"] if self.services is not None else []))

    def zone_region(self, zone_id) -> str:
        regions = str(self.metrics.at[zone_id, "regions"])
        return regions if regions in self.regions.index else "all"


def pack_data(bundle, plan: Plan, *, level: str | None = None, indicator: str = "share_65plus", lang: str = "nl",
              with_services: bool = True, tolerance_m: float = 40.0, date: dt.date | None = None) -> PackData:
    """Compute the content of a plenary pack (shared by the PDF and the PowerPoint deck)."""
    from zorgzones.plan_metrics import region_summary, zone_metrics

    level = level or plan.level
    units = bundle.units(level)
    pm.check_plan_units(units, plan, level=level)
    get_indicator(indicator, scope="unit")
    services = bundle.services() if with_services else None
    if services is not None:
        services = services[services["active"].fillna(True).astype(bool)] if "active" in services else services
    metrics = zone_metrics(units, plan, services=services)
    regions = region_summary(units, services=services)
    shown = pm.display_geometries(units, tolerance_m=tolerance_m)
    shown["zone_id"] = plan.assignment.reindex(units.index).to_numpy()
    shown["_value"] = shown_values(units, indicator).to_numpy()
    bins, _ = pm.classify(shown["_value"], scheme="fisher_jenks", k=5)
    zones = pm.display_geometries(dissolve_zones(units, plan), tolerance_m=tolerance_m)
    zones = zones[["zone_name", "geometry"]].join(metrics.drop(columns="zone_name")).sort_values("zone_name", key=lambda s: s.str.lower())
    return PackData(bundle, plan, level, indicator, lang, shown, zones, metrics, regions, services, bins, date or dt.date.today())


def key_figure_table(data: PackData, zone_id) -> list[tuple[str, str, str]]:
    """Rows (label with unit, zone value, regional value) of one zone's key figures."""
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
        rows.append((label, ind.format(z, data.lang), ind.format(r, data.lang)))
    return rows


def _legend_handles(data: PackData):
    from matplotlib.patches import Patch

    ind = INDICATORS[data.indicator]
    low = float(np.nanmin(data.units["_value"])) if len(data.bins) else 0.0
    colours = pm.class_colours(len(data.bins), ind.cmap)
    return [Patch(facecolor=c, edgecolor="#888888", linewidth=0.3, label=lab)
            for c, lab in zip(colours, pm.class_labels(data.bins, low, ind, data.lang))]


def _draw_text_table(fig, rows: list[list[str]], *, x: list[float], top: float, row_h: float, fontsize: float,
                     header: bool = True, right_align_from: int = 1) -> float:
    """Rows of text at figure fractions ``x`` (columns) from ``top`` down; zebra stripes; returns the bottom y."""
    from matplotlib.patches import Rectangle

    y = top
    for i, row in enumerate(rows):
        head = header and i == 0
        h = row_h * (max(str(t).count("\n") for t in row) + 1) if head else row_h
        if head or i % 2 == 0:
            fig.add_artist(Rectangle((x[0] - 0.004, y - h), x[-1] - x[0] + 0.008, h, transform=fig.transFigure,
                                     facecolor="#2b3a55" if head else "#eef1f6", edgecolor="none"))
        for j, text in enumerate(row):
            right = j >= right_align_from
            fig.text(x[j + 1] - 0.004 if right else x[j], y - h / 2, text, fontsize=fontsize, va="center",
                     ha="right" if right else "left", multialignment="right" if right else "left",
                     color="white" if head else "#111111", fontweight="bold" if head else "normal", linespacing=1.05)
        y -= h
    return y


def overview_figure(data: PackData, *, page: str | None = None):
    """First pack page: every zone on one map (numbered) and the key-figure table of all zones."""
    from matplotlib.figure import Figure

    words, lang = WORDS[data.lang], data.lang
    fig = Figure(figsize=pm.paper_inches("A4", "landscape"))
    ax = fig.add_axes([0.02, 0.10, 0.50, 0.76])
    ind = INDICATORS[data.indicator]
    pm.draw_choropleth(ax, data.units, data.units["_value"], bins=data.bins, cmap=ind.cmap, linewidth=0.1)
    n = len(data.zones)
    pm.draw_zones(ax, data.zones, labels="number" if n > 12 else "name", fontsize=5.5 if n > 30 else 7.5, linewidth=0.8)
    pm.frame_map(ax, data.units)
    pm.add_scalebar(ax, fontsize=6)
    pm.add_north_arrow(ax, size=0.06)
    if data.bundle.is_demo:
        pm.add_demo_badge(ax)
    ax.legend(handles=_legend_handles(data), title=pm.wrap(ind.title(lang), 40), loc="upper left", bbox_to_anchor=(0.0, -0.01),
              frameon=False, fontsize=6, title_fontsize=6.5, ncol=3, alignment="left")
    header = [words["nr"], words["zone"]] + [SHORT[lang][k] for k in OVERVIEW_COLUMNS]
    rows = [header]
    for number, zone_id in enumerate(data.zones.index, start=1):
        zone = data.metrics.loc[[zone_id]]
        values = []
        for key in OVERVIEW_COLUMNS:
            try:
                values.append(INDICATORS[key].format(float(indicator_values(zone, key).iloc[0]), lang))
            except ValidationError:
                values.append("-")
        rows.append([str(number), str(data.zones.at[zone_id, "zone_name"])[:28]] + values)
    total = data.regions.loc[["all"]]
    rows.append(["", REGION_NAMES[lang]["all"]] + [INDICATORS[k].format(float(indicator_values(total, k).iloc[0]), lang)
                                                   if has_indicator(total, k) else "-" for k in OVERVIEW_COLUMNS])
    row_h = min(0.03, 0.79 / (len(rows) + 1))
    fontsize = max(3.6, min(8.0, row_h * 8.27 * 72 * 0.62))
    x = [0.545, 0.565, 0.695, 0.76, 0.81, 0.86, 0.92, 0.985]
    _draw_text_table(fig, rows, x=x, top=0.895, row_h=row_h, fontsize=fontsize, right_align_from=2)
    fig.text(0.02, 0.965, plan_title(data), fontsize=17, fontweight="bold", va="top")
    fig.text(0.02, 0.918, f"{words['overview']}: {n} zones, {format_number(data.metrics['pop_total'].sum(), 0, lang)} "
                          f"{words['inhabitants']} - {ind.label(lang)}", fontsize=10, color="#555555", va="top")
    fig.text(0.545, 0.935, words["table"], fontsize=10, fontweight="bold", va="top")
    pm.add_footer(fig, data.credits, date=data.date, lang=lang, width_chars=230, page=page)
    fig.set_label(plan_title(data))
    return fig


def has_indicator(frame, key) -> bool:
    try:
        indicator_values(frame, key)
        return True
    except ValidationError:
        return False


def plan_title(data: PackData) -> str:
    title = data.bundle.plan_info(data.plan.name).get("title") if data.plan.name in data.bundle.plan_names() else None
    return f"{WORDS[data.lang]['pack']} - {title or data.plan.name}"


def zone_map(ax, data: PackData, zone_id, *, unit_labels: bool = True) -> None:
    """One zone: its units by class, neighbouring units greyed, zone outline, services nearby."""
    ind = INDICATORS[data.indicator]
    zone = data.zones.loc[[zone_id]]
    minx, miny, maxx, maxy = zone.total_bounds
    pad = max(maxx - minx, maxy - miny) * 0.06 + 500
    box = pm.fit_bounds(ax, (minx - pad, miny - pad, maxx + pad, maxy + pad))
    near = data.units.iloc[data.units.sindex.query(shapely.box(*box))]
    inside = near[near["zone_id"] == zone_id]
    near[near["zone_id"] != zone_id].plot(ax=ax, color="#f0f0f0", edgecolor="#bdbdbd", linewidth=0.3)
    pm.draw_choropleth(ax, inside, inside["_value"], bins=data.bins, cmap=ind.cmap, edgecolor="white", linewidth=0.5)
    others = data.zones.iloc[data.zones.sindex.query(shapely.box(*box))]
    others.boundary.plot(ax=ax, color="#9e9e9e", linewidth=0.6)
    pm.draw_zones(ax, zone, labels="none", linewidth=1.6)
    if unit_labels and len(inside) <= 30:
        for name, point in zip(inside["name"], shapely.point_on_surface(inside.geometry.to_numpy())):
            pm.halo_text(ax, point.x, point.y, pm.wrap(str(name), 14), fontsize=5.2 if len(inside) > 12 else 6.5, halo=1.8,
                         color="#222222")
    if data.services is not None and len(data.services):
        near_services = data.services.iloc[data.services.sindex.query(shapely.box(*box))]
        pm.draw_services(ax, near_services, lang=data.lang, scale=2.0)
    pm.frame_map(ax, zone, bounds=box, margin=0.0, fit_box=False)
    pm.add_scalebar(ax, fontsize=6)
    pm.add_north_arrow(ax, size=0.06)
    if data.bundle.is_demo:
        pm.add_demo_badge(ax)


def zone_figure(data: PackData, zone_id, *, page: str | None = None):
    """A pack page for one zone: map, key figures next to the regional average, its units and services."""
    from matplotlib.figure import Figure

    words, lang = WORDS[data.lang], data.lang
    fig = Figure(figsize=pm.paper_inches("A4", "landscape"))
    ax = fig.add_axes([0.02, 0.09, 0.56, 0.80])
    zone_map(ax, data, zone_id)
    metrics = data.metrics.loc[zone_id]
    name = str(metrics["zone_name"])
    fig.text(0.02, 0.965, name, fontsize=18, fontweight="bold", va="top")
    unit_word = words["units"].get(data.level, data.level)
    fig.text(0.02, 0.918, f"{words['zone']} {zone_id} - {int(metrics['n_units'])} {unit_word} - "
                          f"{format_number(metrics['pop_total'], 0, lang)} {words['inhabitants']} - {plan_title(data)}",
             fontsize=10, color="#555555", va="top")
    region = REGION_NAMES[lang][data.zone_region(zone_id)]
    rows = [[words["key"], name[:24], region]] + [list(r) for r in key_figure_table(data, zone_id)]
    x = [0.61, 0.835, 0.905, 0.98]
    bottom = _draw_text_table(fig, rows, x=x, top=0.885, row_h=0.036, fontsize=8.2, right_align_from=1)
    members = data.units[data.units["zone_id"] == zone_id].sort_values("pop_total", ascending=False)
    fig.text(0.61, bottom - 0.02, f"{words['in_zone']} ({len(members)})", fontsize=9, fontweight="bold", va="top")
    listed = [f"{str(n)[:26]}  {format_number(p, 0, lang)}" for n, p in zip(members["name"], members["pop_total"])]
    limit = 30
    if len(listed) > limit:
        listed = listed[:limit - 1] + [words["more"].format(n=len(listed) - limit + 1)]
    half = (len(listed) + 1) // 2 if len(listed) > 12 else len(listed)
    for col, chunk in enumerate((listed[:half], listed[half:])):
        if chunk:
            fig.text(0.61 + col * 0.19, bottom - 0.05, "\n".join(chunk), fontsize=6.3, va="top", linespacing=1.35, color="#222222")
    fig.text(0.61, 0.235, services_line(data, zone_id), fontsize=6.5, va="top", color="#222222", linespacing=1.3)
    ind = INDICATORS[data.indicator]
    fig.legend(handles=_legend_handles(data), title=pm.wrap(ind.title(lang), 45), loc="lower left", bbox_to_anchor=(0.605, 0.075),
               frameon=False, fontsize=6.5, title_fontsize=7, ncol=3, alignment="left")
    pm.add_footer(fig, data.credits, date=data.date, lang=lang, width_chars=230, page=page)
    fig.set_label(name)
    return fig


def services_line(data: PackData, zone_id) -> str:
    """``Voorzieningen: 31 apotheken, 2 ziekenhuizen (A, B)`` for the active services inside a zone."""
    if data.services is None:
        return ""
    nl = data.lang == "nl"
    metrics = data.metrics.loc[zone_id]
    parts = []
    for kind, (one, many) in {"pharmacy": (("apotheek", "apotheken") if nl else ("pharmacy", "pharmacies")),
                              "hospital": (("ziekenhuis", "ziekenhuizen") if nl else ("hospital", "hospitals"))}.items():
        count = int(metrics.get(f"n_{kind}", 0))
        parts.append(f"{count} {one if count == 1 else many}")
    zone = data.zones.geometry.loc[zone_id]
    hospitals = data.services[data.services["service_type"] == "hospital"] if "service_type" in data.services else data.services.iloc[:0]
    inside = hospitals.iloc[hospitals.sindex.query(zone, predicate="contains")] if len(hospitals) else hospitals
    names = sorted({str(n) for n in inside.get("name", [])})
    text = ("Voorzieningen: " if nl else "Services: ") + ", ".join(parts)
    if names:
        shown = [n if len(n) <= 38 else n[:36] + "..." for n in names[:4]]
        more = (f" (+{len(names) - 4} {'meer' if nl else 'more'})" if len(names) > 4 else "")
        text += "\n" + pm.wrap(("Ziekenhuizen: " if nl else "Hospitals: ") + "; ".join(shown) + more, 78)
    return text


def write_pack_pdf(path, data: PackData, *, progress: bool = False) -> Path:
    """The plenary pack as one PDF: overview page, then one page per zone, numbered; atomic."""
    import matplotlib
    from matplotlib.backends.backend_pdf import PdfPages

    path = check_export(path, {".pdf": "pdf"}, subject="plenary pack")
    zone_ids = list(data.zones.index)
    total = len(zone_ids) + 1
    words = WORDS[data.lang]

    def write(tmp: Path) -> None:
        meta = {"Title": plan_title(data), "Author": "zorgzones", "Subject": data.credits, "Creator": "zorgzones"}
        with matplotlib.rc_context(pm.RC), PdfPages(tmp, metadata=meta) as pdf:
            pdf.savefig(overview_figure(data, page=f"{words['page']} 1 / {total}"))
            for number, zone_id in enumerate(with_progress(zone_ids, progress), start=2):
                pdf.savefig(zone_figure(data, zone_id, page=f"{words['page']} {number} / {total}"))

    return pm.atomic_write(path, write)


def with_progress(items, enabled: bool):
    """``items`` with a tqdm progress bar of pages when ``enabled``."""
    if not enabled:
        return items
    from tqdm import tqdm

    return tqdm(items, desc="pages", unit="page")


def write_pack(path, bundle, plan: Plan, *, level: str | None = None, indicator: str = "share_65plus", lang: str = "nl",
               progress: bool = False) -> Path:
    """The plenary pack as PDF or PowerPoint (by suffix), after checking path, indicator and plan against the level."""
    level = level or plan.level
    check_export(path, PACK_SUFFIXES, indicator=indicator, plan=plan, units=level_units(bundle, level), level=level, subject="plenary pack")
    data = pack_data(bundle, plan, level=level, indicator=indicator, lang=lang)
    if Path(path).suffix.lower() == ".pptx":
        from zorgzones.export_deck import write_pack_pptx

        return write_pack_pptx(path, data, progress=progress)
    return write_pack_pdf(path, data, progress=progress)
