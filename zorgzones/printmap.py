"""Print-quality maps with matplotlib, saved as PDF, PNG or SVG.

Print-quality maps drawn server-side with matplotlib (Agg): classified choropleth, zone outlines, services,
legend, scale bar, north arrow, credits; saved as PDF, PNG (300 dpi) or SVG.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import geopandas as gpd  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import shapely  # noqa: E402
from matplotlib import patheffects  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib_scalebar.scalebar import ScaleBar  # noqa: E402

from zorgzones.maplabels import place_labels  # noqa: E402
from zorgzones.classes import class_colours, class_labels, classify  # noqa: E402 (maps, export_pack use pm.classify & co.)
from zorgzones.errors import ValidationError  # noqa: E402
from zorgzones.basemap import add_basemap, source_problems  # noqa: E402
from zorgzones.i18n import LANGUAGES, format_number, t  # noqa: E402
from zorgzones.indicators import credit_line, demo_label, get_indicator, shown_values  # noqa: E402
from zorgzones.year_labels import units_year_line  # noqa: E402
from zorgzones.zones import Plan, dissolve_zones, require_projected  # noqa: E402

from zorgzones.settings import ORIENTATIONS, PAPER_MM  # noqa: E402
FORMATS = {".pdf": "pdf", ".png": "png", ".svg": "svg"}
PNG_DPI = 300
#: Symbols of the service types (colour, marker, size in points²); their names are the i18n keys ``service_<type>``.
SERVICE_STYLE = {
    "pharmacy": ("#1a7f37", "o", 5.0),
    "hospital": ("#1f3f8f", "P", 42.0),
    "gp": ("#b35806", "^", 10.0),
    "residential_care": ("#762a83", "D", 10.0),
    "local_service_centre": ("#01665e", "v", 10.0),
    "childcare": ("#c51b7d", "*", 14.0),
}
OTHER_SERVICE = ("#444444", "s", 8.0)
NO_DATA_COLOUR = "#d9d9d9"
ZONE_EDGE = "#222222"
RC = {"pdf.fonttype": 42, "svg.fonttype": "none", "font.family": "DejaVu Sans"}


def paper_inches(paper: str = "A4", orientation: str = "landscape") -> tuple[float, float]:
    """Figure size in inches of a paper size and orientation; every problem reported at once."""
    problems = []
    if paper not in PAPER_MM:
        problems.append(f"paper size {paper!r} is unknown; expected one of {', '.join(PAPER_MM)}")
    if orientation not in ORIENTATIONS:
        problems.append(f"orientation {orientation!r} is unknown; expected one of {', '.join(ORIENTATIONS)}")
    if problems:
        raise ValidationError("print layout", problems)
    short, long = PAPER_MM[paper]
    width, height = (long, short) if orientation == "landscape" else (short, long)
    return width / 25.4, height / 25.4


def check_plan_units(units: gpd.GeoDataFrame, plan: Plan, *, level: str | None = None) -> None:
    """Refuse a plan whose units are not the given units (another level, or ids missing) with a specific message."""
    problems = []
    level = level or (str(units["level"].iloc[0]) if "level" in units.columns and len(units) else None)
    if level is not None and plan.level not in (level, "mixed"):
        problems.append(f"plan {plan.name!r} is made of {plan.level} units but the map uses {level} units; "
                        f"choose level {plan.level!r} or a plan of {level} units")
    missing = plan.assignment.index.difference(units.index)
    if len(missing) and not problems:
        problems.append(f"{len(missing)} of {plan.assignment.size} units of plan {plan.name!r} are not among the "
                        f"{len(units)} {level or ''} units (e.g. {', '.join(map(str, missing[:5]))}); "
                        "the plan does not match these units: choose the level the plan was made for")
    if problems:
        raise ValidationError(f"plan {plan.name!r}", problems)


def display_geometries(frame: gpd.GeoDataFrame, *, tolerance_m: float = 50.0) -> gpd.GeoDataFrame:
    """A copy with geometries simplified for drawing (topology kept; ``tolerance_m`` metres in EPSG:31370)."""
    require_projected(frame)
    out = frame.copy()
    if tolerance_m > 0:
        out["geometry"] = shapely.simplify(out.geometry.to_numpy(), tolerance_m, preserve_topology=True)
    return out


def wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width=width, break_long_words=False)) if text else ""


def draw_choropleth(ax, units: gpd.GeoDataFrame, values: pd.Series, *, bins: np.ndarray, cmap: str,
                    edgecolor: str = "white", linewidth: float = 0.15) -> list:
    """Fill ``units`` by the class of ``values`` (shown units); returns the class colours."""
    classes = np.searchsorted(bins, values.to_numpy(dtype=float), side="left").clip(0, max(len(bins) - 1, 0))
    colours = class_colours(len(bins), cmap)
    missing = to_rgba(NO_DATA_COLOUR)
    fill = [to_rgba(colours[c]) if np.isfinite(v) and len(bins) else missing for c, v in zip(classes, values.to_numpy(dtype=float))]
    units.plot(ax=ax, color=fill, edgecolor=edgecolor, linewidth=linewidth)
    return colours


def draw_zones(ax, zones: gpd.GeoDataFrame, *, labels: str = "name", fontsize: float = 7.0, linewidth: float = 1.1,
               lang: str = "nl") -> None:
    """Zone outlines with a white halo; labels (``name``, ``id``, ``number`` 1..n or ``none``) are placed by
    :func:`label_zones` once the map's extent is fixed (call it after :func:`frame_map`)."""
    zones.boundary.plot(ax=ax, color="white", linewidth=linewidth * 2.4)
    zones.boundary.plot(ax=ax, color=ZONE_EDGE, linewidth=linewidth)
    if labels != "none":
        ax._zz_zone_labels = (zones, labels, fontsize)


