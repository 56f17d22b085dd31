"""Plain-words descriptions of need profiles in Dutch, English and French."""

from __future__ import annotations

import numpy as np
import pandas as pd

from zorgzones.indicators import INDICATORS
from zorgzones.settings import PROFILE_NOTABLE_Z

WORD_LANGUAGES = ("nl", "en", "fr")

#: indicator -> ((above nl, en, fr), (below nl, en, fr)).
PHRASES: dict[str, tuple[tuple[str, str, str], tuple[str, str, str]]] = {
    "share_65plus": (("ouder dan gemiddeld", "older than average", "plus âgé que la moyenne"),
                     ("jonger dan gemiddeld", "younger than average", "plus jeune que la moyenne")),
    "share_80plus": (("veel 80-plussers", "many people aged 80+", "beaucoup de personnes de 80 ans et plus"),
                     ("weinig 80-plussers", "few people aged 80+", "peu de personnes de 80 ans et plus")),
    "share_0_14": (("veel kinderen", "many children", "beaucoup d'enfants"),
                   ("weinig kinderen", "few children", "peu d'enfants")),
    "informal_care_ratio": (("veel mogelijke mantelzorgers per 80-plusser", "many potential informal carers per person 80+",
                             "beaucoup d'aidants proches potentiels par personne de 80 ans et plus"),
                            ("weinig mogelijke mantelzorgers per 80-plusser", "few potential informal carers per person 80+",
                             "peu d'aidants proches potentiels par personne de 80 ans et plus")),
    "density_per_km2": (("dichtbevolkt", "densely populated", "densément peuplé"),
                        ("dunbevolkt", "sparsely populated", "peu peuplé")),
    "growth_80plus_2035": (("80+ groeit sterk tegen 2035 (projectie)", "80+ grows fast by 2035 (projection)",
                            "forte croissance des 80+ d'ici 2035 (projection)"),
                           ("80+ groeit traag tegen 2035 (projectie)", "80+ grows slowly by 2035 (projection)",
                            "faible croissance des 80+ d'ici 2035 (projection)")),
}
#: service type -> (nl "een apotheek", en "a pharmacy", fr "d'une pharmacie", nl supply, en supply, fr supply).
SERVICE_WORDS = {
    "pharmacy": ("een apotheek", "a pharmacy", "d'une pharmacie", "apotheken", "pharmacies", "pharmacies"),
    "hospital": ("een ziekenhuis", "a hospital", "d'un hôpital", "ziekenhuisbedden", "hospital beds", "lits d'hôpital"),
    "gp": ("een huisarts", "a GP", "d'un médecin généraliste", "huisartsen", "GPs", "médecins généralistes"),
    "residential_care": ("een woonzorgcentrum", "a residential care home", "d'une maison de repos", "woonzorgplaatsen",
                         "residential care places", "places en maison de repos"),
    "local_service_centre": ("een lokaal dienstencentrum", "a local service centre", "d'un centre de services local",
                             "lokale dienstencentra", "local service centres", "centres de services locaux"),
    "childcare": ("kinderopvang", "childcare", "d'un milieu d'accueil", "kinderopvangplaatsen", "childcare places",
                  "places d'accueil"),
}
_AVERAGE = ("dicht bij het gemiddelde", "close to the average", "proche de la moyenne")
_ESTIMATED = ("leeftijden geschat", "ages estimated", "âges estimés")
_GENERIC = (("{label}: boven het gemiddelde", "{label}: above average", "{label} : au-dessus de la moyenne"),
            ("{label}: onder het gemiddelde", "{label}: below average", "{label} : en dessous de la moyenne"))


def _lang_index(lang: str) -> int:
    return WORD_LANGUAGES.index(lang) if lang in WORD_LANGUAGES else 0


def phrase(key: str, above: bool, lang: str = "nl") -> str:
    """Words for indicator ``key`` lying above (or below) the region average, in ``lang``."""
    i = _lang_index(lang)
    side = 0 if above else 1
    if key in PHRASES:
        return PHRASES[key][side][i]
    indicator = INDICATORS.get(key)
    if indicator is not None and indicator.service_type in SERVICE_WORDS:
        words = SERVICE_WORDS[indicator.service_type]
        if indicator.measure == "travel_min":
            return (("ver van ", "far from ", "loin ") if above else ("dicht bij ", "close to ", "proche "))[i] + words[i]
        if indicator.measure == "supply_per_1000":
            return (("ruim aanbod ", "ample supply of ", "offre abondante de ") if above
                    else ("krap aanbod ", "scarce supply of ", "offre faible de "))[i] + words[3 + i]
    label = indicator.label_nl if indicator is not None and i == 0 else (indicator.label_en if indicator else key)
    return _GENERIC[side][i].format(label=label)


def notable(profile_z: pd.Series, *, threshold: float = PROFILE_NOTABLE_Z) -> list[tuple[str, float]]:
    """Indicators of a profile at least ``threshold`` standard deviations from the region, largest first."""
    items = [(k, float(v)) for k, v in profile_z.items() if np.isfinite(v) and abs(v) >= threshold]
    return sorted(items, key=lambda kv: -abs(kv[1]))


def describe_profile(profile_z: pd.Series, lang: str = "nl", *, estimated: bool = False, age_keys: set | None = None,
                     threshold: float = PROFILE_NOTABLE_Z, max_terms: int = 3) -> str:
    """E.g. "older than average, far from a pharmacy": the ``max_terms`` indicators furthest from the region
    (|z| >= ``threshold``); "(ages estimated)" is added when an age-based term rests on estimated age bands."""
    terms = notable(profile_z, threshold=threshold)[:max_terms]
    i = _lang_index(lang)
    if not terms:
        return _AVERAGE[i]
    text = ", ".join(phrase(key, z > 0, lang) for key, z in terms)
    if estimated and any(key in (age_keys or set()) for key, _ in terms):
        text += f" ({_ESTIMATED[i]})"
    return text[0].upper() + text[1:]
