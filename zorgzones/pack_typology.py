"""Pack pages of need types and hot spots (PDF pages and deck slides).

The content is :mod:`zorgzones.pack_clusters`. :mod:`zorgzones.export_pack` sits above this module and passes in its
page header and overview map (``header``, ``overview``), so every pack page shares one look."""

from __future__ import annotations

import numpy as np
import pandas as pd

from zorgzones import printmap as pm
from zorgzones.i18n import format_number, t
from zorgzones.indicators import INDICATORS, credit_line
from zorgzones.pack_clusters import HOT_CLASSES, hotspot_indicator
from zorgzones.pack_content import PackData, plan_title, zone_numbers
from zorgzones.settings import PACK_HOTSPOT_CONFIDENCE, TYPOLOGY_LOG_INDICATORS

#: Pages each extra adds, in order.
EXTRA_PAGES = {"typology": ("typology", "typology_mix"), "hotspots": ("hotspots",)}
PAGE_KINDS = tuple(kind for kinds in EXTRA_PAGES.values() for kind in kinds)
#: Colours of the hot/cold classes (strong to weak; ArcGIS Hot Spot Analysis' diverging scheme), not significant, none.
HOT_COLOURS = dict(zip(HOT_CLASSES, ("#d62f27", "#ed7551", "#fab984", "#4575b5", "#849eba", "#c0ccdf", "#f2f2f2",
                                     pm.NO_DATA_COLOUR)))
#: Areas wider than this times their height get the map across the page (the legend and tables below it).
WIDE_ASPECT = 1.6
#: Zones per column of the mix bars (more zones: two columns).
MIX_ROWS_PER_COLUMN = 32


def page_kinds(data: PackData) -> list[str]:
    """Extra page kinds of ``data`` in pack order."""
    return [kind for extra in data.extras for kind in EXTRA_PAGES[extra]]


def type_colour(cluster: int) -> str:
    """Colour of need type ``cluster`` as on the web maps (no type: the no-data grey)."""
    from zorgzones.cluster_layers import TYPE_COLOURS  # with the clustering modules (seconds to load): only when drawn

    return TYPE_COLOURS[(int(cluster) - 1) % len(TYPE_COLOURS)] if cluster > 0 else pm.NO_DATA_COLOUR


def credits(data: PackData) -> str:
    """Credit line of the clustering pages: the pack's layers plus the population the indicators rest on."""
    return credit_line(data.bundle, ["units", "population", "plans"] + (["services"] if data.services is not None else []),
                       lang=data.lang)


def _type_names(data: PackData) -> dict[int, str]:
    return {int(k): v for k, v in data.clusters.typology.descriptions(data.lang).items()}


def _unit_word(data: PackData) -> str:
    return t(f"level_{data.level}", data.lang).lower()


def typology_settings(data: PackData) -> str:
    """Method, k and how it was chosen, seed, indicators, units without a type and estimated ages, in words."""
    lang, typ = data.lang, data.clusters.typology
    labels = [INDICATORS[k].label(lang) + (" (log)" if k in TYPOLOGY_LOG_INDICATORS else "") for k in typ.indicators]
    chosen = (t("pack_k_auto", lang, low=int(typ.scores.index.min()), high=int(typ.scores.index.max()))
              if len(typ.scores) > 1 else "")
    text = t("pack_typology_settings", lang, method=t(f"pack_method_{typ.method}", lang), k=typ.k, chosen=chosen, seed=typ.seed,
             indicators="; ".join(labels))
    untyped = int((typ.units["cluster"] == 0).sum())
    if untyped:
        text += " " + t("pack_untyped", lang, n=format_number(untyped, 0, lang), units=_unit_word(data))
    estimated = int(typ.units["age_estimated"].sum())
    if estimated:
        text += " " + t("pack_ages_estimated", lang, n=format_number(estimated, 0, lang), units=_unit_word(data))
    return text


def hotspot_settings(data: PackData) -> str:
    """Statistic, permutations, seed, neighbours, classes and estimated inputs of the hot-spot page, in words."""
    lang, hs = data.lang, data.clusters.hotspots
    levels = " / ".join(f"{round(c * 100)} %" for c in PACK_HOTSPOT_CONFIDENCE)
    ps = " / ".join(format_number(1 - c, 2, lang) for c in PACK_HOTSPOT_CONFIDENCE)
    text = t("pack_hotspot_settings", lang, permutations=format_number(hs.permutations, 0, lang), seed=hs.seed, levels=levels,
             ps=ps, moran=format_number(hs.moran_i, 2, lang))
    estimated = int(hs.units["age_estimated"].sum())
    if estimated:
        text += " " + t("pack_ages_estimated", lang, n=format_number(estimated, 0, lang), units=_unit_word(data))
        text += " " + t("pack_hot_estimated", lang)
    return text


