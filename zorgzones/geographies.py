"""Reference geographies (province, arrondissement, care region) as plans."""

from __future__ import annotations

import re

import pandas as pd

#: Reference plans the bundle carries, in the order planning documents name them (finest first).
REFERENCE_PLANS = ("arrondissement", "province", "care_region")
#: Zone id of Brussels in the care-region plan: the 15 regional care zones cover Flanders only.
BRUSSELS_CARE_ZONE = "brussels"
BRUSSELS_REGION_ID = "04000"
BRUSSELS_NAMES = {"nl": "Brussels Hoofdstedelijk Gewest", "fr": "Région de Bruxelles-Capitale"}
#: Why Brussels is a zone of its own in each reference plan (shown in plan_info["flagged_zones"]).
BRUSSELS_FLAGS = {
    "province": "Brussels-Capital Region belongs to no province; kept as its own zone (not a province)",
    "arrondissement": "",
    "care_region": "Brussels is not part of the 15 Flemish regional care zones; kept as its own zone (not a care region)",
}
_PREFIXES = re.compile(r"^(Provincie |Province (?:de |du |d')?|Arrondissement (?:de |d')?)", re.IGNORECASE)


def short_name(name: str) -> str:
    """``Arrondissement Turnhout`` -> ``Turnhout``, ``Province d'Anvers`` -> ``Anvers``, ``Provincie Antwerpen`` -> ``Antwerpen``."""
    return _PREFIXES.sub("", str(name)).strip()


def _info(plan: str, title: str, rows: pd.DataFrame, units: pd.DataFrame, *, notes: str, sources: list[str],
          flagged: dict[str, str], names_fr: dict[str, str] | None = None) -> dict:
    pop = units["pop_total"].groupby(rows.set_index("unit_id")["zone_id"].reindex(units.index)).sum()
    names = rows.drop_duplicates("zone_id").set_index("zone_id")["zone_name"]
    smallest, largest = pop.idxmin(), pop.idxmax()
    return {
        "name": plan, "title": title, "kind": "reference", "level": "municipality", "zones": int(pop.size),
        "min_population": int(pop.min()), "min_zone": f"{smallest} {names[smallest]}",
        "max_population": int(pop.max()), "max_zone": f"{largest} {names[largest]}",
        "band": None, "band_preset": None, "notes": notes, "sources": sources,
        "flagged_zones": {z: why for z, why in flagged.items() if why and z in pop.index},
        "zone_names_fr": dict(names_fr or {}),
    }


def reference_plans(municipalities: pd.DataFrame, *, refnis: pd.DataFrame, care_region_of: pd.Series | None = None,
                    care_region_names: pd.Series | None = None, sources: dict[str, list[str]] | None = None) -> tuple[pd.DataFrame, dict]:
    """Province, arrondissement and (when ``care_region_of`` is given) care-region plans of the municipalities.

    ``municipalities`` needs ``province_id``, ``arrondissement_id``, ``region`` and ``pop_total`` (index unit_id);
    ``refnis`` is ``code, name_nl, name_fr`` (Statbel REFNIS); ``care_region_of`` maps municipality -> care region
    code and ``care_region_names`` code -> name. Brussels is a zone of its own in every plan (see BRUSSELS_FLAGS).
    Returns the plan rows (``unit_id, zone_id, zone_name, plan, level``) and plan_info per plan.
    """
    sources = sources or {}
    refnis = refnis.set_index("code")
    brussels = municipalities["region"].eq("brussels")
    frames, info = [], {}

    def add(plan: str, zone: pd.Series, names_nl: dict, names_fr: dict, title: str, notes: str) -> None:
        rows = pd.DataFrame({"unit_id": municipalities.index.astype(object), "zone_id": zone.to_numpy(dtype=object)})
        rows = rows[rows["zone_id"].notna()]
        rows["zone_name"] = rows["zone_id"].map(names_nl).fillna(rows["zone_id"])
        rows["plan"], rows["level"] = plan, "municipality"
        frames.append(rows)
        info[plan] = _info(plan, title, rows, municipalities.loc[rows["unit_id"]], notes=notes, sources=sources.get(plan, []),
                           flagged={BRUSSELS_REGION_ID if plan == "province" else BRUSSELS_CARE_ZONE: BRUSSELS_FLAGS[plan]},
                           names_fr=names_fr)

    def refnis_names(codes, column) -> dict:
        return {c: short_name(refnis[column].get(c, c)) for c in codes}

    province = municipalities["province_id"].where(~brussels, BRUSSELS_REGION_ID)
    codes = sorted(province.dropna().unique())
    nl, fr = refnis_names(codes, "name_nl"), refnis_names(codes, "name_fr")
    nl[BRUSSELS_REGION_ID], fr[BRUSSELS_REGION_ID] = BRUSSELS_NAMES["nl"], BRUSSELS_NAMES["fr"]
    add("province", province, nl, fr, "Provincies (referentie)",
        "Reference geography: the 5 Flemish provinces plus the Brussels-Capital Region as its own zone (Brussels belongs "
        "to no province). No population band: it is not a plan to test but a level to compare zones with.")

    arrondissement = municipalities["arrondissement_id"]
    codes = sorted(arrondissement.dropna().unique())
    add("arrondissement", arrondissement, refnis_names(codes, "name_nl"), refnis_names(codes, "name_fr"),
        "Arrondissementen (referentie)",
        "Reference geography: administrative arrondissements (first two digits of the 2025 NIS code), 22 Flemish plus "
        "Brussel-Hoofdstad (21000); names from Statbel REFNIS (Dutch and French). Since 2025 Tongeren is officially "
        "'Tongeren-Borgloon'; REFNIS still names it Tongeren. No population band.")

    if care_region_of is not None:
        zone = care_region_of.reindex(municipalities.index).astype(object)
        zone = zone.where(~brussels.to_numpy(), BRUSSELS_CARE_ZONE)
        names = {str(k): str(v) for k, v in (care_region_names if care_region_names is not None else pd.Series(dtype=object)).items()}
        names[BRUSSELS_CARE_ZONE] = f"{BRUSSELS_NAMES['nl']} (geen zorgregio)"
        add("care_region", zone, names, {BRUSSELS_CARE_ZONE: f"{BRUSSELS_NAMES['fr']} (pas une région de soins)"},
            "Regionale zorgzones (referentie)",
            "Reference geography: the 15 Flemish regional care zones (zorgregio's, Gezondheidsmakers) from the 2025 "
            "municipality table. Brussels is not part of them: its 19 municipalities form one zone of their own, "
            "flagged 'not a care region' (flagged_zones), so a Brussels zone is compared with Brussels, never with a "
            "Flemish care region. No population band.")
    plans = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["unit_id", "zone_id", "zone_name", "plan", "level"])
    return plans, info
