"""`meetcheck serve`: the test-meeting server (HTTP, WebRTC, STUN) a secretariat runs.

Modules: :mod:`.app` (the aiohttp application and :class:`~.app.MeetingServer`),
:mod:`.config` (``serve.toml``), :mod:`.whep` (interpretation channels),
:mod:`.channels` (one real-time source per channel), :mod:`.echo` (echo calls),
:mod:`.sessions` (limits and reaping), :mod:`.throughput` and :mod:`.links`. The client
side (WHEP and echo clients, STUN, ICE addresses) is :mod:`meetcheck.webrtc`. Importing
this package imports nothing heavy.
"""
