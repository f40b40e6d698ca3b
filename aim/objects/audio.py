"""aim.Audio: a piece of audio to track, as encoded bytes or as samples encoded to WAV when recorded."""

from __future__ import annotations

import io
import os
from typing import TYPE_CHECKING, Any

from aim.objects._record import (
    Captioned,
    check_caption,
    check_int,
    is_path,
    is_torch,
    read_file,
    torch_to_numpy,
    type_name,
)

if TYPE_CHECKING:
    import numpy as np

FORMATS = ("wav", "mp3", "flac", "ogg")
"""Formats of encoded audio an Audio holds; samples are always stored as 'wav'."""

MAX_CHANNELS = 256
"""The most channels an array of samples may have."""

DEFAULT_RATE = 22500
"""Samples per second of samples passed without rate= (Aim's default, 22500 as Aim has it)."""

_SUFFIXES = {".wav": "wav", ".wave": "wav", ".mp3": "mp3", ".flac": "flac", ".ogg": "ogg", ".oga": "ogg"}


class Audio(Captioned):
    """Audio: encoded bytes (or a BytesIO), the path of an audio file, or samples to encode as WAV
    (a numpy array or torch tensor, 1-D mono or 2-D (n, channels); int16, or floats in [-1, 1]
    scaled to int16 and rounded) at `rate` samples per second (DEFAULT_RATE, as in Aim, if left out).

    `format` is one of FORMATS; left out (None or ''), it is told from the bytes (or else the
    file's suffix), and samples are 'wav'. A format the bytes plainly are not is a ValueError.
    `rate` is read from a WAV header; for other formats it is what was passed (None if unknown).

    Two Audios are equal when their format, rate and encoded bytes are; the caption is not compared.
    """

    KIND = "audio"
    __slots__ = ("_format", "_rate", "_data", "_samples")

    def __init__(
        self, data: Any, format: str | None = None, caption: str = "", rate: int | None = None
    ) -> None:
        self._caption = check_caption(caption)
        fmt = _check_format(format)
        rate = _check_rate(rate)
        self._data: bytes | None = None
        self._samples: np.ndarray | None = None
        if isinstance(data, (bytes, bytearray, memoryview)) or isinstance(data, io.BytesIO):
            raw = data.getvalue() if isinstance(data, io.BytesIO) else bytes(data)
            self._set_encoded(raw, fmt, rate, None, "the audio bytes")
        elif is_path(data):
            path = os.fspath(data)
            suffix = _SUFFIXES.get(os.path.splitext(path)[1].lower())
            self._set_encoded(read_file(path), fmt, rate, suffix, str(path))
        elif type(data).__module__ == "numpy" or is_torch(data) or hasattr(data, "__array__"):
            if fmt not in (None, "wav"):
                raise ValueError(f"audio samples are stored as WAV; format must be 'wav', not {fmt!r}")
            if rate is None:
                rate = DEFAULT_RATE
            self._samples = _samples(torch_to_numpy(data) if is_torch(data) else data)
            self._format, self._rate = "wav", rate
        else:
            raise TypeError(
                f"cannot make an Audio of a {type_name(data)}: pass bytes, a file path or an array of samples"
            )

    def _set_encoded(
        self, data: bytes, fmt: str | None, rate: int | None, suffix: str | None, what: str
    ) -> None:
        if not data:
            raise ValueError(f"{what}: no audio data (empty)")
        sniffed = _sniff(data)
        if fmt is None:
            fmt = sniffed or suffix
            if fmt is None:
                raise ValueError(f"cannot tell the audio format of {what}; pass format= (one of {FORMATS})")
        elif sniffed is not None and sniffed != fmt:
            raise ValueError(f"{what}: {sniffed} audio, not {fmt}")
        if fmt == "wav":
            if sniffed != "wav":
                raise ValueError(f"{what}: not WAV audio (no RIFF/WAVE header)")
            header_rate = _wav_rate(data, what)
            if header_rate <= 0:
                raise ValueError(f"{what}: a WAV header with sample rate {header_rate}")
            if rate is not None and rate != header_rate:
                raise ValueError(f"rate={rate} but the WAV header of {what} says {header_rate}")
            rate = header_rate
        self._data, self._format, self._rate = data, fmt, rate

    # --- record ----------------------------------------------------------------------------
    def _record(self) -> tuple[dict, bytes]:
        """(meta, payload): meta {caption, format, rate}; payload the encoded audio (samples are
        encoded to WAV here, off the training thread)."""
        return self.json(), self.get()

    @classmethod
    def _from_record(cls, meta: dict, payload: bytes) -> Audio:
        self = cls.__new__(cls)
        self._caption = str(meta.get("caption", ""))
        self._format = meta["format"]
        self._rate = meta.get("rate")
        self._data, self._samples = bytes(payload), None
        return self

    # --- public ----------------------------------------------------------------------------
    @property
    def format(self) -> str:
        return self._format

    @property
    def rate(self) -> int | None:
        return self._rate

    def json(self) -> dict:
        return {"caption": self._caption, "format": self._format, "rate": self._rate}

    def get(self) -> bytes:
        """The encoded audio."""
        if self._data is not None:
            return self._data
        return _encode_wav(self._samples, self._rate)

    def to_numpy(self) -> np.ndarray:
        """The samples of a WAV: shape (n,) for mono, (n, channels) otherwise, in the WAV's sample type
        (int16 for samples given as arrays)."""
        if self._samples is not None:
            return self._samples.copy()
        if self._format != "wav":
            raise ValueError(f"to_numpy() decodes WAV only, this audio is {self._format}")
        return _decode_wav(self._data)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Audio):
            return NotImplemented
        return (self._format, self._rate) == (other._format, other._rate) and self.get() == other.get()

    def __hash__(self) -> int:
        return hash((self.KIND, self._format, self._rate))

    def __repr__(self) -> str:
        return f"Audio(format={self._format!r}, rate={self._rate}, caption={self._caption!r})"


