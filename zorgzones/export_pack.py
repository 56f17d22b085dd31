"""The plenary pack as a PDF: overview, key-figure pages, one page per zone.

Its content is :mod:`zorgzones.pack_content`; the PowerPoint deck is :mod:`zorgzones.export_deck`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import shapely

from zorgzones import printmap as pm
from zorgzones.export import check_export
from zorgzones.i18n import format_number, t
from zorgzones.indicators import INDICATORS
from zorgzones import pack_typology
from zorgzones.pack_content import (CLASS_MODES, TABLE_FONT_PT, PackData, key_figure_header, key_figure_table,
                                    overview_rows, pack_data, plan_title, region_name, services_line, table_chunks,
                                    table_inline, zone_classes, zone_numbers)
from zorgzones.pack_trends import draw_trend

#: Box of the population trend chart on a zone page (figure fractions x0, y0, width, height): right column, above the
#: footer; the unit list above it is cut to the room left ("and N more").
TREND_RECT = (0.61, 0.09, 0.37, 0.195)


def legend_handles(data: PackData, *, bins=None, values=None, services: bool = False, zone: bool = False) -> list:
    """Legend entries: the classes of ``bins`` (default the pack's), zone boundaries, and on zone maps the greyed units
    of other zones and the service symbols."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    ind = INDICATORS[data.indicator]
    bins = data.bins if bins is None else bins
    values = data.units["_value"] if values is None else values
    low = float(np.nanmin(values)) if len(bins) and np.isfinite(values).any() else 0.0
    colours = pm.class_colours(len(bins), ind.cmap)
    handles = [Patch(facecolor=c, edgecolor="#888888", linewidth=0.3, label=lab)
               for c, lab in zip(colours, pm.class_labels(bins, low, ind, data.lang))]
    if np.isnan(np.asarray(values, dtype=float)).any():
        handles.append(Patch(facecolor=pm.NO_DATA_COLOUR, edgecolor="#888888", linewidth=0.3, label=t("no_data", data.lang)))
    handles.append(Line2D([], [], color=pm.ZONE_EDGE, linewidth=1.4, label=t("zone_boundary", data.lang)))
    if zone:
        handles.append(Patch(facecolor="#f0f0f0", edgecolor="#bdbdbd", linewidth=0.3, label=t("other_zones", data.lang)))
    if services and data.services is not None and len(data.services):
        kinds = sorted(set(data.services["service_type"].astype(str))) if "service_type" in data.services else ["other"]
        handles += [pm.service_handle(kind, None, data.lang) for kind in kinds]
    return handles


def _draw_text_table(fig, rows: list[list[str]], *, x: list[float], top: float, row_h: float, fontsize: float,
                     header: bool = True, right_align_from: int = 1, bold_rows: int = 0) -> float:
    """Rows of text at figure fractions ``x`` (columns) from ``top`` down; zebra stripes; a row is as high as its
    most wrapped cell; the last ``bold_rows`` rows (totals) in bold; returns the bottom y."""
    from matplotlib.patches import Rectangle

    y = top
    for i, row in enumerate(rows):
        head = header and i == 0
        total = bold_rows and i >= len(rows) - bold_rows
        h = row_h * (max(str(c).count("\n") for c in row) * 0.85 + 1)
        if head or total or i % 2 == 0:
            colour = "#2b3a55" if head else ("#d9dfeb" if total else "#eef1f6")
            fig.add_artist(Rectangle((x[0] - 0.004, y - h), x[-1] - x[0] + 0.008, h, transform=fig.transFigure,
                                     facecolor=colour, edgecolor="none"))
        for j, text in enumerate(row):
            right = j >= right_align_from
            fig.text(x[j + 1] - 0.004 if right else x[j], y - h / 2, text, fontsize=fontsize, va="center",
                     ha="right" if right else "left", multialignment="right" if right else "left",
                     color="white" if head else "#111111", fontweight="bold" if head or total else "normal", linespacing=1.05)
        y -= h
    return y


def _scenario_badge(fig, data: PackData, *, x: float = 0.975, y: float = 0.945) -> None:
    """A red "scenario - not an official plan" label on every page of a generated or uploaded plan."""
    if not data.official:
        fig.text(x, y, t("pack_scenario", data.lang), fontsize=8.5, fontweight="bold", color="white", ha="right", va="top",
                 bbox={"boxstyle": "round,pad=0.3", "facecolor": "#b03a2e", "edgecolor": "none"})


def _page_header(fig, data: PackData, title: str, subtitle: str, *, page: str | None) -> None:
    fig.text(0.02, 0.965, title, fontsize=17, fontweight="bold", va="top")
    size = 10.0 if data.year is None else max(7.5, min(10.0, 0.94 * fig.get_size_inches()[0] * 72 / (0.56 * len(subtitle))))
    fig.text(0.02, 0.918, subtitle, fontsize=size, color="#555555", va="top")  # a long subtitle with a year: smaller, one line
    _scenario_badge(fig, data, y=0.945 if page else 0.975)


def overview_box(data: PackData) -> tuple[float, float, float, float]:
    """Extent of the overview map: every zone, or the chosen zones and their neighbours."""
    if data.chosen is None:
        return tuple(data.units.total_bounds)
    chosen = data.zones.loc[data.zone_ids]
    near = data.zones.iloc[data.zones.sindex.query(chosen.geometry.buffer(200).union_all(), predicate="intersects")]
    return tuple(near.total_bounds)


def overview_map(ax, data: PackData, *, fontsize: float = 7.5, fit_box: bool = True, colours=None) -> list[bool]:
    """Overview map: units by class (or filled with ``colours``, one per unit), zone outlines, zone numbers (or names
    when few) placed without overlap; with chosen zones, only they are numbered and the map is zoomed to them and their
    neighbours."""
    ind = INDICATORS[data.indicator]
    box = overview_box(data)
    if colours is None:
        pm.draw_choropleth(ax, data.units, data.units["_value"], bins=data.bins, cmap=ind.cmap, linewidth=0.1)
    else:
        data.units.plot(ax=ax, color=list(colours), edgecolor="white", linewidth=0.1)
    pm.draw_zones(ax, data.zones, labels="none", linewidth=0.8)
    if data.chosen is not None:
        pm.draw_zones(ax, data.zones.loc[data.zone_ids], labels="none", linewidth=1.8)
    frame = data.units.iloc[data.units.sindex.query(shapely.box(*box))] if data.chosen is not None else data.units
    pm.frame_map(ax, frame, fit_box=fit_box, valign="top")
    pm.add_scalebar(ax, fontsize=7)
    pm.add_north_arrow(ax, size=0.06)
    if data.bundle.is_demo:
        pm.add_demo_badge(ax, data.lang)
    numbers = zone_numbers(data)
    shown = data.zones.loc[list(numbers)]
    style = "number" if len(shown) > 12 else "name"
    labelled = shown.assign(zone_name=[pm.wrap(str(n), 16) for n in shown["zone_name"]])
    if style == "number":
        labelled = labelled.assign(zone_name=[str(numbers[z]) for z in labelled.index])
    return pm.label_zones(ax, labelled, labels="name", fontsize=fontsize)


def overview_figure(data: PackData, *, page: str | None = None):
    """First pack page: the zones on one map (numbered) with a legend, and the key-figure table beside it when it fits
    at the table font size (else the map takes the page and the table follows on :func:`table_figure` pages)."""
    from matplotlib.figure import Figure

    lang = data.lang
    fig = Figure(figsize=pm.paper_inches("A4", "landscape"))
    inline = table_inline(data)
    ax = fig.add_axes([0.02, 0.17, 0.40, 0.70] if inline else [0.02, 0.17, 0.96, 0.70])
    ind = INDICATORS[data.indicator]
    overview_map(ax, data, fontsize=7.5 if inline else 8.5)
    legend_title = pm.wrap(ind.title(lang), 60) + (("\n" + pm.wrap(data.year_label, 90)) if data.year_label else "")
    ax.legend(handles=legend_handles(data), title=legend_title, loc="upper left", bbox_to_anchor=(0.0, -0.01),
              frameon=False, fontsize=8, title_fontsize=8.5, ncol=4, alignment="left")
    pop = data.metrics.loc[data.zone_ids, "pop_total"].sum()
    subtitle = t("colon", lang, label=t("overview", lang), text="") + t("overview_line", lang, n=len(data.zone_ids), pop=format_number(pop, 0, lang),
                                               indicator=ind.label(lang))
    if data.chosen is not None:
        subtitle += " - " + t("chosen_zones", lang)
    subtitle += data.year_subtitle()
    _page_header(fig, data, plan_title(data), subtitle, page=page)
    if inline:
        header, rows, totals = overview_rows(data)
        fig.text(TABLE_X_INLINE[0], 0.875, t("key_figures_table", lang), fontsize=10, fontweight="bold", va="top")
        _draw_text_table(fig, [header] + rows + totals, x=TABLE_X_INLINE, top=0.835, row_h=0.028, fontsize=TABLE_FONT_PT,
                         right_align_from=2, bold_rows=len(totals))
    pm.add_footer(fig, data.credits, date=data.date, lang=lang, width_chars=230, page=page)
    fig.set_label(plan_title(data))
    return fig


#: Column edges (figure fractions) of the overview table beside the map and on a page of its own.
TABLE_X_INLINE = [0.44, 0.465, 0.63, 0.70, 0.75, 0.80, 0.865, 0.93, 0.985]
TABLE_X_PAGE = [0.03, 0.07, 0.40, 0.50, 0.58, 0.66, 0.75, 0.86, 0.97]


def table_figure(data: PackData, chunk: list[list[str]], first: int, *, page: str | None = None):
    """A page of the key-figure table: zone rows ``chunk`` (numbered from ``first``) and the regional totals."""
    from matplotlib.figure import Figure

    lang = data.lang
    fig = Figure(figsize=pm.paper_inches("A4", "landscape"))
    header, rows, totals = overview_rows(data)
    n = len(rows)
    _page_header(fig, data, plan_title(data), t("key_figures_part", lang, first=first, last=first + len(chunk) - 1, n=n)
                 + data.year_subtitle(), page=page)
    _draw_text_table(fig, [header] + chunk + totals, x=TABLE_X_PAGE, top=0.87, row_h=0.0228, fontsize=TABLE_FONT_PT + 0.5,
                     right_align_from=2, bold_rows=len(totals))
    pm.add_footer(fig, data.credits, date=data.date, lang=lang, width_chars=230, page=page)
    fig.set_label(t("key_figures_table", lang))
    return fig


def zone_map(ax, data: PackData, zone_id, *, unit_labels: bool = True, fit_box: bool = False) -> list:
    """One zone: its units by class, neighbouring units greyed, zone outline, services nearby, unit names that do
    not overlap; returns the legend handles of everything drawn."""
    ind = INDICATORS[data.indicator]
    zone = data.zones.loc[[zone_id]]
    minx, miny, maxx, maxy = zone.total_bounds
    pad = max(maxx - minx, maxy - miny) * 0.06 + 500
    box = pm.fit_bounds(ax, (minx - pad, miny - pad, maxx + pad, maxy + pad))
    near = data.units.iloc[data.units.sindex.query(shapely.box(*box))]
    inside = near[near["zone_id"] == zone_id]
    bins, values = zone_classes(data, zone_id)
    near[near["zone_id"] != zone_id].plot(ax=ax, color="#f0f0f0", edgecolor="#bdbdbd", linewidth=0.3)
    pm.draw_choropleth(ax, inside, inside["_value"], bins=bins, cmap=ind.cmap, edgecolor="white", linewidth=0.5)
    others = data.zones.iloc[data.zones.sindex.query(shapely.box(*box))]
    others.boundary.plot(ax=ax, color="#9e9e9e", linewidth=0.6)
    pm.draw_zones(ax, zone, labels="none", linewidth=1.6)
    with_services = data.services is not None and len(data.services) > 0
    if with_services:
        near_services = data.services.iloc[data.services.sindex.query(shapely.box(*box))]
        pm.draw_services(ax, near_services, lang=data.lang, scale=2.0)
    pm.frame_map(ax, zone, bounds=box, margin=0.0, fit_box=fit_box)
    pm.add_scalebar(ax, fontsize=6)
    pm.add_north_arrow(ax, size=0.06)
    if data.bundle.is_demo:
        pm.add_demo_badge(ax, data.lang)
    if unit_labels and len(inside) <= 60:
        points = shapely.point_on_surface(inside.geometry.to_numpy())
        pm.place_labels(ax, shapely.get_x(points), shapely.get_y(points), [pm.wrap(str(n), 14) for n in inside["name"]],
                        priority=inside["pop_total"].to_numpy(dtype=float) if "pop_total" in inside else inside.geometry.area.to_numpy(),
                        fontsize=6.5 if len(inside) <= 12 else 5.5, min_fontsize=5.0, halo=1.8, color="#222222")
    return legend_handles(data, bins=bins, values=values, services=with_services, zone=True)


def zone_figure(data: PackData, zone_id, *, page: str | None = None):
    """A pack page for one zone: map with a legend of every symbol, key figures next to the comparison area, its
    units (names wrapped, never cut) and services."""
    from matplotlib.figure import Figure

    lang = data.lang
    fig = Figure(figsize=pm.paper_inches("A4", "landscape"))
    ax = fig.add_axes([0.02, 0.215, 0.56, 0.675])
    handles = zone_map(ax, data, zone_id)
    metrics = data.metrics.loc[zone_id]
    name = str(metrics["zone_name"])
    unit_word = t(f"level_{data.level}", lang).lower()
    subtitle = t("zone_line", lang, zone=zone_id, n=int(metrics["n_units"]), units=unit_word,
                 pop=format_number(metrics["pop_total"], 0, lang)) + data.year_subtitle() + " - " + plan_title(data)
    _page_header(fig, data, pm.wrap(name, 70), subtitle, page=page)
    head = key_figure_header(data, zone_id)
    if len(head) == 3:  # zone and region
        rows = [[head[0], pm.wrap(head[1], 14), pm.wrap(head[2], 11)]]
        rows += [[pm.wrap(label, 40), *values] for label, *values in key_figure_table(data, zone_id)]
        x = [0.61, 0.795, 0.885, 0.98]
    else:  # zone, arrondissement, province and region: narrower columns, a smaller font
        rows = [[head[0]] + [pm.wrap(h, 9) for h in head[1:]]]
        rows += [[pm.wrap(label, 30), *values] for label, *values in key_figure_table(data, zone_id)]
        x = [0.61, 0.756, 0.814, 0.866, 0.918, 0.982]
    trend = data.zone_trend(zone_id)
    wide = len(x) > 4  # the arrondissement and province beside the zone: a smaller font, lower rows
    bottom = _draw_text_table(fig, rows, x=x, top=0.885, row_h=(0.032 if trend is None else 0.027) * (0.82 if wide else 1),
                              fontsize=TABLE_FONT_PT - 1.5 if wide else TABLE_FONT_PT, right_align_from=1)
    if data.is_region(zone_id):
        bottom -= 0.005
        fig.text(0.61, bottom, pm.wrap(t("region_is_zone", lang, region=region_name(str(metrics["regions"]), lang),
                                        other=region_name("all", lang)), 80), fontsize=7, style="italic", va="top", color="#444444")
        bottom -= 0.03
    if data.year_label:  # the year and kind of every figure on the page, with its source
        text = pm.wrap(data.year_label, 80)
        fig.text(0.61, bottom - 0.005, text, fontsize=7, style="italic", va="top", color="#444444")
        bottom -= 0.01 + 0.016 * (text.count("\n") + 1)
    services = services_line(data, zone_id)
    column_lines = None
    if trend is not None:  # the unit list gets the room between the table and the services above the chart
        for shown, lines in ((4, 4), (2, 3), (0, 0)):  # fewer hospital names where units need the room
            services = services_line(data, zone_id, hospitals_shown=shown)
            services_h = 0.0165 * (services.count("\n") + 1) if services else 0.0
            room = (bottom - 0.015 - 0.03) - (TREND_RECT[1] + TREND_RECT[3] + 0.025 + services_h)
            if room >= lines * 0.0205:
                break
        column_lines = max(1, int(room / 0.0205))
    bottom = _unit_list(fig, data, zone_id, top=bottom - 0.015, column_lines=column_lines)
    fig.text(0.61, bottom - 0.01, services, fontsize=7, va="top", color="#222222", linespacing=1.3)
    if trend is not None:
        draw_trend(fig, trend, rect=TREND_RECT, lang=lang, synthetic=data.bundle.is_demo, year=data.year)
    ind = INDICATORS[data.indicator]
    title = pm.wrap(ind.title(lang), 60) + "\n" + t("classes_zone" if data.classes == "zone" else "classes_regional", lang)
    fig.legend(handles=handles, title=title, loc="upper left", bbox_to_anchor=(0.02, 0.205), frameon=False, fontsize=7,
               title_fontsize=7.5, ncol=4, alignment="left")
    pm.add_footer(fig, data.credits, date=data.date, lang=lang, width_chars=230, page=page)
    fig.set_label(name)
    return fig


def _unit_list(fig, data: PackData, zone_id, *, top: float, max_lines: int = 28, column_lines: int | None = None) -> float:
    """The zone's units by population in two columns, long names wrapped onto a second line; returns the bottom y.
    ``column_lines``: at most that many lines a column (two columns as soon as one is full)."""
    lang = data.lang
    if column_lines is not None:
        max_lines = 3 * column_lines
    members = data.units[data.units["zone_id"] == zone_id].sort_values("pop_total", ascending=False)
    fig.text(0.61, top, t("units_in_zone", lang, n=len(members)), fontsize=8.5, fontweight="bold", va="top")
    wrap_at, n_columns = (26, 2) if column_lines is None else (19, 3)  # beside a trend chart: three narrower columns
    entries = [pm.wrap(str(n), wrap_at).replace("\n", "\n   ") + f"  {format_number(p, 0, lang)}"
               for n, p in zip(members["name"], members["pop_total"])]
    lines, kept = 0, []
    for i, entry in enumerate(entries):
        need = entry.count("\n") + 1
        if lines + need > max_lines - (1 if i < len(entries) - 1 else 0):
            kept.append(t("and_more", lang, n=len(entries) - i))
            break
        kept.append(entry)
        lines += need
    half_lines = (lines + 1) // 2 if lines > 10 else lines
    columns, count = [[] for _ in range(n_columns)], 0
    if column_lines is not None:
        columns = _fill_columns(entries, n_columns, column_lines, lang)
        kept = []
    for entry in kept:
        columns[min(count // max(half_lines, 1), n_columns - 1)].append(entry)
        count += entry.count("\n") + 1
    fontsize, step = 6.8, 0.0205
    for col, chunk in enumerate(columns):
        if chunk:
            fig.text(0.61 + col * (0.19 if n_columns == 2 else 0.125), top - 0.03, "\n".join(chunk), fontsize=fontsize,
                     va="top", linespacing=1.3, color="#222222")
    used = max(sum(e.count("\n") + 1 for e in c) for c in columns)
    return top - 0.03 - used * step


def _fill_columns(entries: list[str], n_columns: int, column_lines: int, lang: str) -> list[list[str]]:
    """Entries in columns of at most ``column_lines`` lines, in order; what does not fit is "and N more"."""
    columns, used, col = [[] for _ in range(n_columns)], [0] * n_columns, 0
    for i, entry in enumerate(entries):
        need = entry.count("\n") + 1
        while col < n_columns and used[col] + need > column_lines:
            col += 1
        if col == n_columns:  # full: the last place says how many are left out
            last = max(c for c in range(n_columns) if columns[c]) if any(columns) else 0
            left = len(entries) - i
            if columns[last] and used[last] >= column_lines:
                dropped = columns[last].pop()
                left += 1
                used[last] -= dropped.count("\n") + 1
            columns[last].append(t("and_more", lang, n=left))
            break
        columns[col].append(entry)
        used[col] += need
    return columns


def pages(data: PackData) -> list[tuple[str, object]]:
    """The pages of the pack in order: ``("overview", None)``, ``("table", (chunk, first))`` ..., ``("zone", id)`` ..."""
    out = [("overview", None)]
    if not table_inline(data):
        first = 1
        for chunk in table_chunks(data):
            out.append(("table", (chunk, first)))
            first += len(chunk)
    out += [(kind, None) for kind in pack_typology.page_kinds(data)]  # clustering pages (--with)
    out += [("zone", z) for z in data.zone_ids]
    return out


def page_figure(data: PackData, kind: str, item, *, page: str | None = None):
    if kind == "overview":
        return overview_figure(data, page=page)
    if kind == "table":
        return table_figure(data, item[0], item[1], page=page)
    if kind in pack_typology.PAGE_KINDS:
        return pack_typology.page_figure(data, kind, page=page, header=_page_header, overview=overview_map)
    return zone_figure(data, item, page=page)


def write_pack_pdf(path, data: PackData, *, progress: bool = False) -> Path:
    """The plenary pack as one PDF: overview page, key-figure pages when the table is long, one page per zone; atomic."""
    import matplotlib
    from matplotlib.backends.backend_pdf import PdfPages

    path = check_export(path, {".pdf": "pdf"}, subject="plenary pack")
    order = pages(data)
    total = len(order)

    def write(tmp: Path) -> None:
        meta = {"Title": plan_title(data), "Author": "zorgzones", "Subject": data.credits, "Creator": "zorgzones"}
        with matplotlib.rc_context(pm.RC), PdfPages(tmp, metadata=meta) as pdf:
            for number, (kind, item) in enumerate(with_progress(order, progress), start=1):
                label = t("page_of", data.lang, page=number, pages=total)
                pdf.savefig(page_figure(data, kind, item, page=label))

    return pm.atomic_write(path, write)


def with_progress(items, enabled: bool):
    """``items`` with a tqdm progress bar of pages when ``enabled``."""
    if not enabled:
        return items
    from tqdm import tqdm

    return tqdm(items, desc="pages", unit="page")


__all__ = ["CLASS_MODES", "PackData", "key_figure_table", "overview_figure", "pack_data", "services_line", "table_figure",
           "write_pack_pdf", "zone_figure", "zone_map"]
