"""Channel identity and timing marks, end to end through a real Opus codec.

Ground truth is injected: the code each channel's encoder writes, the offset at which a
listener joins, the packets lost, the delay between two channels. Every accuracy claim in
docs/channel-identity.md is checked here or printed by benchmarks/bench_identity.py.
"""

import itertools
import math

import numpy as np
import pytest

from meetcheck.media.frames import FRAME_SAMPLES
from meetcheck.media.identity import (
    MARK_PERIOD_S,
    N_BITS,
    SAMPLE_RATE,
    Detection,
    IdentityDecoder,
    IdentityEncoder,
    decode_bits,
    encode_code,
    mark_offset_s,
)
from meetcheck.media.levels import active_level_dbfs, rms_dbfs
from meetcheck.media.opus import aiortc_roundtrip, opus_roundtrip
from meetcheck.media.programme import generate_programme

SR = SAMPLE_RATE
FRAME = FRAME_SAMPLES  # 20 ms, as the server sends
UN = ["floor", "ar", "zh", "en", "fr", "ru", "es"]
PROGRAMME_S = 16.0
_cache: dict[tuple[str, str], np.ndarray] = {}


def sent(code: str, voice: str | None = None) -> np.ndarray:
    """What the server sends on a channel: programme `voice` with `code`'s marks applied
    frame by frame on the programme clock, as the server does."""
    key = (code, voice or code)
    if key not in _cache:
        programme = generate_programme(voice or code, PROGRAMME_S)
        enc = IdentityEncoder(code)
        _cache[key] = np.concatenate(
            [enc.apply(programme[i : i + FRAME], i) for i in range(0, len(programme), FRAME)]
        )
    return _cache[key]


def join_offset(code: str, k: int = 0) -> int:
    """A 'random' join point, deterministic per case, anywhere in the mark period."""
    return 5000 + (sum(map(ord, code)) * 7919 + k * 104729) % int(6 * SR)


def decode(pcm: np.ndarray) -> Detection:
    dec = IdentityDecoder()
    for i in range(0, len(pcm), FRAME):  # as a client receives it
        dec.feed(pcm[i : i + FRAME])
    return dec.result()


# --- code <-> bits ---------------------------------------------------------------------


def test_every_two_and_three_letter_code_encodes_and_decodes():
    letters = "abcdefghijklmnopqrstuvwxyz"
    codes = ["floor"] + ["".join(p) for n in (2, 3) for p in itertools.product(letters, repeat=n)]
    words = set()
    for code in codes:
        bits = encode_code(code)
        assert len(bits) == N_BITS
        assert decode_bits(bits) == code
        words.add(tuple(bits))
    assert len(words) == len(codes)


@pytest.mark.parametrize("bad", ["", "e", "EN", "engl", "floor2", "é", "e1", "en "])
def test_invalid_codes_are_rejected(bad):
    with pytest.raises(ValueError):
        encode_code(bad)


def test_up_to_three_bit_errors_never_give_a_valid_code():
    """CRC-8 (0x07) over 15 bits has Hamming distance 4: a corrupted word is never read
    as a different code; at worst it is rejected."""
    for code in UN + ["yue", "zz", "aa"]:
        bits = encode_code(code)
        for k in (1, 2, 3):
            for flips in itertools.combinations(range(N_BITS), k):
                bad = list(bits)
                for i in flips:
                    bad[i] ^= 1
                assert decode_bits(bad) is None
        assert decode_bits([1 - b for b in bits]) is None  # inverted polarity


# --- round trips through Opus ------------------------------------------------------------


@pytest.mark.parametrize(
    ("bitrate", "application"),
    [(32000, "voip"), (None, "voip"), (64000, "audio")],
    ids=["32k", "default", "server-64k-audio"],
)
@pytest.mark.parametrize("code", UN)
def test_code_round_trips_through_opus_from_any_join_point(code, bitrate, application):
    """32 kbit/s and libopus's default (64 kbit/s here), and the server's own setting."""
    start = join_offset(code)
    y = opus_roundtrip(
        sent(code)[start : start + 6 * SR],
        bitrate,
        application=application,
        loss=0.02,
        seed=len(code),
    )
    det = decode(y)
    assert det.code == code
    assert det.confidence > 0.99
    assert len(det.marks_s) == 3 and det.samples == len(y)


@pytest.mark.parametrize("code", ["de", "ja", "pt", "yue", "zz", "aa"])
def test_any_two_or_three_letter_code_round_trips(code):
    start = join_offset(code, 1)
    y = opus_roundtrip(sent(code, "en")[start : start + 6 * SR], 32000, loss=0.02, seed=5)
    assert decode(y).code == code


