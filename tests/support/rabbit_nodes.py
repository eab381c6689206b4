"""Private RabbitMQ nodes for fault tests: booted on 127.0.0.1 with their own node name,
ports, Erlang cookie, port mapper, data and logs under a temp dir, so a test may stop,
kill and restart them. The machine's own node, its epmd and /etc/rabbitmq are never read
or touched.

`rabbit_nodes(n, base)` boots node 1, then nodes 2..n, which join node 1 on their first
boot through peer discovery `classic_config`: a cluster of n nodes.

Isolation is all in the environment of each child: /usr/sbin/rabbitmq-server and
/usr/sbin/rabbitmqctl are wrappers that, run by root, `su` to the rabbitmq user (HOME,
hence the cookie, becomes the system node's) and `cd /var/lib/rabbitmq`, so the scripts
behind them are called directly. Note that `rabbitmq-server` boots a node whatever its
arguments: it is only ever started by `RabbitNode.start`, with that environment.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pika

from tests.support.processes import free_port, wait_until

SCRIPTS = Path("/usr/lib/rabbitmq/bin")  # behind the su-ing /usr/sbin wrappers
EPMD = "epmd"
BOOT_TIMEOUT = 180.0  # three nodes on a busy 2-core machine took up to 55 s


def rabbitmq_installed() -> bool:
    return (SCRIPTS / "rabbitmq-server").exists() and (SCRIPTS / "rabbitmqctl").exists()


def _clean_environ() -> dict[str, str]:
    """This process's environment without anything that could point a child at the
    system node (RABBITMQ_*, ERL_* set by a shell profile or a CI job)."""
    return {k: v for k, v in os.environ.items()
            if not k.startswith(("RABBITMQ_", "ERL_", "CONF_ENV_FILE"))}


@dataclass
class RabbitNode:
    """One private node: its ports, its files and (while it runs) its process group."""

    name: str  # e.g. venuebus-1a2b3c-1@localhost
    amqp_port: int
    dist_port: int
    root: Path
    env: dict[str, str] = field(repr=False)
    process: subprocess.Popen | None = field(default=None, repr=False)
    # where its management API listens once `enable_management` enabled the plugin
    # (a node boots without any plugin)
    management_port: int = 0

    def amqp_url(self, vhost: str = "/") -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.amqp_port}/{quote(vhost, safe='')}"

    @property
    def log_path(self) -> Path:
        return self.root / "stdout.log"

    # --- lifecycle ------------------------------------------------------------------

    def start(self) -> None:
        """Start the node (a new process group); `wait_ready` waits for its boot."""
        if self.running:
            raise RuntimeError(f"{self.name} is already running")
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [str(SCRIPTS / "rabbitmq-server")], env=self.env, cwd=self.root,
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True)  # the script, beam.smp and its helpers: one group

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def wait_ready(self, timeout: float = BOOT_TIMEOUT) -> None:
        """Until the node accepts AMQP connections; AssertionError with the log's tail
        when it exits or times out."""
        def ready() -> bool:
            if not self.running:
                raise AssertionError(f"{self.name} exited while booting:\n{self.log_tail()}")
            return self.accepts_amqp()

        wait_until(ready, timeout=timeout, interval=0.25,
                   what=lambda: f"{self.name} to boot:\n{self.log_tail()}")

    def accepts_amqp(self) -> bool:
        try:  # a quiet TCP probe first: pika logs every refused attempt as an ERROR
            socket.create_connection(("127.0.0.1", self.amqp_port), timeout=2).close()
        except OSError:
            return False
        try:
            pika.BlockingConnection(pika.URLParameters(
                self.amqp_url() + "?connection_attempts=1&socket_timeout=2")).close()
            return True
        except pika.exceptions.AMQPError:
            return False

    def kill(self) -> None:
        """SIGKILL the node's whole process group (the VM gets no chance to clean up);
        no-op when it is not running."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(30)

    def restart(self, timeout: float = BOOT_TIMEOUT) -> None:
        """Kill (if running) and boot again on the same data, name and ports."""
        self.kill()
        self.start()
        self.wait_ready(timeout)

    def stop_app(self) -> None:
        """Stop the RabbitMQ application, the VM stays up: every client is cut and
        connecting is refused until `start_app`."""
        self.ctl("stop_app")

    def start_app(self, timeout: float = BOOT_TIMEOUT) -> None:
        self.ctl("start_app", timeout=timeout)
        self.wait_ready(timeout)

    # --- administration -------------------------------------------------------------

    def ctl(self, *args: str, timeout: float = 120) -> str:
        """`rabbitmqctl -n <this node> args...` in the node's environment; its stdout.
        CalledProcessError on failure."""
        return subprocess.run([str(SCRIPTS / "rabbitmqctl"), "-n", self.name, *args],
                              env=self.env, cwd=self.root, capture_output=True, text=True,
                              timeout=timeout, check=True).stdout

    @contextlib.contextmanager
    def fresh_vhost(self) -> Iterator[str]:
        """A vhost of its own for one test (the node outlives the test); its AMQP URL."""
        vhost = f"test-{uuid.uuid4().hex[:10]}"
        self.ctl("add_vhost", vhost)
        self.ctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
        try:
            yield self.amqp_url(vhost)
        finally:
            if self.running:
                with contextlib.suppress(subprocess.SubprocessError):
                    self.ctl("delete_vhost", vhost)

    @contextlib.contextmanager
    def publishers_blocked(self) -> Iterator[None]:
        """A memory alarm: the broker stops reading from publishing connections, so what
        they send stays unconfirmed (consumers and declarations go on)."""
        self.ctl("set_vm_memory_high_watermark", "0")
        try:
            yield
        finally:
            if self.running:
                self.ctl("set_vm_memory_high_watermark", "0.4")

    def enable_management(self) -> None:
        """Enable the management plugin on the running node (no restart), its API on
        127.0.0.1:`management_port`; returns once the API answers."""
        subprocess.run([str(SCRIPTS / "rabbitmq-plugins"), "-n", self.name, "enable",
                        "--online", "rabbitmq_management"], env=self.env, cwd=self.root,
                       capture_output=True, text=True, timeout=180, check=True)

        def answers() -> bool:
            try:
                socket.create_connection(("127.0.0.1", self.management_port), 2).close()
                return True
            except OSError:
                return False

        wait_until(answers, timeout=60, interval=0.25, what="the management API")

    def running_cluster_nodes(self) -> list[str]:
        status = json.loads(self.ctl("cluster_status", "--formatter", "json"))
        return list(status.get("running_nodes", []))

    def log_tail(self, chars: int = 3000) -> str:
        logs = [self.log_path, *sorted((self.root / "log").glob("*.log"))]
        return "\n".join(p.read_text(errors="replace")[-chars:] for p in logs if p.exists())


