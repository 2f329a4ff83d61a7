"""The same report in the six languages, and the Arabic and Chinese pages in headless
Chromium (issue 14): Arabic is laid out right to left, the translated text is there, and
every character of the page is drawn with a real glyph (no "tofu" boxes).

Tofu check: Chromium draws a character no installed font covers as the .notdef box. Each
distinct character of the page's text is drawn on a canvas with the page's own font stack
and compared, pixel for pixel, with the drawing of an unassigned code point (which is
tofu by definition); CSS.getPlatformFontsForNode also names the fonts Chromium really used.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from support.contrast import low_contrast_text
from support.reports import run_json

from meetcheck.cli import cli
from meetcheck.i18n import LANGUAGES

EXPECTED_VERDICT = {
    "ar": "غير جاهز", "zh": "未就绪", "en": "NOT READY", "fr": "PAS PRÊT", "ru": "НЕ ГОТОВ",
    "es": "NO LISTO",
}  # fmt: skip
EXPECTED_FIX_HEADING = {
    "ar": "ما يجب إصلاحه", "zh": "需要解决的问题", "en": "What to fix",
    "fr": "Ce qu’il faut corriger", "ru": "Что нужно исправить", "es": "Qué debe corregir",
}  # fmt: skip
OS_TITLE = {"ar": "نظام التشغيل ونوع الجهاز", "zh": "操作系统与设备类型"}

# Draw every distinct character of the page with the font of the element it is in, and the
# same for two unassigned code points (U+0378, U+0379: the .notdef box). A character whose
# pixels equal the box's is tofu.
TOFU_JS = r"""
(() => {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const fonts = new Map();   // char -> font of its element
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || el.closest('svg, title')) continue;
    const style = getComputedStyle(el);
    const font = `${style.fontWeight} 24px ${style.fontFamily}`;
    for (const ch of n.data) if (!/\s/u.test(ch) && !fonts.has(ch)) fonts.set(ch, font);
  }
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 48;
  const ctx = canvas.getContext('2d', {willReadFrequently: true});
  const draw = (ch, font) => {
    ctx.clearRect(0, 0, 48, 48); ctx.font = font; ctx.fillStyle = '#000';
    ctx.textBaseline = 'middle'; ctx.fillText(ch, 8, 24);
    const data = ctx.getImageData(0, 0, 48, 48).data;
    let ink = 0, sig = '';
    for (let i = 3; i < data.length; i += 4) {
      if (data[i]) ink++;
      sig += data[i] > 127 ? '1' : '0';
    }
    return {ink, sig, width: ctx.measureText(ch).width};
  };
  const body = getComputedStyle(document.body);
  const baseFont = `${body.fontWeight} 24px ${body.fontFamily}`;
  const box1 = draw('\u0378', baseFont), box2 = draw('\u0379', baseFont);
  const tofu = [];
  for (const [ch, font] of fonts) {
    if (/[\u2068\u2069\u200e\u200f]/u.test(ch)) continue;   // bidi controls draw nothing
    const ref = draw('\u0378', font), got = draw(ch, font);
    if (got.sig === ref.sig) tofu.push(ch);
  }
  return {chars: fonts.size, tofu, boxInk: box1.ink, boxesEqual: box1.sig === box2.sig};
})()
"""


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """One real run (a NOT READY report in English), then `report render --lang` into the
    six languages, HTML and text."""
    root = tmp_path_factory.mktemp("i18n-browser")
    result, data = run_json(root, "--only", "x", "--only", "y", "--only", "system", "--lang", "en")
    assert data["verdict"] == "NOT READY", result.output
    source = root / "report.json"
    pages = {}
    for lang in LANGUAGES:
        html = root / f"report.{lang}.html"
        text = root / f"report.{lang}.txt"
        out = CliRunner().invoke(
            cli,
            ["--plugins-dir", str(root / "plugs"), "report", "render", "--lang", lang,
             str(source), "-o", str(html), "-o", str(text)],
            catch_exceptions=False,
        )  # fmt: skip
        assert out.exit_code == 0, out.output
        pages[lang] = (html, text)
    return root, pages


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_language_renders_its_verdict_lang_and_text(rendered, lang) -> None:
    _, pages = rendered
    html = pages[lang][0].read_text(encoding="utf-8")
    tag = {"zh": "zh-Hans"}.get(lang, lang)
    root = f'<html lang="{tag}" dir="rtl">' if lang == "ar" else f'<html lang="{tag}">'
    assert root in html
    assert f'data-verdict="NOT READY">{EXPECTED_VERDICT[lang]}</h1>' in html
    assert EXPECTED_FIX_HEADING[lang] in html
    text = pages[lang][1].read_text(encoding="utf-8")
    assert EXPECTED_VERDICT[lang] in text.splitlines()[0]
    if lang != "en":  # the fixed English sentences are gone
        for sentence in ("What to fix", "How to fix", "Nothing to fix", "Environment"):
            assert sentence not in html, sentence
        assert "Verdict:" not in text and "measured:" not in text


@pytest.fixture(scope="module")
def browser():
    from support.cdp import Chromium

    with Chromium(netns=True, window=(1100, 900)) as chromium:
        yield chromium


def _fonts_used(page, selector: str) -> dict[str, int]:
    """Font family -> glyphs Chromium drew with it, for the text of ``selector``."""
    page.send("DOM.enable")
    page.send("CSS.enable")
    root = page.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    node = page.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    fonts = page.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    return {f["familyName"]: f["glyphCount"] for f in fonts}


@pytest.mark.parametrize(("lang", "direction", "script_font"), [
    ("ar", "rtl", "Arabic"), ("zh", "ltr", "CJK"),
])  # fmt: skip
def test_arabic_and_chinese_pages_in_chromium(rendered, browser, lang, direction, script_font):
    root, pages = rendered
    page = browser.open(pages[lang][0].as_uri())
    try:
        banner = page.evaluate(
            "(() => { const b = document.querySelector('.banner');"
            " return {dir: getComputedStyle(b).direction, h1: b.querySelector('h1').innerText,"
            " doc: document.documentElement.dir, lang: document.documentElement.lang}; })()"
        )
        assert banner["dir"] == direction
        assert banner["h1"] == EXPECTED_VERDICT[lang]
        body = page.evaluate("document.body.innerText")
        assert OS_TITLE[lang] in body and EXPECTED_FIX_HEADING[lang] in body

        # Mirrored layout: in Arabic the check cards' coloured edge is on the right, ids
        # and numbers stay left to right.
        edge = page.evaluate(
            "(() => { const s = getComputedStyle(document.querySelector('.check'));"
            " return [s.borderRightWidth, s.borderLeftWidth]; })()"
        )
        assert edge == (["6px", "1px"] if lang == "ar" else ["1px", "6px"])
        shot = page.screenshot(root / f"report.{lang}.png")  # for a person to look at
        assert shot.stat().st_size > 20_000
        assert page.evaluate("getComputedStyle(document.querySelector('code')).direction") == "ltr"
        assert low_contrast_text(page) == []  # WCAG 2.1 AA holds in these scripts too

        # The glyphs come from a font of the script, and none is a tofu box.
        used = _fonts_used(page, "h1")
        assert any(script_font in family for family in used), used
        report = page.evaluate(TOFU_JS)
        assert report["boxInk"] > 20 and report["boxesEqual"], report  # the detector works
        assert report["chars"] > 40, report
        assert report["tofu"] == [], report
        page.evaluate("document.body.insertAdjacentHTML('beforeend', '<p>x\u0378</p>')")
        assert page.evaluate(TOFU_JS)["tofu"] == ["\u0378"]  # a real box would be caught
        assert page.errors == [], page.errors
    finally:
        browser.send("Target.closeTarget", {"targetId": page.target})


def test_json_is_the_same_in_every_language_but_its_texts(rendered) -> None:
    root, _ = rendered
    source = json.loads((root / "report.json").read_text(encoding="utf-8"))
    out = root / "again.ar.json"
    args = ["report", "render", "--lang", "ar", str(root / "report.json"), "-o", str(out)]
    result = CliRunner().invoke(cli, ["--plugins-dir", str(root / "plugs"), *args])
    assert result.exit_code == 0, result.output
    ar = json.loads(out.read_text(encoding="utf-8"))
    assert ar["language"] == "ar" and source["language"] == "en"
    assert ar["verdict"] == source["verdict"] and ar["summary"] == source["summary"]
    for a, b in zip(ar["results"], source["results"], strict=True):
        assert (a["id"], a["status"], a["category"]) == (b["id"], b["status"], b["category"])
        for fa, fb in zip(a["findings"], b["findings"], strict=True):
            assert fa["measurements"] == fb["measurements"]
            assert fa["threshold"] == fb["threshold"]