@pytest.mark.parametrize("code", ["floor", "fr"])
def test_round_trip_through_aiortc_codec(code):
    """aiortc's own OpusEncoder/OpusDecoder (96 kbit/s stereo): a client's codec path."""
    start = join_offset(code, 2)
    y = aiortc_roundtrip(sent(code)[start : start + 6 * SR], loss=0.02, seed=7)
    assert decode(y).code == code


@pytest.mark.parametrize("code", ["ar", "zh", "es"])
def test_lost_packets_left_out_still_decode(code):
    """A receiver that concatenates frames without filling gaps (plain aiortc)."""
    start = join_offset(code, 3)
    y = opus_roundtrip(sent(code)[start : start + 6 * SR], 32000, loss=0.02, seed=11, lost="drop")
    assert len(y) < 6 * SR
    assert decode(y).code == code


@pytest.mark.parametrize("seconds", [3, 4])
@pytest.mark.parametrize("k", range(3))
def test_detected_within_a_few_seconds(k, seconds):
    code = UN[k + seconds]
    start = join_offset(code, 10 + k)
    y = opus_roundtrip(sent(code)[start : start + seconds * SR], 32000, loss=0.02, seed=k)
    assert decode(y).code == code


def test_crossed_channel_reports_the_audio_not_the_label():
    """The French channel carries Spanish: French voice programme, Spanish encoder."""
    start = join_offset("fr", 4)
    y = opus_roundtrip(sent("es", voice="fr")[start : start + 6 * SR], 32000, loss=0.02, seed=1)
    det = decode(y)
    assert det.code == "es" and det.code != "fr"


def test_two_channels_mixed_never_decode_as_a_third_code():
    start = join_offset("ru", 5)
    mix = 0.5 * (sent("es")[start : start + 8 * SR] + sent("fr")[start : start + 8 * SR])
    det = decode(opus_roundtrip(mix, 32000, seed=2))
    assert det.code in (None, "es", "fr")
    assert det.marks_s  # the shared timing marks are still there


def test_inverted_polarity_still_decodes():
    start = join_offset("zh", 6)
    y = opus_roundtrip(-sent("zh")[start : start + 6 * SR], 32000, seed=3)
    assert decode(y).code == "zh"


