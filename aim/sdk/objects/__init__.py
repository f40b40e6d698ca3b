"""`from aim.sdk.objects import Image, ...`: Aim's tracked-object classes at their documented paths
(also aim.sdk.objects.image, ...)."""

from aim.objects import Audio, Distribution, Figure, Image, Text

__all__ = ["Audio", "Distribution", "Figure", "Image", "Text"]
