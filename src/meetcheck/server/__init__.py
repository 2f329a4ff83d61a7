"""`meetcheck serve`: the test-meeting server (HTTP, WebRTC, STUN) a secretariat runs.

Modules: :mod:`.app` (the aiohttp application and :class:`~.app.MeetingServer`; it wires
the rest together), :mod:`.state` (what the handlers share), :mod:`.config`
(``serve.toml``), :mod:`.whep` (interpretation channels), :mod:`.echo` (echo calls),
:mod:`.negotiate` (answering an offer, shared by both), :mod:`.auth` (bearer tokens),
:mod:`.problems` (RFC 9457 errors), :mod:`.channels` (one real-time source per channel),
:mod:`.sessions` (limits and reaping), :mod:`.stun` (the STUN responder),
:mod:`.throughput` and :mod:`.links`. The client side and the wire formats it shares with
the server are in :mod:`meetcheck.webrtc`, which never imports this package. Importing
this package imports nothing heavy.
"""
