"""The real yt-dlp resolver against a local HTTP media server (generic extractor)."""

from __future__ import annotations

import urllib.request

import pytest

from device.resolver import ResolveError, YtDlpResolver

LOCAL = ("127.0.0.1",)  # the test media server's host, on any port


@pytest.mark.parametrize("name", ["tone30.wav", "tone30.ogg", "speech.wav"])
def test_direct_media_url_resolves_through_the_generic_extractor(media, name):
    resolved = YtDlpResolver(allowed_hosts=LOCAL).resolve(media.url(name))

    assert resolved.url == media.url(name)
    assert resolved.title == name.rsplit(".", 1)[0]
    with urllib.request.urlopen(resolved.url, timeout=5) as response:
        assert response.read(4) in (b"RIFF", b"OggS")


def test_missing_media_is_a_resolve_error(media):
    with pytest.raises(ResolveError):
        YtDlpResolver(allowed_hosts=LOCAL).resolve(media.url("missing.wav"))


def test_media_server_serves_byte_ranges(media):
    request = urllib.request.Request(media.url("tone30.wav"), headers={"Range": "bytes=4-7"})
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 206
        assert response.headers["Content-Range"].endswith(
            f"/{(media.directory / 'tone30.wav').stat().st_size}")
        assert len(response.read()) == 4
