"""Which network connection the computer uses: wired, Wi-Fi, mobile, VPN or virtual.

RSI guidance asks speakers to use an Ethernet cable (UN DGACM, Interprefy, EPO), because
Wi-Fi and mobile links drop packets in bursts that the interpreters hear as gaps. On Linux
the interface with the default route is read from procfs and classified from sysfs; both
roots are class attributes so tests can point them at a fake tree.
"""

from __future__ import annotations

import platform
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from meetcheck.check import Check, Finding, Option, Severity
from meetcheck.checks.network._catalog import N_, _
from meetcheck.context import CheckContext
from meetcheck.i18n import localize

KINDS = ("wired", "wifi", "cellular", "vpn", "virtual", "unknown")
# When a bridge or bond has several physical ports, report the least reliable one.
_WORST_FIRST = ("cellular", "wifi", "wired")

RTF_UP = 0x0001
RTF_REJECT = 0x0200

# The evidence texts are N_ texts: English in the facts, translated in the message.
# Linux ARPHRD_* values (include/uapi/linux/if_arp.h) that settle the kind on their own.
ARPHRD_KIND = {
    519: ("cellular", N_("raw-IP link (ARPHRD_RAWIP), as used by mobile broadband modems")),
    768: ("vpn", N_("IP-in-IP tunnel")),
    769: ("vpn", N_("IPv6 tunnel")),
    772: ("virtual", N_("loopback")),
    776: ("vpn", N_("IPv6-in-IPv4 (sit) tunnel")),
    778: ("vpn", N_("GRE tunnel")),
    823: ("vpn", N_("IPv6 GRE tunnel")),
    65534: ("vpn", N_("tunnel without a link layer (ARPHRD_NONE)")),
}
DEVTYPE_KIND = {
    "wlan": ("wifi", N_("wireless LAN device")),
    "wwan": ("cellular", N_("mobile broadband (WWAN) device")),
    "wireguard": ("vpn", N_("WireGuard VPN")),
}
STACKED_DEVTYPES = ("bridge", "bond", "vlan", "macvlan", "ipvlan", "team")

REMEDIATION = {
    "wifi": N_(
        "Connect your computer to your router with an Ethernet cable for the meeting; "
        "Wi-Fi can drop out while you speak."
    ),
    "cellular": N_(
        "Do not speak over a mobile (4G/5G) connection: use a wired (Ethernet) internet connection."
    ),
    "vpn": N_(
        "Switch off your VPN for the meeting if your organisation allows it; it adds "
        "delay and may block the audio."
    ),
    "virtual": N_(
        "Run this check, and join the meeting, on the computer itself rather than "
        "inside a virtual machine or container, connected with an Ethernet cable."
    ),
    "unknown": N_("Make sure your computer is connected with an Ethernet cable."),
}
# The message per kind (the interface's name, and why it is classified so).
MESSAGES = {
    "wired": N_("{interface}: wired connection ({evidence})"),
    "wifi": N_("{interface}: Wi-Fi connection ({evidence})"),
    "cellular": N_("{interface}: mobile data connection ({evidence})"),
    "vpn": N_("{interface}: VPN/tunnel connection ({evidence})"),
    "virtual": N_("{interface}: virtual connection ({evidence})"),
    "unknown": N_("{interface}: unknown connection ({evidence})"),
}


@dataclass(frozen=True)
class Interface:
    """The classified interface and the sysfs evidence for the classification."""

    name: str
    kind: str
    evidence: str


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""


def _uevent(path: Path) -> dict[str, str]:
    out = {}
    for line in _read(path).splitlines():
        key, _sep, value = line.partition("=")
        out[key.strip()] = value.strip()
    return out


def default_interfaces(procfs: Path) -> list[str] | None:
    """Interfaces holding a default route, best metric first (IPv4 before IPv6 on ties).

    None when the route tables cannot be read (not Linux, or no procfs).
    """
    routes: list[tuple[int, int, str]] = []
    v4, v6 = _read(procfs / "net" / "route"), _read(procfs / "net" / "ipv6_route")
    if not v4 and not v6:
        return None
    for line in v4.splitlines()[1:]:
        f = line.split()
        try:
            iface, dest, flags, metric, mask = f[0], f[1], int(f[3], 16), int(f[6]), f[7]
        except (IndexError, ValueError):
            continue
        if int(dest, 16) == 0 and int(mask, 16) == 0 and flags & RTF_UP:
            routes.append((metric, 0, iface))
    for line in v6.splitlines():
        f = line.split()
        try:
            dest, plen, iface = f[0], int(f[1], 16), f[9]
            metric, flags = int(f[5], 16), int(f[8], 16)
        except (IndexError, ValueError):
            continue
        if int(dest, 16) == 0 and plen == 0 and flags & RTF_UP and not flags & RTF_REJECT:
            routes.append((metric, 1, iface))
    ordered = []
    for _metric, _family, iface in sorted(routes):
        if iface != "lo" and iface not in ordered:
            ordered.append(iface)
    return ordered


