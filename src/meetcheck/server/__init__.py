"""`meetcheck serve`: the test-meeting server (HTTP, WebRTC, STUN) a secretariat runs.

Modules: :mod:`.app` (the aiohttp application and :class:`~.app.MeetingServer`),
:mod:`.config` (``serve.toml``), :mod:`.whep` (interpretation channels),
:mod:`.channels` (one real-time source per channel), :mod:`.echo` (echo calls),
:mod:`.sessions` (limits and reaping), :mod:`.loopback` (keeping ICE on chosen addresses),
:mod:`.client` (Python WHEP and echo clients), :mod:`.stun`, :mod:`.throughput`,
:mod:`.links`, and :mod:`.plugin` (the ``serve`` command). Importing this package imports
nothing heavy.
"""
