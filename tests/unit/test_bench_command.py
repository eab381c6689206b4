"""`python -m bench NAME --option`: the options reach the named benchmark (they were taken
for more benchmark names, so `python -m bench tickets --help` ran the whole tickets bench
with its defaults and then failed on `bench.--help`)."""

from __future__ import annotations

import types

import pytest

from bench import __main__ as command


@pytest.fixture
def ran(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, list[str] | None]]:
    calls: list[tuple[str, list[str] | None]] = []

    def module(name: str) -> types.ModuleType:
        fake = types.ModuleType(name)
        short = name.removeprefix("bench.")
        if short == "orders":  # a benchmark without options
            fake.main = lambda: calls.append((short, None))
        else:
            fake.main = lambda argv=None: calls.append((short, argv))
        return fake

    monkeypatch.setattr(command.importlib, "import_module", module)
    return calls


def test_options_go_to_the_named_benchmark(ran) -> None:
    command.main(["tickets", "--mails", "300", "--rate", "50"])
    assert ran == [("tickets", ["--mails", "300", "--rate", "50"])]


def test_options_go_to_the_last_of_several(ran) -> None:
    command.main(["orders", "tickets", "--mails", "10"])
    assert ran == [("orders", None), ("tickets", ["--mails", "10"])]


def test_an_unknown_name_or_options_without_a_name_run_nothing(ran) -> None:
    for argv in (["nosuch"], ["--mails", "10"], ["tickets", "nosuch"]):
        with pytest.raises(SystemExit, match="usage"):
            command.main(argv)
    assert ran == []


def test_options_for_a_benchmark_without_any_are_refused(ran) -> None:
    with pytest.raises(SystemExit, match="takes no options"):
        command.main(["orders", "--seconds", "5"])
    assert ran == []
