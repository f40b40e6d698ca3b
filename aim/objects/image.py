"""aim.Image: an image to track, kept as pixels (or file bytes) and encoded only when recorded.

Constructing an Image from a numpy array costs a validation and a copy of the pixels (the caller may
reuse its array at once); encoding to PNG / JPEG / ... happens in `_record()`, which the SDK calls
on its background sender thread. numpy and PIL are imported only when an Image needs them.
"""

from __future__ import annotations

import io
import os
import sys
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
    from PIL import Image as PILImage

FORMATS = ("png", "jpeg", "webp", "bmp", "gif")
"""Formats an Image can be stored in ('jpg' is accepted as an alias of 'jpeg')."""

_ALIASES = {"png": "png", "jpeg": "jpeg", "jpg": "jpeg", "webp": "webp", "bmp": "bmp", "gif": "gif"}
_PIL_FORMAT = {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP", "bmp": "BMP", "gif": "GIF"}
_FROM_PIL_FORMAT = {v: k for k, v in _PIL_FORMAT.items()}
# PIL modes each format writes as they are; others are converted to RGB (RGBA where alpha is kept).
_NATIVE_MODES = {
    "png": {"1", "L", "LA", "I;16", "P", "RGB", "RGBA"},
    "jpeg": {"1", "L", "RGB", "CMYK", "YCbCr", "RGBX"},
    "webp": {"1", "L", "LA", "I", "I;16", "F", "P", "PA", "RGB", "RGBA", "CMYK", "YCbCr", "LAB", "HSV"},
    "bmp": {"1", "L", "P", "RGB", "RGBA"},
    "gif": {"1", "L", "LA", "I", "I;16", "F", "P", "PA", "RGB", "RGBA"},
}
_ALPHA_FORMATS = {"png", "webp"}
_PIL_MODES = set().union(*_NATIVE_MODES.values(), {"RGBX"})
_SHAPES = "H x W, H x W x 1, H x W x 3 or H x W x 4"


class Image(Captioned):
    """An image: a PIL image, a numpy array (H x W, H x W x 1, H x W x 3 or H x W x 4; uint8,
    floats in [0, 1] scaled to 0..255 and rounded, or other integers in 0..255), a torch tensor
    (C x H x W with C in 1, 3, 4, or H x W) or the path of an image file.

    PIL modes the format cannot store are converted to RGB (RGBA where the format keeps alpha):
    an RGBA array stored as 'jpeg' loses its alpha.

    `format` is the stored encoding: one of FORMATS ('png' and 'bmp' are lossless; 'jpeg' and
    'webp' use `quality`, 1..100). A file already in `format` is stored byte for byte.

    Two Images are equal when they have the same format, size and pixels (same PIL mode, same
    values); the caption is not compared. An Image rebuilt from a lossy record holds the decoded
    pixels, so it may differ from the Image it was recorded from.
    """

    KIND = "image"
    __slots__ = (
        "_format",
        "_quality",
        "_optimize",
        "_pixels",
        "_pil",
        "_data",
        "_data_format",
        "_width",
        "_height",
    )

    def __init__(
        self, image: Any, caption: str = "", format: str = "png", quality: int = 90, optimize: bool = False
    ) -> None:
        self._caption = check_caption(caption)
        self._format = _check_format(format)
        quality = check_int(quality, "quality")
        if not 1 <= quality <= 100:
            raise ValueError(f"quality must be between 1 and 100, got {quality}")
        self._quality = quality
        self._optimize = bool(optimize)
        self._pixels: np.ndarray | None = None
        self._pil: PILImage.Image | None = None
        self._data: bytes | None = None
        self._data_format: str | None = None

        module = type(image).__module__
        if module == "numpy":
            self._set_pixels(_pixels(image, "an image array"))
        elif is_path(image):
            self._set_file(image)
        elif is_torch(image):
            self._set_pixels(_pixels(_chw_to_hwc(torch_to_numpy(image)), "a torch image tensor"))
        elif _is_pil(image):
            self._set_pil(image)
        elif hasattr(image, "__array__") or hasattr(image, "__array_interface__"):
            import numpy as np

            self._set_pixels(_pixels(np.asarray(image), "an image array"))
        else:
            raise TypeError(
                f"cannot make an Image of a {type_name(image)}: pass a PIL image, a numpy array, "
                "a torch tensor or the path of an image file"
            )

    # --- construction ----------------------------------------------------------------------
    def _set_pixels(self, pixels: np.ndarray) -> None:
        self._pixels = pixels
        self._height, self._width = pixels.shape[:2]

    def _set_pil(self, image: PILImage.Image) -> None:
        if image.mode not in _PIL_MODES:
            raise ValueError(f"cannot store a PIL image of mode {image.mode!r}")
        if image.width == 0 or image.height == 0:
            raise ValueError(f"empty image (size {image.width} x {image.height})")
        self._pil = image.copy()
        self._width, self._height = image.size

    def _set_file(self, path: str | os.PathLike) -> None:
        data = read_file(path)
        from PIL import Image as PILImage

        try:
            with PILImage.open(io.BytesIO(data)) as im:
                im.verify()
            with PILImage.open(io.BytesIO(data)) as im:
                im.load()
                pil_format, size = im.format, im.size
        except Exception as e:
            raise ValueError(f"{os.fspath(path)!s} is not a readable image file: {e}") from None
        self._data = data
        self._data_format = _FROM_PIL_FORMAT.get(pil_format or "")
        self._width, self._height = size

    @classmethod
    def _from_record(cls, meta: dict, payload: bytes) -> Image:
        """The Image a reader sees: the stored encoding, decoded on demand."""
        self = cls.__new__(cls)
        self._caption = str(meta.get("caption", ""))
        self._format = _check_format(meta["format"])
        self._quality, self._optimize = 90, False
        self._pixels = self._pil = None
        self._data, self._data_format = bytes(payload), self._format
        self._width, self._height = int(meta["width"]), int(meta["height"])
        return self

    # --- record ----------------------------------------------------------------------------
    def _record(self) -> tuple[dict, bytes]:
        """(meta, payload): meta has caption, format, width, height; payload is the encoded image.
        Encoding happens here (off the training thread) and is deterministic."""
        if self._data is not None and self._data_format == self._format:
            payload = self._data
        else:
            payload = _encode(self._source(), self._format, self._quality, self._optimize)
        return self.json(), payload

    def _source(self) -> PILImage.Image:
        """The held pixels as a new PIL image (one that may share the held, never-written array)."""
        from PIL import Image as PILImage

        if self._pixels is not None:
            return PILImage.fromarray(self._pixels)
        if self._pil is not None:
            return self._pil.copy()  # PIL's save() writes attributes on the image it saves
        im = PILImage.open(io.BytesIO(self._data))
        im.load()
        return im

    # --- public ----------------------------------------------------------------------------
    @property
    def format(self) -> str:
        return self._format

    @property
    def width(self) -> int:
        return self._width

    @property
    def height(self) -> int:
        return self._height

    @property
    def size(self) -> tuple[int, int]:
        """(width, height)."""
        return self._width, self._height

    def json(self) -> dict:
        return {
            "caption": self._caption,
            "format": self._format,
            "width": self._width,
            "height": self._height,
        }

    def to_pil_image(self) -> PILImage.Image:
        """A new PIL image of the pixels (decoded, for an Image read back or made from a file)."""
        return self._source()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Image):
            return NotImplemented
        if self is other:
            return True
        if (self._format, self.size) != (other._format, other.size):
            return False
        if self._pixels is not None and other._pixels is not None:
            a, b = self._pixels, other._pixels
            return a.shape == b.shape and bool((a == b).all())
        if self._data is not None and self._data == other._data:
            return True
        a, b = self._source(), other._source()
        return a.mode == b.mode and a.tobytes() == b.tobytes() and a.getpalette() == b.getpalette()

    def __hash__(self) -> int:
        return hash((self.KIND, self._format, self._width, self._height))

    def __repr__(self) -> str:
        return f"Image({self._width}x{self._height}, format={self._format!r}, caption={self._caption!r})"


