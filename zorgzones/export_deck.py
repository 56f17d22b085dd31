"""The plenary pack as a 16:9 PowerPoint deck.

Title, overview map, key-figure tables, one slide per zone and sources, made from the same
:class:`~zorgzones.export_pack.PackData` as the PDF pack.
"""

from __future__ import annotations

import io
from pathlib import Path

from zorgzones import printmap as pm
from zorgzones.export import check_export
from zorgzones.export_pack import (OVERVIEW_COLUMNS, REGION_NAMES, SHORT, WORDS, PackData, has_indicator, key_figure_table,
                                   plan_title, with_progress, zone_map)
from zorgzones.indicators import DEMO_LABEL, INDICATORS, indicator_values, source_list


def figure_png(fig, *, dpi: int = 150) -> bytes:
    """A matplotlib figure as PNG bytes, in the print maps' style."""
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
    slide.shapes.title.text = plan_title(data)
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
                        + [INDICATORS[k].format(float(indicator_values(zone, k).iloc[0]), lang) if has_indicator(zone, k) else "-"
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

    for zone_id in with_progress(list(data.zones.index), progress):
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
