"""Host names that imitate the meeting platform's: the shapes phishing links take.

A personal link that points to ``interprefy.com.example.net``, ``lnterprefy.com`` or
``іnterprefy.com`` (Cyrillic ``і``) looks right at a glance. These rules compare a host
with the meeting file's ``[platform] hosts`` and say why it imitates one; a look-alike is
never contacted. Pure functions, so every rule is unit-tested on its own.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from meetcheck.checks.links._catalog import _

# Characters that render like Latin letters or digits (a subset of Unicode's confusables
# table, UTS #39, covering Cyrillic, Greek, Armenian and typographic look-alikes).
CONFUSABLES = {
    "а": "a", "в": "b", "с": "c", "ԁ": "d", "е": "e", "ё": "e", "һ": "h", "і": "i",
    "ї": "i", "ј": "j", "к": "k", "ӏ": "l", "м": "m", "н": "h", "о": "o", "р": "p",
    "ԛ": "q", "ѕ": "s", "т": "t", "ц": "u", "ѵ": "v", "ԝ": "w", "х": "x", "у": "y",
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
    "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "γ": "y", "ω": "w",
    "օ": "o", "ս": "u", "ց": "g", "հ": "h", "ո": "n", "ւ": "l",
    "ı": "i", "ȷ": "j", "ɑ": "a", "ɡ": "g", "ɩ": "i", "ʟ": "l", "ℓ": "l", "ⅼ": "l",
    "ａ": "a", "ｅ": "e", "ｏ": "o", "０": "0", "１": "1",
}  # fmt: skip
# ASCII sequences read as another letter at a glance (after lower-casing).
ASCII_LOOKALIKES = (("rn", "m"), ("vv", "w"), ("cl", "d"), ("0", "o"), ("1", "l"), ("i", "l"))


@dataclass(frozen=True)
class Lookalike:
    """Why ``host`` imitates ``target`` (one of the allowed hosts)."""

    rule: str  # punycode, mixed-scripts, confusable, subdomain, one-edit, other-domain
    target: str
    detail: str  # a translated text: why it imitates


def normalise_host(host: str) -> str:
    return host.strip().rstrip(".").lower()


def _same_form(host: str) -> str:
    """Lower-case Unicode form, so a name listed as ``bücher.example`` matches a link to
    ``xn--bcher-kva.example`` and the other way round."""
    return to_unicode(normalise_host(host))


def to_unicode(host: str) -> str:
    """``xn--`` labels decoded (IDNA); a label that does not decode stays as it is."""
    out = []
    for label in host.split("."):
        if label.startswith("xn--"):
            try:
                label = label.encode("ascii").decode("idna")
            except UnicodeError:
                pass
        out.append(label)
    return ".".join(out)


def script_of(char: str) -> str:
    """'LATIN', 'CYRILLIC', 'GREEK', ... from the character's Unicode name; '' for the
    characters every script shares (digits, hyphen, dot)."""
    if char.isascii() and not char.isalpha():
        return ""
    name = unicodedata.name(char, "")
    if not name:
        return "UNKNOWN"
    first = name.split(" ", 1)[0]
    if first in ("DIGIT", "HYPHEN-MINUS", "FULL", "FULLWIDTH"):
        return "" if first != "FULLWIDTH" else "FULLWIDTH"
    return first


def scripts(text: str) -> set[str]:
    return {s for s in map(script_of, text) if s}


def skeleton(text: str) -> str:
    """The ASCII a reader sees: confusables mapped to Latin, accents stripped, lower-case,
    then the ASCII look-alike pairs (``rn`` -> ``m``) folded, so two names that render
    alike have the same skeleton."""
    mapped = "".join(CONFUSABLES.get(c, c) for c in text.lower())
    plain = unicodedata.normalize("NFKD", mapped)
    plain = "".join(c for c in plain if not unicodedata.combining(c)).lower()
    for seq, like in ASCII_LOOKALIKES:
        plain = plain.replace(seq, like)
    return plain


def edit_distance(a: str, b: str, limit: int = 2) -> int:
    """Damerau-Levenshtein distance (optimal string alignment), capped at ``limit + 1``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return min(prev[-1], limit + 1)


