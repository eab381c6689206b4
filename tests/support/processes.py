"""Whole processes of the system, started the way an operator starts them."""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(check: Callable[[], object], timeout: float = 30, interval: float = 0.1,
               what: str | Callable[[], str] = "condition") -> object:
    """Poll `check` until truthy; `what` (or its result) names it in the failure."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for "
                                 f"{what() if callable(what) else what}")
        time.sleep(interval)


class Proc:
    """A `python -m cli ...` child with its output in a log file."""

    def __init__(self, args: list[str], env: dict[str, str], log_dir: Path, name: str,
                 root: Path = ROOT) -> None:
        self.args, self.name = args, name
        self.log_path = log_dir / f"{name}.log"
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.popen = subprocess.Popen([sys.executable, "-m", "cli", *args], cwd=root,
                                      env={**os.environ, **env, "PYTHONPATH": str(root)},
                                      stdout=self._log, stderr=subprocess.STDOUT)

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for_output(self, text: str, timeout: float = 30) -> None:
        wait_until(lambda: text in self.output() or self.popen.poll() is not None,
                   timeout, what=f"{self.name} to print {text!r}")
        assert text in self.output(), f"{self.name} exited:\n{self.output()[-3000:]}"

    def kill(self) -> None:
        self.popen.send_signal(signal.SIGKILL)
        self.popen.wait(10)

    def terminate(self, timeout: float = 40) -> int:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(5)
        self._log.close()
        return self.popen.returncode


_SEQUENCE = itertools.count(1)  # log names stay unique across groups in one process


class Processes:
    """Processes of the code under `root` (this checkout unless told: the benches compare
    another revision's)."""

    def __init__(self, env: dict[str, str], log_dir: Path, root: Path = ROOT) -> None:
        self.env, self.log_dir, self.root = env, log_dir, root
        self.procs: list[Proc] = []

    def start(self, *args: str, ready: str | None = None, env: dict | None = None) -> Proc:
        name = f"{next(_SEQUENCE):02d}-{'-'.join(args[:2])}"
        proc = Proc(list(args), {**self.env, **(env or {})}, self.log_dir, name, self.root)
        self.procs.append(proc)
        if ready:
            proc.wait_for_output(ready)
        return proc

    def stop_all(self) -> None:
        for p in self.procs:
            with contextlib.suppress(Exception):
                p.terminate(timeout=15)


@contextlib.contextmanager
def processes(env: dict[str, str], log_dir: Path) -> Iterator[Processes]:
    group = Processes(env, log_dir)
    try:
        yield group
    finally:
        group.stop_all()
