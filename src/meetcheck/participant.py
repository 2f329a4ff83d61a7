"""The person being checked: from command-line flags or a roster row."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

ROLES = ("primary", "alternate", "listener", "interpreter")


@dataclass
class Participant:
    name: str = ""
    email: str = ""
    delegation: str = ""
    role: str = "primary"
    link: str = ""
    mic: str | None = None  # device name, "default", or None for no microphone test
    audio: str | None = None  # path of an audio file standing in for the microphone
    timezone: str | None = None  # IANA name; None means the machine's local zone

    def summary(self) -> dict[str, Any]:
        """As the report keeps it; reporters redact the link on output."""
        return asdict(self)
