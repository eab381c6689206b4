"""`python -m bench.orders`: orders/s of both kinds (on-site: the owner sells at the door,
completed at once; online paid: a buyer's order, pending until paid, with expires-at) and
check-ins/s through HTTP with 1, 8 and 32 concurrent clients against the API under
gunicorn (workers per core), p50/p99 latency, oversells (must be 0, both kinds racing for
the last units), and a bare Flask one-INSERT endpoint on the same server type and
database as the baseline. Each ratio is printed next to its target with a pass/fail mark.
Creates and drops its own PostgreSQL database.

Each ratio is measured in interleaved rounds (baseline, scenario, baseline, scenario...),
taken per round, and reported as the median with its spread; the CPU each order or
check-in costs PostgreSQL (all its processes, and the backends of the bench's database
alone: a shared server's other work does not count there), the API's workers and the
load generator is the median over the rounds.

Environment: BENCH_SECONDS per window (2), BENCH_ROUNDS (5), BENCH_LEVELS ("1,8,32");
the PostgreSQL server is the tests' (TEST_DATABASE_URL or the local one)."""

from __future__ import annotations

import itertools
import multiprocessing
import os
import secrets
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from math import nan
from pathlib import Path

import requests
import sqlalchemy as sa

from bench.baseline_app import DDL
from bench.common import cpu_seconds, group_pids, median, named_pids, percentile
from models.core.migrate import upgrade
from tests.support.processes import free_port, wait_until
from tests.support.services import fresh_database, postgres_server

ROOT = Path(__file__).resolve().parent.parent
JSONAPI = "application/vnd.api+json"
RACE_CAPACITY = 200
# ratio to the baseline each scenario must reach, per client count (issue #12)
TARGETS = {"onsite order": {8: 0.5, 32: 0.5}, "online order": {8: 0.5, 32: 0.5},
           "check-in": {1: 0.6, 8: 0.6, 32: 0.6}}


@dataclass
class Result:
    name: str
    clients: int
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def ok(self) -> int:
        return sum(n for s, n in self.statuses.items() if 200 <= s < 300)

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        """The q-quantile latency in ms (as every benchmark computes it)."""
        return percentile(self.latencies, q * 100) * 1000 if self.latencies else 0.0


def load(name: str, clients: int, seconds: float, request_fn, stop_on_409: bool = False
         ) -> Result:
    """`clients` threads calling `request_fn(session, i)` for `seconds` each."""
    result, lock, counter = Result(name, clients), threading.Lock(), itertools.count()
    deadline = time.perf_counter() + seconds
    sold_out = threading.Event()

    def client() -> None:
        session = requests.Session()
        lat, codes = [], {}
        while time.perf_counter() < deadline and not sold_out.is_set():
            t0 = time.perf_counter()
            status = request_fn(session, next(counter)).status_code
            lat.append(time.perf_counter() - t0)
            codes[status] = codes.get(status, 0) + 1
            if stop_on_409 and status == 409:
                sold_out.set()
        with lock:
            result.latencies += lat
            for s, n in codes.items():
                result.statuses[s] = result.statuses.get(s, 0) + n

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.seconds = time.perf_counter() - started
    return result


def serve(args: list[str], env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    """The server in a process group of its own (its pid), so its workers' CPU adds up."""
    out = open(log, "ab")  # noqa: SIM115 - lives as long as the server
    proc = subprocess.Popen([sys.executable, *args], cwd=ROOT, stdout=out,
                            stderr=subprocess.STDOUT, start_new_session=True,
                            env={**os.environ, **env, "PYTHONPATH": str(ROOT)})

    def up() -> bool:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited, see {log}")
        try:
            return requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).ok
        except requests.RequestException:
            return False

    wait_until(up, timeout=60, what=f"{args} to serve")
    return proc


