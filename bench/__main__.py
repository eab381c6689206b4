"""`make bench`: every benchmark under bench/, each printing its own table.
`python -m bench NAME... [--option...]`: the named ones; options after the names go to
the last named benchmark (`python -m bench tickets --mails 300`)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import sys
from pathlib import Path

ORDER = ["pipeline", "orders", "badges", "dashboard", "speaker", "cluster"]


def main(argv: list[str]) -> None:
    here = Path(__file__).parent
    found = {m.name for m in pkgutil.iter_modules([str(here)]) if not m.name.startswith("_")}
    split = next((i for i, a in enumerate(argv) if a.startswith("-")), len(argv))
    names, options = argv[:split], argv[split:]
    unknown = [n for n in names if n not in found]
    if unknown or (options and not names):
        raise SystemExit(f"usage: python -m bench [NAME...] [--option...]; unknown "
                         f"{unknown or options}; benchmarks: {', '.join(sorted(found))}")
    names = names or [n for n in ORDER if n in found] + sorted(found - set(ORDER))
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        if not hasattr(module, "main"):  # common, baseline_app: parts, not benchmarks
            continue
        print(f"\n=== bench/{name}.py ===", flush=True)
        if name == names[-1] and options:
            if not inspect.signature(module.main).parameters:
                raise SystemExit(f"bench/{name}.py takes no options")
            module.main(options)
        else:
            module.main()


if __name__ == "__main__":
    main(sys.argv[1:])