def is_listed(host: str, allowed: list[str]) -> bool:
    """The host is an allowed one or a subdomain of one (``app.rsi.example.org``)."""
    h = _same_form(host)
    for a in map(_same_form, allowed):
        if a and (h == a or h.endswith("." + a)):
            return True
    return False


def lookalike(host: str, allowed: list[str], max_edits: int = 1) -> Lookalike | None:
    """Why ``host`` imitates an allowed host, or None. A listed host is never a look-alike."""
    h = normalise_host(host)
    if not h or is_listed(h, allowed) or _is_ip(h):
        return None
    shown = to_unicode(h)
    targets = [a for a in map(normalise_host, allowed) if a and not _is_ip(a)]
    broken = [x for x in shown.split(".") if x.startswith("xn--")]
    if broken:
        why = _("{label} is not a valid internationalised name").format(label=repr(broken[0]))
        return Lookalike("punycode", "", why)
    idn = shown != h or not h.isascii()
    if idn:
        found = scripts(shown.replace(".", ""))
        for a in targets:
            if skeleton(shown) == skeleton(a) or _under(skeleton(shown), skeleton(a)):
                rule = "punycode" if shown != h else "confusable"
                why = _("{host} renders like {target}").format(host=repr(shown), target=repr(a))
                return Lookalike(rule, a, why)
        if len(found) > 1:
            names = sorted(s.title() for s in found)  # Unicode script names: Cyrillic, Latin
            listed = names[0]
            for name in names[1:]:
                listed = _("{first} and {second}").format(first=listed, second=name)
            why = _("{host} mixes {scripts} letters").format(host=repr(shown), scripts=listed)
            return Lookalike("mixed-scripts", targets[0] if targets else "", why)
        for a in targets:
            if edit_distance(skeleton(shown), skeleton(a), max_edits) <= max_edits:
                why = _("{host} renders almost like {target}").format(
                    host=repr(shown), target=repr(a)
                )
                return Lookalike("confusable", a, why)
    for a in targets:
        labels, wanted = h.split("."), a.split(".")
        # The whole allowed name used as labels of another domain.
        for i in range(len(labels) - len(wanted)):
            if labels[i : i + len(wanted)] == wanted:
                why = _("{target} is used as a subdomain of another domain")
                return Lookalike("subdomain", a, why.format(target=repr(a)))
        if h.isascii():
            if max_edits > 0 and edit_distance(h, a, max_edits) <= max_edits:
                why = _("{host} differs from {target} by one character")
                return Lookalike("one-edit", a, why.format(host=repr(h), target=repr(a)))
            if skeleton(h) == skeleton(a):
                why = _("{host} reads like {target}")
                return Lookalike("confusable", a, why.format(host=repr(h), target=repr(a)))
        # The allowed name's main label in a domain of someone else's (interprefy.org,
        # login-interprefy.net); a sibling under the same parent (example.org for
        # rsi.example.org) belongs to the same owner.
        if len(wanted) >= 2 and labels[-2:] == wanted[-2:]:
            continue
        main = wanted[-2] if len(wanted) >= 2 else wanted[0]
        if len(main) >= 4 and any(
            part == main or part.startswith(main + "-") or part.endswith("-" + main)
            for part in labels[:-1]
        ):
            why = _("{name} appears in a domain that is not {target}")
            return Lookalike("other-domain", a, why.format(name=repr(main), target=repr(a)))
    return None


def _is_ip(host: str) -> bool:
    """Addresses are compared exactly, never as look-alike names."""
    import ipaddress

    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        return False


def _under(shown: str, allowed: str) -> bool:
    return shown.endswith("." + allowed)