def label_zones(ax, zones: gpd.GeoDataFrame | None = None, *, labels: str = "name", fontsize: float = 7.0) -> list[bool]:
    """Zone labels at a point inside each zone, biggest zone first, never overlapping (see :func:`place_labels`); with no
    ``zones`` the ones :func:`draw_zones` left on ``ax``. Returns which labels were drawn."""
    if zones is None:
        pending = getattr(ax, "_zz_zone_labels", None)
        if pending is None:
            return []
        zones, labels, fontsize = pending
        ax._zz_zone_labels = None
    if labels == "none" or not len(zones):
        return []
    points = shapely.point_on_surface(zones.geometry.to_numpy())
    texts = [{"name": wrap(str(zones.at[z, "zone_name"]), 16) if "zone_name" in zones else str(z), "id": str(z),
              "number": str(n)}[labels] for n, z in enumerate(zones.index, start=1)]
    priority = zones["pop_total"].to_numpy(dtype=float) if "pop_total" in zones else zones.geometry.area.to_numpy()
    return place_labels(ax, shapely.get_x(points), shapely.get_y(points), texts, priority=priority, fontsize=fontsize,
                        fontweight="bold", halo=2.2, zorder=6)


def halo_text(ax, x, y, text: str, *, fontsize: float, halo: float = 2.0, transform=None, zorder: float = 6,
              color: str = "#111111", ha: str = "center", va: str = "center", fontweight: str = "normal") -> None:
    """Text with a white halo that stays real text in PDF/SVG: the halo is a stroked copy underneath
    (matplotlib turns text with path effects into outlines)."""
    options = {"ha": ha, "va": va, "fontsize": fontsize, "fontweight": fontweight, "linespacing": 0.95,
               "transform": transform or ax.transData}
    ax.text(x, y, text, color="white", zorder=zorder - 0.5,
            path_effects=[patheffects.Stroke(linewidth=halo, foreground="white")], **options)
    ax.text(x, y, text, color=color, zorder=zorder, **options)


def service_name(kind: str, lang: str = "nl") -> str:
    """Name of one service of a type in ``lang`` (legend symbols, map layers); unknown types are "service"."""
    label = t(f"svc1_{kind}", lang)
    return t("svc1_other", lang) if label == f"svc1_{kind}" else label


