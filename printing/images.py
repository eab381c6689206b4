"""Badge images: an upload is checked and re-encoded (nothing of the original file is
kept: no EXIF, no comments, no trailing bytes), and a background is cropped to cover a
badge around its focus point.

A decompression bomb is refused from its header, before a pixel is decoded."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import tempfile
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from printing.errors import TemplateError

MAX_BYTES = 5 * 1024 * 1024
MAX_SIDE = 6000
FORMATS = {"PNG": "png", "JPEG": "jpeg", "WEBP": "webp"}
PRINT_DPI = 150


@dataclass(frozen=True)
class ImageFile:
    """A stored image: its file and the point (0..1 from the left and top) a crop keeps."""

    path: str
    focus_x: float = 0.5
    focus_y: float = 0.5


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    media_type: str
    width: int
    height: int


def _refuse(detail: str, code: str) -> TemplateError:
    return TemplateError(detail, code=code, member="file")


def clean_upload(data: bytes) -> CleanImage:
    """`data` decoded and re-encoded: PNG when it has transparency, else JPEG. Raises
    TemplateError: `image_too_large` (bytes or sides, read from the header before
    decoding), `not_an_image` (does not decode, or not PNG, JPEG or WebP)."""
    if len(data) > MAX_BYTES:
        raise _refuse(f"an image may be at most {MAX_BYTES // 2**20} MB", "image_too_large")
    try:
        with Image.open(io.BytesIO(data)) as img:  # reads the header only
            if img.format not in FORMATS:
                raise _refuse("the file must be a PNG, JPEG or WebP image", "not_an_image")
            if max(img.size) > MAX_SIDE:
                raise _refuse(f"an image may be at most {MAX_SIDE} px a side "
                              f"(this one is {img.size[0]} × {img.size[1]})",
                              "image_too_large")
            img.load()
            img = ImageOps.exif_transpose(img)
            alpha = img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info
            pixels = img.convert("RGBA" if alpha else "RGB")
    except Image.DecompressionBombError as exc:  # Pillow's own header check, at open
        raise _refuse(f"an image may be at most {MAX_SIDE} px a side: {exc}",
                      "image_too_large") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        if isinstance(exc, TemplateError):
            raise
        raise _refuse("the file is not an image that decodes", "not_an_image") from exc
    clean = Image.new(pixels.mode, pixels.size)
    clean.paste(pixels)
    out = io.BytesIO()
    if alpha:
        clean.save(out, "PNG", optimize=False)
    else:
        clean.save(out, "JPEG", quality=90)
    return CleanImage(out.getvalue(), "image/png" if alpha else "image/jpeg", *clean.size)


def _derived(image: ImageFile, tag: str, folder: str, suffix: str) -> str:
    key = hashlib.sha256(f"{image.path}|{image.focus_x}|{image.focus_y}|{tag}".encode())
    return os.path.join(folder, f"{key.hexdigest()[:24]}.{suffix}")


def cover_crop(image: ImageFile, w_mm: float, h_mm: float, folder: str) -> str:
    """A JPEG of `image` cropped to the badge's shape around the focus point, scaled to
    PRINT_DPI: the badge is covered, nothing is stretched."""
    target = _derived(image, f"cover{w_mm:.2f}x{h_mm:.2f}", folder, "jpg")
    if os.path.exists(target):
        return target
    px_w, px_h = round(w_mm / 25.4 * PRINT_DPI), round(h_mm / 25.4 * PRINT_DPI)
    with Image.open(image.path) as img:
        fitted = ImageOps.fit(img.convert("RGB"), (px_w, px_h), Image.Resampling.LANCZOS,
                              centering=(image.focus_x, image.focus_y))
        _save_atomically(fitted, target, "JPEG", quality=85)
    return target


def fit_within(image: ImageFile, w_mm: float, h_mm: float, folder: str) -> str:
    """A PNG of `image` scaled down to fit the box at PRINT_DPI (a logo keeps its alpha)."""
    target = _derived(image, f"fit{w_mm:.2f}x{h_mm:.2f}", folder, "png")
    if not os.path.exists(target):
        with Image.open(image.path) as img:
            img = img.convert("RGBA")
            img.thumbnail((round(w_mm / 25.4 * PRINT_DPI), round(h_mm / 25.4 * PRINT_DPI)))
            _save_atomically(img, target, "PNG")
    return target


def _save_atomically(img: Image.Image, target: str, fmt: str, **options) -> None:
    """Another process may read `target` the moment it exists (previews share crops).
    The temporary file is this call's own: two threads of one worker making the same
    crop (a page's preview and its download at once) shared `<target>.<pid>.tmp`, and the
    second's rename found it gone (a 500)."""
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(target),
                               prefix=os.path.basename(target) + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            img.save(out, fmt, **options)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
