"""Helpers shared by the benchmarks: machine description, server processes, markdown output."""

from __future__ import annotations

import os
import platform
import socket
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SECTIONS = REPO / "docs" / "bench"
SHARED_DATA = REPO.parent / "shared" / "data"


def machine() -> str:
    """One line describing the machine the numbers came from."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return (
        f"{os.cpu_count()} cores ({cpu}){mem}, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, timeout: float = 30.0) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1.0).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def start(cmd: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        cmd, env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def write_section(name: str, title: str, command: str, body: str) -> Path:
    """Write one benchmark's section (docs/bench/NAME.md); bench.run_all stitches them."""
    SECTIONS.mkdir(parents=True, exist_ok=True)
    path = SECTIONS / f"{name}.md"
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    path.write_text(
        f"## {title}\n\nCommand: `{command}`  \nMachine: {machine()}  \nRun: {stamp}\n\n"
        f"{body.strip()}\n",
        encoding="utf-8",
    )
    return path


def python() -> str:
    return sys.executable
