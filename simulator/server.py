"""Serving the APIs: in the foreground (`serve`) or as a managed subprocess (`running`)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import httpx
import uvicorn

from .api import create_app
from .faults import Faults
from .state import State, resolve_dir

DEFAULT_PORT = 8765


def serve(
    directory: str | Path | None = None,
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    faults: Faults | None = None,
) -> None:
    """Run the API server in this process until interrupted."""
    d = resolve_dir(directory)
    State.load(d)  # fail fast with a clear message when nothing was generated
    uvicorn.run(create_app(d, faults), host=host, port=port, log_level="warning")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running(
    directory: str | Path | None = None,
    port: int = 0,
    faults: Faults | str | None = None,
    *,
    host: str = "127.0.0.1",
    token: str | None = None,
    thread: bool = False,
    startup_timeout: float = 30.0,
) -> Iterator[str]:
    """Start a real uvicorn server; yield its base URL (`http://host:port`); stop it on exit.

    By default the server is a subprocess (`python -m simulator serve`), like in production;
    `thread=True` runs the same server in a thread of this process, which starts much faster
    (for test suites that start many servers). `port=0` picks a free port. `faults` is a
    `Faults` or a spec like "rate_limit,drift". `token` overrides `SIM_API_TOKEN`.
    """
    d = resolve_dir(directory)
    State.load(d)
    f = faults if isinstance(faults, Faults) else Faults.parse(faults)
    port = port or free_port(host)
    url = f"http://{host}:{port}"
    runner = _in_thread if thread else _in_subprocess
    with runner(d, host, port, f, token, url, startup_timeout):
        yield url


@contextlib.contextmanager
def _in_thread(
    d: Path, host: str, port: int, f: Faults, token: str | None, url: str, timeout: float
) -> Iterator[None]:
    config = uvicorn.Config(create_app(d, f, token), host=host, port=port, log_level="warning")
    srv = uvicorn.Server(config)
    t = threading.Thread(target=srv.run, name=f"simulator-api-{port}", daemon=True)
    t.start()
    try:
        deadline = time.monotonic() + timeout
        while not srv.started:
            if not t.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"simulator server did not come up at {url}")
            time.sleep(0.02)
        yield
    finally:
        srv.should_exit = True
        t.join(10)


@contextlib.contextmanager
def _in_subprocess(
    d: Path, host: str, port: int, f: Faults, token: str | None, url: str, timeout: float
) -> Iterator[None]:
    cmd = [sys.executable, "-m", "simulator", "serve", "--dir", str(d), "--host", host,
           "--port", str(port), "--faults", f.spec(), "--fault-every", str(f.every),
           "--slow-seconds", str(f.slow_seconds), "--retry-after", str(f.retry_after)]  # fmt: skip
    env = dict(os.environ)
    package_parent = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_parent, env.get("PYTHONPATH")) if p)
    env.pop("SIM_FAULTS", None)  # faults are given explicitly
    if token is not None:
        env["SIM_API_TOKEN"] = token
    # stderr goes to a file, not a pipe: a pipe nobody drains would block a chatty server
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=err)
        try:
            _wait_until_up(proc, url, timeout, err)
            yield
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _wait_until_up(proc: subprocess.Popen, url: str, timeout: float, err: IO[bytes]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err.seek(0)
            msg = err.read().decode(errors="replace").strip()
            raise RuntimeError(f"simulator server exited with {proc.returncode}: {msg}")
        try:
            if httpx.get(f"{url}/health", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"simulator server did not come up at {url} within {timeout}s")
