"""Tracked-object values: Image, Distribution, Text and Audio (Aim's aim.image, aim.distribution,
aim.text and aim.audio).

Each is a plain value object with a record interface the SDK stores it through:

    KIND                              "image" | "distribution" | "text" | "audio"
    obj._record() -> (meta, payload)  a JSON-able dict and the bytes to store; the encoding happens
                                      here, on the SDK's sender thread, and is deterministic
    cls._from_record(meta, payload)   the object a reader sees

Importing this package loads neither numpy nor PIL; an object imports them when it needs them.
"""

from aim.objects.audio import Audio
from aim.objects.distribution import MAX_BIN_COUNT, Distribution
from aim.objects.image import Image
from aim.objects.text import Text

__all__ = ["MAX_BIN_COUNT", "Audio", "Distribution", "Image", "Text"]
