"""Trend charts of population series: observed solid, projected dashed."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from zorgzones.i18n import t
from zorgzones.population import population_kind_label

#: Series columns a chart can show, with their label key.
TREND_COLUMNS = {
    "pop_total": "trend_pop_total", "pop_65plus": "trend_pop_65plus", "pop_80plus": "trend_pop_80plus",
    "pop_85plus": "trend_pop_85plus", "share_65plus": "trend_share_65plus", "share_80plus": "trend_share_80plus",
    "informal_care_ratio": "trend_informal_care_ratio", "growth_vs_base_pct": "trend_growth",
}


def trend_figure(series: pd.DataFrame, *, lang: str = "nl", column: str = "pop_total", title: str | None = None,
                 max_lines: int = 12) -> Figure:
    """One line per id of a ``population.population_series`` frame: observed years solid, projected years dashed.

    The dashed part starts at the last observed year so each line is unbroken; a note names the sources.
    """
    if column not in TREND_COLUMNS:
        raise ValueError(f"unknown column {column!r}; choose one of {', '.join(TREND_COLUMNS)}")
    fig = Figure(figsize=(8, 4.5), layout="constrained")
    ax = fig.add_subplot()
    ids = list(dict.fromkeys(series["id"]))[:max_lines]
    colours = [f"C{i % 10}" for i in range(len(ids))]
    for colour, unit in zip(colours, ids):
        rows = series[series["id"] == unit].sort_values("year")
        observed = rows[rows["population_kind"] == "observed"]
        projected = rows[rows["population_kind"] == "projection"]
        if len(observed) and len(projected):
            projected = pd.concat([observed.tail(1), projected])
        name = str(rows["name"].iloc[0]) if "name" in rows else str(unit)
        ax.plot(observed["year"], observed[column], color=colour, linestyle="-", label=name)
        ax.plot(projected["year"], projected[column], color=colour, linestyle="--",
                label=None if len(observed) else name)
    ax.set_xlabel(t("trend_year", lang))
    ax.set_ylabel(t(TREND_COLUMNS[column], lang))
    if title:
        ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:,.0f}".replace(",", "." if lang != "en" else ","))
    synthetic = bool(series.attrs.get("synthetic"))
    labels = ([population_kind_label(k, synthetic=True) for k in ("observed", "projection")] if synthetic
              else [t("trend_observed", lang), t("trend_projected", lang)])
    kinds = [Line2D([], [], color="0.3", linestyle=style, label=label) for style, label in zip(("-", "--"), labels)]
    first = ax.legend(handles=kinds, loc="upper left", fontsize=8)
    ax.add_artist(first)
    ax.legend(loc="lower right", fontsize=8)
    if not synthetic:
        note = "; ".join(population_kind_label(k) for k in ("observed", "projection"))
        fig.text(0.01, 0.005, note, fontsize=7, color="0.35", ha="left", va="bottom")
    return fig
