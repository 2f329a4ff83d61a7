"""English left in a translated page: runs of three or more words from the English msgids
of meetcheck's catalogs (names, ids, units and URLs are not in them), and what a reader of
an HTML page sees. Shared by the tests that show no English sentence of ours in another
language (the demo run, the self-test page)."""

from __future__ import annotations

import html
import re


def english_fragments() -> set[str]:
    """Runs of three or more words from every English msgid of every built-in domain
    (split at placeholders)."""
    from meetcheck.i18n import maintain

    fragments = set()
    for catalog in maintain.builtin_catalogs().values():
        for msg in maintain.read(catalog.po_path("en"), "en", catalog.domain):
            for text in [msg.id] if isinstance(msg.id, str) else list(msg.id):
                for part in re.split(r"\{[^}]*\}", text or ""):
                    if re.search(r"[/+=]", part):  # a formula (RTT/2 + 2 x jitter): kept as is
                        continue
                    words = re.findall(r"[A-Za-z']+", part)
                    if len(words) >= 3:
                        fragments.add(" ".join(words))
    return fragments


def visible_text(page: str) -> str:
    """What a reader of the HTML page sees (and a screen reader hears): no scripts or
    styles, tags dropped, alt texts and labels kept."""
    page = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", page)
    page = re.sub(r'<span lang="en" translate="no">[^<]*</span>', " ", page)
    attrs = " ".join(re.findall(r'(?:alt|aria-label|title)="([^"]*)"', page))
    return html.unescape(re.sub(r"<[^>]+>", " ", page) + " " + attrs)
