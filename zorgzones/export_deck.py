"""The plenary pack as a 16:9 PowerPoint deck.

Title, overview map, key-figure tables, one slide per zone and sources, made from the same
:class:`~zorgzones.export_pack.PackData` as the PDF pack.
"""

from __future__ import annotations

import io
from pathlib import Path

from zorgzones import pack_typology, printmap as pm
from zorgzones.export import check_export
from zorgzones.export_pack import legend_handles, overview_map, with_progress, zone_map
from zorgzones.pack_content import (PackData, key_figure_header, key_figure_table, overview_rows, plan_title, region_name,
                                    services_line)
from zorgzones.pack_trends import draw_trend
from zorgzones.i18n import t
from zorgzones.indicators import INDICATORS, demo_label, source_list

#: Zone rows per table slide (the regional totals follow on every slide).
ROWS_PER_SLIDE = 15


def figure_png(fig, *, dpi: int = 150) -> bytes:
    """A matplotlib figure as PNG bytes, in the print maps' style."""
    import matplotlib

    buffer = io.BytesIO()
    with matplotlib.rc_context(pm.RC):
        fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def _lines(text: str, width_in: float, font_pt: float) -> int:
    """Lines a text takes in a box ``width_in`` wide (about 0.6 em a character with word wrapping, its own line
    breaks kept)."""
    per_line = max(1, int((width_in - 0.2) * 72 / (0.6 * font_pt)))
    return sum(max(1, -(-len(part) // per_line)) for part in str(text).split("\n"))


def table_height_in(rows: list, widths_in: list[float], *, font_pt: float) -> float:
    """Height in inches of a deck table as PowerPoint draws it: every row at least 0.3 in, wrapped cells taller."""
    return sum(max(0.3, 0.1 + 1.2 * font_pt / 72 * max(_lines(c, w, font_pt) for c, w in zip(row, widths_in))) for row in rows)


def notes_height_in(text: str, width_in: float, *, font_pt: float) -> float:
    return 0.1 + 1.2 * font_pt / 72 * _lines(text, width_in, font_pt)


def write_pack_pptx(path, data: PackData, *, progress: bool = False, dpi: int = 130) -> Path:
    """The plenary pack as a 16:9 PowerPoint deck: title, overview, key-figure tables (with totals per region), one
    slide per zone (map with legend, key figures, services), sources; a scenario is labelled on every slide."""
    from matplotlib.figure import Figure
    from pptx import Presentation
    from pptx.dml.color import RGBColor
    from pptx.util import Inches, Pt

    path = check_export(path, {".pptx": "pptx"}, subject="plenary deck")
    lang = data.lang
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
                run.font.size = Pt(8)
        if not data.official:
            badge = slide.shapes.add_textbox(Inches(9.6), Inches(0.05), Inches(3.6), Inches(0.35))
            badge.text_frame.text = t("pack_scenario", lang)
            badge.fill.solid()
            badge.fill.fore_color.rgb = RGBColor(0xB0, 0x3A, 0x2E)
            for run in badge.text_frame.paragraphs[0].runs:
                run.font.size, run.font.bold = Pt(11), True
                run.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)

    def add_table(slide, rows, left, top, width, col_widths, font=11, bold_last=0):
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
                        run.font.bold = i == 0 or (bold_last and i >= len(rows) - bold_last)
        return table

    slide = deck.slides.add_slide(deck.slide_layouts[0])
    slide.shapes.title.text = plan_title(data)
    slide.placeholders[1].text = (f"{len(data.zone_ids)} zones - {data.date.isoformat()}"
                                  + ("" if data.official else f"\n{t('pack_scenario', lang)}")
                                  + (f"\n{demo_label(lang)}" if data.bundle.is_demo else "")
                                  + (f"\n{data.year_label}" if data.year_label else ""))
    number = 1
    add_footer(slide, number)

    ind = INDICATORS[data.indicator]
    fig = Figure(figsize=(12.4, 5.5))
    ax = fig.add_axes([0.0, 0.0, 0.74, 1.0])
    overview_map(ax, data, fontsize=8)
    legend_title = pm.wrap(ind.title(lang), 36) + (("\n" + pm.wrap(data.year_label, 36)) if data.year_label else "")
    fig.legend(handles=legend_handles(data), title=legend_title, loc="upper left", bbox_to_anchor=(0.75, 0.98),
               frameon=False, fontsize=10, title_fontsize=10.5, alignment="left")
    slide = deck.slides.add_slide(title_only)
    slide.shapes.title.text = t("colon", lang, label=t("overview", lang), text=ind.title(lang))
    slide.shapes.add_picture(io.BytesIO(figure_png(fig, dpi=dpi)), Inches(0.4), Inches(1.3), height=Inches(5.5))
    number += 1
    add_footer(slide, number)

    header, all_rows, totals = overview_rows(data)
    header = [h.replace("\n", " ") for h in header]
    for start in range(0, len(all_rows), ROWS_PER_SLIDE):
        slide = deck.slides.add_slide(title_only)
        slide.shapes.title.text = t("key_figures_part", lang, first=start + 1, last=min(start + ROWS_PER_SLIDE, len(all_rows)),
                                    n=len(all_rows)) + data.year_subtitle()
        widths = [Inches(0.6), Inches(3.7)] + [Inches(1.37)] * (len(header) - 2)
        rows = [[c.replace("\n", " ") for c in r] for r in all_rows[start:start + ROWS_PER_SLIDE] + totals]
        add_table(slide, [header] + rows, Inches(0.4), Inches(1.3), Inches(12.5), widths, font=11, bold_last=len(totals))
        number += 1
        add_footer(slide, number)

    for kind in pack_typology.page_kinds(data):  # clustering slides (--with), as the PDF's pages
        slide = deck.slides.add_slide(title_only)
        slide.shapes.title.text = pack_typology.page_title(data, kind)
        title = slide.shapes.title  # one line across the slide: the layout's 44 pt box wraps it into the picture
        title.left, title.top, title.width, title.height = Inches(0.4), Inches(0.3), Inches(12.5), Inches(0.9)
        for run in title.text_frame.paragraphs[0].runs:
            run.font.size = Pt(28)
        picture = figure_png(pack_typology.slide_figure(data, kind, overview=overview_map), dpi=dpi)
        slide.shapes.add_picture(io.BytesIO(picture), Inches(2.7), Inches(1.3), height=Inches(5.6))
        number += 1
        add_footer(slide, number)

    for zone_id in with_progress(data.zone_ids, progress):
        fig = Figure(figsize=(6.6, 5.5))
        trend = data.zone_trend(zone_id)
        handles = zone_map(fig.add_axes([0.0, 0.25, 1.0, 0.75] if trend is None else [0.0, 0.31, 1.0, 0.69]), data, zone_id)
        if trend is None:
            fig.legend(handles=handles, title=pm.wrap(ind.title(lang), 70), loc="upper left", bbox_to_anchor=(0.01, 0.24),
                       frameon=False, fontsize=8, title_fontsize=8.5, ncol=3, alignment="left")
        else:  # the map's legend on the left under the map, the population chart beside it
            fig.legend(handles=handles, title=pm.wrap(ind.title(lang), 40), loc="upper left", bbox_to_anchor=(0.01, 0.30),
                       frameon=False, fontsize=7, title_fontsize=7.5, ncol=2, alignment="left", columnspacing=0.8,
                       handlelength=1.4, labelspacing=0.3)
            draw_trend(fig, trend, rect=(0.43, 0.01, 0.57, 0.28), lang=lang, synthetic=data.bundle.is_demo, year=data.year,
                       fontsize=5.8)
        slide = deck.slides.add_slide(title_only)
        slide.shapes.title.text = str(data.metrics.at[zone_id, "zone_name"])
        slide.shapes.add_picture(io.BytesIO(figure_png(fig, dpi=dpi)), Inches(0.4), Inches(1.3), height=Inches(5.5))
        head = key_figure_header(data, zone_id)
        widths = [3.0, 1.3, 1.3] if len(head) == 3 else [1.5, 1.0, 1.0, 1.0, 1.1]
        font = 12 if len(head) == 3 else 9
        rows = [[head[0], t("zone", lang), *(pm.wrap(h, 9) for h in head[2:])]] + [list(r) for r in key_figure_table(data, zone_id)]
        add_table(slide, rows, Inches(7.3), Inches(1.4), Inches(5.6), [Inches(w) for w in widths], font=font)
        notes = services_line(data, zone_id)
        if data.is_region(zone_id):
            notes = t("region_is_zone", lang, region=region_name(str(data.metrics.at[zone_id, "regions"]), lang),
                      other=region_name("all", lang)) + "\n" + notes
        if data.year_label:
            notes = data.year_label + "\n" + notes
        top = 1.5 + table_height_in(rows, widths, font_pt=font)  # below the table as rendered (wrapped rows)
        size = 11 if top + notes_height_in(notes, 5.6, font_pt=11) <= 6.85 else 9
        box = slide.shapes.add_textbox(Inches(7.3), Inches(top), Inches(5.6), Inches(max(0.5, 6.85 - top)))
        box.text_frame.word_wrap = True
        box.text_frame.text = notes
        for paragraph in box.text_frame.paragraphs:
            for run in paragraph.runs:
                run.font.size = Pt(size)
        number += 1
        add_footer(slide, number)

    slide = deck.slides.add_slide(title_only)
    slide.shapes.title.text = t("sources", lang)
    box = slide.shapes.add_textbox(Inches(0.5), Inches(1.4), Inches(12.3), Inches(5.3))
    box.text_frame.word_wrap = True
    box.text_frame.text = "\n".join(source_list(data.bundle) or [footer])
    for paragraph in box.text_frame.paragraphs:
        for run in paragraph.runs:
            run.font.size = Pt(12)
    number += 1
    add_footer(slide, number)
    return pm.atomic_write(path, lambda tmp: deck.save(str(tmp)))

