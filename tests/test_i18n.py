"""Reports in the six UN languages (issue 14): choosing the language, translating with
values formatted after translation, plural rules, plugin catalogs through
``meetcheck_register_catalogs``, and re-rendering a saved report in another language."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from meetcheck.check import Check, Finding, Metric
from meetcheck.checks.system._catalog import catalog as system_catalog
from meetcheck.checks.system.cpu import Processor
from meetcheck.cli import cli
from meetcheck.i18n import (
    LANGUAGES,
    Text,
    UnsupportedLanguage,
    current_language,
    localize,
    use_language,
)
from meetcheck.i18n.language import choose
from meetcheck.i18n.text import render_recipe
from meetcheck.testing import run_check_sync

_, N_, ngettext = system_catalog.gettext, system_catalog.mark, system_catalog.ngettext


def invoke(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False, env=env)


# -- choosing the language ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("option", "environ", "expected"),
    [
        ("ar", {"LANG": "fr_FR.UTF-8"}, "ar"),  # --lang wins
        (None, {"LC_ALL": "", "LC_MESSAGES": "ru_RU.UTF-8", "LANG": "fr_FR"}, "ru"),
        (None, {"LC_ALL": "zh_CN.UTF-8", "LC_MESSAGES": "ru_RU"}, "zh"),
        (None, {"LANG": "es_MX.UTF-8"}, "es"),
        (None, {"LANG": "de_DE.UTF-8"}, "en"),  # not one of the six: English
        (None, {"LANG": "C.UTF-8"}, "en"),
        (None, {}, "en"),
    ],
)
def test_language_from_option_then_locale_then_english(option, environ, expected) -> None:
    assert choose(option, environ) == expected


def test_unsupported_language_is_exit_2_listing_the_six() -> None:
    result = invoke("check", "--lang", "de", "--only", "system.os")
    assert result.exit_code == 2
    assert "ar, zh, en, fr, ru, es" in result.output
    with pytest.raises(UnsupportedLanguage):
        choose("xx", {})


def test_the_language_is_per_run_state_not_a_global() -> None:
    assert current_language() == "en"
    with use_language("fr"):
        assert current_language() == "fr"
        with use_language("ar"):
            assert current_language() == "ar"
        assert current_language() == "fr"

        async def language() -> str:
            return current_language()

        async def in_task() -> str:  # tasks (and so checks) inherit it
            return await asyncio.create_task(language())

        assert asyncio.run(in_task()) == "fr"
    assert current_language() == "en"
    result = invoke("check", "--lang", "ru", "-q", "--only", "system.os")
    assert "Операционная система" in result.output
    assert current_language() == "en"  # the command's choice ended with it


# -- translating ---------------------------------------------------------------------------
def test_values_are_formatted_after_translation_and_the_recipe_is_kept() -> None:
    with use_language("zh"):
        text = _("only {value} logical CPUs (profile wants at least {limit})").format(
            value=2, limit=4
        )
    assert text == "仅有 2 个逻辑处理器（配置要求至少 4 个）"
    assert text.to_dict() == {
        "domain": "meetcheck-system",
        "msgid": "only {value} logical CPUs (profile wants at least {limit})",
        "args": {"value": 2, "limit": 4},
    }
    with use_language("ru"):
        assert text.localized() == "логических процессоров всего 2 (профиль требует не менее 4)"
    catalogs = {"meetcheck-system": system_catalog}
    with use_language("fr"):
        again = render_recipe(text.to_dict(), catalogs, "fallback")
    assert again == "seulement 2 processeurs logiques (le profil en demande au moins 4)"
    assert render_recipe({**text.to_dict(), "domain": "gone"}, catalogs, "as saved") == "as saved"


@pytest.mark.parametrize(
    ("lang", "counts"),
    [
        ("ar", {0: "لا توجد", 1: "جلسة سابقة واحدة", 2: "جلستان", 3: "3 جلسات", 11: "11 جلسة"}),
        ("ru", {1: "1 предыдущее заседание", 3: "3 предыдущих заседания",
                5: "5 предыдущих заседаний", 21: "21 предыдущее заседание"}),
        ("zh", {1: "之前的 1 场", 7: "之前的 7 场"}),
        ("fr", {0: "0 séance précédente", 1: "1 séance précédente", 2: "2 séances"}),
        ("en", {1: "1 earlier session already", 2: "2 earlier sessions already"}),
    ],
)  # fmt: skip
def test_plural_forms_follow_each_languages_rules(lang, counts) -> None:
    with use_language(lang):
        for n, expected in counts.items():
            text = ngettext(
                "{message}; {n} earlier session already over",
                "{message}; {n} earlier sessions already over",
                n,
            ).format(message="M", n=n)
            assert expected in text.replace("\u2068", "").replace("\u2069", ""), (n, text)


def test_values_in_arabic_text_are_bidi_isolated_and_nowhere_else() -> None:
    """Numbers, ids and names inside right-to-left text sit in FSI..PDI isolates, so
    '2' or 'system.cpu' never reorder the Arabic words around them."""
    template = "{system} {release} is not a tested desktop system"
    with use_language("ar"):
        text = _(template).format(system="Linux", release="6.1")
    fsi, pdi = "\u2068", "\u2069"
    assert text == f"{fsi}Linux{pdi} {fsi}6.1{pdi} ليس من أنظمة الحواسيب المكتبية التي جرى اختبارها"
    with use_language("fr"):
        assert "\u2068" not in _(template).format(system="Linux", release="6.1")


def test_class_attributes_are_marked_and_translated_where_shown() -> None:
    assert Processor.title == "Processor: cores and current load"  # English in the class
    assert isinstance(Processor.title, Text)
    with use_language("es"):
        assert localize(Processor.title) == "Procesador: núcleos y carga actual"
        assert localize(Processor.metrics["cpu_count"].description) == "procesadores lógicos"
        result = run_check_sync(Processor, profile={"thresholds": {"cpu_count": {"warn": 999}}})
    assert result.title == "Procesador: núcleos y carga actual"
    assert "procesadores lógicos (el perfil exige al menos 999)" in result.findings[0].message
    assert result.findings[0].remediation.startswith("Esta computadora tiene pocos núcleos")


def test_judge_translates_its_own_additions() -> None:
    class Cores(Check):
        id = "acme.cores"
        title = "Cores"
        metrics = {"cores": Metric("CPUs", higher_is_worse=False)}

        async def run(self, ctx):
            return ctx.judge("cores", 2, ok=_("{value} logical CPUs"), bad="{value} < {limit}",
                             note=_("this system does not report its load"))  # fmt: skip

    with use_language("zh"):
        result = run_check_sync(Cores)
    # the plain-str template stays as written; the note and the core's wording translate
    assert result.findings[0].message == "2 个逻辑处理器；此系统不报告其负载（配置中未设阈值）"


# -- plugins ship catalogs -----------------------------------------------------------------
PLUGIN = '''
from meetcheck import Check, Finding, register_checks
from meetcheck.i18n import Catalog, register_catalogs

catalog = Catalog.beside(__file__, "acme")
_, N_, ngettext = catalog.gettext, catalog.mark, catalog.ngettext


class Headset(Check):
    id = "acme.headset"
    title = N_("Headset")
    remediation = N_("Use a USB headset.")

    async def run(self, ctx):
        n = 3
        return Finding.warn(ngettext("{n} dropout", "{n} dropouts", n).format(n=n))


meetcheck_register_checks = register_checks(Headset)
meetcheck_register_catalogs = register_catalogs(catalog)
'''
UNTRANSLATED = '''
from meetcheck import Check, Finding, register_checks


class Room(Check):
    id = "bare.room"
    title = "Room is quiet"

    async def run(self, ctx):
        return Finding.passed("quiet enough")


meetcheck_register_checks = register_checks(Room)
'''
ACME = {
    "fr": {"Headset": "Casque", "Use a USB headset.": "Utilisez un casque USB.",
           ("{n} dropout", "{n} dropouts"): ("{n} coupure", "{n} de coupures", "{n} coupures")},
    "ar": {"Headset": "سماعة رأس", "Use a USB headset.": "استخدموا سماعة رأس USB.",
           ("{n} dropout", "{n} dropouts"): ("لا انقطاع", "انقطاع واحد", "انقطاعان",
                                             "{n} انقطاعات", "{n} انقطاعًا", "{n} انقطاع")},
}  # fmt: skip


@pytest.fixture
def plugin_dir(tmp_path: Path) -> Path:
    """Two directory plugins: ``acme`` with a French and Arabic catalog, ``bare`` without."""
    maintain = pytest.importorskip("meetcheck.i18n.maintain")  # Babel builds the test .mo
    plugins = tmp_path / "plugs"
    plugins.mkdir()
    (plugins / "acme.py").write_text(PLUGIN)
    (plugins / "bare.py").write_text(UNTRANSLATED)
    from meetcheck.i18n import Catalog

    catalog = Catalog.beside(str(plugins / "acme.py"), "acme")
    maintain.update(catalog, ["fr", "ar"], others=[])
    for lang, table in ACME.items():
        po = maintain.read(catalog.po_path(lang), lang, "acme")
        for msg in po:
            if msg.id:
                msg.string = table[msg.id if isinstance(msg.id, str) else tuple(msg.id)]
        maintain.write(po, catalog.po_path(lang))
    maintain.compile_catalog(catalog)
    yield plugins
    for name in ("acme", "bare"):
        sys.modules.pop(f"meetcheck_plugins.{name}", None)


def test_a_plugin_catalog_translates_its_checks_and_re_renders(plugin_dir, tmp_path) -> None:
    out = tmp_path / "r.json"
    result = invoke("--plugins-dir", str(plugin_dir), "check", "-q", "--only", "acme",
                    "--only", "bare", "--lang", "fr", "-o", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["language"] == "fr"
    acme, bare = (r for r in data["results"] if r["id"] in ("acme.headset", "bare.room"))
    assert acme["title"] == "Casque"
    assert acme["findings"][0]["message"] == "3 coupures"
    assert acme["findings"][0]["remediation"] == "Utilisez un casque USB."
    assert acme["findings"][0]["i18n"]["message"] == {
        "domain": "acme", "msgid": "{n} dropout", "plural": "{n} dropouts", "n": 3,
        "args": {"n": 3},
    }  # fmt: skip
    assert bare["title"] == "Room is quiet" and "i18n" not in bare  # its own English

    ar = tmp_path / "ar.json"
    result = invoke("--plugins-dir", str(plugin_dir), "report", "render", "--lang", "ar",
                    str(out), "--format", "json", "-o", str(ar))  # fmt: skip
    assert result.exit_code == 0, result.output
    again = json.loads(ar.read_text())
    acme = next(r for r in again["results"] if r["id"] == "acme.headset")
    assert again["language"] == "ar"
    assert acme["title"] == "سماعة رأس"
    # Arabic's form for 3-10, the number isolated so it keeps its order in RTL text
    assert acme["findings"][0]["message"] == "\u20683\u2069 انقطاعات"
    assert again["verdict"] == data["verdict"]  # machines' values never change
    assert [r["id"] for r in again["results"]] == [r["id"] for r in data["results"]]

    # Without the plugin installed, its texts stay as saved; the core's still translate.
    result = invoke("report", "render", "--lang", "ru", str(out), "--format", "json",
                    "-o", str(tmp_path / "ru.json"))  # fmt: skip
    assert result.exit_code == 0, result.output
    ru = json.loads((tmp_path / "ru.json").read_text())
    acme = next(r for r in ru["results"] if r["id"] == "acme.headset")
    assert acme["title"] == "Casque"


def test_system_family_report_re_renders_in_each_language(tmp_path) -> None:
    out = tmp_path / "fr.json"
    result = invoke("check", "-q", "--only", "system", "--lang", "fr", "--format", "json",
                    "-o", str(out))  # fmt: skip
    assert result.exit_code in (0, 1), result.output
    data = json.loads(out.read_text())
    titles = {r["id"]: r["title"] for r in data["results"]}
    assert titles["system.os"] == "Système d’exploitation et type d’appareil"
    assert data["results"][0]["reason"] == "nécessite un fichier de réunion (--meeting)"
    expected = {
        "ar": "نظام التشغيل ونوع الجهاز", "zh": "操作系统与设备类型",
        "en": "Operating system and device type", "ru": "Операционная система и тип устройства",
        "es": "Sistema operativo y tipo de dispositivo",
    }  # fmt: skip
    for lang in LANGUAGES:
        target = tmp_path / f"{lang}.json"
        result = invoke("report", "render", "--lang", lang, str(out), "-o", str(target))
        assert result.exit_code == 0, result.output
        again = json.loads(target.read_text())
        os_result = next(r for r in again["results"] if r["id"] == "system.os")
        assert os_result["title"] == expected.get(lang, titles["system.os"])
        assert again["language"] == lang


def test_reports_from_before_translation_still_render(tmp_path) -> None:
    """No ``language``, no ``i18n``: an older report is valid and shown as it is."""
    out = tmp_path / "r.json"
    invoke("check", "-q", "--only", "system.os", "--format", "json", "-o", str(out))
    data = json.loads(out.read_text())
    data.pop("language")
    for r in data["results"]:
        r.pop("i18n", None)
        for f in r["findings"]:
            f.pop("i18n", None)
    out.write_text(json.dumps(data))
    result = invoke("report", "render", "--lang", "zh", str(out))
    assert result.exit_code == 0, result.output
    assert "Operating system and device type" in result.output


def test_choosing_a_language_imports_no_babel() -> None:
    code = textwrap.dedent(
        """
        import sys
        from meetcheck.cli import main
        try:
            main(["check", "-q", "--only", "system.os", "--lang", "ar"])
        except SystemExit:
            pass
        print("BABEL" if any(m.split(".")[0] == "babel" for m in sys.modules) else "NONE")
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert "نظام التشغيل" in out.stdout
    assert out.stdout.strip().splitlines()[-1] == "NONE"