# -- need types: map and profiles ------------------------------------------------------------------------------
def wide(data: PackData) -> bool:
    """Whether the area is so much wider than high (Flanders) that its map runs across the page, the rest below."""
    minx, miny, maxx, maxy = data.units.total_bounds
    return (maxx - minx) > WIDE_ASPECT * max(maxy - miny, 1.0)


def draw_typology(fig, data: PackData, *, overview, top: float, bottom: float) -> None:
    """Map of the plan's units by need type (zone borders and numbers as on the overview) with a legend naming each
    type in words, the profile heat map and the settings: beside the map, or below it for a wide area."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    lang, typ = data.lang, data.clusters.typology
    span = top - bottom
    cluster = typ.units["cluster"].reindex(data.units.index).fillna(0).astype(int)
    if wide(data):
        map_box, settings_at, settings_va, heat_box = ([0.02, bottom + 0.47 * span, 0.96, 0.53 * span], (0.53, bottom + 0.005),
                                                       "bottom", [0.27, bottom + 0.09 * span, 0.22, 0.29 * span])
        profile_at, legend_at, wrap_at = (0.02, bottom + 0.445 * span), (0.515, bottom + 0.445 * span), 95
    else:
        map_box, settings_at, settings_va, heat_box = ([0.02, bottom + 0.29 * span, 0.46, 0.71 * span], (0.025, bottom + 0.27 * span),
                                                       "top", [0.70, bottom + 0.54 * span, 0.28, 0.40 * span])
        profile_at, legend_at, wrap_at = (0.515, top), (0.505, bottom + 0.47 * span), 88
    ax = fig.add_axes(map_box)
    overview(ax, data, fontsize=7.0, colours=[type_colour(c) for c in cluster])
    fig.text(*settings_at, pm.wrap(typology_settings(data), wrap_at), fontsize=7, va=settings_va, color="#333333", linespacing=1.3)
    fig.text(*profile_at, t("pack_profile_title", lang), fontsize=9.5, fontweight="bold", va="top")
    profile_heatmap(fig.add_axes(heat_box), data)
    names = _type_names(data)
    profiles = typ.profiles
    handles = [Patch(facecolor=type_colour(c), edgecolor="#888888", linewidth=0.3,
                     label=pm.wrap(t("pack_type_entry", lang, n=c, what=names.get(c, ""),
                                     units=f"{format_number(profiles.at[c, 'n_units'], 0, lang)} {_unit_word(data)}",
                                     pop=format_number(profiles.at[c, "pop_total"], 0, lang)), 100))
               for c in range(1, typ.k + 1)]
    if (cluster == 0).any():
        handles.append(Patch(facecolor=pm.NO_DATA_COLOUR, edgecolor="#888888", linewidth=0.3, label=t("cluster_untyped", lang)))
    handles.append(Line2D([], [], color=pm.ZONE_EDGE, linewidth=1.4, label=t("zone_boundary", lang)))
    fig.legend(handles=handles, title=t("cluster_types_title", lang), loc="upper left", bbox_to_anchor=legend_at,
               frameon=False, fontsize=7 if typ.k <= 8 else 6.3, title_fontsize=8, alignment="left", labelspacing=0.35)


def profile_heatmap(ax, data: PackData) -> None:
    """Rows: indicators; columns: types and the whole area; cell text: mean per unit; colour: z-score of the type
    against the area (blue below, red above)."""
    lang, typ = data.lang, data.clusters.typology
    keys = list(typ.indicators)
    columns = list(range(1, typ.k + 1)) + [0]
    z = np.array([[typ.profiles.at[c, f"z_{k}"] for c in columns] for k in keys], dtype=float)
    ax.imshow(np.clip(z, -2, 2), cmap="RdBu_r", vmin=-2, vmax=2, aspect="auto")
    small = 6.0 if typ.k > 6 else 6.8
    for i, key in enumerate(keys):
        for j, c in enumerate(columns):
            value = typ.profiles.at[c, key]
            text = INDICATORS[key].format(value, lang) if np.isfinite(value) else "-"
            ax.text(j, i, text, ha="center", va="center", fontsize=small, color="white" if abs(z[i, j]) > 1.3 else "#111111",
                    fontweight="bold" if c == 0 else "normal")
    ax.set_yticks(range(len(keys)), [pm.wrap(INDICATORS[k].title(lang), 46) for k in keys], fontsize=6.3, linespacing=1.0)
    ax.set_xticks(range(len(columns)), [str(c) if c else t("pack_area", lang) for c in columns], fontsize=7)
    ax.xaxis.tick_top()
    for tick, c in zip(ax.get_xticklabels(), columns):
        if c:
            tick.set_bbox({"boxstyle": "round,pad=0.25", "facecolor": type_colour(c), "edgecolor": "none"})
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_xlabel(pm.wrap(t("pack_profile_note", lang), 60), fontsize=6.3, color="#444444", labelpad=4)


# -- need types per zone -----------------------------------------------------------------------------------------
def legend_height(k: int) -> float:
    """Figure height of the mix page's legend: rows of three entries of up to two lines at 7 pt, and a gap."""
    return 0.04 * -(-k // 3) + 0.03


def draw_mix(fig, data: PackData, *, top: float, bottom: float) -> None:
    """Each zone's inhabitants by need type as stacked bars (zones numbered as on the overview), the whole area first."""
    from matplotlib.patches import Patch

    lang, typ = data.lang, data.clusters.typology
    numbers = zone_numbers(data)
    mix = data.clusters.mix.reindex(list(numbers))
    area = typ.profiles.loc[1:, "pop_total"] / typ.profiles.loc[1:, "pop_total"].sum()
    rows = [(t("pack_area", lang), area.reindex(range(1, typ.k + 1)).fillna(0).to_numpy())]
    rows += [(f"{numbers[z]}  {pm.wrap(str(data.zones.at[z, 'zone_name']), 34).splitlines()[0]}",
              mix.loc[z, [f"type_{c}" for c in range(1, typ.k + 1)]].fillna(0).to_numpy(dtype=float)) for z in numbers]
    n_columns = -(-len(rows) // MIX_ROWS_PER_COLUMN)
    per_column = -(-len(rows) // n_columns)  # columns of even length
    chunks = [rows[i:i + per_column] for i in range(0, len(rows), per_column)]
    height = (top - bottom) - legend_height(typ.k)
    width = 0.96 / len(chunks)
    for n, chunk in enumerate(chunks):
        ax = fig.add_axes([0.02 + n * width + 0.17, bottom + 0.02 + height * (1 - len(chunk) / per_column), width - 0.20,
                           height * len(chunk) / per_column])
        y = np.arange(len(chunk))
        left = np.zeros(len(chunk))
        shares = np.array([r[1] for r in chunk])
        for c in range(typ.k):
            ax.barh(y, shares[:, c], left=left, color=type_colour(c + 1), edgecolor="white", linewidth=0.4, height=0.78)
            for yy, share, x0 in zip(y, shares[:, c], left):
                if share >= 0.12:
                    ax.text(x0 + share / 2, yy, format_number(share * 100, 0, lang) + " %", ha="center", va="center", fontsize=6)
            left += shares[:, c]
        ax.set_yticks(y, [r[0] for r in chunk], fontsize=7 if len(rows) <= MIX_ROWS_PER_COLUMN else 6.5)
        for tick, (label, _) in zip(ax.get_yticklabels(), chunk):
            if label == t("pack_area", lang):
                tick.set_fontweight("bold")
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0], ["0", "25", "50", "75", "100 %"], fontsize=6.5)
        ax.tick_params(axis="y", length=0)
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
    names = _type_names(data)
    handles = [Patch(facecolor=type_colour(c), edgecolor="none", label=pm.wrap(t("cluster_type", lang, n=c) + ": " + names.get(c, ""), 56))
               for c in range(1, typ.k + 1)]
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.02, top), frameon=False, fontsize=7,
               ncol=min(typ.k, 3), alignment="left", labelspacing=0.3)


