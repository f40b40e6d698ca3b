"""Tracked-object values: Image, Distribution, Text, Audio, Figure and LogRecord (Aim's aim.image,
aim.distribution, aim.text, aim.audio, aim.figure and aim.log_record).

Each is a plain value object with a record interface the SDK stores it through:

    KIND                              "image" | "distribution" | "text" | "audio" | "figure" | "log_record"
    obj._record() -> (meta, payload)  a JSON-able dict and the bytes to store; the encoding happens
                                      here, on the SDK's sender thread, and is deterministic
    cls._from_record(meta, payload)   the object a reader sees

Importing this package loads neither numpy, PIL nor plotly; an object imports them when it needs them.
"""

from aim.objects.audio import Audio
from aim.objects.distribution import MAX_BIN_COUNT, Distribution
from aim.objects.figure import Figure
from aim.objects.image import Image
from aim.objects.log_record import LogRecord
from aim.objects.text import Text

KINDS = {cls.KIND: cls for cls in (Image, Distribution, Text, Audio, Figure, LogRecord)}  # KIND -> class

__all__ = ["KINDS", "MAX_BIN_COUNT", "Audio", "Distribution", "Figure", "Image", "LogRecord", "Text"]
