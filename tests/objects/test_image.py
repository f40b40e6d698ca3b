"""aim.objects.Image: inputs, the lossless PNG round trip, bad inputs, and the cost rule (construction
copies pixels and encodes nothing)."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from PIL import Image as PILImage

from aim.objects import Image

RNG = np.random.default_rng(0)
SHAPES = [(5, 7), (5, 7, 1), (5, 7, 3), (5, 7, 4)]


def roundtrip(img: Image) -> Image:
    meta, payload = img._record()
    assert isinstance(payload, bytes)
    return Image._from_record(meta, payload)


def pixels(img: Image) -> np.ndarray:
    return np.asarray(img.to_pil_image())


def expected(array: np.ndarray) -> np.ndarray:
    if array.dtype.kind == "f":
        array = np.rint(array.astype(np.float64) * 255)
    array = array.astype(np.uint8)
    return array.reshape(array.shape[:2]) if array.ndim == 3 and array.shape[2] == 1 else array


class FakeTensor:
    """Stands in for a torch tensor: its type's module is torch, and it has detach().cpu().numpy()."""

    __module__ = "torch"

    def __init__(self, array: np.ndarray) -> None:
        self.array = array

    def detach(self) -> FakeTensor:
        return self

    def cpu(self) -> FakeTensor:
        return self

    def numpy(self) -> np.ndarray:
        return self.array  # shares memory, as torch does


