"""One worker's threads making the same crop at once (a page's preview and its download):
each writes its own temporary file, and every call returns a whole JPEG."""

from __future__ import annotations

import threading
from pathlib import Path

from PIL import Image

from printing.images import ImageFile, cover_crop

THREADS, ROUNDS = 8, 12


def _crop_at_once(image: ImageFile, folder: Path) -> tuple[list[str], list[BaseException]]:
    start = threading.Barrier(THREADS)
    made: list[str] = []
    failures: list[BaseException] = []

    def crop() -> None:
        start.wait()
        try:
            made.append(cover_crop(image, 90, 60, str(folder)))
        except BaseException as exc:  # noqa: BLE001 - returned to the test
            failures.append(exc)

    threads = [threading.Thread(target=crop) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not any(t.is_alive() for t in threads)
    return made, failures


def test_threads_making_one_crop_at_once_all_get_it(tmp_path):
    picture = tmp_path / "bg.png"
    Image.new("RGB", (600, 450), (20, 160, 60)).save(picture)
    image = ImageFile(str(picture))
    for round_ in range(ROUNDS):
        folder = tmp_path / f"crops-{round_}"  # empty: every thread finds no crop yet
        folder.mkdir()
        made, failures = _crop_at_once(image, folder)
        assert failures == []
        assert len(set(made)) == 1 and len(made) == THREADS
        with Image.open(made[0]) as crop_file:  # 90 x 60 mm at PRINT_DPI (150)
            assert crop_file.format == "JPEG" and crop_file.size == (531, 354)
        assert [p.name for p in folder.iterdir()] == [Path(made[0]).name]  # no tmp left
