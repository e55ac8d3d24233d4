"""`make bench`: build (or reuse) the benchmark desks, measure, write var/bench/*.json.

    python -m benchmarks.run [--sizes 100000,1000000] [--db sqlite,postgres]
                             [--only inbox,mail,memory,api,search] [--requests 30] [--rebuild]
                             [--search-messages 1000000]

Each database and size is measured in a fresh process, so settings, caches and memory
of one run never leak into the next. A benchmark, not a test: it reports, it never fails
on a missed target.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.databases import (
    BENCH_DIR,
    REPO,
    child_environment,
    drop_pg_database,
    pg_available,
    prune_stale_fixtures,
    recreate_pg_database,
    sqlite_fixture_home,
)
from benchmarks.fixtures import migrations_fingerprint
from benchmarks.inbox import TARGET_MAX_QUERIES, TARGET_P95_MS
from benchmarks.machine import machine_info, now_iso


def _child(command: str, *, size: int, env: dict, out: Path, extra: list[str] = ()) -> dict:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.inbox",
            command,
            "--size",
            str(size),
            "--out",
            str(out),
            *extra,
        ],
        env=env,
        cwd=REPO,
        check=True,
    )
    return json.loads(out.read_text())


def sqlite_fixture(size: int, *, rebuild: bool, scratch: Path) -> tuple[Path, dict]:
    home = sqlite_fixture_home(size, migrations_fingerprint())
    prune_stale_fixtures({home})
    if rebuild:
        shutil.rmtree(home, ignore_errors=True)
    if not (home / "fixture.json").exists():
        building = home.with_name(home.name + ".building")
        shutil.rmtree(building, ignore_errors=True)
        building.mkdir(parents=True)
        print(f"building the SQLite fixture with {size:,} tickets (cached for next time)")
        counts = _child(
            "build",
            size=size,
            env=child_environment(db="sqlite", home=building),
            out=scratch / "build.json",
        )
        (building / "fixture.json").write_text(json.dumps(counts, indent=2))
        shutil.rmtree(home, ignore_errors=True)
        building.rename(home)
    return home, json.loads((home / "fixture.json").read_text())


def run_inbox(
    sizes: list[int], databases: list[str], *, requests: int, rebuild: bool, keep_pg: bool
) -> list[dict]:
    runs = []
    for db in databases:
        if db == "postgres" and (reason := pg_available()):
            print(f"PostgreSQL skipped: {reason}")
            runs += [{"db": db, "size": size, "status": f"skipped: {reason}"} for size in sizes]
            continue
        for size in sizes:
            print(f"\n== {db}, {size:,} tickets ==", flush=True)
            started = time.perf_counter()
            with tempfile.TemporaryDirectory(prefix="tandem-bench-") as temp:
                scratch = Path(temp)
                extra = ["--requests", str(requests)]
                if db == "sqlite":
                    home, fixture = sqlite_fixture(size, rebuild=rebuild, scratch=scratch)
                    report = _child(
                        "measure",
                        size=size,
                        env=child_environment(db=db, home=home),
                        out=scratch / "measure.json",
                        extra=extra,
                    )
                else:
                    env = child_environment(db=db, home=scratch)
                    recreate_pg_database()
                    try:
                        print(f"building the PostgreSQL fixture with {size:,} tickets")
                        fixture = _child("build", size=size, env=env, out=scratch / "build.json")
                        report = _child(
                            "measure", size=size, env=env, out=scratch / "measure.json", extra=extra
                        )
                    finally:
                        if not keep_pg:
                            drop_pg_database()
            runs.append(
                {
                    "db": db,
                    "size": size,
                    "measured_at": now_iso(),
                    "fixture": fixture,
                    "seconds": round(time.perf_counter() - started, 1),
                    **report,
                }
            )
    return runs


def merge_runs(path: Path, runs: list[dict]) -> list[dict]:
    """Keep earlier runs of other (database, size) pairs, so partial reruns add up."""
    previous = json.loads(path.read_text()).get("runs", []) if path.exists() else []
    fresh = {(r["db"], r["size"]) for r in runs}
    kept = [r for r in previous if (r.get("db"), r.get("size")) not in fresh]
    return sorted(kept + runs, key=lambda r: (r["db"], r["size"]))


def print_table(runs: list[dict]) -> None:
    print(
        f"\n{'db':<9}{'tickets':>10}  {'layer':<6} {'what':<42}{'p50':>8}{'p95':>8}"
        f"{'SQL':>5}  target"
    )
    for run in runs:
        if "results" not in run:
            print(f"{run['db']:<9}{run['size']:>10,}  {run.get('status', '')}")
            continue
        for r in run["results"]:
            if r.get("status") != "ok":
                print(
                    f"{run['db']:<9}{run['size']:>10,}  {r['layer']:<6} {r['name']:<42}"
                    f"  {r['status']}"
                )
                continue
            mark = "ok" if r["meets_target"] else "MISSED"
            print(
                f"{run['db']:<9}{run['size']:>10,}  {r['layer']:<6} {r['name']:<42}"
                f"{r['p50_ms']:>8.1f}{r['p95_ms']:>8.1f}{r['queries']:>5}  {mark}"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--sizes",
        default="100000,1000000",
        help="ticket counts, comma-separated (default 100000,1000000)",
    )
    parser.add_argument(
        "--db", default="sqlite,postgres", help="sqlite, postgres or both (default both)"
    )
    parser.add_argument(
        "--only",
        default="inbox,mail,memory,api,search,triggers",
        help="any of inbox, mail, memory, api, search, triggers (comma-separated)",
    )
    parser.add_argument(
        "--search-messages",
        type=int,
        default=1_000_000,
        help="messages in the search benchmark's index (with 10,000 articles)",
    )
    parser.add_argument("--requests", type=int, default=30, help="timed requests per figure")
    parser.add_argument("--rebuild", action="store_true", help="rebuild cached SQLite fixtures")
    parser.add_argument(
        "--keep-pg",
        action="store_true",
        help="leave the tandem_bench database in place after the run",
    )
    parser.add_argument(
        "--demo",
        choices=("full", "small"),
        default="full",
        help="demo desk served in the memory benchmark",
    )
    parser.add_argument(
        "--mail-messages",
        type=int,
        default=10000,
        help="messages in the email ingest benchmark's Maildir (default 10000)",
    )
    parser.add_argument(
        "--mail-compare",
        action="store_true",
        help="also time the message-by-message import in the same run",
    )
    args = parser.parse_args(argv)
    only = {part.strip() for part in args.only.split(",")}
    sizes = [int(part) for part in args.sizes.split(",") if part.strip()]
    databases = [part.strip() for part in args.db.split(",") if part.strip()]
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    machine = machine_info()

    if "inbox" in only:
        runs = run_inbox(
            sizes, databases, requests=args.requests, rebuild=args.rebuild, keep_pg=args.keep_pg
        )
        path = BENCH_DIR / "inbox.json"
        report = {
            "benchmark": "inbox and ticket page",
            "generated_at": now_iso(),
            "machine": machine,
            "targets": {"p95_ms": TARGET_P95_MS, "max_queries": TARGET_MAX_QUERIES},
            "method": "Django test client in process (server time, no network); query layer "
            "timed separately; queries counted with CaptureQueriesContext.",
            "runs": merge_runs(path, runs),
        }
        path.write_text(json.dumps(report, indent=2, default=str))
        print_table(runs)
        print(f"\nwritten to {path.relative_to(REPO)}")

    if "mail" in only:
        import subprocess

        # Its own process: it sets up a throw-away desk of its own and pins one core.
        print("\n== email ingest from a Maildir ==", flush=True)
        command = [sys.executable, "-m", "benchmarks.mail_ingest"]
        command += ["--messages", str(args.mail_messages)]
        if args.mail_compare:
            command.append("--compare")
        subprocess.run(command, cwd=REPO, check=True)

    if "triggers" in only:
        print("\n== trigger evaluation per event ==", flush=True)
        subprocess.run([sys.executable, "-m", "benchmarks.triggers"], cwd=REPO, check=True)

    if "memory" in only:
        from benchmarks.memory import run_memory

        print("\n== memory of tandem serve ==", flush=True)
        result = run_memory(size=args.demo)
        path = BENCH_DIR / "memory.json"
        path.write_text(
            json.dumps(
                {
                    "benchmark": "memory of tandem serve",
                    "generated_at": now_iso(),
                    "machine": machine,
                    **result,
                },
                indent=2,
            )
        )
        after = result["after_pages"]
        print(
            f"RSS after start {result['after_start'].get('VmRSS_mb')} MB, after "
            f"{result['requests']} requests {after.get('VmRSS_mb')} MB (anon "
            f"{after.get('RssAnon_mb')}, file {after.get('RssFile_mb')}, peak "
            f"{after.get('VmHWM_mb')}); target {result['target_mb']} MB: "
            f"{'ok' if result['meets_target'] else 'MISSED'}"
        )
        print(f"written to {path.relative_to(REPO)}")

    if "api" in only:
        from benchmarks.api import run_api, summary_lines, write_report

        print("\n== REST API throughput ==", flush=True)
        result = run_api()
        path = write_report(result, BENCH_DIR / "api.json")
        print("\n".join(summary_lines(result)))
        print(f"written to {path.relative_to(REPO)}")

    if "search" in only:
        # Its own processes, one per database, each on a throw-away desk (benchmarks/search.py).
        print("\n== search latency ==", flush=True)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "benchmarks.search",
                "--messages",
                str(args.search_messages),
                "--db",
                ",".join(databases),
            ],
            cwd=REPO,
            check=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
