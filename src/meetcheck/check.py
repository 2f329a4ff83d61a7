"""The check model: what a check declares, and the findings it returns.

Checks declare the profile keys they read (metrics with a direction, typed options)
so a profile can be validated before anything runs.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from meetcheck.context import CheckContext


class Status(enum.StrEnum):
    """Outcome of a finding or a check. Checks set the first three; the runner the rest."""

    PASS = "PASS"
    WARN = "WARN"
    FAIL = "FAIL"
    ERROR = "ERROR"
    TIMEOUT = "TIMEOUT"
    SKIPPED = "SKIPPED"

    @property
    def rank(self) -> int:
        """Severity order used to pick a check's overall status from its findings."""
        return _RANK[self]


_RANK = {
    Status.SKIPPED: 0,
    Status.PASS: 1,
    Status.WARN: 2,
    Status.TIMEOUT: 3,
    Status.ERROR: 4,
    Status.FAIL: 5,
}
CHECK_ID = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_-]+)+$")
CHECK_STATUSES = (Status.PASS, Status.WARN, Status.FAIL)


class Severity(enum.StrEnum):
    """How much a failure of this check matters for a meeting (shown in reports)."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


@dataclass(frozen=True)
class Metric:
    """A measured quantity a profile may set warn/fail thresholds for.

    ``higher_is_worse`` fixes the direction, so the profile loader can reject
    a warn threshold that is looser than the fail one.
    """

    unit: str
    higher_is_worse: bool = True
    description: str = ""


@dataclass(frozen=True)
class Option:
    """A typed, non-threshold setting a check reads from its profile section.

    ``min`` and ``max`` (inclusive) bound a number, or each number of a list; the profile
    loader rejects a value outside them, so a check never runs with a nonsense setting.
    """

    type: type | tuple[type, ...]
    default: Any = None
    description: str = ""
    item_type: type | None = None  # for list options: the type of each item
    choices: tuple[Any, ...] | None = None  # allowed values (of the items, for a list)
    min: float | None = None
    max: float | None = None


@dataclass(frozen=True)
class Threshold:
    """Warn and fail limits for one metric, with the source that justifies them."""

    metric: str
    unit: str
    higher_is_worse: bool
    warn: float | None = None
    fail: float | None = None
    source: str = ""

    def evaluate(self, value: float) -> Status:
        """Strictly beyond a limit triggers it: a value equal to the limit still passes."""
        if self.higher_is_worse:
            if self.fail is not None and value > self.fail:
                return Status.FAIL
            if self.warn is not None and value > self.warn:
                return Status.WARN
        else:
            if self.fail is not None and value < self.fail:
                return Status.FAIL
            if self.warn is not None and value < self.warn:
                return Status.WARN
        return Status.PASS

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "unit": self.unit,
            "direction": "higher_is_worse" if self.higher_is_worse else "lower_is_worse",
            "warn": self.warn,
            "fail": self.fail,
            "source": self.source,
        }


@dataclass(frozen=True)
class Measurement:
    """One measured value with its unit; ``value`` may be text for categorical facts."""

    name: str
    value: Any
    unit: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value, "unit": self.unit}


Facts = Iterable[Measurement] | Mapping[str, Any]


def _facts(facts: Facts | None) -> list[Measurement]:
    """Measurements from a list, or from a ``{name: value}`` mapping of unitless facts."""
    if facts is None:
        return []
    if isinstance(facts, Mapping):
        return [Measurement(k, v) for k, v in facts.items()]
    return list(facts)


@dataclass
class Finding:
    """One conclusion of a check, with what was measured and what decided it.

    Build it with :meth:`passed`, :meth:`warn` or :meth:`fail`; a WARN or FAIL without a
    ``fix`` gets the check's own ``remediation`` from the runner.
    """

    status: Status
    message: str
    remediation: str = ""
    measurements: list[Measurement] = field(default_factory=list)
    threshold: Threshold | None = None
    #: Free-form data for tools and charts (the report schema's ``extra``), e.g. a level
    #: series the HTML report draws; the text report leaves it out.
    extra: dict[str, Any] | None = None

    @classmethod
    def passed(
        cls, message: str, *, facts: Facts | None = None, threshold: Threshold | None = None
    ) -> Finding:
        return cls(Status.PASS, message, "", _facts(facts), threshold)

    @classmethod
    def warn(
        cls,
        message: str,
        *,
        fix: str = "",
        facts: Facts | None = None,
        threshold: Threshold | None = None,
    ) -> Finding:
        return cls(Status.WARN, message, fix, _facts(facts), threshold)

    @classmethod
    def fail(cls, message: str, **details: Any) -> Finding:
        """As :meth:`warn` (``fix``, ``facts``, ``threshold``), with status FAIL."""
        finding = cls.warn(message, **details)
        finding.status = Status.FAIL
        return finding

    def to_dict(self) -> dict[str, Any]:
        from meetcheck.i18n.text import recipes

        return (
            {
                "status": self.status.value,
                "message": self.message,
                "remediation": self.remediation,
                "measurements": [m.to_dict() for m in self.measurements],
                "threshold": self.threshold.to_dict() if self.threshold else None,
            }
            | ({"extra": self.extra} if self.extra else {})
            | recipes(message=self.message, remediation=self.remediation)
        )


class Check:
    """Base class for checks; subclass it and register the class from a plugin.

    Class attributes are the check's public, stable description. ``run`` returns one
    finding or several; raising marks the check ERROR, ``ctx.skip()`` marks it SKIPPED.
    The category is the id's prefix (``network`` for ``network.stun``).
    """

    id: ClassVar[str] = ""
    title: ClassVar[str] = ""
    category: ClassVar[str] = ""
    severity: ClassVar[Severity] = Severity.MEDIUM
    remediation: ClassVar[str] = ""
    metrics: ClassVar[dict[str, Metric]] = {}
    options: ClassVar[dict[str, Option]] = {}
    depends_on: ClassVar[tuple[str, ...]] = ()
    #: Modules the check imports; the runner imports them in a thread before any check
    #: starts, so a slow first import never blocks the event loop other checks time on.
    imports: ClassVar[tuple[str, ...]] = ()
    #: The check measures time (round trips, delays): it runs only beside other timing
    #: checks, never beside checks that might block the event loop.
    timing: ClassVar[bool] = False
    #: Sensor readings (:mod:`meetcheck.sensors`) the check can be judged from when another
    #: instrument (the browser self-test) measured; none: it measures for itself only.
    senses: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.__dict__.get("category") and isinstance(cls.id, str) and "." in cls.id:
            cls.category = cls.id.split(".", 1)[0]

    async def run(self, ctx: CheckContext) -> Finding | Sequence[Finding]:
        raise NotImplementedError

    @classmethod
    def describe(cls) -> dict[str, Any]:
        """What a profile author needs to know: ids, metrics with direction, options."""
        return {
            "id": cls.id,
            "title": cls.title,
            "category": cls.category,
            "severity": cls.severity.value,
            "remediation": cls.remediation,
            "timing": cls.timing,
            "metrics": {
                k: {"unit": m.unit, "higher_is_worse": m.higher_is_worse}
                for k, m in cls.metrics.items()
            },
            "options": {
                k: {"default": o.default, "description": o.description}
                | {b: getattr(o, b) for b in ("min", "max") if getattr(o, b) is not None}
                for k, o in cls.options.items()
            },
            "depends_on": list(cls.depends_on),
        }

    @classmethod
    def option_defaults(cls) -> dict[str, Any]:
        return {k: o.default for k, o in cls.options.items()}


BUILTIN_PACKAGE = "meetcheck.checks."


def validate_check_class(cls: Any) -> None:
    """Reject a malformed check at registration, so the error names the plugin."""
    if not (isinstance(cls, type) and issubclass(cls, Check)):
        raise TypeError(f"{cls!r} is not a meetcheck.Check subclass")
    if not isinstance(cls.id, str) or not CHECK_ID.match(cls.id):
        raise ValueError(
            f"check {cls.__name__} needs a lower-case dotted id such as 'network.rtt', "
            f"got {cls.id!r}"
        )
    if not cls.title:
        raise ValueError(f"check {cls.id} has no title")
    prefix = cls.id.split(".", 1)[0]
    if cls.category != prefix:
        raise ValueError(
            f"check {cls.id} has category {cls.category!r}; the category is the id's prefix "
            f"{prefix!r} (leave it out)"
        )
    module = getattr(cls, "__module__", "")
    if module.startswith(BUILTIN_PACKAGE):
        family = module.removeprefix(BUILTIN_PACKAGE).split(".", 1)[0]
        if family != prefix:
            raise ValueError(
                f"check {cls.id} lives in {module}; built-in checks live in "
                f"meetcheck.checks.{prefix}"
            )


def _load_check(spec: str) -> type[Check]:
    """``"package.module:ClassName"``: the class, imported now."""
    import importlib

    modname, _, name = spec.partition(":")
    if not modname or not name:
        raise ValueError(f"{spec!r} is not 'package.module:ClassName'")
    return getattr(importlib.import_module(modname), name)


def register_checks(*checks: type[Check] | str) -> Callable[..., None]:
    """The ``meetcheck_register_checks`` hook for a family, declared in one line::

    meetcheck_register_checks = register_checks(OperatingSystem, Processor)

    A check given as ``"package.module:ClassName"`` is imported only when the checks are
    collected (a run, ``plugins list``), not when the plugin loads: ``meetcheck --help``
    then never imports the family's modules. One that fails to import is reported against
    the plugin, and the others still register.
    """
    from meetcheck.hookimpl import hookimpl

    @hookimpl
    def meetcheck_register_checks(register: Callable[[type[Check]], None]) -> None:
        failed = []
        for check in checks:
            if isinstance(check, str):
                try:
                    check = _load_check(check)
                except Exception as exc:  # noqa: BLE001 -- reported below, the rest register
                    failed.append(f"{check}: {type(exc).__name__}: {exc}")
                    continue
            register(check)
        if failed:
            raise ImportError("could not import " + "; ".join(failed))

    return meetcheck_register_checks