def png_bytes(im: PILImage.Image, fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    im.save(out, fmt)
    return out.getvalue()


# --- round trips -------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", [np.uint8, np.float32, np.float64, np.int64])
def test_png_round_trip_keeps_every_pixel(shape, dtype):
    if np.dtype(dtype).kind == "f":
        array = RNG.random(shape).astype(dtype)
        array.flat[:2] = (0.0, 1.0)
    else:
        array = RNG.integers(0, 256, shape).astype(dtype)
    img = Image(array, caption="x")
    back = roundtrip(img)
    assert np.array_equal(pixels(back), expected(array))
    assert np.array_equal(pixels(img), expected(array))
    assert back == img
    assert back.json() == img.json() == {"caption": "x", "format": "png", "width": 7, "height": 5}


@pytest.mark.parametrize("mode", ["1", "L", "LA", "P", "RGB", "RGBA", "I;16"])
def test_pil_image_round_trips_in_its_mode(mode):
    im = PILImage.fromarray(RNG.integers(0, 256, (6, 9, 3), dtype=np.uint8)).convert(mode)
    back = roundtrip(Image(im)).to_pil_image()
    assert back.mode == im.mode and back.size == (9, 6)
    assert back.tobytes() == im.tobytes()
    assert back.getpalette() == im.getpalette()


def test_pil_image_is_copied():
    im = PILImage.new("RGB", (4, 4), (10, 20, 30))
    img = Image(im)
    im.putpixel((0, 0), (255, 255, 255))
    assert pixels(roundtrip(img))[0, 0].tolist() == [10, 20, 30]


@pytest.mark.parametrize("shape", [(3, 5, 6), (1, 5, 6), (4, 5, 6), (5, 6)])
def test_torch_tensor_chw_becomes_hwc(shape):
    array = RNG.random(shape).astype(np.float32)
    img = Image(FakeTensor(array))
    hwc = array.transpose(1, 2, 0) if array.ndim == 3 else array
    assert img.size == (6, 5)
    assert np.array_equal(pixels(roundtrip(img)), expected(hwc))


def test_torch_dtype_numpy_lacks_is_read_as_float32():
    class BFloat16Tensor(FakeTensor):
        __module__ = "torch"

        def numpy(self):
            raise TypeError("Got unsupported ScalarType BFloat16")

        def float(self):
            return FakeTensor(self.array.astype(np.float32))

    array = RNG.random((3, 2, 2))
    assert np.array_equal(pixels(Image(BFloat16Tensor(array))), expected(array.transpose(1, 2, 0)))


def test_torch_tensor_of_bad_shape():
    with pytest.raises(ValueError, match=r"C x H x W.*\(2, 5, 6\)"):
        Image(FakeTensor(np.zeros((2, 5, 6), np.float32)))


def test_file_in_the_same_format_is_stored_byte_for_byte(tmp_path):
    im = PILImage.fromarray(RNG.integers(0, 256, (8, 8, 3), dtype=np.uint8))
    for fmt, name in (("PNG", "a.png"), ("JPEG", "a.jpg")):
        path = tmp_path / name
        path.write_bytes(png_bytes(im, fmt))
        img = Image(str(path), format=fmt.lower())
        meta, payload = img._record()
        assert payload == path.read_bytes()
        assert meta == {"caption": "", "format": fmt.lower(), "width": 8, "height": 8}
        assert roundtrip(img) == img


def test_file_in_another_format_is_re_encoded(tmp_path):
    path = tmp_path / "a.jpg"
    path.write_bytes(png_bytes(PILImage.new("RGB", (8, 4), (200, 10, 10)), "JPEG"))
    img = Image(path)  # os.PathLike; stored as the default png
    meta, payload = img._record()
    assert payload[:8] == b"\x89PNG\r\n\x1a\n"
    assert (meta["width"], meta["height"]) == (8, 4)
    decoded_jpeg = np.asarray(PILImage.open(path).convert("RGB"))
    assert np.array_equal(pixels(roundtrip(img)), decoded_jpeg)


@pytest.mark.parametrize("fmt", ["jpeg", "jpg", "webp", "bmp", "gif", "PNG"])
def test_every_format_encodes_and_decodes(fmt):
    img = Image(RNG.integers(0, 256, (6, 10, 4), dtype=np.uint8), format=fmt, quality=50, optimize=True)
    back = roundtrip(img)
    assert back.format == img.format == {"jpg": "jpeg", "PNG": "png"}.get(fmt, fmt)
    assert back.to_pil_image().size == (10, 6)
    assert img._record()[1] == img._record()[1]  # deterministic


def test_record_is_deterministic_and_ignores_caption():
    array = RNG.integers(0, 256, (16, 16, 3), dtype=np.uint8)
    a, b = Image(array, caption="a"), Image(array.copy(), caption="b")
    assert a._record()[1] == b._record()[1]
    assert a == b and hash(a) == hash(b)


# --- the cost rule -----------------------------------------------------------------------------
def test_caller_may_mutate_its_array_after_construction():
    array = RNG.integers(0, 256, (8, 8, 3), dtype=np.uint8)
    before = array.copy()
    img = Image(array)
    array[:] = 0
    assert np.array_equal(pixels(roundtrip(img)), before)


def test_torch_tensor_memory_is_copied():
    array = RNG.random((3, 4, 4)).astype(np.float32)
    before = expected(array.transpose(1, 2, 0))
    img = Image(FakeTensor(array))
    array[:] = 0
    assert np.array_equal(pixels(roundtrip(img)), before)


def test_construction_from_numpy_neither_encodes_nor_loads_pil():
    code = """
        import sys
        import aim.objects
        assert not any(m == "numpy" or m.startswith("PIL") for m in sys.modules), "import loads numpy/PIL"
        import numpy as np
        img = aim.objects.Image(np.zeros((4, 4, 3), np.uint8))
        assert img.size == (4, 4)
        assert not any(m.startswith("PIL") for m in sys.modules), "construction loaded PIL"
        img._record()
        assert "PIL.Image" in sys.modules
    """
    subprocess.run([sys.executable, "-c", textwrap.dedent(code)], check=True)


# --- properties --------------------------------------------------------------------------------
def test_properties_and_caption():
    img = Image(np.zeros((3, 5), np.uint8), caption="c", format="JPG")
    assert (img.width, img.height, img.size, img.format, img.caption) == (5, 3, (5, 3), "jpeg", "c")
    img.caption = "d"
    assert img.json()["caption"] == "d" and "caption='d'" in repr(img)
    with pytest.raises(TypeError, match="caption must be a str"):
        img.caption = 3
    assert Image.KIND == "image"


def test_equality_compares_pixels_and_format():
    array = RNG.integers(0, 256, (4, 4), dtype=np.uint8)
    other = array.copy()
    other[0, 0] ^= 1
    assert Image(array) != Image(other)
    assert Image(array) != Image(array, format="bmp")
    assert Image(array) == Image(PILImage.fromarray(array))
    assert Image(array) != "not an image"


# --- bad input ---------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(5,), (5, 7, 2), (5, 7, 5), (2, 3, 4, 3), ()])
def test_bad_shape(shape):
    with pytest.raises(ValueError, match=re.escape(f"got shape {shape}")):
        Image(np.zeros(shape, np.uint8))


@pytest.mark.parametrize("shape", [(0, 5), (5, 0, 3), (0, 0, 1)])
def test_empty_array(shape):
    with pytest.raises(ValueError, match=re.escape(f"empty (shape {shape})")):
        Image(np.zeros(shape, np.uint8))


@pytest.mark.parametrize("dtype", [bool, np.complex64, object, "U3"])
def test_bad_dtype(dtype):
    with pytest.raises(TypeError, match=re.escape(f"dtype uint8 or float, not {np.dtype(dtype)}")):
        Image(np.zeros((4, 4), dtype))


@pytest.mark.parametrize(
    ("value", "message"), [(1.5, r"\[0, 1\]"), (-0.1, r"\[0, 1\]"), (np.nan, "NaN"), (np.inf, r"\[0, 1\]")]
)
def test_float_values_outside_0_1(value, message):
    array = np.zeros((4, 4, 3), np.float32)
    array[1, 2, 0] = value
    with pytest.raises(ValueError, match=message):
        Image(array)


def test_integer_values_outside_0_255():
    with pytest.raises(ValueError, match=r"\[0, 255\]; got \[0, 256\]"):
        Image(np.array([[0, 256]]))


def test_bad_arguments():
    array = np.zeros((2, 2), np.uint8)
    with pytest.raises(ValueError, match="unknown image format 'tiff'"):
        Image(array, format="tiff")
    with pytest.raises(TypeError, match="format must be a str"):
        Image(array, format=None)
    with pytest.raises(TypeError, match="caption must be a str, not int"):
        Image(array, caption=1)
    for quality in (0, 101):
        with pytest.raises(ValueError, match="quality must be between 1 and 100"):
            Image(array, quality=quality)
    with pytest.raises(TypeError, match="quality must be an int"):
        Image(array, quality=90.0)
    assert Image(array, quality=np.int64(5)).format == "png"
    with pytest.raises(TypeError, match="cannot make an Image of a list"):
        Image([[0, 1]])


def test_bad_files(tmp_path):
    with pytest.raises(FileNotFoundError):
        Image(tmp_path / "missing.png")
    text = tmp_path / "notes.png"
    text.write_text("not an image")
    with pytest.raises(ValueError, match=r"notes\.png is not a readable image file"):
        Image(str(text))
    truncated = tmp_path / "truncated.png"
    data = png_bytes(PILImage.fromarray(RNG.integers(0, 256, (32, 32, 3), dtype=np.uint8)))
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"truncated\.png is not a readable image file"):
        Image(truncated)
