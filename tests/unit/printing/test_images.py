"""Uploads are re-encoded with nothing of the sent file kept; non-images and bombs are
refused, the bomb from its header before any decoding; a background covers the badge."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from printing import images
from printing.errors import TemplateError
from printing.images import ImageFile, clean_upload, cover_crop
from tests.support.images import jpeg_with_exif, png, png_bomb


def test_exif_is_stripped_on_reencoding():
    raw = jpeg_with_exif()
    assert b"SpyCam" in raw
    clean = clean_upload(raw)
    assert b"SpyCam" not in clean.data and b"secret comment" not in clean.data
    with Image.open(io.BytesIO(clean.data)) as img:
        assert (img.format, img.size, dict(img.getexif())) == ("JPEG", (40, 30), {})


@pytest.mark.parametrize("data", [b"%PDF-1.4 not an image", b"", b"\x89PNG\r\n\x1a\n" + b"x" * 50,
                                  "gif"])
def test_a_file_that_does_not_decode_is_refused(data):
    if data == "gif":  # decodes, but is not one of the formats taken
        out = io.BytesIO()
        Image.new("RGB", (4, 4)).save(out, "GIF")
        data = out.getvalue()
    with pytest.raises(TemplateError) as err:
        clean_upload(data)
    assert err.value.code == "not_an_image"


def test_a_decompression_bomb_is_refused_before_decoding(monkeypatch):
    bomb = png_bomb()
    assert len(bomb) < 10_000
    decoded: list[int] = []
    real_load = Image.Image.load
    monkeypatch.setattr(Image.Image, "load", lambda self: decoded.append(1) or real_load(self))
    with pytest.raises(TemplateError) as err:
        clean_upload(bomb)
    assert err.value.code == "image_too_large" and "60000" in err.value.detail
    assert decoded == []


def test_too_many_bytes_and_too_many_pixels_are_refused():
    with pytest.raises(TemplateError) as err:
        clean_upload(b"\xff" * (images.MAX_BYTES + 1))
    assert err.value.code == "image_too_large"
    with pytest.raises(TemplateError) as err:
        clean_upload(png(6001, 10))
    assert err.value.code == "image_too_large"


def test_cover_crop_fills_the_badge_around_the_focus_point(tmp_path):
    # Left half red, right half blue, wide: a 4×3 in badge keeps the side the focus is on.
    img = Image.new("RGB", (1200, 300), (255, 0, 0))
    img.paste((0, 0, 255), (600, 0, 1200, 300))
    path = tmp_path / "wide.png"
    img.save(path)
    for focus, colour in ((0.0, (255, 0, 0)), (1.0, (0, 0, 255))):
        out = cover_crop(ImageFile(str(path), focus, 0.5), 101.6, 76.2, str(tmp_path))
        with Image.open(out) as crop:
            assert crop.size == (600, 450)  # 4 × 3 in at 150 dpi: covered, not stretched
            r, g, b = crop.convert("RGB").getpixel((300, 225))
            assert abs(r - colour[0]) < 8 and abs(b - colour[2]) < 8
