"""Population trend charts of the plenary pack: one small index chart per zone."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

from zorgzones.i18n import format_number, t
from zorgzones.population import population_series
from zorgzones.settings import LEVELS, PACK_TREND_LAST_YEAR, POPULATION_BASE_YEAR
from zorgzones.year_labels import kind_text, trend_years

#: Lines of the chart: series column, label key, colour.
TREND_LINES = (("pop_total", "trend_pop_total", "#2b3a55"), ("pop_65plus", "65+", "#e08214"), ("pop_80plus", "80+", "#b2182b"))


def zone_trends(bundle, plan, *, zones=None, last_year: int = PACK_TREND_LAST_YEAR) -> pd.DataFrame | None:
    """Population, 65+ and 80+ of every zone of ``plan`` (or of ``zones``) from the first year to ``last_year``,
    computed once for the whole pack (``population.population_series``); None for a bundle without population by
    year or a plan that mixes levels, whose pages then have no chart."""
    years = trend_years(bundle, last_year)
    if not years or plan.level not in LEVELS:
        return None
    return population_series(bundle, plan=plan, ids=zones, years=years)


def draw_trend(fig, rows: pd.DataFrame, *, rect: tuple[float, float, float, float], lang: str = "nl",
               synthetic: bool = False, year: int | None = None, fontsize: float = 6.3) -> None:
    """One zone's population, 65+ and 80+ as index lines (base year = 100) inside ``rect`` (figure fractions x0, y0,
    width, height): observed years solid, projected dashed, the first and last figures in the legend, the sources of
    both kinds (or the synthetic-data label) under it and a dotted line at the maps' ``year``. Nothing is drawn outside
    ``rect``."""
    rows = rows.sort_values("year")
    years = rows["year"].to_numpy(dtype=int)
    if len(years) < 2:
        return
    x0, y0, width, height = rect
    fig_w, fig_h = fig.get_size_inches()
    line_h = fontsize * 1.45 / 72 / fig_h  # one text line, as a figure fraction
    base = POPULATION_BASE_YEAR if POPULATION_BASE_YEAR in set(years) else int(years[0])
    title = t("trend_pack_title", lang, first=int(years[0]), last=int(years[-1]), base=base)
    if not synthetic and bool(rows["population_estimated"].astype(bool).any()):
        title += " - " + t("year_estimated_below", lang)
    title = "\n".join(textwrap.wrap(title, int(width * fig_w * 72 / ((fontsize + 1.6) * 0.62)), break_long_words=False))
    fig.text(x0, y0 + height, title, fontsize=fontsize + 1.6, fontweight="bold", va="top", color="#111111", linespacing=1.1)
    left = 0.36 / fig_w
    observed = (rows["population_kind"] == "observed").to_numpy()
    last_observed = np.flatnonzero(observed)[-1:] if observed.any() else np.array([], dtype=int)
    projected = np.union1d(last_observed, np.flatnonzero(~observed))  # the dashed part starts where the solid one ends
    lines, handles = [], []
    for column, key, colour in TREND_LINES:
        values = rows[column].to_numpy(dtype=float)
        reference = values[years == base][0] if (years == base).any() else np.nan
        lines.append((100 * values / reference if reference else np.full(len(values), np.nan), colour, column))
        label = t("trend_pack_line", lang, what=t(key, lang) if key.startswith("trend") else key,
                  first=format_number(values[0], 0, lang), last=format_number(values[-1], 0, lang))
        handles.append(Line2D([], [], color=colour, linewidth=1.5, label=label))
    kinds = [Line2D([], [], color="#555555", linewidth=1.2, linestyle=style, label=kind_text(kind, lang, synthetic=synthetic))
             for style, kind in (("-", "observed"), ((0, (3.5, 2)), "projection"))]
    columns = [len(h) if _fits(h, width * fig_w, fontsize) else 1 for h in (handles, kinds)]  # one row, else one a row
    legend_rows = [-(-len(h) // c) for h, c in zip((handles, kinds), columns)]
    row_h = fontsize * 1.3 / 72 / fig_h  # a legend row
    bottom = y0 + sum(legend_rows) * row_h + 1.5 * line_h  # the legends, then the year tick labels
    top = y0 + height - (1.9 + 1.2 * title.count("\n")) * line_h
    ax = fig.add_axes([x0 + left, bottom, width - left - 0.16 / fig_w, max(top - bottom, 0.02)])  # room for "2040"
    for index, colour, column in lines:
        ax.plot(years[observed], index[observed], color=colour, linewidth=1.3, linestyle="-", gid=f"{column}_observed")
        ax.plot(years[projected], index[projected], color=colour, linewidth=1.3, linestyle=(0, (3.5, 2)), gid=f"{column}_projection")
    ax.axhline(100, color="#9e9e9e", linewidth=0.6, zorder=0)
    if year is not None and years[0] <= year <= years[-1]:  # the year of the maps and figures, named at the top
        ax.axvline(year, color="#555555", linewidth=0.8, linestyle=":")
        ax.text(year, 1.0, f" {year}", transform=ax.get_xaxis_transform(), fontsize=fontsize, color="#333333", ha="left", va="top")
    ax.set_xlim(years[0], years[-1])
    ax.tick_params(labelsize=fontsize, length=2, pad=1.5)
    ax.grid(alpha=0.25, linewidth=0.4)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.yaxis.set_major_formatter(lambda v, _: format_number(v, 0, lang))
    common = {"frameon": False, "fontsize": fontsize, "handlelength": 2.2, "columnspacing": 1.2, "borderpad": 0.0,
              "borderaxespad": 0.0, "handletextpad": 0.5, "loc": "lower left", "labelspacing": 0.3}
    fig.legend(handles=handles, ncol=columns[0], bbox_to_anchor=(x0, y0 + legend_rows[1] * row_h), **common)
    fig.legend(handles=kinds, ncol=columns[1], bbox_to_anchor=(x0, y0), **common)


def _fits(handles: list, width_in: float, fontsize: float) -> bool:
    """Whether legend entries fit side by side on one row ``width_in`` inches wide (about 0.55 em a character)."""
    chars = sum(len(h.get_label()) for h in handles)
    return (chars * 0.55 + len(handles) * 4.2) * fontsize / 72 <= width_in
