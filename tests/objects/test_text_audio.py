"""aim.objects.Text and Audio: round trips, formats told from bytes, WAV samples, and bad input."""

from __future__ import annotations

import io
import re
import wave

import numpy as np
import pytest

from aim.objects import Audio, Text

RNG = np.random.default_rng(2)
MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" + bytes(100)
FLAC = b"fLaC" + bytes(100)
OGG = b"OggS" + bytes(100)


def wav_bytes(samples: np.ndarray, rate: int) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1 if samples.ndim == 1 else samples.shape[1])
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.astype("<i2").tobytes())
    return out.getvalue()


def roundtrip(obj):
    meta, payload = obj._record()
    assert isinstance(payload, bytes)
    return type(obj)._from_record(meta, payload)


# --- Text --------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["", "hello", "naïve 🚀 \n\t", "lone \udc80 surrogate"])
def test_text_round_trip(text):
    t = Text(text)
    meta, payload = t._record()
    assert meta == {} and payload == text.encode("utf-8", "surrogatepass")
    back = roundtrip(t)
    assert back == t and hash(back) == hash(t)
    assert back.data == str(back) == text and back.json() == {"data": text}


def test_text_takes_str_only():
    for bad in (b"bytes", None, 3, ["a"]):
        with pytest.raises(TypeError, match=f"Text takes a str, not {type(bad).__name__}"):
            Text(bad)
    assert Text("a") != Text("b") and Text("a") != "a"
    assert repr(Text("x" * 100)).endswith("...')") and Text.KIND == "text"


# --- Audio from samples ------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(500,), (500, 1), (400, 2), (100, 6)])
def test_int16_samples_round_trip_through_wav(shape):
    samples = RNG.integers(-(2**15), 2**15, shape).astype(np.int16)
    audio = Audio(samples, rate=16000, caption="s")
    meta, payload = audio._record()
    assert meta == {"caption": "s", "format": "wav", "rate": 16000}
    assert payload[:4] == b"RIFF" and payload == audio._record()[1]
    back = roundtrip(audio)
    assert np.array_equal(back.to_numpy(), samples.reshape(-1) if shape[-1] in (500, 1) else samples)
    assert back.rate == 16000 and back.format == "wav" and back == audio
    assert np.array_equal(audio.to_numpy(), back.to_numpy())


def test_float_samples_are_scaled_to_int16():
    samples = RNG.uniform(-1, 1, 300).astype(np.float32)
    samples[:2] = (-1.0, 1.0)
    back = roundtrip(Audio(samples, rate=8000))
    assert np.array_equal(back.to_numpy(), np.rint(samples.astype(np.float64) * 32767).astype(np.int16))


def test_torch_samples_and_mutation_after_construction():
    class FakeTensor:
        __module__ = "torch"

        def __init__(self, array):
            self.array = array

        def detach(self):
            return self

        def cpu(self):
            return self

        def numpy(self):
            return self.array

    samples = RNG.integers(-100, 100, 50).astype(np.int16)
    before = samples.copy()
    audio = Audio(FakeTensor(samples), rate=100)
    samples[:] = 0
    assert np.array_equal(roundtrip(audio).to_numpy(), before)


@pytest.mark.parametrize(
    ("samples", "kwargs", "error", "message"),
    [
        (
            np.zeros(10, np.int16),
            {"rate": 8000, "format": "mp3"},
            ValueError,
            "format must be 'wav', not 'mp3'",
        ),
        (np.zeros((2, 3, 4), np.int16), {"rate": 8000}, ValueError, "got shape (2, 3, 4)"),
        (np.zeros((2, 1000), np.int16), {"rate": 8000}, ValueError, "at most 256 channels"),
        (np.zeros(0, np.int16), {"rate": 8000}, ValueError, "empty"),
        (np.zeros(10, np.int32), {"rate": 8000}, TypeError, "int16 or floats in [-1, 1], not int32"),
        (np.array([0.5, np.nan]), {"rate": 8000}, ValueError, "contain NaN"),
        (np.array([0.5, 1.5]), {"rate": 8000}, ValueError, "must be in [-1, 1]"),
        (np.zeros(10), {"rate": 0}, ValueError, "rate must be a positive"),
        (np.zeros(10), {"rate": 44100.0}, TypeError, "rate must be an int"),
        (np.zeros(10), {"rate": 8000, "caption": 5}, TypeError, "caption must be a str"),
        (np.zeros(10), {"rate": 8000, "format": "aac"}, ValueError, "unknown audio format 'aac'"),
    ],
)
def test_bad_samples(samples, kwargs, error, message):
    with pytest.raises(error, match=re.escape(message)):
        Audio(samples, **kwargs)


