"""REST API throughput: reads and ticket creates per second against a real `tandem serve`.

The desk is the small demo on SQLite, served exactly as `make run` serves it (one process:
uvicorn, the job consumer). Load comes from client processes on the same machine, each
holding one keep-alive connection and sending requests back to back for a fixed time,
so the figure includes HTTP, auth, the query and JSON, as an integrator sees it. The
clients share the 2 cores with the server: the figure is a floor, not a ceiling.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.databases import REPO, child_environment
from benchmarks.memory import _free_port, demo_home, wait_until_up

TARGET_READS_PER_S = 1000
TARGET_CREATES_PER_S = 300
SIGN_IN_EMAIL = "admin@demo.test"


def _client(port: int, token: str, kind: str, seconds: float, seed: int, results) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    rng = random.Random(seed)
    done = errors = 0
    latencies = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        if kind == "read":
            connection.request("GET", f"/api/v1/tickets/{rng.randint(1, 300)}", headers=headers)
        else:
            body = json.dumps(
                {
                    "subject": f"Load test {seed}-{done}",
                    "body": "The export button does nothing since this morning.",
                    "requester": {"email": f"load{seed}-{done % 50}@example.com"},
                    "priority": "normal",
                }
            )
            connection.request("POST", "/api/v1/tickets", body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        latencies.append(time.perf_counter() - started)
        if response.status >= 400 and not (kind == "read" and response.status == 404):
            errors += 1
        done += 1
    results.put({"done": done, "errors": errors, "latencies": latencies})


def _load(port: int, token: str, kind: str, *, clients: int, seconds: float) -> dict:
    results = multiprocessing.Queue()
    workers = [
        multiprocessing.Process(target=_client, args=(port, token, kind, seconds, i, results))
        for i in range(clients)
    ]
    for worker in workers:
        worker.start()
    collected = [results.get() for _ in workers]
    for worker in workers:
        worker.join()
    latencies = sorted(x for c in collected for x in c["latencies"])
    done = sum(c["done"] for c in collected)

    def pct(p: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000, 1)

    return {
        "clients": clients,
        "seconds": seconds,
        "requests": done,
        "errors": sum(c["errors"] for c in collected),
        "per_second": round(done / seconds, 1),
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
    }


def run_api(*, seconds: float = 10, clients: int = 4, progress=print) -> dict:
    source = demo_home("small", progress)
    with tempfile.TemporaryDirectory(prefix="tandem-bench-api-") as temp:
        home = Path(temp)
        for name in ("tandem.sqlite3", "tandem.sqlite3-wal", "secret_key", "demo-loaded"):
            if (source / name).exists():
                shutil.copy2(source / name, home / name)
        port = _free_port()
        env = {**child_environment(db="sqlite", home=home), "TANDEM_PORT": str(port)}
        cli = [sys.executable, "-m", "tandem.cli"]
        token = subprocess.run(
            [*cli, "createtoken", SIGN_IN_EMAIL, "--name", "bench"],
            env=env,
            cwd=REPO,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        log = (home / "serve.log").open("w")
        process = subprocess.Popen(
            [*cli, "serve", "--port", str(port), "--no-smtp"],
            env=env,
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_up(f"http://127.0.0.1:{port}", process)
            _load(port, token, "read", clients=clients, seconds=2)  # warm caches
            progress(f"reads: {clients} clients for {seconds:.0f} s")
            reads = _load(port, token, "read", clients=clients, seconds=seconds)
            progress(f"creates: {clients} clients for {seconds:.0f} s")
            creates = _load(port, token, "create", clients=clients, seconds=seconds)
        finally:
            process.terminate()
            process.wait(timeout=30)
    reads["target_per_second"] = TARGET_READS_PER_S
    reads["meets_target"] = reads["per_second"] >= TARGET_READS_PER_S
    creates["target_per_second"] = TARGET_CREATES_PER_S
    creates["meets_target"] = creates["per_second"] >= TARGET_CREATES_PER_S
    return {
        "server": "tandem serve (one process), SQLite, small demo",
        "reads": reads,
        "creates": creates,
    }


if __name__ == "__main__":
    print(json.dumps(run_api(), indent=2))