def draw_services(ax, services: gpd.GeoDataFrame, *, lang: str = "nl", scale: float = 1.0) -> list:
    """Active services as one symbol per type; returns legend handles (type and count)."""
    handles = []
    if services is None or services.empty:
        return handles
    if "active" in services.columns:
        services = services[services["active"].fillna(True).astype(bool)]
    types = services["service_type"].astype(str) if "service_type" in services else pd.Series("service", index=services.index)
    for kind in sorted(set(types)):
        colour, marker, size = SERVICE_STYLE.get(kind, OTHER_SERVICE)
        part = services[types == kind]
        ax.scatter(part.geometry.x, part.geometry.y, s=size * scale, c=colour, marker=marker, linewidths=0.4,
                   edgecolors="white", zorder=5)
        handles.append(service_handle(kind, len(part), lang))
    return handles


def service_handle(kind: str, count: int | None, lang: str = "nl"):
    """Legend entry of a service type: its symbol and ``name (count)``."""
    colour, marker, _ = SERVICE_STYLE.get(kind, OTHER_SERVICE)
    label = service_name(kind, lang) + (f" ({format_number(count, 0, lang)})" if count is not None else "")
    return Line2D([], [], linestyle="none", marker=marker, markersize=7 if marker != "o" else 5, markerfacecolor=colour,
                  markeredgecolor="white", label=label)


def add_scalebar(ax, *, fontsize: float = 7.0) -> None:
    ax.add_artist(ScaleBar(1.0, "m", location="lower left", length_fraction=0.22, box_alpha=0.8,
                           font_properties={"size": fontsize}, border_pad=0.8))


def add_north_arrow(ax, *, size: float = 0.07) -> None:
    """A north arrow in the upper-right corner of the map (grid north of Lambert 72 is within 1° of true north)."""
    x, y = 0.965, 0.97
    ax.annotate("", xy=(x, y), xytext=(x, y - size), xycoords="axes fraction",
                arrowprops={"facecolor": "#222222", "edgecolor": "white", "width": 3.5, "headwidth": 9, "headlength": 9})
    halo_text(ax, x, y - size - 0.012, "N", transform=ax.transAxes, va="top", fontsize=9, fontweight="bold", zorder=8)


def add_demo_badge(ax, lang: str = "nl") -> None:
    ax.text(0.5, 0.985, demo_label(lang), transform=ax.transAxes, ha="center", va="top", fontsize=8, fontweight="bold",
            color="white", zorder=10, bbox={"boxstyle": "round,pad=0.3", "facecolor": "#c0392b", "edgecolor": "none"})


def fit_bounds(ax, bounds) -> tuple[float, float, float, float]:
    """``bounds`` grown in x or y to the shape of the axes box, so a map drawn at one scale fills it."""
    minx, miny, maxx, maxy = bounds
    fig_w, fig_h = ax.figure.get_size_inches()
    _, _, w, h = ax.get_position(original=True).bounds
    box_aspect = (w * fig_w) / (h * fig_h)
    dx, dy = max(maxx - minx, 1.0), max(maxy - miny, 1.0)
    if dx / dy > box_aspect:
        grow = dx / box_aspect - dy
        return minx, miny - grow / 2, maxx, maxy + grow / 2
    grow = dy * box_aspect - dx
    return minx - grow / 2, miny, maxx + grow / 2, maxy


