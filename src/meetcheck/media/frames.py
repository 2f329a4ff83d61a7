"""The one audio clock every part shares: 48 kHz mono in 20 ms frames, as WebRTC sends
Opus. Defined once so the server, the clients and the media code cannot drift apart;
light on purpose (no numpy), so the server's meeting file can name the rate too.
"""

from __future__ import annotations

from fractions import Fraction

SAMPLE_RATE = 48000
FRAME_SAMPLES = 960
FRAME_SECONDS = FRAME_SAMPLES / SAMPLE_RATE  # 0.02
TIME_BASE = Fraction(1, SAMPLE_RATE)  # of PyAV frames and packets stamped in samples