def _node(base: Path, prefix: str, index: int, epmd_port: int, seed: str | None,
          cookie: str) -> RabbitNode:
    name = f"{prefix}-{index}@localhost"
    root = base / f"node{index}"
    home, log_dir, mnesia, conf_d = root / "home", root / "log", root / "mnesia", root / "conf.d"
    for d in (home, log_dir, mnesia, conf_d):
        d.mkdir(parents=True, exist_ok=True)
    cookie_file = home / ".erlang.cookie"
    cookie_file.write_text(cookie)
    cookie_file.chmod(0o400)  # Erlang refuses a cookie others can read
    amqp_port, dist_port, management_port = free_port(), free_port(), free_port()
    lines = [f"listeners.tcp.default = 127.0.0.1:{amqp_port}", "loopback_users.guest = true",
             "log.file.level = info", "log.console = false"]
    if seed is not None:  # nodes 2..n join the seed on their first boot
        lines += ["cluster_formation.peer_discovery_backend = classic_config",
                  f"cluster_formation.classic_config.nodes.1 = {seed}",
                  f"cluster_formation.classic_config.nodes.2 = {name}"]
    (root / "rabbitmq.conf").write_text("\n".join(lines) + "\n")
    (root / "enabled_plugins").write_text("[].\n")
    (root / "rabbitmq-env.conf").write_text("# private node: nothing from /etc/rabbitmq\n")
    env = {
        **_clean_environ(),
        "HOME": str(home),
        "RABBITMQ_NODENAME": name,
        "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
        "RABBITMQ_NODE_PORT": str(amqp_port),
        "RABBITMQ_DIST_PORT": str(dist_port),
        "RABBITMQ_CONFIG_FILE": str(root / "rabbitmq.conf"),
        "RABBITMQ_CONFIG_FILES": str(conf_d),
        "RABBITMQ_ADVANCED_CONFIG_FILE": str(root / "advanced.config"),
        "RABBITMQ_CONF_ENV_FILE": str(root / "rabbitmq-env.conf"),
        "RABBITMQ_ENABLED_PLUGINS_FILE": str(root / "enabled_plugins"),
        "RABBITMQ_MNESIA_BASE": str(mnesia),
        "RABBITMQ_MNESIA_DIR": str(mnesia / name),
        "RABBITMQ_LOG_BASE": str(log_dir),
        "RABBITMQ_PID_FILE": str(root / "node.pid"),
        "RABBITMQ_MOTD_FILE": str(root / "motd"),
        # distribution only on loopback, through the private port mapper, never
        # starting a (daemonised, unowned) epmd of its own
        "ERL_EPMD_PORT": str(epmd_port),
        "ERL_EPMD_ADDRESS": "127.0.0.1",
        "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS":
            "-kernel inet_dist_use_interface {127,0,0,1} -start_epmd false "
            # never the system node's 15672, should the plugin be enabled
            f'-rabbitmq_management tcp_config [{{port,{management_port}}},{{ip,"127.0.0.1"}}]',
        "RABBITMQ_CTL_ERL_ARGS": "-start_epmd false",
    }
    return RabbitNode(name, amqp_port, dist_port, root, env, management_port=management_port)


