"""`from aim.sdk.sequences.audio_sequence import Audios`, as in Aim 3.x."""

from aim import Audios

__all__ = ["Audios"]
