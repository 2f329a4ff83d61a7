"""network.mos: the E-model against worked examples computed by hand from ITU-T G.107's
formulas (the derivations are in the comments), and the check over a measured path."""

from __future__ import annotations

import json
import math

import pytest
from click.testing import CliRunner
from support.impair import Direction, Impairment, UdpRelay

from meetcheck.checks.network import mos
from meetcheck.checks.network.mos import MeanOpinionScore
from meetcheck.cli import cli
from meetcheck.server.app import serve_in_thread
from meetcheck.server.config import ServerConfig
from meetcheck.testing import assert_status, measurement, run_check_sync


@pytest.mark.parametrize(
    ("r", "want"),
    [
        # MOS = 1 + 0.035 R + 7e-6 R (R - 60)(100 - R)
        (93.2, 4.4093),  # 1 + 3.262 + 7e-6 * 93.2 * 33.2 * 6.8 = 4.2620 + 0.1473
        (90, 4.339),  # 1 + 3.15 + 7e-6 * 90 * 30 * 10
        (80, 4.024),  # 1 + 2.8 + 7e-6 * 80 * 20 * 20
        (70, 3.597),  # 1 + 2.45 + 7e-6 * 70 * 10 * 30
        (50, 2.575),  # 1 + 1.75 - 7e-6 * 50 * 10 * 50
        (0, 1.0),
        (-3, 1.0),
        (100, 4.5),
        (120, 4.5),
    ],
)
def test_r_to_mos_worked_values(r: float, want: float) -> None:
    assert mos.r_to_mos(r) == pytest.approx(want, abs=5e-4)


@pytest.mark.parametrize(
    ("ta", "want"),
    [
        (50, 0.0),
        (100, 0.0),
        # X = 1: 25 * (2^(1/6) - 3 * (1 + 3^-6)^(1/6) + 2) = 25 * (1.122462 - 3.000686 + 2)
        (200, 3.0444),
        # X = 2: 25 * (65^(1/6) - 3 * (1 + (2/3)^6)^(1/6) + 2) = 25 * (2.005170 - 3.042373 + 2)
        (400, 24.070),
    ],
)
def test_delay_impairment_worked_values(ta: float, want: float) -> None:
    assert mos.delay_impairment(ta) == pytest.approx(want, abs=2e-3)


@pytest.mark.parametrize(
    ("loss", "burst", "want"),
    [
        (0, 1, 0.0),
        (1, 1, 95 / 26.1),  # 95 * 1 / (1 + 25.1)
        (5, 1, 95 * 5 / 30.1),
        (5, 2, 95 * 5 / (2.5 + 25.1)),  # bursty loss hurts more
    ],
)
def test_loss_impairment_worked_values(loss: float, burst: float, want: float) -> None:
    assert mos.loss_impairment(loss, burst) == pytest.approx(want, rel=1e-9)


def test_estimate_worked_example() -> None:
    # RTT 300 ms, jitter 20 ms, 1 % loss: Ta = 150 + 2 * 20 + 10 = 200 ms, Idd = 3.0444,
    # Ie,eff = 3.6398, R = 93.2 - 3.0444 - 3.6398 = 86.5158, MOS = 4.2446.
    est = mos.estimate(300, 20, 1)
    assert est.ta_ms == 200
    assert est.r == pytest.approx(86.5158, abs=2e-3)
    assert est.mos == pytest.approx(4.2446, abs=1e-3)
    assert est.band == "satisfied"
    # A perfect path gives G.107's default rating.
    assert mos.estimate(0, 0, 0).r == mos.R0 == 93.2


def test_bands_leave_no_gaps() -> None:
    assert mos.band(90) == "very satisfied"
    assert mos.band(math.nextafter(90, 0)) == "satisfied"
    assert mos.band(80) == "satisfied"
    assert mos.band(70) == "some users dissatisfied"
    assert mos.band(60) == "many users dissatisfied"
    assert mos.band(50) == "nearly all users dissatisfied"
    assert mos.band(49.99) == "not recommended"
    names = [name for _, name in mos.BANDS]
    for tenth in range(-200, 1200):
        assert mos.band(tenth / 10) in names


def test_mos_reuses_the_stun_train_and_follows_the_injected_impairment(tmp_path) -> None:
    """One run of network.stun and network.mos sends one train, and R follows from it."""
    impair = Impairment(
        up=Direction(delay_ms=100, jitter_ms=5, loss=0.02),
        down=Direction(delay_ms=100, jitter_ms=5, loss=0.02),
    )
    with serve_in_thread(ServerConfig(programme_seconds=2)) as srv:
        with UdpRelay(("127.0.0.1", srv.stun_port), impair, seed=5) as relay:
            meeting = tmp_path / "meeting.toml"
            meeting.write_text(
                f'name = "t"\n[[ice_servers]]\nurls = ["stun:127.0.0.1:{relay.port}"]\n'
            )
            out = tmp_path / "report.json"
            result = CliRunner().invoke(
                cli,
                ["check", "--meeting", str(meeting), "--only", "network.stun", "--only",
                 "network.mos", "--format", "json", "-o", str(out)],
            )  # fmt: skip
            truth = relay.counters()
    assert result.exit_code in (0, 1), result.output
    assert truth["up_forwarded"] + truth["up_dropped"] == 50  # one train, not two
    report = json.loads(out.read_text())
    checks = {c["id"]: c for c in report["results"]}

    def value(cid: str, name: str) -> float:
        for f in checks[cid]["findings"]:
            for m in f["measurements"]:
                if m["name"] == name:
                    return m["value"]
        raise KeyError(name)

    rtt, jitter = value("network.stun", "rtt_ms"), value("network.stun", "jitter_ms")
    loss = value("network.stun", "loss_pct")
    assert rtt == pytest.approx(200, rel=0.1)
    want = mos.estimate(rtt, jitter, loss)
    assert value("network.mos", "r_factor") == pytest.approx(want.r, abs=0.06)
    assert value("network.mos", "mos") == pytest.approx(want.mos, abs=0.006)
    # Ta = 100 + 2 * jitter + 10 (about 120 ms): a small delay impairment, some loss.
    assert 70 < value("network.mos", "r_factor") < 93.2


def test_no_measurement_is_skipped() -> None:
    result = run_check_sync(MeanOpinionScore, meeting={})
    assert_status(result, "SKIPPED")
    assert "[echo]" in result.reason


def test_thresholds_judge_r_and_mos() -> None:
    # A path with 10 % loss through the relay: R well below 80.
    impair = Impairment(up=Direction(loss=0.1), down=Direction(loss=0.1))
    with serve_in_thread(ServerConfig(programme_seconds=2)) as srv:
        with UdpRelay(("127.0.0.1", srv.stun_port), impair, seed=2) as relay:
            result = run_check_sync(
                MeanOpinionScore,
                meeting={"ice_servers": [{"urls": [f"stun:127.0.0.1:{relay.port}"]}]},
                profile={
                    "thresholds": {
                        "r_factor": {"warn": 80, "fail": 70, "source": "G.107 bands"},
                        "mos": {"warn": 4.0, "source": "G.107 Annex B, R = 80"},
                    }
                },
            )
    assert measurement(result, "r_factor") < 80
    assert result.status.value in ("WARN", "FAIL")
    assert "RTT/2 + 2 x jitter + 10 ms" in result.findings[0].message
    assert measurement(result, "inputs").startswith("STUN probes")
