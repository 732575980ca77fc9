"""A throw-away PostgreSQL cluster for the store's tests and benchmarks: the machine's own binaries, no mock.

:func:`start` runs ``initdb`` into a fresh temporary folder as the non-root ``postgres`` OS user
(PostgreSQL refuses to run as root: ``Popen(user=…)``; CI runs as root on a fresh Debian machine, and ``.ci/run``
installs Debian's ``postgresql`` package when ``initdb`` is absent), starts ``postgres`` on a free
127.0.0.1 port, and waits until it answers. :meth:`Cluster.stop` stops that process, and only it,
by its pid (SIGINT: PostgreSQL's fast shutdown), then removes the folder. :meth:`Cluster.database`
creates a fresh database and gives its SQLAlchemy URL.

``fast=True`` (the tests) turns ``fsync`` off: the tests kill processes, never the machine, and a
cluster that syncs nothing costs the suite less. The benchmarks keep PostgreSQL's defaults.
"""

from __future__ import annotations

import itertools
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

DEBIAN_BINDIR = "/usr/lib/postgresql/15/bin"


def bindir() -> Optional[Path]:
    """Where ``initdb`` and ``postgres`` are: ``pg_config --bindir``, Debian's folder, or the PATH; None if absent."""
    candidates = []
    try:
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, timeout=10)
        if out.returncode == 0:
            candidates.append(Path(out.stdout.strip()))
    except (OSError, subprocess.TimeoutExpired):
        pass
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True) + [Path(DEBIAN_BINDIR)]
    found = shutil.which("initdb")
    if found:
        candidates.append(Path(found).parent)
    for c in candidates:
        if (c / "initdb").exists() and (c / "postgres").exists():
            return c
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres() -> dict:
    """Popen's arguments that run a command as the ``postgres`` OS user when we are root (PostgreSQL will not
    run as root). The command itself becomes that user (no ``runuser`` in between), so its pid is the server's."""
    if os.geteuid() != 0:
        return {}
    return {"user": "postgres", "group": "postgres", "extra_groups": [], "env": {**os.environ, "HOME": "/tmp"}}


@dataclass
class Cluster:
    folder: Path
    port: int
    process: subprocess.Popen
    _names: itertools.count = field(default_factory=lambda: itertools.count(1))

    @property
    def admin_url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def database(self, prefix: str = "t") -> str:
        """A fresh, empty database; its SQLAlchemy URL."""
        import psycopg

        name = f"{prefix}_{os.getpid()}_{next(self._names)}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        """Stop the cluster by its pid (fast shutdown, then SIGKILL if it lingers) and remove its folder."""
        try:
            if self.process.poll() is None:
                os.kill(self.process.pid, signal.SIGINT)
                try:
                    self.process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.kill(self.process.pid, signal.SIGKILL)
                    self.process.wait(timeout=30)
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


def start(fast: bool = True, max_connections: int = 100) -> Cluster:
    """A running cluster on a free loopback port (see the module docstring). Raises RuntimeError when it cannot start."""
    bins = bindir()
    if bins is None:
        raise RuntimeError("PostgreSQL is not installed (no initdb): apt-get install -y postgresql")
    folder = Path(tempfile.mkdtemp(prefix="mutualaid-pg-"))  # under /tmp: the postgres user must reach it
    data = folder / "data"
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    os.chmod(folder, 0o700)
    try:
        subprocess.run(
            [str(bins / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"],
            check=True, capture_output=True, timeout=120, cwd=folder, **_as_postgres(),
        )
        port = _free_port()
        settings = ["-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={folder}", "-c", f"max_connections={max_connections}"]
        if fast:
            settings += ["-c", "fsync=off", "-c", "full_page_writes=off", "-c", "synchronous_commit=off"]
        log = open(folder / "postgres.log", "wb")
        process = subprocess.Popen([str(bins / "postgres"), "-D", str(data), "-p", str(port), *settings], stdout=log, stderr=log, cwd=folder, **_as_postgres())
        log.close()
        cluster = Cluster(folder, port, process)
        deadline = time.monotonic() + 60
        import psycopg

        while True:
            if process.poll() is not None:
                raise RuntimeError(f"postgres exited with status {process.returncode}: {(folder / 'postgres.log').read_text(errors='replace')[-2000:]}")
            try:
                psycopg.connect(f"host=127.0.0.1 port={port} user=postgres dbname=postgres", connect_timeout=2).close()
                return cluster
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    cluster.stop()
                    raise RuntimeError("postgres did not answer within 60 s") from None
                time.sleep(0.1)
    except BaseException:
        if "cluster" not in locals():
            shutil.rmtree(folder, ignore_errors=True)
        raise
