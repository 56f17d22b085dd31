"""Labels and checks of a population year for exports (nl/fr/en)."""

from __future__ import annotations

import pandas as pd

from zorgzones.errors import DataError, ValidationError
from zorgzones.i18n import t
from zorgzones.population import available_years, check_years, municipalities_for_years, population_kind_label
from zorgzones.settings import LEVELS, PROJECTION_VINTAGE


def check_year(bundle, year: int | None, *, level: str | None = None) -> None:
    """Refuse, in one ValidationError, a year the bundle has no population for, a raster level and an old bundle
    without population by year; ``year=None`` (the base year) always passes."""
    if year is None:
        return
    problems = []
    if level is not None and level not in LEVELS:
        problems.append(f"year {year}: population by year exists for one unit level ({', '.join(LEVELS)}), not for "
                        f"{level!r}" + (" (a population raster is one year, GHS-POP 2020)" if level == "raster" else
                                        "; use a plan of one level"))
    try:
        check_years(bundle, [year])
    except ValidationError as exc:
        problems.extend(exc.problems)
    except DataError as exc:
        problems.append(str(exc))
    if problems:
        raise ValidationError("year", problems)


def year_info(bundle, year: int) -> dict:
    """``year``, ``kind`` ('observed'/'projection') and the English ``label`` of a checked year (for JSON summaries)."""
    kind = str(municipalities_for_years(bundle, [year])["population_kind"].iloc[0])
    return {"year": int(year), "kind": kind, "label": population_kind_label(kind, synthetic=bool(bundle.is_demo))}


def kind_text(kind: str, lang: str = "nl", *, synthetic: bool = False) -> str:
    """``projectie (Federaal Planbureau, vooruitzichten 2022)`` / ``waargenomen (Statbel)`` in ``lang``; for demo
    data ``projectie (synthetische demodata)``."""
    if synthetic:
        return t("year_kind_synthetic", lang, kind=t(f"year_word_{kind}", lang))
    return t(f"year_kind_{kind}", lang, vintage=PROJECTION_VINTAGE)


def year_line(year: int, kind: str, lang: str = "nl", *, synthetic: bool = False, estimated: bool = False) -> str:
    """``Bevolking 2030: projectie (Federaal Planbureau, vooruitzichten 2022)``, with ``; onder gemeenteniveau
    geschat`` when sub-municipal figures are estimates."""
    text = t("year_population", lang, year=year, kind=kind_text(kind, lang, synthetic=synthetic))
    return text + ("; " + t("year_estimated_below", lang) if estimated and not synthetic else "")


def year_short(year: int, kind: str, lang: str = "nl") -> str:
    """``2030, projectie``: the year and its kind in a few words (page subtitles)."""
    return t("year_short", lang, year=year, kind=t(f"year_word_{kind}", lang))


def units_year_line(units: pd.DataFrame, lang: str = "nl", *, synthetic: bool = False) -> str:
    """:func:`year_line` of units from ``population.units_for_year`` (read from their ``attrs`` and
    ``population_estimated``); empty for units of the base year without a year."""
    if "year" not in units.attrs:
        return ""
    estimated = "population_estimated" in units and bool(units["population_estimated"].astype(bool).any())
    return year_line(int(units.attrs["year"]), str(units.attrs["population_kind"]), lang, synthetic=synthetic,
                     estimated=estimated)


def trend_years(bundle, last_year: int) -> list[int]:
    """The bundle's population years up to ``last_year``; empty for a bundle without population by year."""
    try:
        return [y for y in available_years(bundle) if y <= last_year]
    except DataError:
        return []
