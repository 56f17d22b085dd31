"""Catalogue of the indicators shown per unit and per zone, with credits."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from zorgzones.errors import ValidationError
from zorgzones.i18n import LANGUAGES, format_number, t
from zorgzones.settings import (AGE_BANDS, DEFAULT_ACCESS_METHOD, GROWTH_COLUMNS, GROWTH_YEARS, POPULATION_BASE_YEAR,
                                SERVICE_TYPES, service_type_defaults)

#: Label of synthetic data, shown on every map and export built from the demo bundle (French exports: demo_label()).
DEMO_LABEL = t("demo_label", "nl")

__all__ = ["DEMO_LABEL", "INDICATORS", "KEY_FIGURES", "LANGUAGES", "Indicator", "demo_label", "format_number"]


def demo_label(lang: str = "nl") -> str:
    """The synthetic-data label in ``lang`` (Dutch and English share :data:`DEMO_LABEL`)."""
    return t("demo_label", lang)


@dataclass(frozen=True)
class Indicator:
    """One indicator: how to compute it from population columns and how to show it.

    Its label and unit are the i18n keys ``ind_<key>`` and ``unit_<key>`` (one table for every language).
    ``scale`` turns the stored value into the shown value (shares are stored as fractions and shown in %).
    ``scopes`` says where it exists: ``unit`` (any level of units) and/or ``zone`` (a zone metric table).
    """

    key: str
    numerator: str | None = None
    denominator: str | None = None
    scale: float = 1.0
    decimals: int = 0
    cmap: str = "YlOrRd"
    scopes: tuple = ("unit", "zone")
    diverging: bool = False
    #: Set for indicators measured against services (``travel_min`` / ``supply_per_1000`` of ``service_type``): their
    #: values come from :func:`zorgzones.analysis_access.unit_access`, put in a column named like the key.
    measure: str | None = None
    service_type: str | None = None
    #: Population the supply is counted against (``pop_total``, ``pop_80plus`` ...), for supply labels.
    whom: str = "pop_total"
    #: Set for growth indicators: the projection year; the value is numerator (``whom`` that year) / denominator
    #: (``whom`` in the base year) - 1, in %.
    growth_year: int | None = None

    def label(self, lang: str = "nl") -> str:
        if self.measure == "supply_per_1000":
            defaults = service_type_defaults(self.service_type)  # the figures are computed with these defaults
            return t("ind_supply_per_1000", lang, what=t(f"supply_what_{self.service_type}", lang),
                     whom=t(f"whom_{self.whom}", lang), minutes=f"{defaults.max_minutes:g}",
                     method=DEFAULT_ACCESS_METHOD.upper(), mode=t(f"mode_words_{defaults.mode}", lang))
        if self.growth_year is not None:
            return t("ind_growth", lang, who=t(f"growth_who_{self.whom}", lang), base=POPULATION_BASE_YEAR,
                     year=self.growth_year)
        return t(f"ind_{self.key}", lang)

    def unit(self, lang: str = "nl") -> str:
        if self.growth_year is not None:
            return t("unit_growth", lang, base=POPULATION_BASE_YEAR)
        if self.measure is not None:
            mode = t(f"mode_words_{service_type_defaults(self.service_type).mode}", lang)
            return t(f"unit_{self.measure}", lang, whom=t(f"whom_{self.whom}", lang), mode=mode)
        return t(f"unit_{self.key}", lang)

    label_nl = property(lambda self: self.label("nl"))
    label_en = property(lambda self: self.label("en"))
    unit_nl = property(lambda self: self.unit("nl"))
    unit_en = property(lambda self: self.unit("en"))

    def title(self, lang: str = "nl") -> str:
        """Label with its unit, e.g. ``Aandeel 65+ (% van de bevolking)``."""
        unit, label = self.unit(lang), self.label(lang)
        return f"{label} ({unit})" if unit and unit not in label and "(" not in label else label

    def values(self, frame: pd.DataFrame) -> pd.Series:
        """Stored values for every row of ``frame`` (NaN where a denominator is 0); a ready column wins."""
        return indicator_values(frame, self.key)

    def format(self, value, lang: str = "nl", *, with_unit: bool = False) -> str:
        """Shown value in the number format of the language (``12.345`` nl, ``12 345`` fr, ``12,345`` en)."""
        return format_number(value, self.decimals, lang, scale=self.scale) + (f" {self.unit_short}" if with_unit and self.unit_short else "")

    @property
    def unit_short(self) -> str:
        return {"density_per_km2": "/km²", "area_km2": "km²"}.get(self.key, "%" if self.scale == 100 or self.growth_year else "")


def _ind(*args, **kwargs) -> Indicator:
    return Indicator(*args, **kwargs)


#: The catalogue, in display order.
INDICATORS: dict[str, Indicator] = {i.key: i for i in (
    _ind("pop_total", "pop_total", cmap="Blues"),
    _ind("density_per_km2", "pop_total", "area_km2", cmap="PuBu"),
    _ind("share_0_14", "pop_0_14", "pop_total", 100.0, 1, cmap="GnBu"),
    _ind("share_65plus", "pop_65plus", "pop_total", 100.0, 1),
    _ind("share_80plus", "pop_80plus", "pop_total", 100.0, 1),
    _ind("informal_care_ratio", "pop_50_64", "pop_80plus", 1.0, 2, cmap="YlGnBu_r"),
    _ind("pop_65plus", "pop_65plus", cmap="OrRd"),
    _ind("pop_80plus", "pop_80plus", cmap="OrRd"),
    _ind("area_km2", "area_km2", decimals=1, cmap="Greens"),
    _ind("pharmacies_per_10000", "n_pharmacy", "pop_total", 10_000.0, 2, cmap="BuGn", scopes=("zone",)),
    _ind("hospital_beds_per_1000", "capacity_hospital", "pop_total", 1_000.0, 2, cmap="BuPu", scopes=("zone",)),
    # honest bed figures: general and psychiatric hospitals apart (zorgzones.hospitals says how sites are split)
    _ind("general_beds_per_1000", "capacity_hospital_general", "pop_total", 1_000.0, 2, cmap="BuPu", scopes=("zone",)),
    _ind("psychiatric_beds_per_1000", "capacity_hospital_psychiatric", "pop_total", 1_000.0, 2, cmap="BuPu", scopes=("zone",)),
    _ind("deviation_ideal_pct", "deviation_ideal_pct", decimals=1, cmap="RdBu_r", scopes=("zone",), diverging=True),
    _ind("polsby_popper", "polsby_popper", decimals=2, cmap="Purples", scopes=("zone",)),
    _ind("reock", "reock", decimals=2, cmap="Purples", scopes=("zone",)),
)}

#: Service types with accessibility indicators per unit, and the population their supply is counted against.
ACCESS_SERVICES = {"pharmacy": "pop_total", "hospital": "pop_total", "gp": "pop_total", "residential_care": "pop_80plus",
                   "local_service_centre": "pop_65plus", "childcare": "pop_0_2"}


def _access_indicators() -> list[Indicator]:
    """Per service type the two Explore indicators, labelled with the defaults they are computed with."""
    out = []
    for kind, whom in ACCESS_SERVICES.items():
        out.append(_ind(f"travel_min_{kind}", f"travel_min_{kind}", decimals=1, scopes=("unit",), measure="travel_min",
                        service_type=kind, whom=whom))
        out.append(_ind(f"supply_per_1000_{kind}", f"supply_per_1000_{kind}", decimals=2, cmap="BuGn", scopes=("unit",),
                        measure="supply_per_1000", service_type=kind, whom=whom))
    return out


INDICATORS.update({i.key: i for i in _access_indicators()})
#: Growth of a population group from the base year to a projection year, in % (projections; the columns come with
#: the bundle's units, see population.growth_columns).
INDICATORS.update({i.key: i for i in (
    _ind(f"growth_{column.removeprefix('pop_')}_{year}", f"{column}_{year}", f"{column}_{POPULATION_BASE_YEAR}", decimals=1,
         cmap="YlOrRd", whom=column, growth_year=year)  # sequential: the classes are not centred on 0, a diverging
                                                        # scheme would paint slow growth blue as if it were decline
    for column in GROWTH_COLUMNS for year in GROWTH_YEARS)})

#: Shares are stored as fractions: the scale of an indicator applies to the ratio, not to stored shares.
_STORED_FRACTIONS = {"share_0_14", "share_65plus", "share_80plus"}

#: Key figures of a zone in packs and tables (order of rows).
KEY_FIGURES = ("pop_total", "density_per_km2", "share_65plus", "share_80plus", "informal_care_ratio",
               "pharmacies_per_10000", "general_beds_per_1000", "psychiatric_beds_per_1000", "area_km2")


def get_indicator(key: str, *, scope: str = "unit") -> Indicator:
    """The indicator ``key``; a ValidationError lists the known keys of ``scope`` (``unit`` or ``zone``)."""
    indicator = INDICATORS.get(key)
    known = indicator_keys(scope)
    if indicator is None or scope not in indicator.scopes:
        where = "for units" if scope == "unit" else "for zones"
        raise ValidationError(f"indicator {key!r}", [f"unknown indicator {key!r} {where}; expected one of {', '.join(known)}"])
    return indicator


def indicator_keys(scope: str = "unit", *, service_types=None) -> list[str]:
    """Keys of ``scope``; indicators measured against services only for the types in ``service_types`` (None: none)."""
    wanted = set(service_types or ())
    return [k for k, i in INDICATORS.items() if scope in i.scopes and (i.service_type is None or i.service_type in wanted)]


def indicator_values(frame: pd.DataFrame, key: str) -> pd.Series:
    """Stored values of indicator ``key`` for each row (fractions for shares, per-N ratios already scaled)."""
    indicator = INDICATORS[key]
    if key in frame.columns:
        return pd.to_numeric(frame[key], errors="coerce").astype(float)
    missing = [c for c in (indicator.numerator, indicator.denominator) if c and c not in frame.columns]
    if missing:
        raise ValidationError(f"indicator {key!r}", [f"the table has no column(s) {missing} needed for {indicator.label_en!r}; "
                                                      f"it has {list(frame.columns)[:20]}"])
    numerator = pd.to_numeric(frame[indicator.numerator], errors="coerce").astype(float)
    if indicator.denominator is None:
        return numerator
    denominator = pd.to_numeric(frame[indicator.denominator], errors="coerce").astype(float).replace(0, np.nan)
    ratio = numerator / denominator
    if indicator.growth_year is not None:
        return (ratio - 1.0) * 100.0
    return ratio if key in _STORED_FRACTIONS else ratio * indicator.scale


def shown_values(frame: pd.DataFrame, key: str) -> pd.Series:
    """Values as shown on maps and in tables (shares in %)."""
    values = indicator_values(frame, key)
    return values * 100.0 if key in _STORED_FRACTIONS else values


def add_indicators(frame: pd.DataFrame, *, scope: str = "unit") -> pd.DataFrame:
    """A copy of ``frame`` with a column for every indicator of ``scope`` that its columns allow."""
    out = frame.copy()
    for key, indicator in INDICATORS.items():
        if scope not in indicator.scopes or key in out.columns:
            continue
        needed = [c for c in (indicator.numerator, indicator.denominator) if c]
        if all(c in out.columns for c in needed):
            out[key] = indicator_values(out, key)
    return out


def region_values(units: pd.DataFrame, *, services_by_type: dict | None = None) -> dict[str, float]:
    """Regional figure of every key figure (ratios of sums, not means of ratios) from unit population sums."""
    sums = {c: float(units[c].sum()) for c in units.columns if c.startswith(("pop_", "n_", "capacity_")) or c == "area_km2"}
    sums.update(services_by_type or {})
    frame = pd.DataFrame([sums])
    out = {}
    for key in KEY_FIGURES:
        try:
            out[key] = float(indicator_values(frame, key).iloc[0])
        except ValidationError:
            out[key] = float("nan")
    return out


def credit_line(bundle, layers: list[str], *, lang: str = "nl") -> str:
    """Credit line (with licences) of the map layers shown, ``Bronnen: ...`` in the language of ``lang``; for a demo
    bundle led by the synthetic-data label."""
    if bundle is None:
        return ""
    text = bundle.credits(list(layers))
    if text.startswith("Bronnen: "):
        text = t("sources_line", lang, credits=text.removeprefix("Bronnen: "))
    label = demo_label(lang)
    if getattr(bundle, "is_demo", False) and label not in text:
        text = f"{label}. {text}"
    return text


def source_list(bundle, layers: list[str] | None = None) -> list[str]:
    """One line per source behind ``layers`` (title, licence, reference date) for source pages and metadata."""
    if bundle is None:
        return []
    wanted = None
    if layers is not None:
        from zorgzones.bundle import CREDIT_LAYERS

        mapping = bundle.manifest.get("layers", {}) if hasattr(bundle, "manifest") else {}
        wanted = {d for layer in layers for b in CREDIT_LAYERS.get(layer, [layer]) for d in mapping.get(b, [])} or None
    lines = []
    for source in bundle.sources:
        if wanted is None or source.get("id") in wanted:
            lines.append(f"{source.get('title', source.get('id'))} - {source.get('licence', '?')} ({source.get('reference_date', '?')})")
    return lines


_AGE_COLUMNS = {c for c, _, _ in AGE_BANDS}
#: Service types whose target population is an age band (their supply ratio rests on estimated ages below municipalities).
_AGE_TARGET_SERVICES = {key for key, kind in SERVICE_TYPES.items() if kind.target != "all"}


def uses_age_bands(key: str) -> bool:
    """Whether indicator ``key`` is computed from age bands (estimated for sub-municipal units, see ``age_estimated``);
    False for columns that are not in the catalogue (values given by the caller)."""
    indicator = INDICATORS.get(key)
    if indicator is None:
        return False
    if indicator.measure == "supply_per_1000":
        return indicator.service_type in _AGE_TARGET_SERVICES
    if indicator.growth_year is not None:
        return indicator.whom in _AGE_COLUMNS
    return bool({indicator.numerator, indicator.denominator} & _AGE_COLUMNS)
