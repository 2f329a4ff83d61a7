"""The client side of WebRTC meetings, and the wire formats it shares with the server.

:mod:`.client` (WHEP player and echo caller), :mod:`.stun` (STUN codec and Binding
client), :mod:`.loopback` (choosing the addresses ICE gathers on), :mod:`.echo_wire` (the
echo data channel's format). The checks and ``meetcheck serve`` (:mod:`meetcheck.server`)
both build on these; nothing here imports the server.

Nothing is imported here on purpose: the client needs aiortc, PyAV and numpy, and
``meetcheck --help`` must not pay for them. Import the submodules where they are used.
"""
