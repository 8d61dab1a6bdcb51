"""Serving the emulator: in this process (:func:`serve`) or in a child process (:func:`start_emulator`).

A separate process matters for benchmarks: the extractor and the emulator then do not share a GIL.
"""

from __future__ import annotations

import os
import queue
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import TracebackType

import httpx

from stripeflow.emulator.app import create_app
from stripeflow.emulator.config import EmulatorConfig

READY = "Emulator listening on "
DEFAULT_PORT = 12111


def _bind(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def serve(config: EmulatorConfig, host: str = "127.0.0.1", port: int = DEFAULT_PORT) -> None:
    """Generate the data, listen, print ``Emulator listening on http://HOST:PORT`` and serve until stopped.

    ``port`` 0 picks a free port (the printed line tells which).
    """
    import uvicorn

    app = create_app(config)
    sock = _bind(host, port)
    actual = sock.getsockname()[1]
    try:
        import uvloop  # noqa: F401 - only checking that it is installed

        loop = "uvloop"
    except ImportError:  # pragma: no cover - uvloop comes with uvicorn[standard]
        loop = "asyncio"
    settings = uvicorn.Config(
        app,
        loop=loop,
        http="httptools",
        lifespan="off",
        access_log=False,
        log_level="warning",
        server_header=False,
        date_header=False,  # the app sends Date from the emulator's (movable) clock
    )
    print(f"{READY}http://{host}:{actual}", flush=True)
    uvicorn.Server(settings).run(sockets=[sock])


class RunningEmulator:
    """An emulator in a child process; stop it with :meth:`stop` or by leaving the ``with`` block."""

    def __init__(self, process: subprocess.Popen[str], base_url: str, reader: threading.Thread) -> None:
        self.process = process
        self.base_url = base_url
        self._reader = reader

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the server to shut down (SIGTERM), kill it after ``timeout`` seconds, and release its pipe."""
        _end(self.process, self._reader, timeout)

    def __enter__(self) -> RunningEmulator:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"RunningEmulator({self.base_url}, pid={self.process.pid})"


def start_emulator(
    config: EmulatorConfig, port: int = 0, *, host: str = "127.0.0.1", timeout: float = 180.0
) -> RunningEmulator:
    """Start ``python -m stripeflow.emulator`` with ``config``, wait until it answers, and return it.

    ``port`` 0 lets the child pick a free loopback port. Raises ``RuntimeError`` with the child's output when it
    exits or does not get ready within ``timeout`` seconds.
    """
    command = [sys.executable, "-m", "stripeflow.emulator", "--host", host, "--port", str(port)]
    command += ["--config-json", config.to_json()]
    env = dict(os.environ)
    source = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (source, env.get("PYTHONPATH"))))
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    output: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=_drain, args=(process, output), daemon=True)
    reader.start()
    deadline = time.monotonic() + timeout
    try:
        base_url = _wait_for_line(process, output, deadline)
        _wait_until_answering(base_url, deadline)
    except BaseException:
        _end(process, reader, 0)
        raise
    return RunningEmulator(process, base_url, reader)


def _end(process: subprocess.Popen[str], reader: threading.Thread, timeout: float) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    reader.join(5)
    if process.stdout is not None:
        process.stdout.close()


def _drain(process: subprocess.Popen[str], output: queue.Queue[str]) -> None:
    """Keep reading the child's output so that it never blocks on a full pipe."""
    assert process.stdout is not None
    for line in process.stdout:
        output.put(line.rstrip("\n"))


def _wait_for_line(process: subprocess.Popen[str], output: queue.Queue[str], deadline: float) -> str:
    seen: list[str] = []
    while time.monotonic() < deadline:
        try:
            line = output.get(timeout=0.1)
        except queue.Empty:
            if process.poll() is not None and output.empty():
                break
            continue
        seen.append(line)
        if line.startswith(READY):
            return line[len(READY) :].strip()
    state = f"exited with code {process.poll()}" if process.poll() is not None else "did not get ready in time"
    tail = "\n".join(seen[-30:])
    raise RuntimeError(f"the emulator {state}; its output:\n{tail}")


def _wait_until_answering(base_url: str, deadline: float) -> None:
    with httpx.Client(base_url=base_url, timeout=5.0) as client:
        while True:
            try:
                if client.get("/_emulator/health").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the emulator at {base_url} did not answer /_emulator/health in time")
            time.sleep(0.05)
