"""Serving the APIs: in the foreground (`serve`) or as a managed subprocess (`running`)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

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
    startup_timeout: float = 30.0,
) -> Iterator[str]:
    """Start a real uvicorn server in a subprocess; yield its base URL; stop it on exit.

    `port=0` picks a free port. `faults` is a `Faults` or a spec like "rate_limit,drift".
    `token` overrides `SIM_API_TOKEN` for the server.
    """
    d = resolve_dir(directory)
    State.load(d)
    f = faults if isinstance(faults, Faults) else Faults.parse(faults)
    port = port or free_port(host)
    cmd = [
        sys.executable,
        "-m",
        "simulator",
        "serve",
        "--dir",
        str(d),
        "--host",
        host,
        "--port",
        str(port),
        "--faults",
        f.spec(),
        "--fault-every",
        str(f.every),
        "--slow-seconds",
        str(f.slow_seconds),
        "--retry-after",
        str(f.retry_after),
    ]
    env = dict(os.environ)
    package_parent = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_parent, env.get("PYTHONPATH")) if p)
    env.pop("SIM_FAULTS", None)  # faults are given explicitly
    if token is not None:
        env["SIM_API_TOKEN"] = token
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://{host}:{port}"
    try:
        _wait_until_up(proc, url, startup_timeout)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr:
            proc.stderr.close()


def _wait_until_up(proc: subprocess.Popen, url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            raise RuntimeError(f"simulator server exited with {proc.returncode}: {err.strip()}")
        try:
            if httpx.get(f"{url}/health", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"simulator server did not come up at {url} within {timeout}s")