def frame_map(ax, frame: gpd.GeoDataFrame, *, margin: float = 0.03, bounds=None, fit_box: bool = True,
              valign: str = "center") -> None:
    """Limit the map to the data (or ``bounds``) at one scale in x and y; with ``fit_box`` the axes shrink to the
    data's shape (centred in their box) so scale bar and north arrow sit next to the map, else the limits grow."""
    minx, miny, maxx, maxy = bounds if bounds is not None else frame.total_bounds
    dx, dy = max(maxx - minx, 1.0), max(maxy - miny, 1.0)
    minx, maxx, miny, maxy = minx - dx * margin, maxx + dx * margin, miny - dy * margin, maxy + dy * margin
    fig_w, fig_h = ax.figure.get_size_inches()
    x0, y0, w, h = ax.get_position(original=True).bounds
    data_aspect = (maxx - minx) / (maxy - miny)
    box_aspect = (w * fig_w) / (h * fig_h)
    if fit_box and data_aspect > box_aspect:
        new_h = w * fig_w / data_aspect / fig_h
        ax.set_position([x0, y0 + (h - new_h) * (1.0 if valign == "top" else 0.5), w, new_h])
    elif fit_box:
        new_w = h * fig_h * data_aspect / fig_w
        ax.set_position([x0 + (w - new_w) / 2, y0, new_w, h])
    elif data_aspect > box_aspect:
        grow = (maxx - minx) / box_aspect - (maxy - miny)
        miny, maxy = miny - grow / 2, maxy + grow / 2
    else:
        grow = (maxy - miny) * box_aspect - (maxx - minx)
        minx, maxx = minx - grow / 2, maxx + grow / 2
    ax.set_xlim(minx, maxx)
    ax.set_ylim(miny, maxy)
    ax.set_aspect("equal", adjustable="box")
    ax.set_axis_off()


def auto_labels(n_zones: int) -> tuple[str, float]:
    """Zone label style and font size for ``n_zones`` zones on one page."""
    if n_zones <= 12:
        return "name", 8.0
    if n_zones <= 35:
        return "name", 6.0
    return "name", 4.2


