"""Resident memory of `tandem serve` (one process, SQLite, demo desk) against its 400 MB target.

The demo is loaded once into a cached home under var/bench and copied to a temp home for
each run, so the server starts from the same desk every time.
"""

from __future__ import annotations

import http.cookiejar
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from benchmarks.databases import BENCH_DIR, REPO, child_environment
from benchmarks.fixtures import source_fingerprint

TARGET_MB = 400
SIGN_IN = ("sam.okafor@demo.test", "demo-password")


def _status_kb(pid: int) -> dict[str, int]:
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile", "RssShmem"):
            values[key] = int(rest.split()[0])
    return values


def _descendants(pid: int) -> list[int]:
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                queue += [int(child) for child in task.read_text().split()]
            except OSError:
                continue
    return found


def process_tree_memory(pid: int) -> dict[str, float]:
    """VmRSS (and its parts, and the peak) summed over the process and its children, in MB."""
    total: dict[str, int] = {}
    processes = _descendants(pid)
    for member in processes:
        try:
            for key, value in _status_kb(member).items():
                total[key] = total.get(key, 0) + value
        except OSError:
            continue
    return {
        "processes": len(processes),
        **{f"{key}_mb": round(value / 1024, 1) for key, value in total.items()},
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def demo_home(size: str, progress) -> Path:
    """A TANDEM_HOME with the demo desk loaded, built once per schema and size."""
    fingerprint = source_fingerprint("tandem/*/migrations/*.py", "tandem/core/demo/*.py")
    home = BENCH_DIR / f"demo-{size}-{fingerprint}"
    if (home / "demo-loaded").exists():
        return home
    building = home.with_name(home.name + ".building")
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    env = child_environment(db="sqlite", home=building)
    cli = [sys.executable, "-m", "tandem.cli"]
    progress(f"loading the {size} demo desk once into {home.relative_to(REPO)} ...")
    subprocess.run([*cli, "migrate", "-v", "0"], env=env, cwd=REPO, check=True)
    subprocess.run(
        [*cli, "demo", *(["--small"] if size == "small" else [])],
        env=env,
        cwd=REPO,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    building.rename(home)
    return home


class Browser:
    """Just enough of a browser: cookies, the sign-in form's CSRF token, GETs."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> tuple[int | str, bytes]:
        """The status, or "sign-in page" when the desk sent us to sign in instead."""
        try:
            with self.opener.open(self.base + path, timeout=30) as response:
                body = response.read()
                if "/login/" in response.geturl() and not path.startswith("/login/"):
                    return "sign-in page", body
                return response.status, body
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def sign_in(self, email: str, password: str) -> int | str:
        _, page = self.get("/login/")
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        data = urllib.parse.urlencode(
            {
                "username": email,
                "password": password,
                "csrfmiddlewaretoken": match.group(1).decode() if match else "",
            }
        ).encode()
        request = urllib.request.Request(
            self.base + "/login/", data=data, headers={"Referer": self.base + "/login/"}
        )
        try:
            with self.opener.open(request, timeout=30) as response:
                # A good sign-in redirects away from the form; a bad one shows it again.
                return "signed in" if "/login/" not in response.geturl() else "refused"
        except urllib.error.HTTPError as error:
            return error.code


def wait_until_up(base: str, process: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"tandem serve exited with {process.returncode}")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answers, even if a check is down
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("tandem serve did not answer within 90 s")


def run_memory(*, size: str = "full", progress=print) -> dict:
    source = demo_home(size, progress)
    with tempfile.TemporaryDirectory(prefix="tandem-bench-serve-") as temp:
        home = Path(temp)
        for name in ("tandem.sqlite3", "tandem.sqlite3-wal", "secret_key", "demo-loaded"):
            if (source / name).exists():
                shutil.copy2(source / name, home / name)
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        env = {
            **child_environment(db="sqlite", home=home),
            "TANDEM_PORT": str(port),
            "TANDEM_DEMO": "1",
            # The whole `make run` process, SMTP listener included, on ports of its own.
            "TANDEM_SMTP_LISTEN": f"127.0.0.1:{_free_port()}",
        }
        log = (home / "serve.log").open("w")
        process = subprocess.Popen(
            [sys.executable, "-m", "tandem.cli", "serve", "--port", str(port)],
            env=env,
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_up(base, process)
            time.sleep(2)  # let the job consumer settle
            after_start = process_tree_memory(process.pid)
            browser = Browser(base)
            statuses = {"sign-in": browser.sign_in(*SIGN_IN)}
            rng = random.Random(3)
            paths = [
                "/inbox/",
                "/inbox/?view=mine",
                "/inbox/?view=unassigned",
                "/inbox/?view=support",
                "/inbox/?view=solved",
            ]
            paths += [
                f"/tickets/{rng.randint(1, 10_000 if size == 'full' else 300)}/" for _ in range(20)
            ]
            paths += ["/portal/"]
            for _ in range(3):  # a few rounds: caches fill, memory settles
                for path in paths:
                    statuses[path] = browser.get(path)[0]
            after_pages = process_tree_memory(process.pid)
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()
    rss = after_pages.get("VmRSS_mb", 0.0)
    return {
        "demo": size,
        "target_mb": TARGET_MB,
        "after_start": after_start,
        "after_pages": after_pages,
        "rss_mb": rss,
        "meets_target": rss <= TARGET_MB,
        "requests": len(paths) * 3,
        "statuses": statuses,
        "pid_environment": {"python": sys.version.split()[0], "cpu_count": os.cpu_count()},
    }
