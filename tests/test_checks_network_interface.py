"""network.interface: the default-route interface and its kind, against fake sysfs/procfs trees
whose answer we know, and once against this machine."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner

from meetcheck.check import Status
from meetcheck.checks.network.interface import KINDS, NetworkInterface, classify, default_interfaces
from meetcheck.cli import cli
from meetcheck.testing import assert_status, measurement, run_check_sync

ROUTE_HEADER = (
    "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
)


def route_line(iface: str, dest: str = "00000000", mask: str = "00000000", metric: int = 0,
               flags: str = "0003") -> str:  # fmt: skip
    return f"{iface}\t{dest}\t010200C0\t{flags}\t0\t0\t{metric}\t{mask}\t0\t0\t0\n"


def v6_line(iface: str, dest: str = "0" * 32, plen: str = "00", metric: str = "00000400",
            flags: str = "00000003") -> str:  # fmt: skip
    return f"{dest} {plen} {'0' * 32} 00 {'0' * 32} {metric} 00000001 00000000 {flags} {iface}\n"


def write_routes(procfs: Path, v4: Sequence[str] = (), v6: Sequence[str] = ()) -> Path:
    net = procfs / "net"
    net.mkdir(parents=True, exist_ok=True)
    (net / "route").write_text(ROUTE_HEADER + "".join(v4))
    (net / "ipv6_route").write_text("".join(v6))
    return procfs


def make_if(
    sysfs: Path,
    name: str,
    *,
    arphrd: int = 1,
    devtype: str = "",
    device: bool = False,
    virtual: bool = False,
    wireless: bool = False,
    phy: bool = False,
    tun: bool = False,
    brif: tuple[str, ...] = (),
    lowers: tuple[str, ...] = (),
    slaves: tuple[str, ...] = (),
) -> Path:
    """One interface laid out as the kernel does under /sys/class/net."""
    base = sysfs / "class" / "net" / name
    base.mkdir(parents=True)
    (base / "type").write_text(f"{arphrd}\n")
    uevent = f"INTERFACE={name}\nIFINDEX=3\n" + (f"DEVTYPE={devtype}\n" if devtype else "")
    (base / "uevent").write_text(uevent)
    if device:
        (base / "device").mkdir()
    if virtual:
        (sysfs / "devices" / "virtual" / "net" / name).mkdir(parents=True)
    if wireless:
        (base / "wireless").mkdir()
    if phy:
        (base / "phy80211").mkdir()
    if tun:
        (base / "tun_flags").write_text("0x1001\n")
    for port in brif:
        (base / "brif").mkdir(exist_ok=True)
        (base / "brif" / port).mkdir()
    for low in lowers:
        (base / f"lower_{low}").mkdir()
    if slaves:
        (base / "bonding").mkdir()
        (base / "bonding" / "slaves").write_text(" ".join(slaves) + "\n")
    return base


@pytest.fixture
def sysfs(tmp_path: Path) -> Path:
    return tmp_path / "sys"


@pytest.mark.parametrize(
    ("spec", "kind"),
    [
        ({"device": True}, "wired"),
        ({"device": True, "wireless": True}, "wifi"),
        ({"device": True, "phy": True}, "wifi"),
        ({"device": True, "devtype": "wlan"}, "wifi"),
        ({"device": True, "devtype": "wwan"}, "cellular"),
        ({"device": True, "arphrd": 519}, "cellular"),
        ({"virtual": True, "arphrd": 65534, "devtype": "wireguard"}, "vpn"),
        ({"virtual": True, "arphrd": 65534, "tun": True}, "vpn"),
        ({"virtual": True, "tun": True}, "vpn"),  # OpenVPN in tap mode
        ({"virtual": True, "arphrd": 65534}, "vpn"),
        ({"virtual": True, "arphrd": 776}, "vpn"),
        ({"virtual": True, "arphrd": 778}, "vpn"),
        ({"virtual": True}, "virtual"),  # veth of a container
        ({"virtual": True, "devtype": "bridge"}, "virtual"),  # bridge with no ports
        ({"virtual": True, "arphrd": 512}, "unknown"),  # PPP: modem, DSL or VPN
        ({}, "unknown"),  # Ethernet type but no hardware and not virtual
    ],
)
def test_classify_single_interfaces(sysfs: Path, spec: dict, kind: str) -> None:
    make_if(sysfs, "if0", **spec)
    result = classify("if0", sysfs)
    assert result.kind == kind, result.evidence
    assert result.evidence


def test_stacked_devices_are_classified_by_their_physical_ports(sysfs: Path) -> None:
    make_if(sysfs, "eth0", device=True)
    make_if(sysfs, "wlan0", device=True, wireless=True)
    make_if(sysfs, "vnet0", virtual=True, tun=True)
    make_if(sysfs, "veth1", virtual=True)
    make_if(sysfs, "br0", virtual=True, devtype="bridge", brif=("eth0", "vnet0"))
    make_if(sysfs, "br1", virtual=True, devtype="bridge", brif=("wlan0", "eth0"))
    make_if(sysfs, "br2", virtual=True, devtype="bridge", brif=("veth1",))
    make_if(sysfs, "eth0.10", virtual=True, devtype="vlan", lowers=("eth0",))
    make_if(sysfs, "bond0", virtual=True, devtype="bond", slaves=("eth0",))
    assert classify("br0", sysfs).kind == "wired"  # a VM's tap port does not count
    assert classify("br1", sysfs).kind == "wifi"  # the least reliable port is reported
    assert classify("br2", sysfs).kind == "virtual"
    assert classify("eth0.10", sysfs).kind == "wired"
    assert classify("bond0", sysfs).kind == "wired"
    assert "eth0" in classify("br0", sysfs).evidence


def test_missing_interface_is_unknown(sysfs: Path) -> None:
    assert classify("nope0", sysfs).kind == "unknown"


def test_default_route_prefers_lowest_metric(tmp_path: Path) -> None:
    procfs = write_routes(
        tmp_path / "proc",
        v4=[
            route_line("eth0", dest="000200C0", mask="00FFFFFF", flags="0001"),  # not default
            route_line("wlan0", metric=600),
            route_line("eth0", metric=100),
            route_line("down0", flags="0000"),  # default route that is not up
        ],
    )
    assert default_interfaces(procfs) == ["eth0", "wlan0"]


def test_ipv6_only_default_route_and_lo_reject_route(tmp_path: Path) -> None:
    procfs = write_routes(
        tmp_path / "proc",
        v6=[
            v6_line("lo", metric="ffffffff", flags="00200200"),  # unreachable, RTF_REJECT
            v6_line("eth0", dest="fd" + "0" * 30, plen="40"),  # not default
            v6_line("wwan0", metric="00000400"),
        ],
    )
    assert default_interfaces(procfs) == ["wwan0"]


def test_no_route_tables_and_no_default_route(tmp_path: Path) -> None:
    assert default_interfaces(tmp_path / "absent") is None
    procfs = write_routes(tmp_path / "proc", v4=[route_line("eth0", dest="000200C0")])
    assert default_interfaces(procfs) == []


def fake_check(sysfs: Path, procfs: Path) -> type[NetworkInterface]:
    """The real check pointed at a fake tree (the runner instantiates the class itself)."""
    return type(
        "FakeTreeNetwork", (NetworkInterface,), {"sysfs_root": sysfs, "procfs_root": procfs}
    )


SPEAKER = {"options": {"warn_kinds": ["wifi", "vpn", "virtual", "unknown"],
                       "fail_kinds": ["cellular"]}}  # fmt: skip


@pytest.mark.parametrize(
    ("spec", "status", "kind"),
    [
        ({"device": True}, Status.PASS, "wired"),
        ({"device": True, "wireless": True}, Status.WARN, "wifi"),
        ({"device": True, "devtype": "wwan"}, Status.FAIL, "cellular"),
        ({"virtual": True, "devtype": "wireguard", "arphrd": 65534}, Status.WARN, "vpn"),
        ({"virtual": True}, Status.WARN, "virtual"),
    ],
)
def test_check_status_follows_profile_kinds(
    tmp_path: Path, sysfs: Path, spec: dict, status: Status, kind: str
) -> None:
    make_if(sysfs, "net0", **spec)
    procfs = write_routes(tmp_path / "proc", v4=[route_line("net0")])
    result = run_check_sync(fake_check(sysfs, procfs), profile=SPEAKER)
    assert_status(result, status)
    assert measurement(result, "kind") == kind
    assert measurement(result, "interface") == "net0"
    if status is not Status.PASS:
        assert result.findings[0].remediation


def test_stricter_options_fail_wifi(tmp_path: Path, sysfs: Path) -> None:
    make_if(sysfs, "wlp2s0", device=True, wireless=True)
    procfs = write_routes(tmp_path / "proc", v4=[route_line("wlp2s0")])
    strict = {"options": {"fail_kinds": ["cellular", "wifi"], "warn_kinds": []}}
    result = run_check_sync(fake_check(sysfs, procfs), profile=strict)
    assert_status(result, Status.FAIL)
    assert "Ethernet cable" in result.findings[0].remediation


def test_no_routing_table_warns_could_not_tell(tmp_path: Path, sysfs: Path) -> None:
    result = run_check_sync(fake_check(sysfs, tmp_path / "no-proc"))
    assert_status(result, Status.WARN)
    assert "could not tell" in result.findings[0].message
    assert measurement(result, "kind") == "unknown"


def test_offline_warns(tmp_path: Path, sysfs: Path) -> None:
    procfs = write_routes(tmp_path / "proc")
    result = run_check_sync(fake_check(sysfs, procfs))
    assert_status(result, Status.WARN)
    assert "no default route" in result.findings[0].message


def test_unknown_kind_in_profile_is_rejected_before_running(tmp_path: Path) -> None:
    profile = tmp_path / "p.toml"
    profile.write_text('[checks."network.interface".options]\nwarn_kinds = ["wired", "wi-fi"]\n')
    result = CliRunner().invoke(cli, ["profiles", "validate", str(profile)])
    assert result.exit_code == 2
    assert (
        f"{profile}: checks.\"network.interface\".options.warn_kinds: unknown value 'wi-fi'"
        in result.output
    )


def test_this_machine_gives_a_known_kind() -> None:
    result = run_check_sync(NetworkInterface)
    assert result.status in (Status.PASS, Status.WARN, Status.FAIL), result.reason
    assert measurement(result, "kind") in KINDS