def _check_format(format: Any) -> str | None:
    if format is None or format == "":
        return None
    if not isinstance(format, str):
        raise TypeError(f"format must be a str, not {type(format).__name__}")
    if format.lower() not in FORMATS:
        raise ValueError(f"unknown audio format {format!r}: expected one of {', '.join(FORMATS)}")
    return format.lower()


def _check_rate(rate: Any) -> int | None:
    if rate is None:
        return None
    rate = check_int(rate, "rate")
    if not 0 < rate < 2**32:
        raise ValueError(f"rate must be a positive number of samples per second, got {rate}")
    return rate


def _sniff(data: bytes) -> str | None:
    """The format the bytes plainly are, by their first bytes; None when they do not say."""
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "wav"
    if data[:4] == b"OggS":
        return "ogg"
    if data[:4] == b"fLaC":
        return "flac"
    if data[:3] == b"ID3" and len(data) >= 10:  # an ID3v2 tag, before MP3 frames (or, rarely, FLAC)
        size = 10 + (data[6] << 21 | data[7] << 14 | data[8] << 7 | data[9]) + (10 if data[5] & 0x10 else 0)
        return "flac" if data[size : size + 4] == b"fLaC" else "mp3"
    if len(data) >= 2 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0:  # an MPEG frame sync
        return "mp3"
    return None


def _wav_rate(data: bytes, what: str) -> int:
    """The sample rate in a RIFF/WAVE header's fmt chunk (any sample encoding)."""
    at = 12
    while at + 8 <= len(data):
        chunk, size = data[at : at + 4], int.from_bytes(data[at + 4 : at + 8], "little")
        if chunk == b"fmt " and size >= 16 and at + 16 <= len(data):
            return int.from_bytes(data[at + 12 : at + 16], "little")
        at += 8 + size + (size & 1)
    raise ValueError(f"{what}: a WAV without a fmt chunk")


def _samples(array: Any) -> np.ndarray:
    """A private int16 copy of the samples: (n,) for mono, else (n, channels)."""
    import numpy as np

    array = np.asarray(array)
    if array.ndim not in (1, 2):
        raise ValueError(f"audio samples must be 1-D (mono) or 2-D (n, channels), got shape {array.shape}")
    if array.ndim == 2 and array.shape[1] > MAX_CHANNELS:
        raise ValueError(
            f"audio samples must be (n, channels) with at most {MAX_CHANNELS} channels, got shape "
            f"{array.shape} (samples laid out (channels, n) need .T)"
        )
    if array.size == 0:
        raise ValueError(f"audio samples are empty (shape {array.shape})")
    if array.ndim == 2 and array.shape[1] == 1:
        array = array.reshape(-1)  # mono, as a WAV gives it back
    if array.dtype == np.int16:
        return np.array(array, dtype=np.int16)
    if array.dtype.kind != "f":
        raise TypeError(f"audio samples must be int16 or floats in [-1, 1], not {array.dtype}")
    low, high = array.min(), array.max()
    if np.isnan(low) or np.isnan(high):
        raise ValueError("audio samples contain NaN")
    if not (low >= -1 and high <= 1):
        raise ValueError(f"float audio samples must be in [-1, 1], got [{low}, {high}]")
    return np.rint(array.astype(np.float64) * 32767).astype(np.int16)


def _encode_wav(samples: np.ndarray, rate: int) -> bytes:
    import wave

    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1 if samples.ndim == 1 else samples.shape[1])
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.astype("<i2").tobytes())
    return out.getvalue()


def _decode_wav(data: bytes) -> np.ndarray:
    import wave

    import numpy as np

    try:
        with wave.open(io.BytesIO(data), "rb") as w:
            channels, width, frames = w.getnchannels(), w.getsampwidth(), w.readframes(w.getnframes())
    except (wave.Error, EOFError) as e:
        raise ValueError(f"cannot decode this WAV: {e}") from None
    dtype = {1: np.uint8, 2: np.dtype("<i2"), 4: np.dtype("<i4")}.get(width)
    if dtype is None:
        raise ValueError(f"cannot decode {8 * width}-bit WAV samples")
    samples = np.frombuffer(frames, dtype=dtype).astype(np.dtype(dtype).newbyteorder("="))
    return samples if channels == 1 else samples.reshape(-1, channels)