def test_finding_without_recipe_is_shown_as_is() -> None:
    f = Finding.warn("plain English from a plugin")
    assert "i18n" not in f.to_dict()
    with use_language("fr"):
        f2 = Finding.warn(_("{system} is a phone or tablet system").format(system="Android"))
    assert f2.to_dict()["i18n"]["message"]["args"] == {"system": "Android"}


def _english_fragments() -> set[str]:
    """Word runs of at least three words from every English msgid of the core and the
    system family (split at placeholders): what must not appear in another language."""
    import re

    from meetcheck.checks.system._catalog import catalog as system
    from meetcheck.i18n.core import catalog as core

    pytest.importorskip("babel")
    from meetcheck.i18n import maintain

    fragments = set()
    for cat in (core, system):
        for msg in maintain.read(cat.po_path("en"), "en", cat.domain):
            ids = [msg.id] if isinstance(msg.id, str) else list(msg.id)
            for text in ids:
                for part in re.split(r"\{[^}]*\}", text or ""):
                    words = re.findall(r"[A-Za-z']+", part)
                    if len(words) >= 3:
                        fragments.add(" ".join(words))
    return fragments


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_run_shows_no_english_sentence(lang, tmp_path) -> None:
    """`meetcheck check` of the translated family in each language: the terminal report and
    the progress lines carry no English sentence of ours (profile sources, ids, names and
    units aside: they are not sentences of meetcheck's catalogs)."""
    import re

    from support.reports import run_cli

    result = run_cli(tmp_path, "--only", "system", "--lang", lang, "--timezone", "Asia/Tokyo")
    assert result.exit_code in (0, 1, 3), result.output
    shown = " ".join(re.findall(r"[A-Za-z']+", result.output))
    english = sorted(f for f in _english_fragments() if f in shown)
    if lang == "en":  # the control: the same run in English is full of them
        assert len(english) >= 8, english
    else:
        assert english == [], english


