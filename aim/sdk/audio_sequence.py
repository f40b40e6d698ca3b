"""`from aim.sdk.audio_sequence import Audios`, as in Aim's documentation."""

from aim import Audios

__all__ = ["Audios"]
