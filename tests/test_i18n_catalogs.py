"""Completeness of the translations, as CI sees it (issue 14).

Every message the code of a built-in domain marks (core, and each check family that has
its catalog) is in each of the six languages' ``.po``, translated, with exactly the
``{placeholders}`` of the English, and compiled into an up-to-date ``.mo``. New English
text without a catalog entry therefore fails here. Needs Babel (the ``test`` extra).
"""

from __future__ import annotations

import gettext
import re
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("babel")

from meetcheck.i18n import (  # noqa: E402
    LANGUAGES,
    Catalog,
    maintain,  # noqa: E402
)

ROOT = Path(__file__).resolve().parents[1]
FAMILIES_DIR = ROOT / "src" / "meetcheck" / "checks"
CATALOGS = maintain.builtin_catalogs()

#: Check families whose texts are not in a catalog yet. This list only shrinks: a family
#: that gets its catalog (domain ``meetcheck-FAMILY``) must leave it, and the tests below
#: then hold it to the same completeness as every other domain. (One entry per line, a
#: comment between them, so branches removing different families merge cleanly.)
NOT_YET_TRANSLATED: set[str] = {
}


def families() -> list[str]:
    return sorted(
        p.name for p in FAMILIES_DIR.iterdir() if p.is_dir() and not p.name.startswith("_")
    )


def test_every_family_has_a_catalog_or_is_listed_as_not_yet_translated() -> None:
    assert "meetcheck" in CATALOGS, "the core domain is not registered"
    for family in families():
        has = f"meetcheck-{family}" in CATALOGS
        if family in NOT_YET_TRANSLATED:
            assert not has, f"{family} has its catalog now: remove it from NOT_YET_TRANSLATED"
        else:
            assert has, f"check family {family} registers no catalog meetcheck-{family}"


@pytest.mark.parametrize("domain", sorted(CATALOGS))
def test_domain_is_complete_in_six_languages(domain: str) -> None:
    catalog = CATALOGS[domain]
    assert maintain.extract(catalog, CATALOGS.values()), f"{domain} marks no message"
    found = maintain.problems(catalog, others=CATALOGS.values())
    assert not found, "\n".join(map(str, found))


@pytest.mark.parametrize("domain", sorted(CATALOGS))
def test_plural_forms_follow_each_language(domain: str) -> None:
    """The compiled catalogs carry CLDR's plural rules: Arabic six forms, Russian three,
    Chinese one (checked on what gettext itself reads, not on the .po text)."""
    want = {"ar": 6, "ru": 3, "zh": 1, "fr": 3, "es": 3}
    for lang, n in want.items():
        mo = CATALOGS[domain].mo_path(lang)
        with mo.open("rb") as fh:
            translations = gettext.GNUTranslations(fh)
        assert f"nplurals={n};" in translations.info()["plural-forms"].replace(" ", "")


def _package(tmp_path: Path, source: str) -> Catalog:
    pkg = tmp_path / "acme"
    pkg.mkdir()
    (pkg / "checks.py").write_text(textwrap.dedent(source))
    return Catalog.beside(str(pkg / "checks.py"), "acme")


def test_new_english_text_without_a_catalog_entry_is_caught(tmp_path: Path) -> None:
    catalog = _package(tmp_path, 'from x import _\nA = _("{n} headsets found")\n')
    maintain.update(catalog, others=[])
    for lang in LANGUAGES:  # everything translated and compiled: clean
        po = maintain.read(catalog.po_path(lang), lang, "acme")
        for msg in po:
            if msg.id:
                msg.string = "{n} casques" if lang != "en" else msg.id
        maintain.write(po, catalog.po_path(lang))
    maintain.compile_catalog(catalog)
    assert maintain.problems(catalog, others=[]) == []

    source = Path(catalog.directory.parent / "checks.py")
    source.write_text(source.read_text() + 'B = _("Use a wired Ethernet cable.")\n')
    found = maintain.problems(catalog, others=[])
    assert {p.language for p in found} == set(LANGUAGES)
    assert all("not in the catalog" in p.what for p in found)


