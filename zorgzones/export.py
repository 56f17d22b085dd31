"""Exports for plenary meetings: print maps, the plenary pack (PDF and PowerPoint), the interactive HTML map and data files (GeoPackage, CSV, XLSX), each written atomically."""

from __future__ import annotations

import datetime as dt
import io
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from zorgzones import printmap as pm
from zorgzones.errors import ValidationError
from zorgzones.indicators import (DEMO_LABEL, INDICATORS, KEY_FIGURES, credit_line, format_number, get_indicator,
                                  indicator_values, shown_values, source_list)
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
DATA_SUFFIXES = {".gpkg": "gpkg", ".csv": "csv", ".xlsx": "xlsx"}
HTML_SUFFIXES = {".html": "html", ".htm": "html"}
#: Short column heads of the overview table.
SHORT = {"nl": {"pop_total": "Inwoners", "share_65plus": "65+\n(%)", "share_80plus": "80+\n(%)", "informal_care_ratio": "Mantel-\nzorgratio",
                "pharmacies_per_10000": "Apotheken\n/10.000"},
         "en": {"pop_total": "Population", "share_65plus": "65+\n(%)", "share_80plus": "80+\n(%)", "informal_care_ratio": "Care\nratio",
                "pharmacies_per_10000": "Pharmacies\n/10,000"}}
#: Columns of the overview table (indicator keys) after zone number and name.
OVERVIEW_COLUMNS = ("pop_total", "share_65plus", "share_80plus", "informal_care_ratio", "pharmacies_per_10000")


def check_export(path, suffixes: dict, *, indicator: str | None = None, scope: str = "unit", plan: Plan | None = None,
                 units: gpd.GeoDataFrame | None = None, level: str | None = None, subject: str = "export") -> Path:
    """Check everything before any work starts (output path, indicator, plan against level) and raise once."""
    problems: list[str] = []
    for check in (lambda: pm.check_output_path(path, suffixes=suffixes, subject=subject),
                  lambda: get_indicator(indicator, scope=scope) if indicator is not None else None,
                  lambda: pm.check_plan_units(units, plan, level=level) if plan is not None and units is not None else None):
        try:
            check()
        except ValidationError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ValidationError(f"{subject} {path}", problems)
    return Path(path)


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
                                                   if _has(total, k) else "-" for k in OVERVIEW_COLUMNS])
    row_h = min(0.03, 0.79 / (len(rows) + 1))
    fontsize = max(3.6, min(8.0, row_h * 8.27 * 72 * 0.62))
    x = [0.545, 0.565, 0.695, 0.76, 0.81, 0.86, 0.92, 0.985]
    _draw_text_table(fig, rows, x=x, top=0.895, row_h=row_h, fontsize=fontsize, right_align_from=2)
    fig.text(0.02, 0.965, _plan_title(data), fontsize=17, fontweight="bold", va="top")
    fig.text(0.02, 0.918, f"{words['overview']}: {n} zones, {format_number(data.metrics['pop_total'].sum(), 0, lang)} "
                          f"{words['inhabitants']} - {ind.label(lang)}", fontsize=10, color="#555555", va="top")
    fig.text(0.545, 0.935, words["table"], fontsize=10, fontweight="bold", va="top")
    pm.add_footer(fig, data.credits, date=data.date, lang=lang, width_chars=230, page=page)
    fig.set_label(_plan_title(data))
    return fig


def _has(frame, key) -> bool:
    try:
        indicator_values(frame, key)
        return True
    except ValidationError:
        return False


def _plan_title(data: PackData) -> str:
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
                          f"{format_number(metrics['pop_total'], 0, lang)} {words['inhabitants']} - {_plan_title(data)}",
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
        meta = {"Title": _plan_title(data), "Author": "zorgzones", "Subject": data.credits, "Creator": "zorgzones"}
        with matplotlib.rc_context(pm.RC), PdfPages(tmp, metadata=meta) as pdf:
            pdf.savefig(overview_figure(data, page=f"{words['page']} 1 / {total}"))
            for number, zone_id in enumerate(_progress(zone_ids, progress), start=2):
                pdf.savefig(zone_figure(data, zone_id, page=f"{words['page']} {number} / {total}"))

    return pm.atomic_write(path, write)


