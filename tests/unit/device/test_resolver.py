"""The resolver: yt-dlp's own format selection, query forms and the expiry-aware cache."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from device.resolver import ResolveError, YtDlpResolver, expiry_of, to_target
from tests.support.device import unprobed

FIXTURE = Path(__file__).parents[2] / "fixtures" / "youtube_formats.json"


@pytest.fixture(scope="module")
def youtube_info() -> dict:
    return json.loads(FIXTURE.read_text())


def test_best_audio_only_format_is_chosen_from_a_youtube_format_list(youtube_info):
    resolved = YtDlpResolver().select("dQw4w9WgXcQ", copy.deepcopy(youtube_info))

    chosen = next(f for f in youtube_info["formats"] if f["url"] == resolved.url)
    assert chosen["format_id"] == "251"  # opus 138k: the best audio-only, not index 3
    assert chosen["vcodec"] == "none"
    assert resolved.title == "A YouTube-like video"
    assert resolved.expires_at == 1893456000


def test_without_audio_only_formats_the_best_combined_format_is_the_fallback(youtube_info):
    info = copy.deepcopy(youtube_info)
    info["formats"] = [f for f in info["formats"] if f["vcodec"] != "none"]

    resolved = YtDlpResolver().select("x", info)

    chosen = next(f for f in info["formats"] if f["url"] == resolved.url)
    assert chosen["format_id"] == "22"  # has audio; video-only 137 is never chosen


@pytest.mark.parametrize(("query", "target"), [
    ("dQw4w9WgXcQ", "https://www.youtube.com/watch?v=dQw4w9WgXcQ"),
    ("https://example.org/a.ogg", "https://example.org/a.ogg"),
    ("  never gonna give you up ", "ytsearch1:never gonna give you up"),
    ("beethovensix", "ytsearch1:beethovensix"),  # 12 letters: words, not an id
    ("beethovenfi", "ytsearch1:beethovenfi"),  # 11 lowercase letters: a word
])
def test_query_forms_map_to_yt_dlp_targets(query, target):
    assert to_target(query) == target


def test_empty_query_is_refused():
    with pytest.raises(ValueError):
        to_target("   ")


def test_expiry_is_read_from_query_or_path():
    assert expiry_of("https://h/videoplayback?a=1&expire=1700000000&b=2") == 1700000000
    assert expiry_of("https://h/api/manifest/expire/1700000001/ei/x") == 1700000001
    assert expiry_of("http://127.0.0.1/song.wav") is None


class StubYdl:
    """Stands in for YoutubeDL.extract_info: one fresh URL per call."""

    def __init__(self, expire: int | None) -> None:
        self.expire = expire
        self.calls = 0

    def extract_info(self, target: str, download: bool = False, **_) -> dict:
        self.calls += 1
        query = f"?expire={self.expire}&n={self.calls}" if self.expire else f"?n={self.calls}"
        return {"id": "x", "title": target, "url": f"https://cdn.example/a{query}"}


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_cached_url_is_reused_until_its_expire_parameter():
    clock, ydl = Clock(1_000_000.0), StubYdl(expire=1_000_600)
    resolver = YtDlpResolver(clock=clock, ydl=ydl, follow=unprobed)

    first = resolver.resolve("some song")
    clock.now = 1_000_500.0  # 100 s before expiry: still good
    assert resolver.resolve("some song") == first
    assert ydl.calls == 1
    clock.now = 1_000_590.0  # within the safety margin of expiry: resolve again
    second = resolver.resolve("some song")

    assert ydl.calls == 2
    assert second.url != first.url


def test_url_without_expiry_is_cached_for_an_hour():
    clock, ydl = Clock(5_000.0), StubYdl(expire=None)
    resolver = YtDlpResolver(clock=clock, ydl=ydl, follow=unprobed)

    resolver.resolve("song")
    clock.now = 5_000.0 + 3000
    resolver.resolve("song")
    assert ydl.calls == 1
    clock.now = 5_000.0 + 3600
    resolver.resolve("song")
    assert ydl.calls == 2


def test_fresh_bypasses_the_cache_and_other_queries_miss_it():
    ydl = StubYdl(expire=None)
    resolver = YtDlpResolver(clock=Clock(0.0), ydl=ydl, follow=unprobed)
    resolver.resolve("a")
    resolver.resolve("a", fresh=True)
    resolver.resolve("b")
    assert ydl.calls == 3


def test_extractor_failure_is_a_resolve_error():
    class Failing:
        def extract_info(self, target, download=False, **_):
            raise RuntimeError("HTTP Error 404")

    with pytest.raises(ResolveError):
        YtDlpResolver(ydl=Failing(), follow=unprobed).resolve("gone")