# -- hot spots --------------------------------------------------------------------------------------------------
def draw_hotspots(fig, data: PackData, *, overview, top: float, bottom: float) -> None:
    """Map of Gi* hot and cold spots by confidence level with zone borders; legend with counts, the statistic, the
    permutation inference and the zones with the most inhabitants in hot spots."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    lang, hs = data.lang, data.clusters.hotspots
    span = top - bottom
    classes = data.clusters.classes.reindex(data.units.index).fillna("none")
    if wide(data):  # map across the page; legend, settings and zones in three columns below it
        map_box, below = [0.02, bottom + 0.40 * span, 0.96, 0.60 * span], bottom + 0.38 * span
        legend_at, settings_at, zones_at, wrap_at = (0.02, below), (0.37, below), (0.68, below), 60
    else:
        map_box, legend_at, wrap_at = [0.02, bottom, 0.58, span], (0.62, top), 62
        settings_at, zones_at = (0.625, top - 0.34 * span), (0.625, bottom + 0.38 * span)
    ax = fig.add_axes(map_box)
    overview(ax, data, fontsize=7.0, colours=[HOT_COLOURS[c] for c in classes])
    pop = data.units["pop_total"].astype(float) if "pop_total" in data.units else pd.Series(0.0, index=data.units.index)
    handles = []
    for c in HOT_CLASSES:
        n = int((classes == c).sum())
        if c == "none" and not n:
            continue
        handles.append(Patch(facecolor=HOT_COLOURS[c], edgecolor="#888888", linewidth=0.3,
                             label=t("pack_hot_entry", lang, what=_class_label(c, lang), units=f"{format_number(n, 0, lang)} {_unit_word(data)}",
                                     pop=format_number(pop[classes == c].sum(), 0, lang))))
    handles.append(Line2D([], [], color=pm.ZONE_EDGE, linewidth=1.4, label=t("zone_boundary", lang)))
    ind = INDICATORS[hs.indicator]
    title = pm.wrap(t("pack_hot_legend_title", lang, indicator=ind.title(lang)), 48)
    fig.legend(handles=handles, title=title, loc="upper left", bbox_to_anchor=legend_at, frameon=False, fontsize=7.5,
               title_fontsize=8.5, alignment="left")
    fig.text(settings_at[0] + 0.005, settings_at[1] - 0.01, pm.wrap(hotspot_settings(data), wrap_at), fontsize=7, va="top",
             color="#333333", linespacing=1.3)
    zones = hot_zones(data, classes)
    if zones:
        fig.text(zones_at[0] + 0.005, zones_at[1] - 0.01, pm.wrap(t("pack_hot_zones", lang), 50), fontsize=8, fontweight="bold", va="top")
        fig.text(zones_at[0] + 0.005, zones_at[1] - 0.06, "\n".join(zones), fontsize=7, va="top", color="#222222", linespacing=1.3)


def _class_label(c: str, lang: str) -> str:
    if c in ("ns", "none"):
        return t("hotspot_ns" if c == "ns" else "pack_no_statistic", lang)
    side, level = c.split("_")
    return t(f"hotspot_{side}", lang) + f" ({level} %)"


def hot_zones(data: PackData, classes: pd.Series, *, shown: int = 6) -> list[str]:
    """``12  Zone name: 45 % of inhabitants in hot spots (95 %+)`` for the zones with the largest such share."""
    lang = data.lang
    strong = {f"hot_{round(c * 100)}" for c in PACK_HOTSPOT_CONFIDENCE if c >= 0.95}
    pop = data.units["pop_total"].astype(float)
    hot = pop.where(classes.isin(strong), 0.0).groupby(data.units["zone_id"]).sum()
    share = (hot / pop.groupby(data.units["zone_id"]).sum()).dropna()
    share = share[share > 0].sort_values(ascending=False)
    numbers = zone_numbers(data)
    return [pm.wrap(t("pack_hot_zone_line", lang, nr=numbers.get(z, "-"), zone=str(data.zones.at[z, "zone_name"]),
                      share=format_number(s * 100, 0, lang)), 64) for z, s in share.head(shown).items() if z in data.zones.index]


# -- pages and slides ---------------------------------------------------------------------------------------------
def page_title(data: PackData, kind: str) -> str:
    lang = data.lang
    if kind == "typology":
        return t("cluster_types_title", lang)
    if kind == "typology_mix":
        return t("pack_mix_title", lang)
    return t("hotspot_title", lang, indicator=INDICATORS[hotspot_indicator(data.indicator)].label(lang))


def _draw(fig, data: PackData, kind: str, *, overview, top: float, bottom: float) -> None:
    if kind == "typology":
        draw_typology(fig, data, overview=overview, top=top, bottom=bottom)
    elif kind == "typology_mix":
        draw_mix(fig, data, top=top, bottom=bottom)
    else:
        draw_hotspots(fig, data, overview=overview, top=top, bottom=bottom)


def page_figure(data: PackData, kind: str, *, page: str | None, header, overview):
    """An A4 landscape pack page of ``kind`` (see :data:`PAGE_KINDS`) with the pack's ``header`` and the credits."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=pm.paper_inches("A4", "landscape"))
    subtitle = (t("pack_units_line", data.lang, n=format_number(len(data.units), 0, data.lang), units=_unit_word(data)) + " - " + plan_title(data))
    header(fig, data, page_title(data, kind), subtitle, page=page)
    _draw(fig, data, kind, overview=overview, top=0.87, bottom=0.075)
    pm.add_footer(fig, credits(data), date=data.date, lang=data.lang, width_chars=230, page=page)
    fig.set_label(page_title(data, kind))
    return fig


def slide_figure(data: PackData, kind: str, *, overview):
    """The page of ``kind`` without header and footer (the slide has its own), for a 16:9 deck."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=pm.paper_inches("A4", "landscape"))
    _draw(fig, data, kind, overview=overview, top=0.97, bottom=0.02)
    return fig


__all__ = ["EXTRA_PAGES", "PAGE_KINDS", "page_figure", "page_kinds", "slide_figure", "typology_settings", "hotspot_settings"]
