"""The speaker's own distribution (pi/) is the repository's device, bus and contracts
packages, with the requirements the main project gives the speaker: one list, not two that
drift apart. (tests/integration/device/test_device_install.py installs it.)"""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _project(path: Path) -> dict:
    return tomllib.loads(path.read_text())


def test_the_pi_distribution_needs_what_the_main_project_gives_the_speaker():
    main = _project(ROOT / "pyproject.toml")["project"]
    pi = _project(ROOT / "pi" / "pyproject.toml")["project"]
    assert sorted(pi["dependencies"]) == sorted(
        main["dependencies"] + main["optional-dependencies"]["device"])


def test_the_pi_distribution_ships_the_repositorys_device_bus_and_contracts():
    pi = _project(ROOT / "pi" / "pyproject.toml")
    assert pi["tool"]["setuptools"]["packages"]["find"]["include"] == [
        "device*", "bus*", "contracts*"]
    for package in ("device", "bus", "contracts"):
        link = ROOT / "pi" / package
        assert link.is_symlink() and link.resolve() == (ROOT / package).resolve()


def test_the_speakers_command_line_lives_in_the_device_package():
    pi = _project(ROOT / "pi" / "pyproject.toml")["project"]
    assert pi["scripts"] == {"venuebus-device": "device.cli:main"}
    assert (ROOT / "device" / "__main__.py").exists()
