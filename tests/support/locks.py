"""The versions pinned in requirements/dev.lock, by lower-case distribution name."""
import re
from functools import cache
from pathlib import Path

LOCK = Path(__file__).resolve().parents[2] / "requirements" / "dev.lock"
PIN = re.compile(r"^([A-Za-z0-9_.-]+)==([^ ;\\]+)")


@cache
def locked_versions() -> dict[str, str]:
    pins = (PIN.match(line) for line in LOCK.read_text().splitlines())
    return {m[1].lower().replace("_", "-"): m[2] for m in pins if m}