def _progress(items, enabled: bool):
    if not enabled:
        return items
    from tqdm import tqdm

    return tqdm(items, desc="pages", unit="page")


def figure_png(fig, *, dpi: int = 150) -> bytes:
    import matplotlib

    buffer = io.BytesIO()
    with matplotlib.rc_context(pm.RC):
        fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def write_pack_pptx(path, data: PackData, *, progress: bool = False, dpi: int = 130) -> Path:
    """The plenary pack as a 16:9 PowerPoint deck: title, overview, key-figure tables, one slide per zone, sources."""
    from matplotlib.figure import Figure
    from pptx import Presentation
    from pptx.util import Inches, Pt

    path = check_export(path, {".pptx": "pptx"}, subject="plenary deck")
    words, lang = WORDS[data.lang], data.lang
    deck = Presentation()
    deck.slide_width, deck.slide_height = Inches(13.333), Inches(7.5)
    title_only = deck.slide_layouts[5]
    footer = data.credits

    def add_footer(slide, number):
        box = slide.shapes.add_textbox(Inches(0.4), Inches(6.95), Inches(12.5), Inches(0.45))
        frame = box.text_frame
        frame.word_wrap = True
        frame.text = f"{footer}  |  {data.date.isoformat()}  |  {number}"
        for paragraph in frame.paragraphs:
            for run in paragraph.runs:
                run.font.size = Pt(7)

    def add_table(slide, rows, left, top, width, col_widths, font=11):
        shape = slide.shapes.add_table(len(rows), len(rows[0]), left, top, width, Inches(0.3 * len(rows)))
        table = shape.table
        for j, w in enumerate(col_widths):
            table.columns[j].width = w
        for i, row in enumerate(rows):
            for j, text in enumerate(row):
                cell = table.cell(i, j)
                cell.text = str(text)
                for paragraph in cell.text_frame.paragraphs:
                    for run in paragraph.runs:
                        run.font.size = Pt(font)
        return table

    slide = deck.slides.add_slide(deck.slide_layouts[0])
    slide.shapes.title.text = _plan_title(data)
    slide.placeholders[1].text = (f"{len(data.zones)} zones - {data.date.isoformat()}"
                                  + (f"\n{DEMO_LABEL}" if data.bundle.is_demo else ""))
    number = 1
    add_footer(slide, number)

    fig = Figure(figsize=(7.2, 5.6))
    ax = fig.add_axes([0.0, 0.0, 1.0, 1.0])
    ind = INDICATORS[data.indicator]
    pm.draw_choropleth(ax, data.units, data.units["_value"], bins=data.bins, cmap=ind.cmap, linewidth=0.1)
    pm.draw_zones(ax, data.zones, labels="number" if len(data.zones) > 12 else "name", fontsize=5, linewidth=0.7)
    pm.frame_map(ax, data.units, fit_box=False)
    pm.add_scalebar(ax, fontsize=6)
    pm.add_north_arrow(ax, size=0.06)
    if data.bundle.is_demo:
        pm.add_demo_badge(ax)
    slide = deck.slides.add_slide(title_only)
    slide.shapes.title.text = f"{words['overview']}: {ind.title(lang)}"
    slide.shapes.add_picture(io.BytesIO(figure_png(fig, dpi=dpi)), Inches(0.4), Inches(1.3), height=Inches(5.5))
    number += 1
    add_footer(slide, number)

    header = [words["nr"], words["zone"]] + [INDICATORS[k].label(lang) for k in OVERVIEW_COLUMNS]
    all_rows = []
    for n, zone_id in enumerate(data.zones.index, start=1):
        zone = data.metrics.loc[[zone_id]]
        all_rows.append([str(n), str(data.zones.at[zone_id, "zone_name"])]
                        + [INDICATORS[k].format(float(indicator_values(zone, k).iloc[0]), lang) if _has(zone, k) else "-"
                           for k in OVERVIEW_COLUMNS])
    per_slide = 15
    for start in range(0, len(all_rows), per_slide):
        slide = deck.slides.add_slide(title_only)
        slide.shapes.title.text = f"{words['table']} ({start + 1}-{min(start + per_slide, len(all_rows))})"
        header = [words["nr"], words["zone"]] + [SHORT[lang][k] for k in OVERVIEW_COLUMNS]
        widths = [Inches(0.6), Inches(3.6)] + [Inches(1.7)] * len(OVERVIEW_COLUMNS)
        add_table(slide, [header] + all_rows[start:start + per_slide], Inches(0.4), Inches(1.3), Inches(12.5), widths, font=9)
        number += 1
        add_footer(slide, number)

    for zone_id in _progress(list(data.zones.index), progress):
        fig = Figure(figsize=(6.6, 5.5))
        zone_map(fig.add_axes([0.0, 0.0, 1.0, 1.0]), data, zone_id)
        slide = deck.slides.add_slide(title_only)
        slide.shapes.title.text = str(data.metrics.at[zone_id, "zone_name"])
        slide.shapes.add_picture(io.BytesIO(figure_png(fig, dpi=dpi)), Inches(0.4), Inches(1.3), height=Inches(5.5))
        rows = [[words["key"], words["zone"], REGION_NAMES[lang][data.zone_region(zone_id)]]] + [list(r) for r in key_figure_table(data, zone_id)]
        add_table(slide, rows, Inches(7.3), Inches(1.4), Inches(5.6), [Inches(3.0), Inches(1.3), Inches(1.3)], font=11)
        number += 1
        add_footer(slide, number)

    slide = deck.slides.add_slide(title_only)
    slide.shapes.title.text = words["sources"]
    box = slide.shapes.add_textbox(Inches(0.5), Inches(1.4), Inches(12.3), Inches(5.3))
    box.text_frame.word_wrap = True
    box.text_frame.text = "\n".join(source_list(data.bundle) or [footer])
    for paragraph in box.text_frame.paragraphs:
        for run in paragraph.runs:
            run.font.size = Pt(12)
    number += 1
    add_footer(slide, number)
    return pm.atomic_write(path, lambda tmp: deck.save(str(tmp)))


