"""Signed, expiring personal meeting links: ``/join/<token>``.

A personal link is how a delegate is recognised by the platform, so a secretariat needs
to know that a link still works, is the delegate's own, and has not been cut or edited.
The test-meeting server issues such links for its demo participants; the link checks
read ``/join/<token>.json`` to tell valid, expired, damaged and revoked links apart.

Token format (version 1)::

    base64url(payload JSON) "." base64url(HMAC-SHA256(secret, "meetcheck-link.v1." + part 1))

The payload holds ``v`` (1), ``id`` (random, 96 bits), ``email``, ``name``,
``delegation``, ``role``, ``iat`` and ``exp`` (Unix seconds, 0 to :data:`MAX_STAMP`;
a signed token with a time outside that range is treated as tampered).  It is signed, not
encrypted: whoever holds a link can read who it is for, so put nothing secret in it.
Both base64url parts are unpadded and must be canonical, so changing any character of a
token (even an unused low bit) makes it fail.  The signature is compared in constant time.

Clock skew: a link is still accepted up to :data:`LEEWAY` (60 s) after its ``exp``, so
two servers whose clocks differ by less than that agree on whether a link is valid.

Statuses (HTML page, or JSON with ``.json`` or ``Accept: application/json``):
200 valid, 410 expired, 403 tampered (bad signature or format), 404 unknown (signature
good, but the participant is no longer on the roster, their role changed, or the link id
was revoked).  Pages are self-contained HTML, never contain the token, and are sent with
``Cache-Control: no-store`` and ``Referrer-Policy: no-referrer``.  Log lines name the
link id and the outcome, never the token.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
import json
import logging
import secrets
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import jinja2
from aiohttp import web

from meetcheck.linktoken import b64d as _b64d
from meetcheck.linktoken import b64e as _b64e
from meetcheck.linktoken import mask_email
from meetcheck.participant import ROLES

log = logging.getLogger("meetcheck.server.links")

LEEWAY = timedelta(seconds=60)
MAX_TOKEN_CHARS = 4096
# Time stamps a token may hold: 1970 up to the year 3000. Far beyond any link's life, and
# far from datetime's limits, so no date arithmetic on them can overflow.
MAX_STAMP = 32_503_680_000
_DOMAIN = b"meetcheck-link.v1."


@dataclass(frozen=True)
class LinkParticipant:
    """Who a personal link is for."""

    name: str
    email: str
    delegation: str
    role: str


@dataclass(frozen=True)
class LinkClaims:
    """What a verified token says: the participant and the link's own facts."""

    participant: LinkParticipant
    link_id: str
    issued_at: datetime
    expires_at: datetime


class LinkError(Exception):
    """A link that cannot be used; ``status`` is its HTTP status, ``kind`` its JSON status."""

    status = 400
    kind = "invalid"

    def __init__(self, message: str, claims: LinkClaims | None = None) -> None:
        super().__init__(message)
        self.claims = claims


class LinkTampered(LinkError):
    """Bad signature or format: the link was edited, cut short or never issued here."""

    status = 403
    kind = "tampered"


class LinkExpired(LinkError):
    """Genuine but past its expiry (plus :data:`LEEWAY`); ``claims`` says whose it was."""

    status = 410
    kind = "expired"

    @property
    def expires_at(self) -> datetime:
        assert self.claims is not None
        return self.claims.expires_at


class LinkUnknown(LinkError):
    """Genuine, but the participant is off the roster, changed role, or the id is revoked."""

    status = 404
    kind = "unknown"


RosterLookup = Callable[[LinkClaims], LinkParticipant | None]


class Roster:
    """An in-memory roster: participants by e-mail, and revoked link ids.

    Calling it with verified claims gives the current roster entry or None, which is the
    lookup :meth:`LinkSigner.verify` takes.
    """

    def __init__(self, participants: Iterable[LinkParticipant] = ()) -> None:
        self._by_email: dict[str, LinkParticipant] = {}
        self._revoked: set[str] = set()
        for p in participants:
            self.add(p)

    def add(self, participant: LinkParticipant) -> None:
        self._by_email[participant.email.strip().lower()] = participant

    def remove(self, email: str) -> None:
        self._by_email.pop(email.strip().lower(), None)

    def revoke(self, link_id: str) -> None:
        """Make one issued link unknown without touching the participant's other links."""
        self._revoked.add(link_id)

    def get(self, email: str) -> LinkParticipant | None:
        return self._by_email.get(email.strip().lower())

    def __iter__(self) -> Any:
        return iter(list(self._by_email.values()))

    def __len__(self) -> int:
        return len(self._by_email)

    def __call__(self, claims: LinkClaims) -> LinkParticipant | None:
        if claims.link_id in self._revoked:
            return None
        return self.get(claims.participant.email)


