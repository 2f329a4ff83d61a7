"""JUnit XML, so CI systems (GitLab, Jenkins, GitHub test reporters) show each check as a
test case. FAIL is a failure, ERROR and TIMEOUT are errors, SKIPPED is skipped; a WARN
passes but carries its findings in ``system-out`` and a ``status`` property.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

from meetcheck.hookimpl import hookimpl
from meetcheck.i18n.core import _
from meetcheck.report.plain import finding_details, visible_obj
from meetcheck.report.reporter import Reporter

# Characters XML 1.0 cannot carry at all: ElementTree would write them and produce a file
# no parser accepts. Control characters are already shown escaped (visible_obj); this
# catches what remains (lone surrogates, U+FFFE).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(text: Any) -> str:
    return _NOT_XML.sub("\ufffd", str(text))


def _seconds(value: Any) -> str:
    return f"{float(value or 0):.3f}"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: Any) -> ET.Element:
    el = ET.SubElement(parent, tag, {k: _clean(v) for k, v in attrs.items()})
    if text:
        el.text = _clean(text)
    return el


def _properties(parent: ET.Element, values: dict[str, Any]) -> None:
    props = _sub(parent, "properties")
    for name, value in values.items():
        _sub(props, "property", name=name, value=value)


def findings_text(result: dict[str, Any]) -> str:
    """Plain-text account of a check, as a CI log would show it."""
    lines = []
    if result["reason"]:
        lines.append(result["reason"])
    for f in result["findings"]:
        lines.append(f"{f['status']}: {f['message']}")
        lines += ["  " + line for line in finding_details(f)]
    if result["status"] in ("ERROR", "TIMEOUT") and result["remediation"]:
        lines.append(_("fix: {fix}").format(fix=result["remediation"]))
    return "\n".join(lines)


def _testcase(suite: ET.Element, r: dict[str, Any]) -> None:
    case = _sub(
        suite,
        "testcase",
        classname=f"meetcheck.{r['category']}",
        name=r["id"],
        time=_seconds(r["duration_s"]),
    )
    _properties(
        case,
        {
            "status": r["status"],
            "requirement": "required" if r["required"] else "advisory",
            "severity": r["severity"],
            "title": r["title"],
        },
    )
    text = findings_text(r)
    status = r["status"]
    bad = [f for f in r["findings"] if f["status"] == "FAIL"]
    if status == "FAIL":
        _sub(case, "failure", text, message=bad[0]["message"] if bad else r["title"], type="FAIL")
    elif status in ("ERROR", "TIMEOUT"):
        _sub(case, "error", text, message=r["reason"] or status, type=status)
    elif status == "SKIPPED":
        _sub(case, "skipped", message=r["reason"] or _("skipped"))
    if text and status in ("PASS", "WARN"):  # the others carry it in failure/error
        _sub(case, "system-out", text)


def render(data: dict[str, Any]) -> str:
    """The report as a JUnit XML document with one ``meetcheck`` test suite."""
    data = visible_obj(data)
    results = data["results"]
    n = {s: sum(1 for r in results if r["status"] == s) for s in ("FAIL", "SKIPPED")}
    errors = sum(1 for r in results if r["status"] in ("ERROR", "TIMEOUT"))
    counts = {
        "tests": len(results),
        "failures": n["FAIL"],
        "errors": errors,
        "skipped": n["SKIPPED"],
        "time": _seconds(data["duration_s"]),
    }
    root = ET.Element("testsuites", {"name": "meetcheck", **{k: str(v) for k, v in counts.items()}})
    suite = _sub(root, "testsuite", name="meetcheck", timestamp=data["started_at"], **counts)
    profile = data["profile"]
    _properties(
        suite,
        {
            "verdict": data["verdict"],
            "interrupted": str(data["interrupted"]).lower(),
            "profile": f"{profile['name']} {profile['version']}",
            "profile_digest": profile["digest"],
            "meetcheck_version": data["environment"]["meetcheck_version"],
            "schema_version": data["schema_version"],
        },
    )
    for r in results:
        _testcase(suite, r)
    from meetcheck.report.words import plugin_error

    errors_out = [plugin_error(e) for e in data["environment"].get("plugin_errors", [])]
    if errors_out:
        _sub(suite, "system-err", "\n".join(errors_out))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


@hookimpl
def meetcheck_register_reporters(register: Callable[[Reporter], None]) -> None:
    register(Reporter("junit", "JUnit XML for CI systems", ".xml", render))
