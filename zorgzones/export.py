"""Exports: print maps, the self-contained HTML map and data files.

Exports for plenary meetings: print maps, the interactive HTML map (self-contained) and data files
(GeoPackage, CSV, XLSX), each written atomically; the plenary pack is in :mod:`zorgzones.export_pack`.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from zorgzones import printmap as pm
from zorgzones.access_summary import in_region
from zorgzones.analysis_gaps import GapsRequest, run_gaps
from zorgzones.errors import ValidationError
from zorgzones.fileio import usual_mode
from zorgzones.indicators import INDICATORS, credit_line, demo_label, get_indicator, source_list
from zorgzones.population import units_for_year
from zorgzones.year_labels import check_year, units_year_line
from zorgzones.zones import Plan, dissolve_zones

DATA_SUFFIXES = {".gpkg": "gpkg", ".csv": "csv", ".xlsx": "xlsx"}
HTML_SUFFIXES = {".html": "html", ".htm": "html"}


def check_export(path, suffixes: dict, *, indicator: str | None = None, scope: str = "unit", plan: Plan | None = None,
                 units: gpd.GeoDataFrame | None = None, level: str | None = None, subject: str = "export",
                 bundle=None, year: int | None = None) -> Path:
    """Check everything before any work starts (output path, indicator, plan against level, population year) and
    raise once."""
    problems: list[str] = []
    for check in (lambda: pm.check_output_path(path, suffixes=suffixes, subject=subject),
                  lambda: get_indicator(indicator, scope=scope) if indicator is not None else None,
                  lambda: pm.check_plan_units(units, plan, level=level) if plan is not None and units is not None else None,
                  lambda: check_year(bundle, year, level=level) if year is not None else None):
        try:
            check()
        except ValidationError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ValidationError(f"{subject} {path}", problems)
    return Path(path)


def level_units(bundle, level: str, *, year: int | None = None) -> gpd.GeoDataFrame:
    """The bundle's units of ``level``, with a clear message for an unknown level; with ``year`` their population of
    that year (:func:`zorgzones.population.units_for_year`, year and kind in ``attrs``)."""
    from zorgzones.settings import LEVELS

    if level not in LEVELS:
        raise ValidationError("level", [f"level {level!r} is unknown; expected one of {', '.join(LEVELS)}"])
    return bundle.units(level) if year is None else units_for_year(bundle, level, year)


def credit_layers(layers: list[str], year: int | None) -> list[str]:
    """``layers`` plus the population series (history and projections) when a year's population is shown."""
    return layers + (["population_years"] if year is not None else [])


def write_map(path, bundle, *, plan: Plan | None = None, level: str | None = None, indicator: str = "share_65plus",
              by: str = "unit", paper: str = "A4", orientation: str = "landscape", with_services: bool = False,
              title: str | None = None, subtitle: str | None = None, lang: str = "nl", scheme: str = "fisher_jenks",
              k: int = 5, dpi: int = pm.PNG_DPI, basemap: str | None = None, notes: list | None = None,
              year: int | None = None) -> Path:
    """A print map (PDF, PNG at ``dpi`` or SVG by suffix) of the bundle's units at ``level`` with the plan's zones;
    ``basemap`` adds web tiles when the tile server answers (see :func:`zorgzones.basemap.add_basemap`); whether it
    did is appended to ``notes``. ``year``: the population of that year (default the base year 2022), named in the
    subtitle and credited."""
    level = level or (plan.level if plan is not None else "municipality")
    units = level_units(bundle, level)
    check_export(path, pm.FORMATS, indicator=indicator, scope=by, plan=plan, units=units, level=level, subject="print map",
                 bundle=bundle, year=year)
    if year is not None:
        units = level_units(bundle, level, year=year)
    services = bundle.services(active_only=True) if with_services or by == "zone" else None
    if services is not None:
        services = services[in_region(services)]
    fig = pm.print_map(units, indicator=indicator, plan=plan, services=services, bundle=bundle, by=by, title=title,
                       subtitle=subtitle, paper=paper, orientation=orientation, lang=lang, scheme=scheme, k=k,
                       show_services=with_services, basemap=basemap)
    if basemap and notes is not None:
        notes.append(f"basemap drawn ({fig.basemap[1]})" if fig.basemap[0] else fig.basemap[1])
    credits = credit_line(bundle, credit_layers(["units", "plans", "services"], year), lang=lang)
    return pm.save_figure(fig, path, dpi=dpi, metadata={"Description": credits})