# --- Audio from bytes and files ----------------------------------------------------------------
def test_wav_bytes_keep_their_bytes_and_header_rate():
    samples = RNG.integers(-1000, 1000, (64, 2)).astype(np.int16)
    data = wav_bytes(samples, 22050)
    for given in (data, bytearray(data), memoryview(data), io.BytesIO(data)):
        audio = Audio(given)
        assert (audio.format, audio.rate, audio.get()) == ("wav", 22050, data)
        assert roundtrip(audio)._record()[1] == data
        assert np.array_equal(audio.to_numpy(), samples)
    assert Audio(data, format="wav", rate=np.int32(22050)).rate == 22050
    with pytest.raises(ValueError, match="rate=8000 but the WAV header of the audio bytes says 22050"):
        Audio(data, rate=8000)


@pytest.mark.parametrize(
    ("data", "fmt"), [(MP3, "mp3"), (b"\xff\xfb" + bytes(50), "mp3"), (FLAC, "flac"), (OGG, "ogg")]
)
def test_format_is_told_from_the_bytes(data, fmt):
    audio = Audio(data, caption="c", rate=44100)
    assert (audio.format, audio.rate, audio.caption) == (fmt, 44100, "c")
    back = roundtrip(audio)
    assert (
        back.get() == data and back == audio and back.json() == {"caption": "c", "format": fmt, "rate": 44100}
    )
    with pytest.raises(ValueError, match="decodes WAV only"):
        back.to_numpy()


def test_flac_behind_an_id3_tag():
    assert Audio(b"ID3\x04\x00\x00\x00\x00\x00\x02ab" + FLAC).format == "flac"


def test_bytes_that_are_plainly_another_format():
    with pytest.raises(ValueError, match="the audio bytes: mp3 audio, not flac"):
        Audio(MP3, format="flac")
    with pytest.raises(ValueError, match="the audio bytes: not WAV audio"):
        Audio(b"just some bytes", format="wav")
    with pytest.raises(ValueError, match="cannot tell the audio format"):
        Audio(b"just some bytes")
    assert Audio(b"just some bytes", format="MP3").format == "mp3"  # cannot tell: trusted
    with pytest.raises(ValueError, match="empty"):
        Audio(b"", format="mp3")
    with pytest.raises(ValueError, match="without a fmt chunk"):
        Audio(b"RIFF\x04\x00\x00\x00WAVE")


def test_files(tmp_path):
    wav = tmp_path / "a.wav"
    wav.write_bytes(wav_bytes(np.arange(10, dtype=np.int16), 8000))
    assert Audio(wav).json() == {"caption": "", "format": "wav", "rate": 8000}
    odd = tmp_path / "b.mp3"
    odd.write_bytes(b"\x00\x01 unknown framing")
    assert Audio(str(odd)).format == "mp3"  # the bytes do not say: the suffix does
    with pytest.raises(FileNotFoundError):
        Audio(tmp_path / "missing.wav")
    with pytest.raises(ValueError, match=re.escape(f"{tmp_path / 'c.bin'}")):
        (tmp_path / "c.bin").write_bytes(b"????")
        Audio(tmp_path / "c.bin")


def test_audio_type_and_equality():
    with pytest.raises(TypeError, match="cannot make an Audio of a int"):
        Audio(3)
    with pytest.raises(TypeError, match="caption must be a str"):
        Audio(OGG).caption = None
    assert Audio(OGG) != Audio(FLAC) and Audio(OGG) != OGG
    assert Audio(OGG, caption="a") == Audio(OGG, caption="b")
    assert "format='ogg'" in repr(Audio(OGG)) and Audio.KIND == "audio"
