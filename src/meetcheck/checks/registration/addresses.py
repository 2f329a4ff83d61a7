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
        out.append(Problem("spaces", "fail", "the address contains spaces"))
    if any(unicodedata.category(c) in ("Cc", "Cf", "Co", "Cn") for c in address):
        out.append(
            Problem("invisible", "fail", "the address contains invisible or control characters")
        )
    if address.count("@") != 1:
        out.append(Problem("at", "fail", f"the address has {address.count('@')} '@' signs, not 1"))
        return out
    local, domain = address.split("@")
    if not local:
        out.append(Problem("local", "fail", "nothing before the '@'"))
    elif len(local) > 64:
        out.append(Problem("local", "fail", "the part before the '@' is over 64 characters"))
    elif local.isascii() and not _LOCAL_ASCII.match(local):
        out.append(Problem("local", "fail", "the part before the '@' has characters not allowed"))
    elif local.startswith(".") or local.endswith(".") or ".." in local:
        out.append(Problem("local", "fail", "misplaced dots before the '@'"))
    if "." not in domain.strip("."):
        out.append(Problem("domain", "fail", f"the domain {domain!r} has no dot"))
    elif domain.isascii() and not all(_DOMAIN_LABEL.match(x) for x in domain.split(".")):
        out.append(Problem("domain", "fail", f"the domain {domain!r} is not a valid name"))
    if len(address) > 254:
        out.append(Problem("length", "fail", "the address is over 254 characters"))
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
        out.append(
            Problem("confusable", "fail", f"the address has letters that imitate Latin: {shown}")
        )
    for part, name in ((address.split("@")[0], "name"), (address.split("@")[-1], "domain")):
        found = scripts(part.replace(".", ""))
        if len(found) > 1:
            out.append(
                Problem(
                    "mixed-scripts",
                    "fail",
                    f"the {name} part mixes {' and '.join(sorted(s.title() for s in found))} "
                    "letters",
                )
            )
    if not out:
        out.append(
            Problem(
                "non-ascii",
                "warn",
                "the address has non-Latin characters; some mail systems cannot deliver to it",
            )
        )
    return out


def generic_reason(address: str, patterns: list[str] | tuple[str, ...] = ()) -> str:
    """Why the address is a generic or role mailbox ('' when it looks personal).

    Built-in words match the part before the '@' or its first word (``mission.geneva@``);
    ``patterns`` are shell-style globs (``*.mission``, ``pm-*``) matched against the part
    before the '@', or against the whole address when the pattern holds an '@'.
    """
    local, _, domain = address.strip().lower().rpartition("@")
    if not local:
        return ""
    words = [w for w in _SPLIT.split(local) if w]
    stripped = local.rstrip("0123456789")
    for word in GENERIC_WORDS:
        if stripped == word or (words and words[0].rstrip("0123456789") == word):
            return f"{word!r} is an office mailbox"
    for pattern in patterns:
        p = pattern.lower()
        subject = f"{local}@{domain}" if "@" in p else local
        if fnmatch.fnmatchcase(subject, p):
            return f"it matches the profile's generic pattern {pattern!r}"
    return ""