def write_html(path, bundle, *, plan: Plan | None = None, level: str | None = None, indicator: str = "share_65plus",
               with_services: bool = True, analysis: dict | None = None, lang: str = "nl", tiles: str | None = "OpenStreetMap",
               year: int | None = None) -> Path:
    """The interactive map as one self-contained HTML file: data embedded and the vendored scripts and style sheets
    (Leaflet, jQuery, marker clusters) inlined, so it works offline; only the basemap tiles come from the web
    (``tiles=None`` drops them, the units, zones and services still show). ``year``: the population of that year
    (default the base year 2022), named under the legend's title."""
    from zorgzones import maps, webassets

    level = level or (plan.level if plan is not None else "municipality")
    units = level_units(bundle, level)
    check_export(path, HTML_SUFFIXES, indicator=indicator, plan=plan, units=units, level=level, subject="interactive map",
                 bundle=bundle, year=year)
    if year is not None:
        units = level_units(bundle, level, year=year)
    services = bundle.services() if with_services else None
    web = maps.web_map(units, indicator=indicator, plan=plan, services=services, bundle=bundle, analysis=analysis, lang=lang, tiles=tiles)
    page, _ = webassets.inline_assets(web.get_root().render())
    return pm.atomic_write(Path(path), lambda tmp: tmp.write_text(page, encoding="utf-8"))


def gap_layers(bundle, plan: Plan, *, level: str | None = None, service_type: str = "pharmacy",
               max_minutes: float | None = None, mode: str | None = None, year: int | None = None) -> dict[str, pd.DataFrame]:
    """Coverage gaps as analysis layers: ``gaps_<type>`` (units with their people beyond T) and
    ``gaps_<type>_by_zone`` — the answer of ``zorgzones gaps`` for the same request (service-type defaults; ``year``:
    the demand of that year's population)."""
    request = GapsRequest(service_type=service_type, level=level or plan.level, max_minutes=max_minutes, mode=mode, year=year)
    result = run_gaps(bundle, request, plan=plan)
    layer = result.tables()["units"].join(plan.assignment.rename("zone_id"))
    layer["max_minutes"], layer["mode"], layer["service_type"] = result.request.max_minutes, result.request.mode, service_type
    layer["demand_model"] = result.demand.model
    if year is not None:
        layer["year"] = result.demand.year
    return {f"gaps_{service_type}": layer, f"gaps_{service_type}_by_zone": result.by_zone}


