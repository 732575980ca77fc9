"""A real ``mutualaid serve`` on 127.0.0.1 for the service's tests: started once a module, stopped by its pid.

``live_server`` is a module-scoped fixture (import it into a test module): it picks a free port,
starts ``python -m mutualaid serve`` there, waits for ``/healthz``, and yields the base URL. Its
finaliser stops that process (and only it) by its pid, and fails the module if it will not stop.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children(pid: int) -> list[int]:
    """A process's children, from /proc (Linux): [] once it is gone."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def start_server(*args: str, env: dict | None = None, log=subprocess.DEVNULL) -> tuple[subprocess.Popen, str]:
    """Start ``mutualaid serve`` on a free loopback port; (the process, its base URL) once it answers."""
    port = free_port()
    environ = {**os.environ, **(env or {})}
    src = ROOT / "src"
    if src.is_dir():  # this checkout's sources first, as the tests themselves import them
        environ["PYTHONPATH"] = os.pathsep.join([str(src), *filter(None, [environ.get("PYTHONPATH")])])
    proc = subprocess.Popen(
        [sys.executable, "-m", "mutualaid", "serve", "--host", "127.0.0.1", "--port", str(port), *args],
        env=environ, stdout=subprocess.DEVNULL, stderr=log, cwd=ROOT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"mutualaid serve exited with status {proc.returncode} before answering")
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            stop_server(proc)
            raise RuntimeError("mutualaid serve did not answer /healthz within 60 s")
        time.sleep(0.1)


def stop_server(proc: subprocess.Popen) -> None:
    """Stop the server by its pid: SIGTERM (uvicorn shuts down cleanly), then SIGKILL if it lingers."""
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)


BODY_LIMIT = 256 << 10
"""The test server's body limit (small, so that a 413 costs little to provoke; above the size that
is decided in a thread, so that both ways are tested)."""


BATCH_LIMIT = 1 << 20
"""The test server's /v1/batch limit."""


def _typed(request: httpx.Request) -> None:
    """A body sent without a Content-Type gets the one its door reads (the service refuses others: 415)."""
    if request.method == "POST" and "content-type" not in request.headers:
        request.headers["content-type"] = "application/x-ndjson" if request.url.path == "/v1/batch" else "application/json"


def client(url: str, **kwargs) -> httpx.Client:
    """An HTTP client of the service at ``url`` that labels a body it sends as its door expects."""
    return httpx.Client(base_url=url, event_hooks={"request": [_typed]}, **{"timeout": 30, **kwargs})


@dataclass(frozen=True)
class Live:
    url: str
    log: Path
    """The server's standard error: its log lines."""
    pid: int


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    log_path = tmp_path_factory.mktemp("server") / "server.log"
    with open(log_path, "wb") as log:
        proc, url = start_server("--body-limit", str(BODY_LIMIT), "--batch-limit", str(BATCH_LIMIT), log=log)
        try:
            yield Live(url, log_path, proc.pid)
        finally:
            stop_server(proc)
    assert proc.returncode is not None