def write_pack(path, bundle, plan: Plan, *, level: str | None = None, indicator: str = "share_65plus", lang: str = "nl",
               progress: bool = False) -> Path:
    """The plenary pack as PDF or PowerPoint (by suffix), after checking path, indicator and plan against the level."""
    level = level or plan.level
    check_export(path, PACK_SUFFIXES, indicator=indicator, plan=plan, units=_units(bundle, level), level=level, subject="plenary pack")
    data = pack_data(bundle, plan, level=level, indicator=indicator, lang=lang)
    if Path(path).suffix.lower() == ".pptx":
        return write_pack_pptx(path, data, progress=progress)
    return write_pack_pdf(path, data, progress=progress)


def _units(bundle, level: str) -> gpd.GeoDataFrame:
    from zorgzones.settings import LEVELS

    if level not in LEVELS:
        raise ValidationError("level", [f"level {level!r} is unknown; expected one of {', '.join(LEVELS)}"])
    return bundle.units(level)


def write_map(path, bundle, *, plan: Plan | None = None, level: str | None = None, indicator: str = "share_65plus",
              by: str = "unit", paper: str = "A4", orientation: str = "landscape", with_services: bool = False,
              title: str | None = None, subtitle: str | None = None, lang: str = "nl", scheme: str = "fisher_jenks",
              k: int = 5, dpi: int = pm.PNG_DPI) -> Path:
    """A print map (PDF, PNG at ``dpi`` or SVG by suffix) of the bundle's units at ``level`` with the plan's zones."""
    level = level or (plan.level if plan is not None else "municipality")
    units = _units(bundle, level)
    check_export(path, pm.FORMATS, indicator=indicator, scope=by, plan=plan, units=units, level=level, subject="print map")
    services = bundle.services(active_only=True) if with_services or by == "zone" else None
    if services is not None and "inside_region" in services:
        services = services[services["inside_region"].astype(bool)]
    fig = pm.print_map(units, indicator=indicator, plan=plan, services=services, bundle=bundle, by=by, title=title,
                       subtitle=subtitle, paper=paper, orientation=orientation, lang=lang, scheme=scheme, k=k,
                       show_services=with_services)
    return pm.save_figure(fig, path, dpi=dpi, metadata={"Description": credit_line(bundle, ["units", "plans", "services"])})