class Api:
    def __init__(self, base: str) -> None:
        self.base, self.http = base, requests.Session()
        email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
        self.post("/v1/users", {"data": {"type": "user", "attributes": {
            "email": email, "password": "password123"}}}, auth=False)
        r = self.http.post(base + "/v1/auth/login", json={"email": email,
                                                          "password": "password123"})
        self.headers = {"Authorization": f"Bearer {r.json()['access_token']}",
                        "Content-Type": JSONAPI}
        self.event = self.post("/v1/events", {"data": {"type": "event", "attributes": {
            "name": "Bench", "starts-at": "2027-01-01T09:00:00Z",
            "ends-at": "2027-01-02T09:00:00Z"}}})["data"]["id"]

    def post(self, path: str, body: dict, auth: bool = True) -> dict:
        r = self.http.post(self.base + path, json=body,
                           headers=self.headers if auth else {"Content-Type": JSONAPI})
        r.raise_for_status()
        return r.json()

    def ticket(self, quantity: int, price: float = 0) -> str:
        return self.post("/v1/tickets", {"data": {"type": "ticket", "attributes": {
            "name": f"T{quantity}", "quantity": quantity, "max-order": 100, "price": price,
            "type": "paid" if price else "free"},
            "relationships": {"event": {"data": {"type": "event", "id": self.event}}}}}
        )["data"]["id"]

    def onsite(self, session: requests.Session, ticket: str, quantity: int = 1):
        return session.post(f"{self.base}/v1/orders?onsite=true", headers=self.headers, json={
            "data": {"type": "order", "attributes": {"on-site-tickets": [
                {"id": ticket, "quantity": quantity}]},
                "relationships": {"event": {"data": {"type": "event", "id": self.event}}}}})

    def online(self, session: requests.Session, ticket: str, i: int):
        """One paid attendee, paid online: the order is pending until paid."""
        return session.post(f"{self.base}/v1/orders", headers=self.headers, json={
            "data": {"type": "order", "attributes": {"payment-mode": "online", "attendees": [
                {"ticket-id": ticket, "first-name": "Ada", "last-name": f"Buyer {i}",
                 "email": f"ada{i}@example.com"}]},
                "relationships": {"event": {"data": {"type": "event", "id": self.event}}}}})


@dataclass
class Rounds:
    """One scenario at one client count over interleaved rounds: each round measures the
    baseline and then the scenario, and its ratio is taken within the round, so a drift of
    this machine's speed between rounds moves both sides alike."""
    name: str
    clients: int
    ratios: list[float] = field(default_factory=list)
    runs: list[Result] = field(default_factory=list)
    cpu_ms: dict[str, list[float]] = field(default_factory=dict)  # per op, per process

    @property
    def ratio(self) -> float:
        return median(self.ratios)

    @property
    def spread(self) -> tuple[float, float]:
        return (min(self.ratios), max(self.ratios)) if self.ratios else (nan, nan)

    def pooled(self) -> Result:
        out = Result(self.name, self.clients)
        for r in self.runs:
            out.latencies += r.latencies
            out.seconds += r.seconds
            for s, n in r.statuses.items():
                out.statuses[s] = out.statuses.get(s, 0) + n
        return out


class DatabaseBackends:
    """The CPU of the PostgreSQL backends serving one database (Linux /proc, as listed by
    pg_stat_activity, asked through the server's admin URL so the asking backend is
    not among them): what the bench's own requests cost the server, apart from what
    other databases on a shared server run meanwhile."""

    def __init__(self, admin_url: str, db_url: str) -> None:
        self.engine = sa.create_engine(admin_url, poolclass=sa.pool.StaticPool)
        self.name = sa.engine.make_url(db_url).database

    def sample(self) -> dict[int, float]:
        with self.engine.connect() as conn:
            pids = conn.execute(sa.text("SELECT pid FROM pg_stat_activity WHERE datname = :d"),
                                {"d": self.name}).scalars().all()
        return {pid: cpu_seconds([pid]) for pid in pids}

    @staticmethod
    def spent(before: dict[int, float], after: dict[int, float]) -> float:
        """CPU seconds between the samples; a backend started since counts from 0, one
        that exited meanwhile is lost (the servers' pools keep theirs open)."""
        return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


