"""Device fixtures: media files made with sox/espeak-ng and served over loopback HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from device.media_server import MediaServer, make_speech, make_tone


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("media")
    make_tone(directory / "tone30.wav", 30)
    make_tone(directory / "tone30.ogg", 30, freq=330)
    make_speech(directory / "speech.wav", "Testing the venuebus speaker, one two three.")
    return directory


@pytest.fixture(scope="session")
def media(media_dir: Path) -> Iterator[MediaServer]:
    with MediaServer(media_dir) as server:
        yield server