def test_dropped_placeholder_untranslated_and_stale_mo_are_caught(tmp_path: Path) -> None:
    catalog = _package(
        tmp_path,
        """
        from x import _, ngettext
        A = _("only {value} logical CPUs")
        B = ngettext("{n} dropout", "{n} dropouts", 3)
        C = _("Use a headset.")
        """,
    )
    maintain.update(catalog, others=[])
    strings = {
        "only {value} logical CPUs": "seulement {valeur} processeurs",  # renamed
        ("{n} dropout", "{n} dropouts"): ("{n} coupure", "{n} de coupures", "coupures"),
    }
    po = maintain.read(catalog.po_path("fr"), "fr", "acme")
    for msg in po:
        key = msg.id if isinstance(msg.id, str) else tuple(msg.id)
        msg.string = strings.get(key, "")  # "Use a headset." stays untranslated
    maintain.write(po, catalog.po_path("fr"))
    maintain.compile_catalog(catalog)
    found = [str(p) for p in maintain.problems(catalog, ["fr"], others=[])]
    assert any("only {value}" in p and "['valeur']" in p for p in found), found
    assert any("plural form 2" in p for p in found), found  # {n} dropped from "other"
    assert any("Use a headset." in p and "not translated" in p for p in found), found

    po = maintain.read(catalog.po_path("fr"), "fr", "acme")
    for msg in po:
        if msg.id == "Use a headset.":
            msg.string = "Utilisez un casque."
    maintain.write(po, catalog.po_path("fr"))  # edited, not compiled again
    found = [str(p) for p in maintain.problems(catalog, ["fr"], others=[])]
    assert any("stale" in p for p in found), found


def test_arabic_may_spell_out_one_and_two_but_not_three(tmp_path: Path) -> None:
    """Arabic's forms for exactly 0, 1 and 2 may write the number as a word; the forms
    used for many counts must keep ``{n}``."""
    catalog = _package(tmp_path, 'from x import ngettext\nA = ngettext("{n} min", "{n} min", 2)\n')
    maintain.update(catalog, ["ar"], others=[])
    po = maintain.read(catalog.po_path("ar"), "ar", "acme")
    for msg in po:
        if msg.id:
            msg.string = ("لا دقائق", "دقيقة واحدة", "دقيقتان", "{n} دقائق", "{n} دقيقة", "دقيقة")
    maintain.write(po, catalog.po_path("ar"))
    maintain.compile_catalog(catalog)
    found = [str(p) for p in maintain.problems(catalog, ["ar"], others=[])]
    assert len(found) == 1 and "plural form 5" in found[0], found


# Chinese text takes full-width punctuation (，；：（）); Arabic its own comma, semicolon and
# question mark (، ؛ ؟). An ASCII mark right next to a Han or Arabic letter is a slip.
HAN, ARABIC = "\u4e00-\u9fff", "\u0600-\u06ff"
SLIPS = {
    "zh": re.compile(f"[{HAN}][,;:()]|[,;:(][{HAN}]"),
    "ar": re.compile(f"[{ARABIC}]\\s?[,;?]"),
}


@pytest.mark.parametrize("domain", sorted(CATALOGS))
@pytest.mark.parametrize("lang", sorted(SLIPS))
def test_chinese_and_arabic_punctuation(domain: str, lang: str) -> None:
    po = maintain.read(CATALOGS[domain].po_path(lang), lang, domain)
    slips = []
    for msg in po:
        strings = msg.string if isinstance(msg.string, tuple | list) else [msg.string]
        slips += [s for s in strings if msg.id and s and SLIPS[lang].search(s)]
    assert not slips, slips


#: Words that read the same in every language here: product names, protocol terms, units.
SAME_EVERYWHERE = {"Python", "WireGuard", "HTTP", "DEVTYPE", "Retry", "After", "port", "STUN"}
WORD = re.compile(r"[A-Za-z]{4,}")


@pytest.mark.parametrize("domain", sorted(CATALOGS))
@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
def test_no_english_sentence_is_passed_off_as_a_translation(domain: str, lang: str) -> None:
    """An English msgstr counts as 'translated' to gettext; a catalog update can leave
    one behind (it did: a moved message came back in English in es, fr and ru)."""
    po = maintain.read(CATALOGS[domain].po_path(lang), lang, domain)
    copies = []
    for msg in po:
        if not msg.id or isinstance(msg.id, tuple | list) or msg.string != msg.id:
            continue
        words = set(WORD.findall(re.sub(r"\{[^}]*\}", "", msg.id))) - SAME_EVERYWHERE
        if len(words) >= 2:  # a single word may be a cognate: "Audio", "Microphone", "Error"
            copies.append(msg.id)
    assert not copies, f"English left as the {lang} translation: {copies}"
