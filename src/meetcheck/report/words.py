"""The words every reporter uses for verdicts, statuses and plugin errors, in the active
language. The JSON values (``READY``, ``WARN``) never change; these are what people read."""

from __future__ import annotations

from meetcheck.i18n.core import N_, _
from meetcheck.i18n.text import Text, localize

VERDICT = {
    # Translators: the verdict headline, shown in capitals at the top of every report.
    "READY": N_("READY"),
    "READY WITH WARNINGS": N_("READY WITH WARNINGS"),
    "NOT READY": N_("NOT READY"),
    "INCOMPLETE": N_("INCOMPLETE"),
}
VERDICT_MEANING = {
    "READY": N_("All required checks passed: you are ready to take the floor."),
    "READY WITH WARNINGS": N_(
        "Nothing blocks you, but some results are close to their limits: "
        "fixing them now makes your intervention safer."
    ),
    "NOT READY": N_(
        "At least one required check failed: fix the items below before the meeting, "
        "then run the check again."
    ),
    "INCOMPLETE": N_(
        "Some required checks could not finish, so readiness is unknown: "
        "fix the items below and run the check again."
    ),
}
#: Short status labels for the terminal and the badges (in English, the JSON value).
STATUS = {
    # Translators: a check's status label, short (a badge); PASS = the check passed.
    "PASS": N_("PASS"),
    # Translators: status label: a warning.
    "WARN": N_("WARN"),
    # Translators: status label: the check failed.
    "FAIL": N_("FAIL"),
    # Translators: status label: the check itself broke (an error in the check).
    "ERROR": N_("ERROR"),
    # Translators: status label: the check did not finish in time.
    "TIMEOUT": N_("TIMEOUT"),
    # Translators: status label: the check did not run.
    "SKIPPED": N_("SKIPPED"),
}
#: Statuses as words in a sentence ("Skipped: the meeting file names no echo URL").
STATUS_WORD = {
    "PASS": N_("Pass"),
    "WARN": N_("Warning"),
    "FAIL": N_("Fail"),
    "ERROR": N_("Error"),
    "TIMEOUT": N_("Timed out"),
    "SKIPPED": N_("Skipped"),
}
SEVERITY = {"low": N_("low"), "medium": N_("medium"), "high": N_("high"),
            "critical": N_("critical")}  # fmt: skip
ROLE = {
    # Translators: the participant's role: the delegation's main speaker.
    "primary": N_("primary"),
    # Translators: the participant's role: the delegation's alternate speaker.
    "alternate": N_("alternate"),
    "listener": N_("listener"),
    "interpreter": N_("interpreter"),
}
PLUGIN_SOURCE = {
    # Translators: where a plugin came from: part of meetcheck itself.
    "builtin": N_("builtin"),
    # Translators: where a plugin came from: an installed Python package (entry point).
    "entrypoint": N_("entrypoint"),
    # Translators: where a plugin came from: a file in a plugins directory.
    "directory": N_("directory"),
}
# Translators: the names of a threshold's two limits (gauge labels: "warn 4", "fail 2").
LIMIT = {"warn": N_("warn"), "fail": N_("fail")}
_STAGES = {
    "to import": N_("to import"),
    "to register": N_("to register"),
    "validation": N_("validation"),
}


def verdict(value: str) -> str:
    return localize(VERDICT.get(value, value))


def meaning(value: str) -> str:
    return localize(VERDICT_MEANING.get(value, ""))


def status(value: str) -> str:
    return localize(STATUS.get(value, value))


def status_word(value: str) -> str:
    return localize(STATUS_WORD.get(value, value))


def severity(value: str) -> str:
    return localize(SEVERITY.get(value, value))


def role(value: str) -> str:
    return localize(ROLE.get(value, value))


def plugin_source(value: str) -> str:
    return localize(PLUGIN_SOURCE.get(value, value))


def limit_word(value: str) -> str:
    return localize(LIMIT.get(value, value))


def status_width() -> int:
    """The widest status label in the active language, to line up the terminal's columns."""
    return max(len(status(s)) for s in STATUS)


def count(status_value: str, n: int) -> Text:
    """'2 skipped', with the plural rules of the active language."""
    from meetcheck.i18n.core import ngettext

    forms = {
        "PASS": lambda: ngettext("{n} pass", "{n} pass", n),
        "WARN": lambda: ngettext("{n} warn", "{n} warn", n),
        "FAIL": lambda: ngettext("{n} fail", "{n} fail", n),
        "ERROR": lambda: ngettext("{n} error", "{n} error", n),
        "TIMEOUT": lambda: ngettext("{n} timeout", "{n} timeout", n),
        "SKIPPED": lambda: ngettext("{n} skipped", "{n} skipped", n),
    }
    return forms[status_value]().format(n=n)


def listing(items: list[str]) -> str:
    """Items joined with the active language's list separator (', ', '，', '، ')."""
    # Translators: the separator between items of a list, e.g. "1 pass, 2 skipped".
    return _(", ").join(items)


def stage(value: str) -> str:
    """Where a plugin failed: 'to import', 'in meetcheck_register_checks', ..."""
    if value in _STAGES:
        return localize(_STAGES[value])
    if value.startswith("in "):
        return _("in {hook}").format(hook=value[3:])
    return value


def plugin_error(e: dict[str, str]) -> str:
    """'plugin NAME failed to import: MESSAGE' (the message is the plugin's own)."""
    return _("plugin {plugin} failed {stage}: {message}").format(
        plugin=e.get("plugin", ""), stage=stage(e.get("stage", "")), message=e.get("message", "")
    )
