"""REST API throughput: reads and ticket creates per second against a real `tandem serve`.

    python -m benchmarks.api [--seconds 10] [--clients 4] [--processes 1] [--redis URL]

The desk is the small demo on SQLite, served as `make run` serves it (one process: uvicorn,
the job consumer) unless --processes asks for more web processes (which need Redis for the
channel layer). Load comes from client processes on the same machine, each holding one
keep-alive connection and sending requests back to back for a fixed time, so the figure
includes HTTP, auth, the query and JSON, as an integrator sees it.

The clients share the cores with the server, and on a shared machine so do other people:
each phase records the CPU the server's processes and the clients used, the server's CPU
per request (a figure that load on the machine disturbs much less than throughput), and the
load average, so a low figure can be told from a busy machine.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.databases import BENCH_DIR, REPO, child_environment
from benchmarks.machine import machine_info, now_iso
from benchmarks.memory import _descendants, _free_port, demo_home, wait_until_up

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


def _cpu_seconds(pids: list[int]) -> float:
    """User and system CPU of these processes so far (those gone since count as nothing)."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def _load(
    port: int, token: str, kind: str, *, clients: int, seconds: float, server_pid: int = 0
) -> dict:
    server = _descendants(server_pid) if server_pid else []
    server_before = _cpu_seconds(server)
    clients_before = os.times()
    load_before = os.getloadavg()[0]
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
    server_cpu = _cpu_seconds(server) - server_before
    after = os.times()
    clients_cpu = (after.children_user - clients_before.children_user) + (
        after.children_system - clients_before.children_system
    )
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
        # Cores busy on average: of the machine's os.cpu_count(), what each side took.
        "server_cpu_cores": round(server_cpu / seconds, 2),
        "clients_cpu_cores": round(clients_cpu / seconds, 2),
        "server_cpu_ms_per_request": round(server_cpu / done * 1000, 2) if done else None,
        "load_average_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }


def run_api(
    *,
    seconds: float = 10,
    clients: int = 4,
    processes: int = 1,
    redis_url: str = "",
    progress=print,
) -> dict:
    if processes > 1 and not redis_url:
        raise ValueError("several web processes need a Redis URL for the channel layer")
    source = demo_home("small", progress)
    with tempfile.TemporaryDirectory(prefix="tandem-bench-api-") as temp:
        home = Path(temp)
        for name in ("tandem.sqlite3", "tandem.sqlite3-wal", "secret_key", "demo-loaded"):
            if (source / name).exists():
                shutil.copy2(source / name, home / name)
        port = _free_port()
        env = {**child_environment(db="sqlite", home=home), "TANDEM_PORT": str(port)}
        if redis_url:
            env["TANDEM_REDIS_URL"] = redis_url
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
        serve = [*cli, "serve", "--port", str(port), "--no-smtp"]
        if processes > 1:
            serve += ["--processes", str(processes)]
        process = subprocess.Popen(serve, env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_until_up(f"http://127.0.0.1:{port}", process)
            load = {"clients": clients, "seconds": seconds, "server_pid": process.pid}
            _load(port, token, "read", **{**load, "seconds": 2})  # warm caches, every process
            progress(f"reads: {clients} clients for {seconds:.0f} s")
            reads = _load(port, token, "read", **load)
            progress(f"creates: {clients} clients for {seconds:.0f} s")
            creates = _load(port, token, "create", **load)
        finally:
            process.terminate()
            process.wait(timeout=30)
    reads["target_per_second"] = TARGET_READS_PER_S
    reads["meets_target"] = reads["per_second"] >= TARGET_READS_PER_S
    creates["target_per_second"] = TARGET_CREATES_PER_S
    creates["meets_target"] = creates["per_second"] >= TARGET_CREATES_PER_S
    shape = "one process" if processes == 1 else f"{processes} web processes, Redis"
    return {
        "server": f"tandem serve ({shape}), SQLite, small demo",
        "configuration": {
            "web_processes": processes,
            "http_threads_per_process": int(env.get("TANDEM_HTTP_THREADS", 16)),
            "database": "sqlite",
            "channel_layer_and_jobs": "redis" if redis_url else "in-memory, SqliteHuey",
            "client_processes": clients,
            "machine_cores": os.cpu_count(),
        },
        "reads": reads,
        "creates": creates,
    }


def write_report(result: dict, path: Path = BENCH_DIR / "api.json") -> Path:
    report = {
        "benchmark": "REST API throughput",
        "generated_at": now_iso(),
        "machine": machine_info(),
        **result,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n")
    return path


def summary_lines(result: dict) -> list[str]:
    lines = []
    for kind in ("reads", "creates"):
        r = result[kind]
        mark = "ok" if r["meets_target"] else "MISSED"
        lines.append(
            f"{kind:<8}{r['per_second']:>8.1f}/s  p50 {r['p50_ms']} ms  p95 {r['p95_ms']} ms"
            f"  errors {r['errors']}  target {r['target_per_second']}/s: {mark}"
        )
        lines.append(
            f"{'':<8}server {r['server_cpu_cores']} cores ({r['server_cpu_ms_per_request']} ms"
            f" CPU a request), clients {r['clients_cpu_cores']} cores, load average"
            f" {r['load_average_1min'][0]} -> {r['load_average_1min'][1]}"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.api", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--seconds", type=float, default=10, help="length of each phase")
    parser.add_argument("--clients", type=int, default=4, help="client processes")
    parser.add_argument("--processes", type=int, default=1, help="web processes served")
    parser.add_argument("--redis", default="", help="TANDEM_REDIS_URL for the served desk")
    parser.add_argument(
        "--out", type=Path, default=BENCH_DIR / "api.json", help="report (var/bench/api.json)"
    )
    args = parser.parse_args(argv)
    result = run_api(
        seconds=args.seconds,
        clients=args.clients,
        processes=args.processes,
        redis_url=args.redis,
        progress=lambda line: print(line, file=sys.stderr),
    )
    path = write_report(result, args.out)
    print("\n".join(summary_lines(result)))
    print(f"written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