def data_tables(bundle, plan: Plan, *, level: str | None = None, analysis: dict | None = None,
                lang: str = "nl", year: int | None = None) -> dict[str, pd.DataFrame]:
    """Layers and tables of a data export: zones, units (with indicators), services, assignment, zone metrics,
    zones vs region, regional benchmarks, sources, plus ``analysis`` (name -> frame, e.g. coverage gaps). ``year``:
    the population of that year (default the base year 2022); units, zones and zone metrics then carry ``year``,
    ``population_kind`` and ``population_estimated`` and the about table names the year and its source."""
    from zorgzones.indicators import add_indicators
    from zorgzones.plan_metrics import region_summary, zone_metrics, zones_vs_region

    level = level or plan.level
    check_year(bundle, year, level=level)
    units = level_units(bundle, level, year=year)
    pm.check_plan_units(units, plan, level=level)
    services = bundle.services()
    active = services[services["active"].fillna(True).astype(bool)] if "active" in services else services
    metrics = zone_metrics(units, plan, services=active)
    if year is not None:  # which year and kind of population every zone figure rests on
        zone = plan.assignment.reindex(units.index)
        metrics["year"], metrics["population_kind"] = int(year), str(units.attrs["population_kind"])
        metrics["population_estimated"] = units["population_estimated"].astype(bool).groupby(zone).any().reindex(metrics.index).fillna(False)
    regions = region_summary(units, services=active)
    zones = dissolve_zones(units, plan)[["geometry"]].join(add_indicators(metrics, scope="zone"))
    unit_table = add_indicators(units).join(plan.assignment.rename("zone_id"))
    unit_table["zone_name"] = [plan.zone_name(z) if isinstance(z, str) else None for z in unit_table["zone_id"]]
    about = pd.DataFrame({"key": ["plan", "level", "created", "synthetic_demo_data", "credits"] + [f"source_{i + 1}" for i in range(len(bundle.sources))],
                          "value": [plan.name, level, dt.date.today().isoformat(), str(bundle.is_demo),
                                    credit_line(bundle, credit_layers(["units", "plans", "services"], year), lang=lang)] + source_list(bundle)})
    if year is not None:
        about = pd.concat([about, pd.DataFrame({"key": ["population_year", "population_kind", "population"],
                                                "value": [str(year), str(units.attrs["population_kind"]),
                                                          units_year_line(units, lang, synthetic=bundle.is_demo)]})],
                          ignore_index=True)
    tables = {"zones": zones.reset_index(), "units": unit_table.reset_index(), "services": services.reset_index(),
              "assignment": plan.to_frame(), "zone_metrics": metrics.reset_index(),
              "zones_vs_region": zones_vs_region(metrics, regions).reset_index(), "region_benchmarks": regions.reset_index(),
              "about": about, "labels": column_labels(lang)}
    for name, frame in (analysis or {}).items():
        if name in tables:
            raise ValidationError("analysis layers", [f"layer name {name!r} is taken; use another name than {', '.join(tables)}"])
        tables[name] = frame.reset_index() if frame.index.name else frame
    if bundle.is_demo:
        for name, frame in tables.items():
            if name != "about":
                tables[name] = frame.assign(note=demo_label(lang))
    return tables


def column_labels(lang: str = "nl") -> pd.DataFrame:
    """The data dictionary of a data export: each indicator column with its label and unit in ``lang`` (column names
    stay the same in every language, so scripts keep working)."""
    return pd.DataFrame({"column": list(INDICATORS), "label": [i.label(lang) for i in INDICATORS.values()],
                         "unit": [i.unit(lang) for i in INDICATORS.values()], "language": lang})


def write_data(path, bundle, plan: Plan, *, level: str | None = None, analysis: dict | None = None,
               lang: str = "nl", year: int | None = None) -> list[Path]:
    """GeoPackage (every layer), XLSX (one sheet per table, geometry dropped) or CSV (one file per table,
    ``<stem>_<table>.csv``); see :func:`write_tables`; ``year`` see :func:`data_tables`."""
    level = level or plan.level
    path = check_export(path, DATA_SUFFIXES, plan=plan, units=level_units(bundle, level), level=level, subject="data export",
                        bundle=bundle, year=year)
    return write_tables(path, data_tables(bundle, plan, level=level, analysis=analysis, lang=lang, year=year))


def write_tables(path, tables: dict[str, pd.DataFrame]) -> list[Path]:
    """Tables to one file by suffix: .gpkg one layer each (attribute tables too), .xlsx one sheet each, .csv one file
    each (``<stem>_<table>.csv``). Every file is written beside its target and renamed only when all succeeded."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in DATA_SUFFIXES:
        raise ValidationError("output file", [f"{path} has suffix {path.suffix!r}; expected one of {sorted(DATA_SUFFIXES)}"])
    path.parent.mkdir(parents=True, exist_ok=True)
    tables = {name: frame.reset_index() if any(frame.index.names) else frame for name, frame in tables.items()}
    if suffix == ".gpkg":
        def write(tmp: Path) -> None:
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
            usual_mode(Path(tmp))  # mkstemp creates 0600
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
