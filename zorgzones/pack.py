"""The plenary pack in the format its file name asks for: PDF or PowerPoint."""

from __future__ import annotations

from pathlib import Path

from zorgzones.export import check_export, level_units
from zorgzones.export_deck import write_pack_pptx
from zorgzones.export_pack import pack_data, write_pack_pdf
from zorgzones.pack_content import PACK_SUFFIXES
from zorgzones.zones import Plan


def write_pack(path, bundle, plan: Plan, *, level: str | None = None, indicator: str = "share_65plus", lang: str = "nl",
               progress: bool = False, zones=None, classes: str = "regional", title: str | None = None, extras=(),
               year: int | None = None, trends: bool = True) -> Path:
    """The plenary pack as PDF or PowerPoint (by suffix), after checking path, indicator, plan against the level and
    ``year`` (the population of that year, default the base year 2022); ``trends``: a population chart per zone;
    ``extras`` adds clustering pages (``typology``, ``hotspots``: see :func:`pack_content.pack_data`)."""
    level = level or plan.level
    check_export(path, PACK_SUFFIXES, indicator=indicator, plan=plan, units=level_units(bundle, level), level=level, subject="plenary pack",
                 bundle=bundle, year=year)
    data = pack_data(bundle, plan, level=level, indicator=indicator, lang=lang, zones=zones, classes=classes, title=title,
                     extras=extras, year=year, trends=trends)
    if Path(path).suffix.lower() == ".pptx":
        return write_pack_pptx(path, data, progress=progress)
    return write_pack_pdf(path, data, progress=progress)