@pytest.mark.parametrize("rate", [44100, 16000])
def test_other_sample_rates(rate):
    programme = generate_programme("ru", 8.0, sample_rate=rate)
    marked = IdentityEncoder("ru", sample_rate=rate).apply(programme, 0)
    dec = IdentityDecoder(sample_rate=rate)
    dec.feed(marked[rate // 3 :])
    det = dec.result()
    assert det.code == "ru"
    assert det.marks_s[0] == pytest.approx(MARK_PERIOD_S - 1 / 3, abs=1e-3)


# --- no false positives ------------------------------------------------------------------


def _noise(seconds: float) -> np.ndarray:
    return (0.05 * np.random.default_rng(0).standard_normal(int(seconds * SR))).astype(np.float32)


@pytest.mark.parametrize(
    "source",
    [
        lambda: _noise(60),
        lambda: generate_programme("en", 60),
        lambda: generate_programme("fr", 60) + _noise(60) * 0.1,
        lambda: np.zeros(60 * SR, dtype=np.float32),
    ],
    ids=["white-noise", "programme", "programme+noise", "silence"],
)
def test_no_false_positives_on_unmarked_audio(source):
    det = decode(opus_roundtrip(source(), 32000, seed=4))
    assert det.code is None
    assert det.marks_s == []
    assert det.confidence == 0.0


def test_short_input_gives_no_code_yet():
    det = decode(sent("en")[: SR // 2])
    assert det.code is None and det.samples == SR // 2


# --- timing marks and delay ---------------------------------------------------------------


@pytest.mark.parametrize("delay_ms", [0.0, 120.0, 480.0, -250.0])
def test_delay_between_two_channels(delay_ms):
    """Both channels recorded from the same instant; the French one arrives later."""
    delay = int(round(delay_ms * SR / 1000))
    start = 3 * SR + 4321
    floor = opus_roundtrip(sent("floor")[start : start + 6 * SR], 32000, loss=0.02, seed=1)
    fr = opus_roundtrip(
        sent("fr")[start - delay : start - delay + 6 * SR], 32000, loss=0.02, seed=2
    )
    ref, other = decode(floor), decode(fr)
    measured = mark_offset_s(ref, other)
    print(f"injected {delay_ms:.1f} ms, measured {measured * 1000:.3f} ms")
    assert measured == pytest.approx(delay_ms / 1000, abs=0.010)
    assert mark_offset_s(other, ref) == pytest.approx(-delay_ms / 1000, abs=0.010)


def test_marks_fall_on_the_programme_clock():
    """A listener joining at programme sample s sees marks at k*period - s (plus the
    codec's 312-sample delay): this is what makes the channels comparable."""
    start = join_offset("ru", 7)
    det = decode(opus_roundtrip(sent("ru")[start : start + 6 * SR], 32000, seed=6))
    first = (-start) % (MARK_PERIOD_S * SR) / SR + 312 / SR
    expected = [first + k * MARK_PERIOD_S for k in range(len(det.marks_s))]
    assert det.marks_s == pytest.approx(expected, abs=0.5e-3)


def test_delay_beyond_half_a_period_wraps():
    ref = Detection("floor", 1.0, [0.5, 2.5, 4.5], 6 * SR)
    assert mark_offset_s(ref, Detection("fr", 1.0, [1.7, 3.7], 6 * SR)) == pytest.approx(-0.8)
    assert mark_offset_s(ref, Detection("fr", 1.0, [1.3, 3.3], 6 * SR)) == pytest.approx(0.8)


def test_delay_uses_start_offsets_and_needs_marks():
    ref = Detection("floor", 1.0, [0.5, 2.5], 6 * SR)
    other = Detection("fr", 1.0, [0.25, 2.25], 6 * SR)  # recording began 0.375 s later
    assert mark_offset_s(ref, other, other_start_s=0.375) == pytest.approx(0.125)
    assert mark_offset_s(ref, Detection(None, 0.0, [], 6 * SR)) is None


def test_decoder_window_keeps_absolute_times():
    y = sent("es")
    dec = IdentityDecoder(max_seconds=7.0)
    for i in range(0, len(y), FRAME):
        dec.feed(y[i : i + FRAME])
    det = dec.result()
    assert det.code == "es" and det.samples == len(y)
    assert det.marks_s[-1] == pytest.approx(14.0, abs=1e-3)
    assert det.marks_s[0] > 8.0


# --- level and mixing ----------------------------------------------------------------------


def test_marks_are_at_least_20_db_below_the_programme():
    programme = generate_programme("en", PROGRAMME_S)
    marks = sent("en").astype(np.float64) - programme
    margin = active_level_dbfs(programme, SR) - rms_dbfs(marks)
    print(f"marks {rms_dbfs(marks):.1f} dBFS, {margin:.1f} dB below the programme")
    assert margin >= 20.0
    windows = [rms_dbfs(marks[i : i + 4800]) for i in range(0, len(marks), 4800)]
    assert max(windows) <= -48.0 + 0.5  # never above level_dbfs
    quiet = [
        w
        for i, w in zip(range(0, len(marks), 4800), windows, strict=True)
        if rms_dbfs(programme[max(0, i - 9600) : i + 4800]) == -math.inf
    ]
    assert quiet and max(quiet) <= -59.5  # pauses: the floor, -60 dBFS


@pytest.mark.parametrize("block", [FRAME, 10 * FRAME], ids=["20ms", "200ms"])
def test_apply_block_by_block_equals_one_call(block):
    programme = generate_programme("ar", 5.0)
    whole = IdentityEncoder("ar").apply(programme, 12345 * FRAME)
    enc = IdentityEncoder("ar")
    blocks = [
        enc.apply(programme[i : i + block], 12345 * FRAME + i)
        for i in range(0, len(programme), block)
    ]
    np.testing.assert_allclose(np.concatenate(blocks), whole, atol=1e-6)


def test_apply_clips_safely_and_keeps_shape():
    loud = np.ones(FRAME, dtype=np.float32)
    out = IdentityEncoder("en").apply(loud, 0)
    assert out.dtype == np.float32 and out.shape == (FRAME,)
    assert np.all(np.abs(out) <= 1.0)
    assert IdentityEncoder("en").apply(np.zeros(0, dtype=np.float32), 0).shape == (0,)


def test_marks_line_up_across_channels():
    """The 160 ms sync at each period start is the same on every channel; the data differ."""
    fr = IdentityEncoder("fr", level_dbfs=-40, floor_dbfs=-40)
    es = IdentityEncoder("es", level_dbfs=-40, floor_dbfs=-40)
    silence = np.zeros(int(MARK_PERIOD_S * SR), dtype=np.float32)
    a, b = fr.apply(silence, 3 * len(silence)), es.apply(silence, 3 * len(silence))
    sync = int(0.16 * SR)
    np.testing.assert_array_equal(a[:sync], b[:sync])
    assert not np.array_equal(a[sync:], b[sync:])
    assert rms_dbfs(a) == pytest.approx(-40.0, abs=0.1)
