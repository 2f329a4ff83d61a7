"""system.os and system.cpu on this machine; the load is injected where a known value matters."""

from __future__ import annotations

import os
import platform

import pytest

from meetcheck.check import Status
from meetcheck.checks.system import cpu as system
from meetcheck.checks.system.cpu import Processor
from meetcheck.checks.system.device import OperatingSystem
from meetcheck.testing import assert_status, measurement, run_check_sync


def test_os_reports_this_system() -> None:
    result = run_check_sync(OperatingSystem)
    assert measurement(result, "os") == platform.system()
    assert result.status in (Status.PASS, Status.WARN)


def test_os_outside_the_supported_list_warns() -> None:
    result = run_check_sync(OperatingSystem, profile={"options": {"supported": ["Plan9"]}})
    assert_status(result, Status.WARN)
    assert result.findings[0].remediation


def test_cpu_count_is_the_real_one_and_judged() -> None:
    count = os.cpu_count() or 1
    result = run_check_sync(Processor, profile={"thresholds": {"cpu_count": {"warn": count}}})
    assert measurement(result, "cpu_count") == count
    assert result.findings[0].status is Status.PASS  # equal to the limit passes
    more = run_check_sync(
        Processor, profile={"thresholds": {"cpu_count": {"warn": count + 2, "fail": count + 1}}}
    )
    assert more.findings[0].status is Status.FAIL
    assert f"at least {count + 1}" in more.findings[0].message


@pytest.mark.parametrize(("per_core", "status"), [(0.5, Status.PASS), (1.5, Status.WARN),
                                                 (3.0, Status.FAIL)])  # fmt: skip
def test_load_per_core_is_load_divided_by_cpus(monkeypatch, per_core, status) -> None:
    count = os.cpu_count() or 1
    monkeypatch.setattr(system, "load_average", lambda: per_core * count)
    profile = {"thresholds": {"load_per_core": {"warn": 1.0, "fail": 2.0}}}
    result = run_check_sync(Processor, profile=profile)
    assert measurement(result, "load_per_core") == pytest.approx(per_core, abs=0.01)
    assert_status(result, status)


def test_real_load_is_reported_where_the_system_has_one() -> None:
    result = run_check_sync(Processor)
    if hasattr(os, "getloadavg"):
        load = measurement(result, "load_per_core")
        assert load >= 0
    assert_status(result, Status.PASS)  # no thresholds: measurements only


def test_without_getloadavg_only_the_count_is_reported(monkeypatch) -> None:
    monkeypatch.delattr(os, "getloadavg", raising=False)
    result = run_check_sync(Processor, profile={"thresholds": {"load_per_core": {"warn": 1.0}}})
    assert_status(result, Status.PASS)
    assert len(result.findings) == 1
    assert "does not report its load" in result.findings[0].message
    with pytest.raises(KeyError):
        measurement(result, "load_per_core")
