"""The report: what every reporter renders and what ``report render`` reads back."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from meetcheck.check import Finding, Status
from meetcheck.redact import redact_obj

SCHEMA_VERSION = "1.0"
SCHEMA_ID = "https://meetcheck.invalid/schema/report-1.0.json"


@dataclass
class CheckResult:
    """The outcome of one check in one run."""

    id: str
    title: str
    category: str
    severity: str
    required: bool
    status: Status
    duration_s: float = 0.0
    findings: list[Finding] = field(default_factory=list)
    reason: str = ""  # why SKIPPED, ERROR or TIMEOUT
    remediation: str = ""

    def copy(self) -> CheckResult:
        """A deep copy for the run hooks, built field by field: ``copy.deepcopy`` spends
        milliseconds per result on dataclass reflection, and a batch copies thousands.
        Measurements are frozen; only their mutable values (and ``extra``) are copied."""
        import copy

        def finding(f: Finding) -> Finding:
            out = copy.copy(f)
            out.measurements = [
                m if not isinstance(m.value, list | dict | set)
                else type(m)(m.name, copy.deepcopy(m.value), m.unit)
                for m in f.measurements
            ]  # fmt: skip
            out.extra = copy.deepcopy(f.extra) if f.extra else f.extra
            return out

        result = copy.copy(self)
        result.findings = [finding(f) for f in self.findings]
        return result

    def to_dict(self) -> dict[str, Any]:
        from meetcheck.i18n.text import recipes

        return {
            "id": self.id,
            "title": self.title,
            "category": self.category,
            "severity": self.severity,
            "required": self.required,
            "status": self.status.value,
            "duration_s": round(self.duration_s, 3),
            "reason": self.reason,
            "remediation": self.remediation,
            "findings": [f.to_dict() for f in self.findings],
        } | recipes(title=self.title, reason=self.reason, remediation=self.remediation)


@dataclass
class Report:
    """A finished (or interrupted) run. ``data`` is the JSON form, schema ``SCHEMA_VERSION``."""

    data: dict[str, Any]

    @property
    def verdict(self) -> str:
        return self.data["verdict"]

    def redacted(self, show_secrets: bool = False) -> dict[str, Any]:
        """The form every reporter writes: links and tokens hidden unless asked."""
        return redact_obj(self.data, show_secrets)


def counts(results: list[CheckResult]) -> dict[str, int]:
    out = {s.value: 0 for s in Status}
    for r in results:
        out[r.status.value] += 1
    return out
