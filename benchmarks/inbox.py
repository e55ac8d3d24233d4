"""The inbox and ticket-page benchmark, run by `benchmarks.run` in its own process per database.

`build` fills an empty database with the bulk fixture; `measure` times the pages through
Django's test client (in process: server time, no network, no browser) and the query
layer beneath them, counts SQL queries per request, and keeps the query plans.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

TARGET_P95_MS = 30.0
TARGET_MAX_QUERIES = 8
VIEWS = ("open", "mine", "unassigned", "support")
PLACEHOLDER_BODIES = (b"todo",)


def percentile(samples: list[float], fraction: float) -> float:
    """Linear interpolation between closest ranks (what numpy calls 'linear')."""
    ordered = sorted(samples)
    if len(ordered) == 1:
        return ordered[0]
    position = (len(ordered) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summarize(samples_ms: list[float], queries: list[int]) -> dict:
    p95 = percentile(samples_ms, 0.95)
    worst_queries = max(queries) if queries else None
    return {
        "status": "ok",
        "requests": len(samples_ms),
        "p50_ms": round(percentile(samples_ms, 0.5), 2),
        "p95_ms": round(p95, 2),
        "mean_ms": round(statistics.fmean(samples_ms), 2),
        "max_ms": round(max(samples_ms), 2),
        "queries": worst_queries,
        "queries_median": statistics.median(queries) if queries else None,
        "meets_target": p95 <= TARGET_P95_MS and (worst_queries or 0) <= TARGET_MAX_QUERIES,
    }


def timed(calls: list[Callable[[], object]], *, warmup: int = 3) -> list[float]:
    for call in calls[:warmup]:
        call()
    samples = []
    for call in calls:
        started = time.perf_counter_ns()
        call()
        samples.append((time.perf_counter_ns() - started) / 1e6)
    return samples


def counted(calls: list[Callable[[], object]]) -> tuple[list[int], list[list[str]]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts, sqls = [], []
    for call in calls:
        with CaptureQueriesContext(connection) as context:
            call()
        counts.append(len(context.captured_queries))
        sqls.append([q["sql"] for q in context.captured_queries])
    return counts, sqls


# --- pages ------------------------------------------------------------------------------


def page_problem(client, url: str) -> str | None:
    """Why this URL cannot be measured yet (placeholder, missing, failing), or None."""
    from urllib.parse import urlsplit

    from django.urls import Resolver404, resolve

    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return "page not built yet (no such URL)"
    if match.func.__name__ == "<lambda>":
        return "page not built yet (placeholder view)"
    try:
        response = client.get(url)
    except Exception as error:  # a page that crashes is reported, not fatal to the benchmark
        return f"error: {type(error).__name__}: {error}"[:300]
    if response.status_code != 200:
        return f"HTTP {response.status_code}"
    if response.content.strip() in PLACEHOLDER_BODIES:
        return "page not built yet (placeholder response)"
    return None


def measure_pages(client, name: str, urls: list[str]) -> dict:
    problem = page_problem(client, urls[0])
    result = {"layer": "page", "name": name, "url": urls[0]}
    if problem:
        return {**result, "status": problem, "meets_target": None}
    calls = [lambda url=url: client.get(url) for url in urls]
    samples = timed(calls)
    counts, _ = counted(calls)
    sizes = [len(client.get(url).content) for url in urls[:3]]
    return {**result, **summarize(samples, counts), "bytes": max(sizes)}


# --- query layer and plans -----------------------------------------------------------------


def explain(sql: str) -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            lines = [row[0] for row in cursor.fetchall()]
            indexes = re.findall(
                r"(?:Index(?: Only)? Scan(?: Backward)? using|"
                r"Bitmap Index Scan on) (\w+)",
                "\n".join(lines),
            )
            full_scans = re.findall(r"Seq Scan on (\w+)", "\n".join(lines))
            sorts = any(
                line.strip().startswith(
                    ("Sort", "->  Sort", "Incremental Sort", "->  Incremental Sort")
                )
                for line in lines
            )
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            rows = cursor.fetchall()
            depth = {0: -1}
            lines = []
            for node, parent, _, detail in rows:
                depth[node] = depth.get(parent, -1) + 1
                lines.append("  " * depth[node] + detail)
            text = "\n".join(lines)
            indexes = re.findall(r"USING (?:COVERING )?INDEX (\w+)", text)
            full_scans = [t for t in re.findall(r"^\s*SCAN (\w+)(?!.*USING)", text, re.M)]
            sorts = "USE TEMP B-TREE" in text
    return {"sql": sql, "plan": lines, "indexes": indexes, "full_scans": full_scans, "sorts": sorts}


def interesting(sql: str) -> bool:
    return sql.lstrip().upper().startswith("SELECT") and any(
        table in sql for table in ('"tickets_ticket"', '"tickets_message"', '"tickets_ticketevent"')
    )


def measure_queries(name: str, calls: list[Callable[[], object]], *, plans: bool) -> dict:
    samples = timed(calls)
    counts, sqls = counted(calls)
    result = {"layer": "query", "name": name, **summarize(samples, counts)}
    if plans:
        result["plans"] = [explain(sql) for sql in sqls[0] if interesting(sql)]
    return result


# --- the run -------------------------------------------------------------------------------


def measure(size: int, requests: int, *, with_plans: bool) -> dict:
    from django.db import connection
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    from benchmarks.fixtures import BENCH_AGENT_EMAIL, RESTRICTED_AGENT_EMAIL
    from tandem.people.models import Agent
    from tandem.tickets import queries
    from tandem.tickets.models import Ticket

    def fresh(email: str) -> Agent:
        return Agent.objects.select_related("user").get(email=email)

    agent, restricted = fresh(BENCH_AGENT_EMAIL), fresh(RESTRICTED_AGENT_EMAIL)
    total = Ticket.objects.count()
    rng = random.Random(1)
    first_page = [t.number for t in queries.inbox_page(agent, view="open").items]
    numbers = rng.sample(first_page, k=min(len(first_page), requests // 2))
    numbers += [rng.randint(1, total) for _ in range(requests - len(numbers))]

    client, restricted_client = Client(), Client()
    client.force_login(agent.user)
    restricted_client.force_login(restricted.user)
    results = []
    try:
        inbox = reverse("tickets:inbox")
    except NoReverseMatch:
        inbox = None
    for view in VIEWS:
        name = f"inbox ?view={view}"
        if inbox is None:
            results.append({"layer": "page", "name": name, "status": "page not built yet"})
            continue
        results.append(measure_pages(client, name, [f"{inbox}?view={view}"] * requests))
    if inbox is not None:
        results.append(
            measure_pages(
                restricted_client,
                "inbox ?view=open (team-restricted)",
                [f"{inbox}?view=open"] * requests,
            )
        )
    try:
        urls = [reverse("tickets:detail", kwargs={"number": n}) for n in numbers]
        results.append(measure_pages(client, "ticket page", urls))
    except NoReverseMatch:
        results.append({"layer": "page", "name": "ticket page", "status": "page not built yet"})

    # The query layer as a page would call it: a fresh agent object per request, so the
    # team-ids lookup is paid each time, as it is in a real request.
    for view in VIEWS:
        calls = [
            lambda view=view: queries.inbox_page(fresh(BENCH_AGENT_EMAIL), view=view)
            for _ in range(requests)
        ]
        results.append(measure_queries(f"inbox_page(view={view!r})", calls, plans=with_plans))
    calls = [
        lambda: queries.inbox_page(fresh(RESTRICTED_AGENT_EMAIL), view="open")
        for _ in range(requests)
    ]
    results.append(
        measure_queries("inbox_page(view='open'), team-restricted", calls, plans=with_plans)
    )
    calls = [lambda n=n: queries.timeline(queries.ticket_for(agent, n)) for n in numbers]
    results.append(measure_queries("ticket_for + timeline", calls, plans=with_plans))

    if connection.vendor == "sqlite":
        # The test client keeps the connection open; a server with CONN_MAX_AGE=0 (the
        # SQLite default here) opens one per request, running the PRAGMAs each time.
        def reconnect():
            connection.close()
            connection.ensure_connection()

        results.append(
            {
                "layer": "connection",
                "name": "SQLite connect + PRAGMAs",
                **summarize(timed([reconnect] * requests), [0]),
            }
        )
    return {"tickets": total, "results": results}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.inbox")
    parser.add_argument("command", choices=("build", "measure"))
    parser.add_argument("--size", type=int, required=True)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--no-plans", action="store_true")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if args.command == "build":
        from benchmarks.fixtures import build

        call_command("migrate", verbosity=0)
        counts = build(connection, args.size, progress=lambda line: print(line, flush=True))
        args.out.write_text(json.dumps(counts, indent=2))
        return 0
    report = measure(args.size, args.requests, with_plans=not args.no_plans)
    report["database"] = connection.vendor
    args.out.write_text(json.dumps(report, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