def measured(server_group: int, backends: DatabaseBackends, *load_args
             ) -> tuple[Result, dict[str, float]]:
    """`load(*load_args)` and the CPU seconds it cost PostgreSQL (every process of the
    server, and the backends of the bench's database alone), the server's workers
    (process group `server_group`) and this load generator."""
    def sample() -> dict[str, float]:
        return {"postgres": cpu_seconds(named_pids("postgres")),
                "server": cpu_seconds(group_pids(server_group)),
                "load generator": sum(os.times()[:2])}
    before, db_before = sample(), backends.sample()
    result = load(*load_args)
    after, db_after = sample(), backends.sample()
    spent = {k: after[k] - before[k] for k in before}
    spent["bench db"] = backends.spent(db_before, db_after)
    return result, spent


def bench_api(base: str, baseline_base: str, db_url: str, seconds: float,
              levels: tuple[int, ...], rounds: int, groups: tuple[int, int],
              backends: DatabaseBackends) -> tuple[list[Rounds], list[Result], int]:
    """Per level and round: baseline, onsite orders, baseline, online orders, baseline,
    check-ins, each ratio against the baseline just before it. Then per level both kinds
    race for the last units of a ticket."""
    api = Api(base)
    roomy, paid = api.ticket(10**7), api.ticket(10**7, price=25)
    holders = api.ticket(10**6)
    ids = []
    for _ in range(40):
        body = api.onsite(api.http, holders, 100).json()
        ids += [a["id"] for a in body["included"]]
    scenarios = {
        "onsite order": lambda s, i: api.onsite(s, roomy),
        "online order": lambda s, i: api.online(s, paid, i),
        "check-in": lambda s, i: s.post(
            f"{base}/v1/attendees/{ids[i % len(ids)]}/check-in", headers=api.headers,
            json={"device-name": f"gate-{i % 4}", "nonce": uuid.uuid4().hex}),
    }
    def insert(s: requests.Session, i: int):
        return s.post(f"{baseline_base}/insert")

    table_rows: list[Rounds] = []
    for n in levels:
        per = {name: Rounds(name, n) for name in ["baseline INSERT", *scenarios]}
        for _ in range(rounds):
            for name, request_fn in scenarios.items():
                base_run, base_cpu = measured(groups[0], backends, "baseline INSERT", n, seconds,
                                              insert)
                run, cpu = measured(groups[1], backends, name, n, seconds, request_fn)
                if base_run.rate:
                    per[name].ratios.append(run.rate / base_run.rate)
                for row, result, spent in ((per["baseline INSERT"], base_run, base_cpu),
                                           (per[name], run, cpu)):
                    row.runs.append(result)
                    for key, seconds_used in spent.items():
                        row.cpu_ms.setdefault(key, []).append(
                            1000 * seconds_used / result.ok if result.ok else nan)
        table_rows += per.values()
    races: list[Result] = []
    oversold = 0
    for n in levels:
        scarce = api.ticket(RACE_CAPACITY, price=25)
        race = load("race for capacity", n, 60, lambda s, i, t=scarce: (
            api.onsite(s, t) if i % 2 else api.online(s, t, i)), stop_on_409=True)
        # drain: every client keeps going until it sees the 409, so capacity is exhausted
        while api.onsite(api.http, scarce).status_code != 409:
            race.statuses[201] = race.statuses.get(201, 0) + 1
        engine = sa.create_engine(db_url)
        with engine.connect() as conn:
            units = conn.execute(sa.text("SELECT count(*) FROM attendees WHERE ticket_id = :t"),
                                 {"t": int(scarce)}).scalar_one()
        engine.dispose()
        oversold += max(0, race.ok - RACE_CAPACITY) + max(0, units - RACE_CAPACITY)
        races.append(race)
    return table_rows, races, oversold


