"""The roster rules a secretariat's batch run applies across rows.

The notice gives each delegation two speaker connections, one primary and one alternate,
each with a personal address and link. Over a whole roster: per delegation exactly one
primary and one alternate, with distinct addresses and distinct links; and no link or
address used by two people anywhere (a forwarded link). A plain function, so the batch
command and its tests call it directly.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from meetcheck.checks.registration._catalog import N_, _, ngettext
from meetcheck.i18n import localize
from meetcheck.linktoken import mask_email, tokens_in_url
from meetcheck.participant import Participant
from meetcheck.redact import redact_url

SPEAKER_ROLES = ("primary", "alternate")
MISSING = {
    "primary": N_("{delegation}: no primary speaker"),
    "alternate": N_("{delegation}: no alternate speaker"),
}
SHARED = {
    "same-address": N_(
        "the same e-mail address {address} is used by {rows}: each speaker needs their own address"
    ),
    "same-link": N_(
        "the same personal link {address} is used by {rows}: "
        "a forwarded link: two people on one link break each other's connection"
    ),
}


@dataclass(frozen=True)
class RosterProblem:
    """One rule broken; ``rows`` are 0-based indexes into the roster given."""

    rule: str  # "missing-role", "extra-role", "same-address", "same-link"
    delegation: str
    rows: tuple[int, ...]
    message: str


def _norm_email(email: str) -> str:
    return email.strip().lower()


def _norm_link(link: str) -> str:
    """Scheme and host case-insensitive, a trailing slash ignored; path and query kept.
    A link with a readable token (JWT, meetcheck) is the token: the same token behind
    two different-looking links is the same personal link."""
    found = tokens_in_url(link.strip())
    if found:
        return "token:" + repr(sorted(found[0].claims.items(), key=str))
    try:
        p = urlsplit(link.strip())
    except ValueError:
        return link.strip()
    return urlunsplit((p.scheme.lower(), p.netloc.lower(), p.path.rstrip("/"), p.query, ""))


def _extra(role: str, n: int) -> str:
    """'{n} primary speakers (rows ...)': plural forms need literal msgids to be extracted."""
    if role == "primary":
        return ngettext(
            "{delegation}: {n} primary speaker (rows {rows}); the notice allows one",
            "{delegation}: {n} primary speakers (rows {rows}); the notice allows one",
            n,
        )
    return ngettext(
        "{delegation}: {n} alternate speaker (rows {rows}); the notice allows one",
        "{delegation}: {n} alternate speakers (rows {rows}); the notice allows one",
        n,
    )


def roster_problems(rows: Sequence[Participant] | Iterable[Participant]) -> list[RosterProblem]:
    """Every roster rule broken, in a stable order. Listeners and interpreters count only
    for the "same address / same link" rules."""
    people = list(rows)
    out: list[RosterProblem] = []
    by_delegation: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(people):
        if p.role in SPEAKER_ROLES:
            by_delegation[p.delegation.strip()].append(i)
    for delegation in sorted(by_delegation):
        idx = by_delegation[delegation]
        name = delegation or _("(no delegation)")
        for role in SPEAKER_ROLES:
            holders = tuple(i for i in idx if people[i].role == role)
            if not holders:
                message = localize(MISSING[role]).format(delegation=name)
                out.append(RosterProblem("missing-role", delegation, tuple(idx), message))
            elif len(holders) > 1:
                message = _extra(role, len(holders)).format(
                    delegation=name, n=len(holders), rows=", ".join(str(h + 1) for h in holders)
                )
                out.append(RosterProblem("extra-role", delegation, holders, message))
    for rule, key, show in (
        ("same-address", lambda p: _norm_email(p.email), lambda p: mask_email(p.email)),
        ("same-link", lambda p: _norm_link(p.link), lambda p: redact_url(p.link)),
    ):
        groups: dict[str, list[int]] = defaultdict(list)
        for i, p in enumerate(people):
            k = key(p)
            if k:
                groups[k].append(i)
        for idx in groups.values():
            if len(idx) < 2:
                continue
            names = functools.reduce(
                lambda done, row: _("{list}, {item}").format(list=done, item=row),
                (
                    _("row {row} ({name})").format(row=i + 1, name=people[i].name or "?")
                    for i in idx
                ),
            )
            delegations = {people[i].delegation.strip() for i in idx}
            message = localize(SHARED[rule]).format(address=show(people[idx[0]]), rows=names)
            out.append(RosterProblem(rule, ", ".join(sorted(delegations)), tuple(idx), message))
    return out