def as_lookup(roster: Roster | RosterLookup | Iterable[LinkParticipant]) -> RosterLookup:
    """Accept a :class:`Roster`, a lookup callable, or a plain list (read live, by e-mail)."""
    if isinstance(roster, Roster) or (callable(roster) and not isinstance(roster, Iterable)):
        return roster  # type: ignore[return-value]
    people = roster if isinstance(roster, list | tuple) else list(roster)  # type: ignore[arg-type]

    def lookup(claims: LinkClaims) -> LinkParticipant | None:
        wanted = claims.participant.email.strip().lower()
        for p in people:
            if p.email.strip().lower() == wanted:
                return p
        return None

    return lookup


def _utc(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


class LinkSigner:
    """Issues and verifies personal link tokens with one server secret."""

    def __init__(self, secret: bytes | str, roster: RosterLookup | None = None) -> None:
        key = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
        if len(key) < 16:
            raise ValueError("link secret must be at least 16 bytes")
        self._key = key
        self._roster = roster

    def __repr__(self) -> str:
        return "LinkSigner(<secret hidden>)"

    def _sign(self, payload_b64: str) -> str:
        mac = hmac.new(self._key, _DOMAIN + payload_b64.encode("ascii"), hashlib.sha256)
        return _b64e(mac.digest())

    def issue(
        self, participant: LinkParticipant, expires_at: datetime, *, now: datetime | None = None
    ) -> str:
        """A token for ``participant`` valid until ``expires_at`` (timezone-aware)."""
        if expires_at.tzinfo is None:
            raise ValueError("expires_at must be timezone-aware")
        if participant.role not in ROLES:
            raise ValueError(f"unknown role {participant.role!r} (known: {', '.join(ROLES)})")
        issued = now or datetime.now(UTC)
        if not 0 <= expires_at.timestamp() <= MAX_STAMP:
            raise ValueError("expires_at must lie between 1970 and the year 3000")
        payload = {
            "v": 1,
            "id": secrets.token_urlsafe(12),
            "email": participant.email,
            "name": participant.name,
            "delegation": participant.delegation,
            "role": participant.role,
            "iat": int(issued.timestamp()),
            "exp": int(expires_at.timestamp()),
        }
        raw = json.dumps(payload, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
        payload_b64 = _b64e(raw.encode("utf-8"))
        return f"{payload_b64}.{self._sign(payload_b64)}"

    def verify_claims(
        self, token: str, now: datetime | None = None, *, roster: RosterLookup | None = None
    ) -> LinkClaims:
        """Check signature, then expiry, then the roster; return the link's claims.

        Raises :class:`LinkTampered`, :class:`LinkExpired` or :class:`LinkUnknown`.  The
        participant in the result is the roster's current entry (same e-mail and role).
        """
        if not token or len(token) > MAX_TOKEN_CHARS or not token.isascii():
            raise LinkTampered("link is not a meeting link")
        parts = token.split(".")
        if len(parts) != 2:
            raise LinkTampered("link is not a meeting link")
        payload_b64, sig = parts
        if not hmac.compare_digest(self._sign(payload_b64).encode(), sig.encode()):
            raise LinkTampered("link signature does not match")
        claims = self._claims(payload_b64)
        current = now or datetime.now(UTC)
        if current.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        if current > claims.expires_at + LEEWAY:
            raise LinkExpired("link expired", claims)
        lookup = roster or self._roster
        if lookup is not None:
            entry = lookup(claims)
            if entry is None:
                raise LinkUnknown("participant not on the roster or link revoked", claims)
            same_email = entry.email.strip().lower() == claims.participant.email.strip().lower()
            if not same_email or entry.role != claims.participant.role:
                raise LinkUnknown("roster entry no longer matches the link", claims)
            claims = replace(claims, participant=entry)
        return claims

    def verify(
        self, token: str, now: datetime | None = None, *, roster: RosterLookup | None = None
    ) -> LinkParticipant:
        """The participant a valid link is for; see :meth:`verify_claims` for the errors."""
        return self.verify_claims(token, now, roster=roster).participant

    @staticmethod
    def _claims(payload_b64: str) -> LinkClaims:
        """Decode a signed payload; a signed but unreadable one is treated as tampered."""
        try:
            data = json.loads(_b64d(payload_b64).decode("utf-8"))
            if not isinstance(data, dict) or data.get("v") != 1:
                raise ValueError("unknown link version")
            strings = [data[k] for k in ("id", "email", "name", "delegation", "role")]
            stamps = [data[k] for k in ("iat", "exp")]
            if not all(isinstance(s, str) for s in strings):
                raise ValueError("bad field type")
            if not all(isinstance(t, int) and not isinstance(t, bool) for t in stamps):
                raise ValueError("bad time stamp")
            if not all(0 <= t <= MAX_STAMP for t in stamps):
                raise ValueError("time stamp out of range")
            participant = LinkParticipant(
                data["name"], data["email"], data["delegation"], data["role"]
            )
            return LinkClaims(participant, data["id"], _utc(data["iat"]), _utc(data["exp"]))
        except (ValueError, KeyError, UnicodeDecodeError, binascii.Error, OverflowError, OSError):
            raise LinkTampered("link content is not readable") from None


# --- the /join pages ---------------------------------------------------------------------

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>{{ heading }} - {{ meeting }}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:40em;margin:2em auto;padding:0 1em;
color:#1b1b1b;line-height:1.5}
h1{font-size:1.4em}.ok{color:#14632a}.bad{color:#8a1c1c}
table{border-collapse:collapse}th,td{text-align:left;padding:.2em 1em .2em 0}
.note{border-left:4px solid #c48a00;padding:.5em 1em;background:#fff8e5}
</style></head><body>
<p>{{ meeting }}</p>
<h1 class="{{ 'ok' if status == 'valid' else 'bad' }}">{{ heading }}</h1>
{% if participant %}
<table>
<tr><th>Name</th><td>{{ participant.name }}</td></tr>
<tr><th>Delegation</th><td>{{ participant.delegation }}</td></tr>
<tr><th>Role</th><td>{{ participant.role }}</td></tr>
<tr><th>E-mail</th><td>{{ email_masked }}</td></tr>
</table>
{% endif %}
{% for line in lines %}<p{% if loop.first %} class="note"{% endif %}>{{ line }}</p>
{% endfor %}
</body></html>
"""

_ENV = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
_TEMPLATE = _ENV.from_string(_PAGE)

_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    "Vary": "Accept",
}


def _when(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _facts(
    kind: str, meeting: str, claims: LinkClaims | None
) -> tuple[str, list[str], LinkParticipant | None]:
    """Heading, explanation lines, and the participant the page may name."""
    if kind == "valid":
        assert claims is not None
        p = claims.participant
        return (
            f"This link is for {p.name}",
            [
                "This link is personal. It identifies you to the meeting: do not forward it, "
                "post it or show it on a shared screen. Colleagues need their own link "
                "from the secretariat.",
                f"It is valid until {_when(claims.expires_at)}.",
            ],
            p,
        )
    if kind == "expired":
        assert claims is not None
        return (
            "This link has expired",
            [
                f"This link expired on {_when(claims.expires_at)}. "
                "Ask the secretariat for a new one.",
            ],
            claims.participant,
        )
    if kind == "unknown":
        return (
            "This link is no longer valid",
            [
                f"This link is not (or no longer) registered for {meeting}: it may have "
                "been replaced by a newer one or withdrawn. Ask the secretariat.",
            ],
            None,
        )
    return (
        "This link is damaged",
        [
            "This link is incomplete or has been changed, perhaps cut off when it was "
            "copied. Open it again from the original message, or ask the secretariat for "
            "a new one.",
        ],
        None,
    )


def _wants_json(request: web.Request) -> bool:
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


def setup_links(
    app: web.Application,
    signer: LinkSigner,
    roster: Roster | RosterLookup | Iterable[LinkParticipant],
    *,
    meeting_name: str,
    prefix: str = "/join",
) -> None:
    """Add ``GET {prefix}/{token}`` (HTML) and ``GET {prefix}/{token}.json`` to ``app``.

    ``roster`` is a :class:`Roster`, a lookup callable, or a list of participants that
    the server reads live (removing someone from the list makes their links unknown).
    """
    lookup = as_lookup(roster)
    prefix = prefix.rstrip("/")

    async def join(request: web.Request) -> web.Response:
        """Say who a link is for, or why it does not work; never echo the token."""
        token = request.match_info["token"]
        as_json = _wants_json(request)
        if token.endswith(".json"):
            token, as_json = token[: -len(".json")], True
        claims: LinkClaims | None
        try:
            claims = signer.verify_claims(token, roster=lookup)
            kind, status = "valid", 200
        except LinkError as exc:
            claims, kind, status = exc.claims, exc.kind, exc.status
        log.info("join link %s: %s", claims.link_id if claims else "-", kind)
        heading, lines, participant = _facts(kind, meeting_name, claims)
        if as_json:
            body: dict[str, Any] = {
                "status": kind,
                "meeting": meeting_name,
                "message": " ".join(lines),
                "personal": True,
                "participant": None,
                "issued_at": None,
                "expires_at": None,
            }
            if participant is not None and claims is not None:
                body["participant"] = {
                    **asdict(participant),
                    "email_masked": mask_email(participant.email),
                }
                body["issued_at"] = claims.issued_at.isoformat()
                body["expires_at"] = claims.expires_at.isoformat()
            return web.json_response(body, status=status, headers=_HEADERS)
        page = _TEMPLATE.render(
            meeting=meeting_name,
            status=kind,
            heading=heading,
            lines=lines,
            participant=participant,
            email_masked=mask_email(participant.email) if participant else "",
        )
        return web.Response(text=page, status=status, content_type="text/html", headers=_HEADERS)

    app.router.add_get(prefix + "/{token}", join)
