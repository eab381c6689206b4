"""`make bench`: every benchmark under bench/, each printing its own table."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

ORDER = ["pipeline", "orders", "badges", "dashboard", "speaker", "cluster"]


def main(argv: list[str]) -> None:
    here = Path(__file__).parent
    found = {m.name for m in pkgutil.iter_modules([str(here)]) if not m.name.startswith("_")}
    names = argv or [n for n in ORDER if n in found] + sorted(found - set(ORDER))
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        if not hasattr(module, "main"):  # common, baseline_app: parts, not benchmarks
            continue
        print(f"\n=== bench/{name}.py ===", flush=True)
        module.main()


if __name__ == "__main__":
    main(sys.argv[1:])