def report(rows: list[Rounds], races: list[Result], oversold: int, seconds: float,
           rounds: int) -> str:
    lines = [f"{'scenario':<18}{'clients':>8}{'ok/s':>9}{'p50 ms':>8}{'p99 ms':>8}"
             f"{'non-2xx':>8}{'ratio':>7}{'spread':>13}{'target':>12}"
             f"{'CPU ms/op: pg':>15}{'pg db':>7}{'server':>7}{'loadgen':>8}"]
    for row in rows:
        r = row.pooled()
        bad = sum(k for s, k in r.statuses.items() if not 200 <= s < 300)
        target = TARGETS.get(row.name, {}).get(row.clients)
        ratio = spread = mark = cpu = ""
        if row.cpu_ms:
            cpu = "".join(f"{median(row.cpu_ms[k]):>{w}.2f}" for k, w in
                          (("postgres", 15), ("bench db", 7), ("server", 7),
                           ("load generator", 8)))
        if row.ratios:
            low, high = row.spread
            ratio, spread = f"{row.ratio:.3f}", f"{low:.2f}-{high:.2f}"
        if target is not None and row.ratios:
            mark = f">={target:.2f} {'pass' if row.ratio >= target else 'FAIL'}"
        lines.append(f"{row.name:<18}{row.clients:>8}{r.rate:>9.1f}{r.pct(0.5):>8.1f}"
                     f"{r.pct(0.99):>8.1f}{bad:>8}{ratio:>7}{spread:>13}{mark:>12}{cpu}")
    for r in races:
        lines.append(f"{r.name:<18}{r.clients:>8}{r.rate:>9.1f}{r.pct(0.5):>8.1f}"
                     f"{r.pct(0.99):>8.1f}")
    lines.append(f"oversold units: {oversold} (must be 0: {'pass' if not oversold else 'FAIL'})"
                 f"; workers: {2 * multiprocessing.cpu_count()}; {rounds} interleaved rounds "
                 f"of {seconds:g}s windows; ratio = median of the per-round ratios; "
                 "CPU ms/op: PostgreSQL (every process; its backends of the bench's database), "
                 "the server measured (baseline or API), load generator")
    return "\n".join(lines)


def main() -> None:
    logs = ROOT / "var" / "bench"
    logs.mkdir(parents=True, exist_ok=True)
    seconds = float(os.environ.get("BENCH_SECONDS", "2"))
    rounds = int(os.environ.get("BENCH_ROUNDS", "5"))
    levels = tuple(int(x) for x in os.environ.get("BENCH_LEVELS", "1,8,32").split(","))
    with postgres_server() as admin, fresh_database(admin, "venuebus_bench") as db_url:
        upgrade(db_url)
        engine = sa.create_engine(db_url)
        with engine.begin() as conn:
            conn.execute(sa.text(DDL))
        engine.dispose()
        ports = free_port(), free_port()
        env = {"DATABASE_URL": db_url, "SECRET_KEY": secrets.token_urlsafe(48),
               "LOG_LEVEL": "WARNING", "BASE_URL": f"http://127.0.0.1:{ports[1]}",
               "METRICS_PORT": "0",
               # one buyer and one address stand for many: no cap or throttle in the way
               "MAX_PENDING_UNITS_PER_BUYER": "2000000000", "ORDER_MAX_PER_ACCOUNT": "2000000000",
               "ORDER_MAX_PER_ADDRESS": "2000000000"}
        servers = [
            serve(["-m", "gunicorn", "-w", str(2 * multiprocessing.cpu_count()), "-b",
                   f"127.0.0.1:{ports[0]}", "bench.baseline_app:create_app()"], env, ports[0],
                  logs / "baseline.log"),
            serve(["-m", "cli", "api", "--port", str(ports[1])], env, ports[1],
                  logs / "api.log")]
        try:
            rows, races, oversold = bench_api(
                f"http://127.0.0.1:{ports[1]}", f"http://127.0.0.1:{ports[0]}", db_url,
                seconds, levels, rounds, (servers[0].pid, servers[1].pid),
                DatabaseBackends(admin, db_url))
        finally:
            for server in servers:
                server.terminate()
            for server in servers:
                server.wait(30)
    print(report(rows, races, oversold, seconds, rounds))
    if oversold:
        raise SystemExit("OVERSOLD")


if __name__ == "__main__":
    main()
