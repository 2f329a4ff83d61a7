"""Rules for a registered e-mail address: syntax, Unicode tricks, generic mailboxes.

The meeting notice asks speakers to register "a personal email address (i.e. not a
generic Mission/delegation email address)", because the personal link is sent there and
must reach one person. Pure functions, unit-tested rule by rule.
"""

from __future__ import annotations

import fnmatch
import re
import unicodedata
from dataclasses import dataclass

from meetcheck.checks.links.lookalike import CONFUSABLES, scripts
from meetcheck.checks.registration._catalog import N_, _, ngettext
from meetcheck.i18n import localize

# Mailboxes of an office rather than a person (the notice names mission and delegation).
GENERIC_WORDS = (
    "mission", "info", "delegation", "secretariat", "contact", "office", "admin",
    "administration", "reception", "protocol", "embassy", "consulate", "general", "mail",
    "email", "registry", "noreply", "no-reply", "postmaster", "webmaster", "team", "desk",
    "enquiries", "inquiries", "permanent-mission", "permanentmission", "pm", "conference",
    "conferences", "events", "meetings", "hello", "support",
)  # fmt: skip
_SPLIT = re.compile(r"[._+\-]+")
_DOMAIN_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$", re.IGNORECASE)
_LOCAL_ASCII = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$")
# Names of the scripts a delegate's address is most likely to mix (others: their Unicode name).
SCRIPT_NAMES = {
    "LATIN": N_("Latin"), "CYRILLIC": N_("Cyrillic"), "GREEK": N_("Greek"),
    "ARABIC": N_("Arabic"), "HEBREW": N_("Hebrew"), "ARMENIAN": N_("Armenian"),
    "GEORGIAN": N_("Georgian"),
}  # fmt: skip


@dataclass(frozen=True)
class Problem:
    """One rule an address breaks: ``severity`` is 'fail' or 'warn'."""

    rule: str
    severity: str
    message: str


def syntax_problems(address: str) -> list[Problem]:
    """One '@', a domain with a dot, no spaces or control characters, sane lengths."""
    out: list[Problem] = []
    if any(c.isspace() for c in address):
        out.append(Problem("spaces", "fail", _("the address contains spaces")))
    if any(unicodedata.category(c) in ("Cc", "Cf", "Co", "Cn") for c in address):
        out.append(
            Problem("invisible", "fail", _("the address contains invisible or control characters"))
        )
    if address.count("@") != 1:
        n = address.count("@")
        message = ngettext(
            "the address has {n} '@' sign, not 1", "the address has {n} '@' signs, not 1", n
        ).format(n=n)
        out.append(Problem("at", "fail", message))
        return out
    local, domain = address.split("@")
    if not local:
        out.append(Problem("local", "fail", _("nothing before the '@'")))
    elif len(local) > 64:
        out.append(Problem("local", "fail", _("the part before the '@' is over 64 characters")))
    elif local.isascii() and not _LOCAL_ASCII.match(local):
        message = _("the part before the '@' has characters not allowed")
        out.append(Problem("local", "fail", message))
    elif local.startswith(".") or local.endswith(".") or ".." in local:
        out.append(Problem("local", "fail", _("misplaced dots before the '@'")))
    if "." not in domain.strip("."):
        message = _("the domain {domain} has no dot").format(domain=repr(domain))
        out.append(Problem("domain", "fail", message))
    elif domain.isascii() and not all(_DOMAIN_LABEL.match(x) for x in domain.split(".")):
        message = _("the domain {domain} is not a valid name").format(domain=repr(domain))
        out.append(Problem("domain", "fail", message))
    if len(address) > 254:
        out.append(Problem("length", "fail", _("the address is over 254 characters")))
    return out


def unicode_problems(address: str) -> list[Problem]:
    """Characters from other scripts that look like Latin letters, or mixed scripts."""
    if address.isascii():
        return []
    out: list[Problem] = []
    fakes = sorted({c for c in address if c in CONFUSABLES})
    letters = [c for c in address if c.isalpha() and not c.isascii()]
    latin = any(c.isascii() and c.isalpha() for c in address)
    # Look-alikes among Latin letters, or a name written wholly in look-alikes ("раураl"):
    # an address in one non-Latin script of its own is not a trick.
    if fakes and (latin or all(c in CONFUSABLES for c in letters)):
        shown = ", ".join(f"{c!r} (U+{ord(c):04X} {unicodedata.name(c, '?')})" for c in fakes)
        message = _("the address has letters that imitate Latin: {letters}").format(letters=shown)
        out.append(Problem("confusable", "fail", message))
    parts = (
        (address.split("@")[0], N_("the name part mixes {scripts} letters")),
        (address.split("@")[-1], N_("the domain part mixes {scripts} letters")),
    )
    for part, template in parts:
        found = scripts(part.replace(".", ""))
        if len(found) > 1:
            message = localize(template).format(scripts=_script_list(found))
            out.append(Problem("mixed-scripts", "fail", message))
    if not out:
        message = _("the address has non-Latin characters; some mail systems cannot deliver to it")
        out.append(Problem("non-ascii", "warn", message))
    return out


def _script_list(found: set[str]) -> str:
    """'Cyrillic and Latin' (alphabetical in English, as before), in the run's language."""
    names = [localize(SCRIPT_NAMES.get(s, s.title())) for s in sorted(found, key=str.title)]
    text = names[-1]
    for name in reversed(names[:-1]):
        text = _("{first} and {second}").format(first=name, second=text)
    return text


def generic_reason(address: str, patterns: list[str] | tuple[str, ...] = ()) -> str:
    """Why the address is a generic or role mailbox ('' when it looks personal).

    Built-in words match the part before the '@' or its first word (``mission.geneva@``);
    ``patterns`` are shell-style globs (``*.mission``, ``pm-*``) matched against the part
    before the '@', or against the whole address when the pattern holds an '@'.
    """
    local, _at, domain = address.strip().lower().rpartition("@")
    if not local:
        return ""
    words = [w for w in _SPLIT.split(local) if w]
    stripped = local.rstrip("0123456789")
    for word in GENERIC_WORDS:
        if stripped == word or (words and words[0].rstrip("0123456789") == word):
            return _("{word} is an office mailbox").format(word=repr(word))
    for pattern in patterns:
        p = pattern.lower()
        subject = f"{local}@{domain}" if "@" in p else local
        if fnmatch.fnmatchcase(subject, p):
            return _("it matches the profile's generic pattern {pattern}").format(
                pattern=repr(pattern)
            )
    return ""
