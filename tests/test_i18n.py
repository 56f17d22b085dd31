"""The one label table: every key in every language with the same placeholders, every key the code asks for exists, one
number format per language, French names and exports; every app page in French and English shows no key or Dutch."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest

from zorgzones import export, export_pack, printmap as pm
from zorgzones.i18n import LABELS, LANGUAGES, format_number, localized_names, t
from zorgzones.indicators import INDICATORS, demo_label
from zorgzones.settings import LEVELS
from zorgzones.zones import Plan

REPO = Path(__file__).resolve().parents[1]
APP = str(REPO / "app.py")
NNBSP = "\u202f"


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_key_in_every_language_with_the_same_placeholders():
    problems = []
    for key, entry in LABELS.items():
        if len(entry) != len(LANGUAGES) or not all(isinstance(x, str) and x.strip() for x in entry):
            problems.append(f"{key}: expected {len(LANGUAGES)} non-empty texts {LANGUAGES}, got {entry!r}")
            continue
        if len({frozenset(_fields(x)) for x in entry}) != 1:
            problems.append(f"{key}: placeholders differ between languages: {[sorted(_fields(x)) for x in entry]}")
    assert not problems, "\n".join(problems)


def test_missing_language_falls_back_but_is_caught(monkeypatch):
    monkeypatch.setitem(LABELS, "zz_two", ("twee", "two"))  # a merge that forgot French
    assert t("zz_two", "fr") == "two" and t("zz_two", "nl") == "twee"
    with pytest.raises(AssertionError):
        test_every_key_in_every_language_with_the_same_placeholders()


def _keys_asked_by_code() -> set[str]:
    """Every literal key passed to t(...) in the package and the app, plus the keys built from names (levels, services,
    indicators)."""
    pattern = re.compile(r"""\bt\(\s*["']([a-z0-9_]+)["']""")
    keys = set()
    for path in list((REPO / "zorgzones").glob("*.py")) + list((REPO / "app_pages").glob("*.py")) + [REPO / "app.py"]:
        keys |= set(pattern.findall(path.read_text(encoding="utf-8")))
    keys |= {f"level_{level}" for level in LEVELS} | {f"one_{level}" for level in LEVELS}
    for indicator in INDICATORS.values():
        if indicator.growth_year is not None:
            keys |= {"ind_growth", "unit_growth", f"growth_who_{indicator.whom}"}
        elif indicator.measure is None:
            keys |= {f"ind_{indicator.key}", f"unit_{indicator.key}"}
        else:
            keys |= {f"unit_{indicator.measure}", f"whom_{indicator.whom}", f"svc1_{indicator.service_type}",
                     f"service_{indicator.service_type}"}
            keys.add(f"ind_{indicator.key}" if indicator.measure == "travel_min" else f"supply_what_{indicator.service_type}")
    return keys


def test_every_key_the_code_asks_for_exists():
    missing = sorted(k for k in _keys_asked_by_code() if k not in LABELS)
    assert not missing, f"keys used in the code but not in zorgzones/i18n.py: {missing}"


@pytest.mark.parametrize("lang, whole, decimal", [("nl", "7.921.513", "1.234,57"), ("fr", f"7{NNBSP}921{NNBSP}513", f"1{NNBSP}234,57"),
                                                  ("en", "7,921,513", "1,234.57")])
def test_numbers_per_language(lang, whole, decimal):
    assert format_number(7_921_513, 0, lang) == whole
    assert format_number(1234.567, 2, lang) == decimal
    assert format_number(0.197, 1, lang, scale=100) == ("19.7" if lang == "en" else "19,7")
    assert format_number(float("nan"), 1, lang) == "-" and format_number(None, 0, lang) == "-"
    assert format_number(-1500, 0, lang) == {"nl": "-1.500", "fr": f"-1{NNBSP}500", "en": "-1,500"}[lang]


def test_french_names_fall_back_to_dutch(demo_bundle):
    units = demo_bundle.units("municipality")
    assert localized_names(units, "fr").str.startswith("Commune de démo").all()
    assert (localized_names(units, "nl") == units["name"]).all()
    neighbourhoods = demo_bundle.units("neighbourhood")  # no French names there: Dutch ones
    assert (localized_names(neighbourhoods, "fr") == neighbourhoods["name"]).all()
    one = units.assign(name_fr=[None] + list(units["name_fr"].iloc[1:]))
    assert localized_names(one, "fr").iloc[0] == units["name"].iloc[0]


@pytest.mark.slow
def test_real_french_municipality_names(bundle):
    units = bundle.units("municipality")
    names = dict(zip(units["name"], localized_names(units, "fr")))
    assert names["Elsene"] == "Ixelles" and names["Antwerpen"] == "Anvers" and names["Brussel"] == "Bruxelles"
    assert units["name_fr"].notna().all()


def test_french_pack_and_map(demo_bundle, tmp_path):
    plan = Plan.from_bundle(demo_bundle, "elz")
    data = export_pack.pack_data(demo_bundle, plan, lang="fr")
    zone_id = data.zone_ids[0]
    text = PdfReader(pm.save_figure(export_pack.zone_figure(data, zone_id, page="Page 2 / 10"), tmp_path / "z.pdf")).pages[0].extract_text()
    assert "Chiffre clé" in text and "Commune de démo" in text and demo_label("fr") in text and "Sources :" in text
    pop = int(data.metrics.at[zone_id, "pop_total"])
    assert format_number(pop, 0, "fr") in text.replace(" ", NNBSP) or format_number(pop, 0, "fr").replace(NNBSP, " ") in text
    out = export.write_map(tmp_path / "carte.pdf", demo_bundle, plan=plan, lang="fr", with_services=True)
    text = PdfReader(out).pages[0].extract_text()
    assert "Part des 65+ par commune" in text and "Limite de zone" in text and "Pharmacie" in text and "Carte réalisée le" in text


def test_french_cli_exports(demo_bundle, tmp_path, monkeypatch):
    from zorgzones.cli import main

    monkeypatch.setenv("ZORGZONES_DATA_DIR", str(tmp_path / "data"))
    assert main(["export", "pack", "-o", str(tmp_path / "p.pdf"), "--demo", "--lang", "fr", "--quiet", "--zones", "d1,d2", "--title",
                 "Voorstel B"]) == 2  # unknown zone ids: one clear message
    zones = Plan.from_bundle(demo_bundle, "elz").zone_ids
    assert main(["export", "pack", "-o", str(tmp_path / "p.pdf"), "--demo", "--lang", "fr", "--quiet", "--zones", ",".join(zones[:2]),
                 "--title", "Voorstel B", "--classes", "zone"]) == 0
    reader = PdfReader(tmp_path / "p.pdf")
    assert len(reader.pages) == 3 and reader.metadata.title == "Dossier plénier - Voorstel B"
    assert main(["export", "html", "-o", str(tmp_path / "c.html"), "--demo", "--lang", "fr", "--no-basemap"]) == 0
    page = (tmp_path / "c.html").read_text(encoding="utf-8")
    assert "Toutes les sources et licences" in page and ("Commune de démo" in page or "Commune de d\\u00e9mo" in page)
    assert main(["export", "data", "-o", str(tmp_path / "d.xlsx"), "--demo", "--lang", "fr"]) == 0
    labels = pd.read_excel(tmp_path / "d.xlsx", sheet_name="labels")
    assert labels.set_index("column").at["share_65plus", "label"] == "Part des 65+"


# -- the app: no key and no Dutch shown in French or English ----------------------------------------------------------
KEY_LIKE = re.compile(r"^[a-z]+(_[a-z0-9]+)+$")
#: Texts the app shows that are the same in every language or come from data (plan titles, zone and unit names).
DATA_TEXT = re.compile(r"(Demo|SYNTHETISCH|zorgzones|elz|Eerstelijnszones|\(\d+\)|^[A-Z0-9 .,:%+/()-]*$)")


def _shown(node, out: list) -> None:
    """Every label, value and option of an AppTest element tree."""
    widget = isinstance(getattr(node, "label", None), str)
    for attr in ("label", "value", "body", "placeholder", "help"):
        if widget and attr == "value":
            continue  # a widget's value is its raw option (a code), its shown text is in label and options
        try:
            value = getattr(node, attr)
        except Exception:  # noqa: BLE001 (some elements have no such property)
            continue
        if isinstance(value, str) and value:
            out.append(value)
        elif isinstance(value, pd.DataFrame):  # table heads
            out.extend(str(c) for c in value.columns)
    try:
        options = getattr(node, "options")
    except Exception:  # noqa: BLE001
        options = None
    if isinstance(options, (list, tuple)):
        out.extend(o for o in options if isinstance(o, str))
    for child in getattr(node, "children", {}).values() if isinstance(getattr(node, "children", None), dict) else []:
        _shown(child, out)


def untranslated(texts: list[str], lang: str) -> list[str]:
    """Texts that are an i18n key, or (in French/English) a Dutch label whose translation differs."""
    dutch = {entry[0]: entry for entry in LABELS.values()}
    index = LANGUAGES.index(lang)
    bad = []
    for text in texts:
        line = text.strip()
        if line in LABELS or (KEY_LIKE.match(line) and line not in ("share_65plus",)):
            bad.append(line)
        elif lang != "nl" and line in dutch and dutch[line][index] != line and not DATA_TEXT.search(line):
            bad.append(line)
    return bad


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_page_translated(monkeypatch, tmp_path, lang):
    monkeypatch.setenv("ZORGZONES_DATA_DIR", str(tmp_path / "data"))
    at = AppTest.from_file(APP, default_timeout=240)
    at.query_params["lang"] = lang
    at.run()
    assert not at.exception
    problems = {}
    for page in ("explore", "access", "planner", "export", "data"):
        if page != "explore":
            at.switch_page(f"app_pages/{page}.py").run()
        assert not at.exception, (page, at.exception)
        texts: list[str] = []
        _shown(at.main, texts)
        _shown(at.sidebar, texts)
        assert texts, page
        bad = untranslated(texts, lang)
        if bad:
            problems[page] = bad
    assert not problems, f"untranslated in {lang}: {problems}"
    assert at.radio(key="lang").value == lang


def test_untranslated_finds_keys_and_dutch():
    assert untranslated(["page_explore", "Verkennen", "Explorer"], "fr") == ["page_explore", "Verkennen"]
    assert untranslated(["Verkennen"], "nl") == []


def test_finding_templates_name_the_same_values_in_every_language():
    import string

    from zorgzones.i18n import LABELS

    for key, texts in LABELS.items():
        if key.startswith("finding_"):
            fields = [{f for _, f, _, _ in string.Formatter().parse(text) if f} for text in texts]
            assert len(texts) == 3 and fields[0] == fields[1] == fields[2], key


def test_no_key_is_defined_twice():
    """A second ``LABELS.update`` block (each feature adds its own) must not silently replace an existing label."""
    source = (REPO / "zorgzones" / "i18n.py").read_text(encoding="utf-8")
    keys = re.findall(r'^\s+"([a-z0-9_]+)":\s*\(', source, flags=re.M)
    twice = sorted({k for k in keys if keys.count(k) > 1})
    assert not twice, f"labels defined more than once in zorgzones/i18n.py: {twice}"


def test_every_service_kind_has_a_singular():
    """'1 algemeen ziekenhuis', not the raw key, on pack pages: each plural ``service_<kind>`` has its ``svc1_<kind>``."""
    kinds = {k.removeprefix("service_") for k in LABELS if k.startswith("service_")} - {"type", "types"}
    assert sorted(k for k in kinds if f"svc1_{k}" not in LABELS) == []