def test_plugins_lists_catalogs_and_translated_text_pickles() -> None:
    """``meetcheck plugins`` names each plugin's catalog and its languages; a translated
    text survives pickling (a report handed between processes keeps its recipes)."""
    import pickle

    rows = json.loads(invoke("plugins", "--json").output)["plugins"]
    listing = {row["name"]: row for row in rows}
    assert listing["checks.system"]["catalogs"] == {"meetcheck-system": list(LANGUAGES)}
    assert "meetcheck" in listing["i18n.core"]["catalogs"]
    with use_language("ru"):
        text = _("{value} logical CPUs").format(value=8)
        again = pickle.loads(pickle.dumps(text))
        assert again == text and again.to_dict() == text.to_dict()
        assert again.localized() == "логических процессоров: 8"



def test_the_locale_chooses_the_language_of_a_run(monkeypatch) -> None:
    """No --lang: LC_ALL, LC_MESSAGES, LANG decide, as for any program on the machine."""
    monkeypatch.setenv("LANG", "es_ES.UTF-8")
    result = invoke("check", "-q", "--only", "system.os")
    assert "Sistema operativo y tipo de dispositivo" in result.output
    monkeypatch.setenv("LC_ALL", "de_DE.UTF-8")  # the first one set decides: not ours, English
    assert "Operating system and device type" in invoke("check", "-q", "--only", "system.os").output