def write_html(path, bundle, *, plan: Plan | None = None, level: str | None = None, indicator: str = "share_65plus",
               with_services: bool = True, analysis: dict | None = None, lang: str = "nl", tiles: str | None = "OpenStreetMap",
               assets_dir=None) -> Path:
    """The interactive map as one HTML file with all data embedded. Scripts (Leaflet, jQuery, marker clusters, d3 of the
    legend) load from their CDN unless ``assets_dir`` holds local copies (named as the URL's last part): then they are
    inlined and the file also works offline (``tiles=None`` drops the web basemap)."""
    from zorgzones import maps

    level = level or (plan.level if plan is not None else "municipality")
    units = _units(bundle, level)
    check_export(path, HTML_SUFFIXES, indicator=indicator, plan=plan, units=units, level=level, subject="interactive map")
    services = bundle.services() if with_services else None
    web = maps.web_map(units, indicator=indicator, plan=plan, services=services, bundle=bundle, analysis=analysis, lang=lang, tiles=tiles)
    page = web.get_root().render()
    if assets_dir is not None:
        page, _ = maps.inline_assets(page, assets_dir)
    return pm.atomic_write(Path(path), lambda tmp: tmp.write_text(page, encoding="utf-8"))


def gap_layers(bundle, plan: Plan, *, level: str | None = None, service_type: str = "pharmacy", max_minutes: float = 5.0,
               mode: str = "car") -> dict[str, pd.DataFrame]:
    """Coverage gaps as analysis layers: ``gaps_<type>`` (units with population beyond ``max_minutes`` of every active
    service of the type, straight-line travel from the unit's demand point, services across the border included)
    and ``gaps_<type>_by_zone`` (the same summed per zone of ``plan``)."""
    from zorgzones.coverage import coverage_gaps, summarise_by_zone
    from zorgzones.travel import demand_points, straight_line_costs

    units = _units(bundle, level or plan.level)
    services = bundle.services(service_type, active_only=True)
    costs = straight_line_costs(demand_points(units), services, mode=mode, max_minutes=max_minutes)
    gaps = coverage_gaps(costs[["origin_id", "dest_id", "cost"]], units["pop_total"].astype(float), max_cost=max_minutes)
    layer = units[["name", "geometry"]].join(gaps).join(plan.assignment.rename("zone_id"))
    layer["max_minutes"], layer["service_type"] = float(max_minutes), service_type
    by_zone = summarise_by_zone(gaps, plan.assignment.reindex(gaps.index))
    by_zone.insert(0, "zone_name", [plan.zone_name(z) for z in by_zone.index])
    return {f"gaps_{service_type}": layer, f"gaps_{service_type}_by_zone": by_zone}