def print_map(units: gpd.GeoDataFrame, *, indicator: str = "share_65plus", plan: Plan | None = None,
              services: gpd.GeoDataFrame | None = None, bundle=None, by: str = "unit", title: str | None = None,
              subtitle: str | None = None, paper: str = "A4", orientation: str = "landscape", lang: str = "nl",
              scheme: str = "fisher_jenks", k: int = 5, zone_labels: str = "auto", date: dt.date | None = None,
              tolerance_m: float = 50.0, show_services: bool = True, basemap: str | None = None) -> Figure:
    """A finished print map of ``indicator`` per unit (``by="unit"``) or per zone of ``plan`` (``by="zone"``).

    ``services`` are drawn (unless ``show_services=False``) and counted into zone metrics (services per inhabitant).
    ``bundle`` supplies the credit line of every layer shown and the synthetic-data label of a demo bundle.
    ``basemap`` (``"OpenStreetMap"`` or a tile URL template) draws web tiles under the map when the server answers;
    ``fig.basemap`` then holds ``(drawn, credit or reason)``. Offline the map is identical apart from the tiles.
    Units of another year than the base year (``population.units_for_year``) are named in the subtitle
    (``Bevolking 2030: projectie (...)``) and their population series credited.
    """
    require_projected(units)
    population = units_year_line(units, lang, synthetic=bool(getattr(bundle, "is_demo", False)))
    problems = []
    if by not in ("unit", "zone"):
        problems.append(f"by={by!r} is unknown; expected 'unit' or 'zone'")
    if by == "zone" and plan is None:
        problems.append("by='zone' needs a plan")
    if lang not in LANGUAGES:
        problems.append(f"language {lang!r} is unknown; expected one of {', '.join(LANGUAGES)}")
    if zone_labels not in ("auto", "name", "id", "number", "none"):
        problems.append(f"zone_labels={zone_labels!r} is unknown; expected auto, name, id, number or none")
    problems += source_problems(basemap) if basemap else []
    if problems:
        raise ValidationError("print map", problems)
    info = get_indicator(indicator, scope=by)
    if orientation == "auto":
        minx, miny, maxx, maxy = units.total_bounds
        orientation = "landscape" if maxx - minx >= maxy - miny else "portrait"
    width, height = paper_inches(paper, orientation)

    zones = None
    if plan is not None:
        check_plan_units(units, plan)
        zones = display_geometries(dissolve_zones(units, plan), tolerance_m=tolerance_m)
    if by == "zone":
        from zorgzones.plan_metrics import zone_metrics

        metrics = zone_metrics(units, plan, services=services)
        shapes = zones.join(metrics.drop(columns=[c for c in ("zone_name", "pop_total", "n_units") if c in zones], errors="ignore"))
    else:
        shapes = display_geometries(units, tolerance_m=tolerance_m)
    values = shown_values(shapes, indicator)
    bins, _ = classify(values, scheme=scheme, k=k)

    fig = Figure(figsize=(width, height))
    minx, miny, maxx, maxy = shapes.total_bounds
    side = legend_beside(maxx - minx, maxy - miny, width, height)
    map_box = [0.025, 0.085, 0.73, 0.80] if side else [0.02, 0.20, 0.96, 0.695]
    legend_box = [0.77, 0.085, 0.21, 0.80] if side else [0.025, 0.075, 0.95, 0.12]
    ax = fig.add_axes(map_box)
    colours = draw_choropleth(ax, shapes, values, bins=bins, cmap=info.cmap)
    handles = [Patch(facecolor=c, edgecolor="#888888", linewidth=0.3, label=lab)
               for c, lab in zip(colours, class_labels(bins, float(np.nanmin(values)) if len(bins) else 0.0, info, lang))]
    if values.isna().any():
        handles.append(Patch(facecolor=NO_DATA_COLOUR, edgecolor="#888888", linewidth=0.3, label=t("no_data", lang)))
    layers = ["units"]
    if zones is not None:
        style, size = auto_labels(len(zones))
        draw_zones(ax, zones, labels=style if zone_labels == "auto" else zone_labels, fontsize=size * (1.35 if paper == "A3" else 1.0))
        handles.append(Line2D([], [], color=ZONE_EDGE, linewidth=1.2, label=t("zone_boundary", lang)))
        layers.append("plans")
    if show_services and services is not None and len(services):
        handles += draw_services(ax, services, lang=lang, scale=1.35 if paper == "A3" else 1.0)
    if services is not None and len(services) and (show_services or by == "zone"):
        layers.append("services")
    if population:
        layers.append("population_years")
    frame_map(ax, shapes, margin=0.015, valign="center")
    fig.basemap = add_basemap(ax, basemap) if basemap else (False, "no basemap asked")
    grow = 1.0 if paper == "A4" else 1.35  # A3: the same layout, larger text
    add_scalebar(ax, fontsize=7 * grow)
    add_north_arrow(ax)
    if bundle is not None and bundle.is_demo:
        add_demo_badge(ax, lang)
    fig.zone_labels = label_zones(ax)  # after the extent is fixed: which zone labels fitted without overlap
    if not side:  # legend right under the map
        legend_box[1] = max(legend_box[1], ax.get_position(original=True).y0 - legend_box[3] - 0.01)
    lax = fig.add_axes(legend_box)
    lax.set_axis_off()
    legend_title = wrap(info.title(lang), 34 if side else 120)
    lax.legend(handles=handles, title=legend_title, loc="upper left", frameon=False, fontsize=8 * grow, title_fontsize=9 * grow,
               alignment="left", ncol=1 if side else min(len(handles), 5 if orientation == "landscape" else 3),
               handlelength=1.8, handleheight=1.2)

    level = str(units["level"].iloc[0]) if "level" in units.columns and len(units) else "unit"
    what = t("one_zone" if by == "zone" else f"one_{level}", lang)
    title = title or t("map_title", lang, indicator=info.label(lang), what=what if not what.startswith("one_") else t("one_unit", lang))
    if subtitle is None and plan is not None:
        plan_title = plan.name
        if bundle is not None and hasattr(bundle, "plan_names") and plan.name in bundle.plan_names():
            plan_title = bundle.plan_info(plan.name).get("title") or plan.name
        subtitle = t("map_subtitle", lang, plan=plan_title, n=len(zones))
    fig.text(0.025, 0.965, title, fontsize=17 if paper == "A4" else 22, fontweight="bold", va="top", color="#111111")
    subtitle_size = 10.5 if paper == "A4" else 13
    if population:  # one line, smaller type when long (about 0.55 em a character), never into the map
        subtitle = f"{subtitle} - {population}" if subtitle else population
        subtitle_size = max(7.0, min(subtitle_size, 0.95 * width * 72 / (0.56 * len(subtitle))))
    if subtitle:
        fig.text(0.025, 0.915, subtitle, fontsize=subtitle_size, va="top", color="#555555")
    credits = "; ".join(c for c in (credit_line(bundle, layers, lang=lang) if bundle is not None else "",
                                    fig.basemap[1] if fig.basemap[0] else "") if c)
    add_footer(fig, credits, date=date, lang=lang,
               width_chars=int(width * 19))
    fig.set_label(title)
    return fig