@contextlib.contextmanager
def _private_epmd(base: Path) -> Iterator[int]:
    """An Erlang port mapper of our own (foreground, so it is our child to end)."""
    port = free_port()
    with open(base / "epmd.log", "ab") as log:
        proc = subprocess.Popen([EPMD, "-port", str(port), "-address", "127.0.0.1"],
                                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        yield port
    finally:
        proc.kill()
        proc.wait(10)


def node_list_url(nodes: list[RabbitNode], vhost: str = "/") -> str:
    """AMQP_URL for a cluster: every node's URL for `vhost`, comma-separated."""
    return ",".join(node.amqp_url(vhost) for node in nodes)


def queue_leaders(node: RabbitNode, vhost: str) -> dict[str, str]:
    """Quorum queue name -> the node that leads it, as `node` sees the cluster."""
    rows = json.loads(node.ctl("list_queues", "-p", vhost, "name", "leader",
                               "--formatter", "json"))
    return {row["name"]: row["leader"] for row in rows if row.get("leader")}


@contextlib.contextmanager
def rabbit_nodes(count: int, base: Path, timeout: float = BOOT_TIMEOUT) -> Iterator[
        list[RabbitNode]]:
    """`count` private nodes, booted and (for count > 1) clustered with node 1, killed
    on exit whatever happened in between (also a node a test already killed)."""
    base.mkdir(parents=True, exist_ok=True)
    prefix = f"venuebus-{uuid.uuid4().hex[:8]}"
    cookie = secrets.token_hex(20)
    nodes: list[RabbitNode] = []
    with _private_epmd(base) as epmd_port:
        try:
            for i in range(1, count + 1):
                seed = nodes[0].name if nodes else None
                node = _node(base, prefix, i, epmd_port, seed, cookie)
                nodes.append(node)
                node.start()
                node.wait_ready(timeout)
            if count > 1:
                wait_until(lambda: len(nodes[0].running_cluster_nodes()) == count,
                           timeout=timeout, interval=1, what=f"{count} nodes clustered")
            yield nodes
        finally:
            for node in nodes:
                node.kill()