def data_tables(bundle, plan: Plan, *, level: str | None = None, analysis: dict | None = None) -> dict[str, pd.DataFrame]:
    """Layers and tables of a data export: zones, units (with indicators), services, assignment, zone metrics,
    zones vs region, regional benchmarks, sources, plus ``analysis`` (name -> frame, e.g. coverage gaps)."""
    from zorgzones.indicators import add_indicators
    from zorgzones.plan_metrics import region_summary, zone_metrics, zones_vs_region

    level = level or plan.level
    units = _units(bundle, level)
    pm.check_plan_units(units, plan, level=level)
    services = bundle.services()
    active = services[services["active"].fillna(True).astype(bool)] if "active" in services else services
    metrics = zone_metrics(units, plan, services=active)
    regions = region_summary(units, services=active)
    zones = dissolve_zones(units, plan)[["geometry"]].join(add_indicators(metrics, scope="zone"))
    unit_table = add_indicators(units).join(plan.assignment.rename("zone_id"))
    unit_table["zone_name"] = [plan.zone_name(z) if isinstance(z, str) else None for z in unit_table["zone_id"]]
    about = pd.DataFrame({"key": ["plan", "level", "created", "synthetic_demo_data", "credits"] + [f"source_{i + 1}" for i in range(len(bundle.sources))],
                          "value": [plan.name, level, dt.date.today().isoformat(), str(bundle.is_demo),
                                    credit_line(bundle, ["units", "plans", "services"])] + source_list(bundle)})
    tables = {"zones": zones.reset_index(), "units": unit_table.reset_index(), "services": services.reset_index(),
              "assignment": plan.to_frame(), "zone_metrics": metrics.reset_index(),
              "zones_vs_region": zones_vs_region(metrics, regions).reset_index(), "region_benchmarks": regions.reset_index(),
              "about": about}
    for name, frame in (analysis or {}).items():
        if name in tables:
            raise ValidationError("analysis layers", [f"layer name {name!r} is taken; use another name than {', '.join(tables)}"])
        tables[name] = frame.reset_index() if frame.index.name else frame
    if bundle.is_demo:
        for name, frame in tables.items():
            if name != "about":
                tables[name] = frame.assign(note=DEMO_LABEL)
    return tables


def write_data(path, bundle, plan: Plan, *, level: str | None = None, analysis: dict | None = None) -> list[Path]:
    """GeoPackage (every layer), XLSX (one sheet per table, geometry dropped) or CSV (one file per table,
    ``<stem>_<table>.csv``); every file is written beside its target and renamed only when all succeeded."""
    level = level or plan.level
    path = check_export(path, DATA_SUFFIXES, plan=plan, units=_units(bundle, level), level=level, subject="data export")
    tables = data_tables(bundle, plan, level=level, analysis=analysis)
    suffix = path.suffix.lower()
    if suffix == ".gpkg":
        def write(tmp: Path) -> None:
            import pyogrio

            tmp.unlink(missing_ok=True)
            for name, frame in tables.items():
                pyogrio.write_dataframe(_for_file(frame), tmp, layer=name, driver="GPKG", append=tmp.exists())
        return [pm.atomic_write(path, write)]
    if suffix == ".xlsx":
        def write(tmp: Path) -> None:
            with pd.ExcelWriter(tmp, engine="xlsxwriter") as writer:
                for name, frame in tables.items():
                    _plain(frame).to_excel(writer, sheet_name=name[:31], index=False)
        return [pm.atomic_write(path, write)]
    targets = {name: path.with_name(f"{path.stem}_{name}.csv") for name in tables}
    staged = []
    try:
        for name, target in targets.items():
            fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=".csv", dir=target.parent)
            os.close(fd)
            staged.append((Path(tmp), target))
            _plain(tables[name]).to_csv(tmp, index=False)
        for tmp, target in staged:
            os.replace(tmp, target)
    except BaseException:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise
    return list(targets.values())


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """A table without geometry (x/y of points kept as ``x_m``/``y_m`` in EPSG:31370)."""
    if isinstance(frame, gpd.GeoDataFrame):
        geometry = frame.geometry
        out = pd.DataFrame(frame.drop(columns=frame.geometry.name))
        if len(geometry) and (geometry.geom_type == "Point").all():
            out["x_m"], out["y_m"] = geometry.x.to_numpy(), geometry.y.to_numpy()
        frame = out
    return frame.astype({c: object for c in frame.columns if frame[c].dtype == "str"}) if len(frame.columns) else frame


def _for_file(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns GDAL can store (lists/dicts to text, booleans kept)."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object and out[column].map(lambda v: isinstance(v, (list, dict, tuple))).any():
            out[column] = out[column].map(lambda v: str(v) if v is not None else None)
    return out