def legend_beside(dx: float, dy: float, width: float, height: float) -> bool:
    """Whether a legend beside the map (rather than under it) leaves the map the larger scale on a page of
    ``width`` x ``height`` inches, for data ``dx`` x ``dy`` wide and high."""
    beside = min(0.73 * width / dx, 0.80 * height / dy)
    under = min(0.96 * width / dx, 0.695 * height / dy)
    return beside > under


def add_footer(fig: Figure, credits: str, *, date: dt.date | None = None, lang: str = "nl", width_chars: int = 200,
               page: str | None = None) -> None:
    """Credits (wrapped) bottom left; date, projection and page number bottom right."""
    date = date or dt.date.today()
    above = 0.012
    if credits:
        prefix = t("sources_line", lang, credits="")
        text = credits if credits.startswith(prefix) else t("sources_line", lang, credits=credits.removeprefix("Bronnen: "))
        text = wrap(text, width_chars)
        fig.text(0.025, 0.012, text, fontsize=5.6, color="#444444", va="bottom", linespacing=1.15)
        lines = text.count("\n") + 1  # the date line stays above long credits (more sources with a population year)
        above = max(0.055, 0.012 + lines * 5.6 * 1.2 / 72 / fig.get_size_inches()[1] + 0.004)
    right = t("made_on", lang, date=date.isoformat(), crs=t("crs_name", lang))
    fig.text(0.975, above, right, fontsize=6, color="#444444", ha="right", va="bottom")
    if page:
        fig.text(0.975, 0.975, page, fontsize=8, color="#444444", ha="right", va="top")


def check_output_path(path, *, suffixes: dict = FORMATS, subject: str = "output") -> Path:
    """The output path if its suffix is known and its folder exists and is writable; else a ValidationError."""
    path = Path(path)
    problems = []
    if path.suffix.lower() not in suffixes:
        problems.append(f"{path.name}: unsupported file type {path.suffix or '(none)'!r}; expected one of {', '.join(suffixes)}")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        problems.append(f"folder {folder} does not exist; create it or choose another output path")
    elif not os.access(folder, os.W_OK):
        problems.append(f"folder {folder} is not writable; choose an output path you may write to")
    elif path.is_dir():
        problems.append(f"{path} is a folder; give a file name")
    if problems:
        raise ValidationError(f"{subject} {path}", problems)
    return path


def atomic_write(path: Path, write) -> Path:
    """Call ``write(tmp_path)`` on a temporary file beside ``path`` and rename it into place (no partial files)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o666 & ~current_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def save_figure(fig: Figure, path, *, dpi: int = PNG_DPI, metadata: dict | None = None) -> Path:
    """Save as PDF (vector, text kept as text), PNG (``dpi``, default 300) or SVG, chosen by the suffix; atomic."""
    path = check_output_path(path)
    fmt = FORMATS[path.suffix.lower()]
    given = {"Title": fig.get_label() or "zorgzones map"} | (metadata or {})
    description = given.pop("Description", None)
    if fmt == "pdf":
        meta = {"Creator": "zorgzones", **{k: v for k, v in given.items() if k in ("Title", "Author", "Subject", "Keywords")}}
        if description:
            meta["Subject"] = description
    elif fmt == "png":
        meta = {"Software": "zorgzones", **{k: v for k, v in given.items() if k in ("Title", "Author")}}
        if description:
            meta["Description"] = description
    else:
        meta = {"Creator": "zorgzones", **{k: v for k, v in given.items() if k == "Title"}}
        if description:
            meta["Description"] = description

    def write(tmp: Path) -> None:
        with matplotlib.rc_context(RC):
            fig.savefig(tmp, format=fmt, dpi=dpi if fmt == "png" else 72, metadata=meta)

    return atomic_write(path, write)


__all__ = ["print_map", "save_figure", "classify", "paper_inches", "display_geometries", "atomic_write", "check_output_path"]