def _lower_devices(base: Path) -> list[str]:
    """Ports of a bridge, slaves of a bond, the parent of a VLAN or macvlan."""
    names = [p.name for p in sorted((base / "brif").glob("*"))]
    names += [p.name.removeprefix("lower_") for p in sorted(base.glob("lower_*"))]
    names += _read(base / "bonding" / "slaves").split()
    return list(dict.fromkeys(names))


def classify(name: str, sysfs: Path, _depth: int = 0) -> Interface:
    """Classify one interface from ``sysfs`` (normally ``/sys``) without touching the network."""
    base = sysfs / "class" / "net" / name
    if not base.exists():
        return Interface(name, "unknown", N_("no {path}").format(path=str(base)))
    if (base / "wireless").exists() or (base / "phy80211").exists():
        return Interface(name, "wifi", N_("wireless extensions present (wireless/phy80211)"))
    devtype = _uevent(base / "uevent").get("DEVTYPE", "")
    if devtype in DEVTYPE_KIND:
        kind, why = DEVTYPE_KIND[devtype]
        return Interface(
            name, kind, N_("DEVTYPE={devtype}: {why}").format(devtype=devtype, why=why)
        )
    if (base / "tun_flags").exists():
        return Interface(name, "vpn", N_("TUN/TAP device, as used by OpenVPN and similar VPNs"))
    lowers = _lower_devices(base)
    if lowers and _depth < 4:
        kinds = [classify(low, sysfs, _depth + 1).kind for low in lowers]
        label = devtype or N_("stacked device")
        ports = ", ".join(lowers)
        for kind in _WORST_FIRST:
            if kind in kinds:
                why = N_("{device} over {ports} ({kind})").format(
                    device=label, ports=ports, kind=kind
                )
                return Interface(name, kind, why)
        why = N_("{device} over virtual devices {ports}").format(device=label, ports=ports)
        return Interface(name, "virtual", why)
    try:
        arphrd = int(_read(base / "type"))
    except ValueError:
        arphrd = -1
    if arphrd in ARPHRD_KIND:
        kind, why = ARPHRD_KIND[arphrd]
        return Interface(name, kind, N_("type {type}: {why}").format(type=arphrd, why=why))
    if arphrd == 512:
        why = N_("PPP link: a dial-up, mobile modem or VPN connection")
        return Interface(name, "unknown", why)
    if devtype in STACKED_DEVTYPES or (sysfs / "devices" / "virtual" / "net" / name).exists():
        what = f"DEVTYPE={devtype}" if devtype else N_("a software-only device")
        why = N_("{device} (virtual machine, container or bridge)").format(device=what)
        return Interface(name, "virtual", why)
    if arphrd == 1 and (base / "device").exists():
        return Interface(name, "wired", N_("Ethernet hardware device"))
    return Interface(
        name, "unknown", N_("link type {type}, no hardware device found").format(type=arphrd)
    )


def default_interface(procfs: Path, sysfs: Path) -> Interface | str:
    """The classified default-route interface, or why there is none."""
    names = default_interfaces(procfs)
    if names:
        return classify(names[0], sysfs)
    if names == []:
        return N_("no default route: is this computer online?")
    return N_("no routing table at {path} on {system}").format(
        path=str(procfs / "net"), system=platform.system()
    )


class NetworkInterface(Check):
    """Wi-Fi and mobile data lose packets in bursts; interpreters hear them as gaps."""

    id = "network.interface"
    title = N_("Network connection type (Ethernet cable preferred)")
    severity = Severity.HIGH
    remediation = REMEDIATION["wifi"]
    options = {
        "warn_kinds": Option(
            list,
            ["wifi", "vpn", "virtual", "unknown"],
            f"connection kinds that warn (of {', '.join(KINDS)})",
            item_type=str,
            choices=KINDS,
        ),
        "fail_kinds": Option(
            list,
            ["cellular"],
            f"connection kinds that fail (of {', '.join(KINDS)})",
            item_type=str,
            choices=KINDS,
        ),
    }
    sysfs_root: ClassVar[Path] = Path("/sys")
    procfs_root: ClassVar[Path] = Path("/proc")

    async def run(self, ctx: CheckContext) -> Finding:
        iface = await ctx.blocking(default_interface, self.procfs_root, self.sysfs_root)
        if isinstance(iface, str):
            return Finding.warn(
                _("could not tell which network connection is in use ({why})").format(
                    why=localize(iface)
                ),
                fix=localize(REMEDIATION["unknown"]),
                facts={"kind": "unknown", "interface": ""},
            )
        facts = {"kind": iface.kind, "interface": iface.name, "evidence": str(iface.evidence)}
        message = localize(MESSAGES[iface.kind]).format(
            interface=iface.name, evidence=localize(iface.evidence)
        )
        fix = localize(REMEDIATION.get(iface.kind, REMEDIATION["unknown"]))
        if iface.kind in ctx.options["fail_kinds"]:
            return Finding.fail(message, fix=fix, facts=facts)
        if iface.kind in ctx.options["warn_kinds"]:
            return Finding.warn(message, fix=fix, facts=facts)
        return Finding.passed(message, facts=facts)