def _check_format(format: Any) -> str:
    if not isinstance(format, str):
        raise TypeError(f"format must be a str, not {type(format).__name__}")
    fmt = _ALIASES.get(format.lower())
    if fmt is None:
        raise ValueError(f"unknown image format {format!r}: expected one of {', '.join(FORMATS)} (or 'jpg')")
    return fmt


def _is_pil(value: Any) -> bool:
    pil = sys.modules.get("PIL.Image")  # a PIL image exists only once PIL.Image is imported
    return pil is not None and isinstance(value, pil.Image)


def _chw_to_hwc(array: np.ndarray) -> np.ndarray:
    if array.ndim == 3:
        if array.shape[0] not in (1, 3, 4):
            raise ValueError(
                "a torch image tensor must be C x H x W with C in 1, 3, 4, or H x W; "
                f"got shape {tuple(array.shape)}"
            )
        return array.transpose(1, 2, 0)
    if array.ndim != 2:
        raise ValueError(f"a torch image tensor must be C x H x W or H x W; got shape {tuple(array.shape)}")
    return array


def _pixels(array: np.ndarray, what: str) -> np.ndarray:
    """A private uint8 copy of array: H x W, H x W x 3 or H x W x 4 (H x W x 1 becomes H x W)."""
    import numpy as np

    if type(array) is not np.ndarray:
        array = np.asarray(array)
    shape = array.shape
    kind = array.dtype.kind
    if kind not in "uif":
        raise TypeError(f"{what} must have dtype uint8 or float, not {array.dtype}")
    if not (len(shape) == 2 or (len(shape) == 3 and shape[2] in (1, 3, 4))):
        raise ValueError(f"{what} must be {_SHAPES}; got shape {shape}")
    if 0 in shape:
        raise ValueError(f"{what} is empty (shape {shape})")
    if array.dtype == np.uint8:
        pixels = np.array(array, dtype=np.uint8)  # a C-ordered copy, also of a subclass or a view
    else:
        lo, hi = array.min(), array.max()
        if kind == "f":
            if np.isnan(lo) or np.isnan(hi):
                raise ValueError(f"{what} of floats contains NaN")
            if not (lo >= 0 and hi <= 1):
                raise ValueError(f"{what} of floats must hold values in [0, 1]; got [{lo}, {hi}]")
            pixels = np.rint(array.astype(np.float64) * 255).astype(np.uint8)
        else:
            if not (lo >= 0 and hi <= 255):
                raise ValueError(f"{what} of integers must hold values in [0, 255]; got [{lo}, {hi}]")
            pixels = array.astype(np.uint8)
    if len(shape) == 3 and shape[2] == 1:
        pixels = pixels.reshape(shape[:2])
    return pixels


def _encode(im: PILImage.Image, fmt: str, quality: int, optimize: bool) -> bytes:
    if im.mode not in _NATIVE_MODES[fmt]:
        alpha = "A" in im.mode or "transparency" in im.info
        im = im.convert("RGBA" if alpha and fmt in _ALPHA_FORMATS else "RGB")
    options: dict[str, Any] = {}
    if fmt in ("jpeg", "webp"):
        options["quality"] = quality
    if optimize and fmt in ("png", "jpeg", "gif"):
        options["optimize"] = True
    out = io.BytesIO()
    im.save(out, _PIL_FORMAT[fmt], **options)
    return out.getvalue()
