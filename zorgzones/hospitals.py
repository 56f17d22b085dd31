"""Split hospital sites into general, psychiatric and other by a stated rule."""

from __future__ import annotations

import re

import pandas as pd

#: The hospital family: every ``service_subtype`` below counts as a ``hospital`` service.
HOSPITAL_FAMILY = "hospital"
HOSPITAL_SUBTYPES = ("hospital_general", "hospital_psychiatric", "hospital_other")

#: Rule 1 - the source's own category (GISCO ``facility_type``, Dutch/French/German labels of FOD Volksgezondheid).
FACILITY_TYPE_RULES = (
    (re.compile(r"psychiatr", re.IGNORECASE), "hospital_psychiatric"),
    (re.compile(r"algemeen|g[ée]n[ée]ral|allgemein|universit|A\.Z\.", re.IGNORECASE), "hospital_general"),
)
#: Rule 2 - words in the site's name (hospital name + site name) for sites without a category, checked by hand on
#: GISCO BE.csv (2020): PZ/OPZ/P.Z. (psychiatrisch ziekenhuis), PC/P.C./UPC (psychiatrisch centrum), Karus (the merged
#: P.Z. Sint-Camillus / Melle), "santé mentale", "neuropsychiatrique", CRP (centre régional psychiatrique).
NAME_PSYCHIATRIC = re.compile(r"psychiatr|\bO?PZ\b|\bP\.\s?Z\.|\bU?PC\b|\bP\.\s?C\.|\bKARUS\b|\bSANTE MENTALE\b|"
                              r"\bSANTÉ MENTALE\b|\bCRP\b|KAMILLUS|CAMILLUS", re.IGNORECASE)
#: Rule 3 - names of sites that are neither acute general nor psychiatric hospitals: hospices, rehabilitation
#: (revalidatie / réadaptation / CNRF / CTR) and palliative homes ("foyer").
NAME_OTHER = re.compile(r"HOSPICE|REVALIDATI|R[ÉE]ADAPTATION|\bCNRF\b|\bCTR\b|\bFOYER\b", re.IGNORECASE)
#: Rule 4 - sites checked by hand whose name says nothing (GISCO id -> subtype, why).
SITE_OVERRIDES = {
    "2240": ("hospital_psychiatric", "ZNA Joostens (Zoersel) is ZNA's psychiatric site"),
    "2330": ("hospital_psychiatric", "ISOSL Hôpital Péri (Liège) is a psychiatric hospital"),
    "3180": ("hospital_other", "GHdC I.M.T.R. (Loverval) is a rehabilitation institute"),
}
#: Rule 5 - general hospital words in a name.
NAME_GENERAL = re.compile(r"ZIEKENHUI|H[OÔ]PITA|HOSPITA|CLINIQUE|KLINIEK|KLINIK|\bA\.?Z\.?\b|\bCHU\b|\bCHR\b|\bZNA\b|"
                          r"\bGZA\b|\bCHIREC\b|\bC\.H\.|MEDISCH CENTRUM|CENTRE M[ÉE]DICAL|CENTRE HOSPITALIER", re.IGNORECASE)


def classify_hospital(name: str, facility_type=None, source_id=None) -> tuple[str, str]:
    """``(subtype, rule)`` of one hospital site; ``rule`` says which test decided it."""
    if isinstance(facility_type, str) and facility_type.strip():
        for pattern, subtype in FACILITY_TYPE_RULES:
            if pattern.search(facility_type):
                return subtype, f"facility_type {facility_type.strip()!r}"
    name = "" if name is None or (isinstance(name, float) and pd.isna(name)) else str(name)
    if source_id is not None and str(source_id) in SITE_OVERRIDES:
        subtype, why = SITE_OVERRIDES[str(source_id)]
        return subtype, f"checked by hand: {why}"
    if NAME_PSYCHIATRIC.search(name):
        return "hospital_psychiatric", f"name contains {NAME_PSYCHIATRIC.search(name).group(0)!r}"
    if NAME_OTHER.search(name):
        return "hospital_other", f"name contains {NAME_OTHER.search(name).group(0)!r}"
    if NAME_GENERAL.search(name):
        return "hospital_general", f"name contains {NAME_GENERAL.search(name).group(0)!r} (general hospital word)"
    return "hospital_other", "no category and no known word in the name"


def classify_hospitals(sites: pd.DataFrame) -> pd.DataFrame:
    """``service_subtype``, ``type_derived`` (True: not stated by the source) and ``type_rule`` for each site.

    ``sites`` needs ``name`` and optionally ``facility_type`` and ``source_id``; the result is aligned to its index.
    """
    facility = sites["facility_type"] if "facility_type" in sites else pd.Series(None, index=sites.index, dtype=object)
    ids = sites["source_id"] if "source_id" in sites else pd.Series(None, index=sites.index, dtype=object)
    decided = [classify_hospital(n, f, i) for n, f, i in zip(sites["name"].tolist(), facility.tolist(), ids.tolist())]
    out = pd.DataFrame(decided, columns=["service_subtype", "type_rule"], index=sites.index)
    out["type_derived"] = ~out["type_rule"].str.startswith("facility_type")
    return out[["service_subtype", "type_derived", "type_rule"]]


def hospital_classification(services: pd.DataFrame) -> pd.DataFrame:
    """The hospital sites of a services layer with their subtype and rule (for the Data page and reports):
    ``name, city, capacity, service_subtype, type_derived, type_rule, inside_region``, sorted by subtype and name."""
    if "service_type" not in services:
        return pd.DataFrame(columns=["name", "service_subtype", "type_derived", "type_rule"])
    sites = services[services["service_type"].eq(HOSPITAL_FAMILY)]
    if "service_subtype" not in sites:
        sites = sites.join(classify_hospitals(sites))
    columns = [c for c in ("name", "city", "capacity", "service_subtype", "type_derived", "type_rule", "inside_region") if c in sites]
    return sites[columns].sort_values(["service_subtype", "name"])
