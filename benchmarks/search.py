"""Search latency: p50/p95 of `tandem.core.search.query` over N messages and 10k articles.

    python -m benchmarks.search [--messages 1000000] [--articles 10000] [--db sqlite,postgres]
                                [--queries 40] [--reuse [DIR]]

Each database is measured in a fresh process on a throw-away desk (a temporary
TANDEM_HOME on SQLite, the `tandem_bench` database on PostgreSQL, or the one named by
TANDEM_BENCH_PG_DATABASE). With `--reuse` the filled index is kept (SQLite under DIR,
by default var/bench/search-index-<messages>-<articles>; PostgreSQL in its database) and
a later `--reuse` run measures it again without filling it; migrations still apply.

The index is filled through `index_documents`, the path `tandem search rebuild` takes:
one ticket document per ~4 messages (subject + every message), plus the articles. Queries
are timed as the workspace and the help center run them, snippets included. Writes
var/bench/search.json.
A benchmark, not a test: it reports, it never fails on a missed target.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.databases import (
    BENCH_DIR,
    PG_DATABASE,
    REPO,
    child_environment,
    drop_pg_database,
    pg_available,
    recreate_pg_database,
)
from benchmarks.inbox import percentile
from benchmarks.machine import machine_info, now_iso

TARGET_P95_MS = 100.0
MESSAGES_PER_TICKET = 4
BATCH = 2000
SEED = 20261202
DEFAULT_REUSE = Path("<default>")

# The head of the vocabulary: words support text really is made of, most frequent first.
DOMAIN_WORDS = (
    "order",
    "account",
    "password",
    "invoice",
    "refund",
    "delivery",
    "payment",
    "email",
    "login",
    "error",
    "shipping",
    "subscription",
    "customer",
    "support",
    "update",
    "problem",
    "request",
    "issue",
    "billing",
    "price",
    "product",
    "return",
    "card",
    "address",
    "number",
    "change",
    "cancel",
    "plan",
    "report",
    "page",
    "app",
    "server",
    "sync",
    "export",
    "import",
    "printer",
    "network",
    "connection",
    "timeout",
    "tracking",
    "parcel",
    "warranty",
    "discount",
    "coupon",
    "upgrade",
    "downgrade",
    "license",
    "install",
    "settings",
    "profile",
    "notification",
    "calendar",
    "integration",
    "webhook",
    "token",
    "crash",
    "slow",
    "mobile",
    "browser",
    "download",
    "upload",
    "attachment",
    "receipt",
    "tax",
)
SYLLABLES = (
    "ka",
    "lo",
    "mi",
    "ne",
    "su",
    "ra",
    "ti",
    "po",
    "ve",
    "da",
    "fi",
    "gu",
    "ho",
    "je",
    "ly",
    "ma",
    "no",
    "pe",
    "qu",
    "ri",
    "sa",
    "to",
    "ur",
    "vi",
    "wo",
    "xe",
    "za",
)
FILLER = (
    "the",
    "a",
    "to",
    "and",
    "of",
    "in",
    "is",
    "it",
    "for",
    "on",
    "my",
    "with",
    "this",
    "that",
    "please",
    "can",
    "you",
    "we",
)
STATUSES = ("new", "open", "pending", "solved", "closed", "closed", "closed")
TEAMS = tuple(range(1, 9))


def vocabulary(size: int, rng: random.Random) -> list[str]:
    words = list(DOMAIN_WORDS)
    seen = set(words)
    while len(words) < size:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


class TextMaker:
    """Zipf-distributed words with filler, so some words are in a third of all documents."""

    def __init__(self, rng: random.Random, size: int = 20000):
        self.rng = rng
        self.words = vocabulary(size, rng)
        weights = [1.0 / (rank + 1) ** 1.05 for rank in range(len(self.words))]
        total = sum(weights)
        cumulative, running = [], 0.0
        for weight in weights:
            running += weight / total
            cumulative.append(running)
        self.cumulative = cumulative

    def word(self) -> str:
        return self.rng.choices(self.words, cum_weights=self.cumulative, k=1)[0]

    def sentence(self, length: int) -> str:
        parts = []
        for _ in range(length):
            parts.append(self.rng.choice(FILLER) if self.rng.random() < 0.35 else self.word())
        return " ".join(parts).capitalize() + "."


def fill_index(messages: int, articles: int, progress) -> dict:
    from tandem.core import search

    rng = random.Random(SEED)
    text = TextMaker(rng)
    now = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    tickets = max(1, messages // MESSAGES_PER_TICKET)
    started = time.perf_counter()

    def ticket_documents():
        for number in range(1, tickets + 1):
            body = "\n\n".join(
                " ".join(text.sentence(rng.randint(6, 16)) for _ in range(rng.randint(2, 5)))
                for _ in range(MESSAGES_PER_TICKET)
            )
            yield search.Document(
                kind="ticket",
                key=number,
                title=text.sentence(rng.randint(3, 8)),
                body=body,
                facets={
                    "status": rng.choice(STATUSES),
                    "track": rng.choice(("service", "support")),
                    "team": rng.choice(TEAMS),
                },
                updated_at=now - dt.timedelta(minutes=rng.randint(0, 3 * 365 * 24 * 60)),
            )

    def article_documents():
        for key in range(1, articles + 1):
            yield search.Document(
                kind="article",
                key=key,
                title=text.sentence(rng.randint(3, 7)),
                body=" ".join(text.sentence(rng.randint(8, 18)) for _ in range(rng.randint(8, 25))),
                facets={
                    "status": "published" if rng.random() < 0.85 else "draft",
                    "audience": "public" if rng.random() < 0.8 else "agents",
                },
                updated_at=now - dt.timedelta(days=rng.randint(0, 900)),
            )

    from django.db import transaction

    done = 0
    seconds = 0.0  # writing only: making up the text is not the index's cost
    for source in (ticket_documents(), article_documents()):
        for batch in search.iter_batches(source, BATCH):
            begun = time.perf_counter()
            with transaction.atomic():
                done += search.index_documents(batch)
            seconds += time.perf_counter() - begun
            progress(f"indexed {done:,} documents")
    begun = time.perf_counter()
    search.optimize()
    return {
        "messages": tickets * MESSAGES_PER_TICKET,
        "ticket_documents": tickets,
        "article_documents": articles,
        "index_seconds": round(seconds, 1),
        "documents_per_second": round((tickets + articles) / seconds),
        "optimize_seconds": round(time.perf_counter() - begun, 1),
        "total_seconds": round(time.perf_counter() - started, 1),
        "vocabulary": text.words,
    }


def query_mix(words: list[str], rng: random.Random, per_kind: int) -> dict[str, list[dict]]:
    """Realistic shapes at three word frequencies, with the filters callers really pass."""
    common = words[:30]
    medium = words[200:2000]
    rare = words[5000:15000]
    public = {"kinds": ["article"], "facets": {"status": "published", "audience": "public"}}
    team_only = {"kind_facets": {"ticket": {"team": [1, 2]}}}
    mix = {
        "one common word": lambda: {"text": rng.choice(common)},
        "one medium word": lambda: {"text": rng.choice(medium)},
        "one rare word": lambda: {"text": rng.choice(rare)},
        "two words": lambda: {"text": f"{rng.choice(common)} {rng.choice(medium)}"},
        "three words": lambda: {
            "text": f"{rng.choice(common)} {rng.choice(medium)} {rng.choice(medium)}"
        },
        "phrase": lambda: {"text": f'"{rng.choice(common)} {rng.choice(common)}"'},
        "prefix": lambda: {"text": rng.choice(medium)[:4] + "*"},
        "tickets, team-only agent": lambda: {
            "text": f"{rng.choice(common)} {rng.choice(medium)}",
            "kinds": ["ticket"],
            **team_only,
        },
        "tickets, status filter": lambda: {
            "text": rng.choice(medium),
            "kinds": ["ticket"],
            "facets": {"status": "open"},
        },
        "help center (public articles)": lambda: {"text": rng.choice(medium), **public},
        "help center suggestions (any word)": lambda: {
            "text": " ".join(rng.choice(medium) for _ in range(5)),
            "any_term": True,
            **public,
        },
    }
    return {name: [make() for _ in range(per_kind)] for name, make in mix.items()}


def measure(messages: int, articles: int, per_kind: int, filled_file: Path | None) -> dict:
    from django.db import connection

    from tandem.core import search

    started = time.perf_counter()
    if filled_file is not None and filled_file.exists():
        filled = json.loads(filled_file.read_text())
        print(f"reusing the index filled at {filled_file}")
    else:
        filled = fill_index(
            messages, articles, progress=lambda line: print(f"\r{line}", end="", flush=True)
        )
        print()
        if filled_file is not None:
            filled_file.write_text(json.dumps({**filled, "vocabulary": None}))
    build_seconds = round(time.perf_counter() - started, 1)
    filled.pop("vocabulary")
    # The vocabulary is the first thing the seeded generator makes: the same every run.
    words = TextMaker(random.Random(SEED)).words
    rng = random.Random(SEED + 1)
    results = []
    everything = []
    for name, queries in query_mix(words, rng, per_kind).items():
        for params in queries[:3]:  # warm-up
            search.query(**params)
        samples, hits = [], []
        for params in queries:
            begun = time.perf_counter()
            page = search.query(**params)
            samples.append((time.perf_counter() - begun) * 1000)
            hits.append(len(page.hits))
        everything += samples
        p95 = percentile(samples, 0.95)
        results.append(
            {
                "name": name,
                "p50_ms": round(percentile(samples, 0.5), 2),
                "p95_ms": round(p95, 2),
                "max_ms": round(max(samples), 2),
                "mean_hits_on_page": round(sum(hits) / len(hits), 1),
                "meets_target": p95 <= TARGET_P95_MS,
                "example": queries[0],
            }
        )
    overall = percentile(everything, 0.95)
    return {
        "database": connection.vendor,
        "build_seconds": build_seconds,
        "index": filled,
        "results": results,
        "overall": {
            "p50_ms": round(percentile(everything, 0.5), 2),
            "p95_ms": round(overall, 2),
            "queries": len(everything),
            "meets_target": overall <= TARGET_P95_MS,
        },
    }


def _measure_in_child(args) -> int:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    report = measure(args.messages, args.articles, args.queries, args.filled)
    args.out.write_text(json.dumps(report, indent=2, default=str))
    return 0


def run(
    messages: int, articles: int, databases: list[str], queries: int, reuse: Path | None = None
) -> list[dict]:
    runs = []
    for db in databases:
        if db == "postgres" and (reason := pg_available()):
            print(f"PostgreSQL skipped: {reason}")
            runs.append({"db": db, "messages": messages, "status": f"skipped: {reason}"})
            continue
        print(f"\n== search on {db}: {messages:,} messages, {articles:,} articles ==", flush=True)
        with tempfile.TemporaryDirectory(prefix="tandem-bench-search-") as temp:
            scratch = Path(temp)
            filled = []
            if reuse is not None:
                reuse.mkdir(parents=True, exist_ok=True)
                filled_file = reuse / f"{db}-{PG_DATABASE if db == 'postgres' else 'home'}.json"
                filled = ["--filled", str(filled_file)]
            home = reuse / "home" if reuse is not None and db == "sqlite" else scratch
            env = child_environment(db=db, home=home)
            if db == "postgres" and not (reuse is not None and filled_file.exists()):
                recreate_pg_database()
            try:
                out = scratch / "search.json"
                subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "benchmarks.search",
                        "measure",
                        "--messages",
                        str(messages),
                        "--articles",
                        str(articles),
                        "--queries",
                        str(queries),
                        "--out",
                        str(out),
                        *filled,
                    ],
                    env=env,
                    cwd=REPO,
                    check=True,
                )
                report = json.loads(out.read_text())
            finally:
                if db == "postgres" and reuse is None:
                    drop_pg_database()
        runs.append({"db": db, "messages": messages, "measured_at": now_iso(), **report})
    return runs


def write_report(runs: list[dict]) -> Path:
    path = BENCH_DIR / "search.json"
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    previous = json.loads(path.read_text()).get("runs", []) if path.exists() else []
    fresh = {(r["db"], r["messages"]) for r in runs}
    kept = [r for r in previous if (r.get("db"), r.get("messages")) not in fresh]
    path.write_text(
        json.dumps(
            {
                "benchmark": "search latency",
                "generated_at": now_iso(),
                "machine": machine_info(),
                "targets": {"p95_ms": TARGET_P95_MS},
                "method": "tandem.core.search.query in process, snippets included; "
                f"{MESSAGES_PER_TICKET} messages per ticket document; Zipf-distributed words.",
                "runs": sorted(kept + runs, key=lambda r: (r["db"], r["messages"])),
            },
            indent=2,
            default=str,
        )
    )
    return path


def print_table(runs: list[dict]) -> None:
    print(f"\n{'db':<9}{'messages':>10}  {'query':<38}{'p50':>8}{'p95':>8}  target")
    for run in runs:
        if "results" not in run:
            print(f"{run['db']:<9}{run['messages']:>10,}  {run.get('status', '')}")
            continue
        for r in [*run["results"], {"name": "all queries", **run["overall"]}]:
            mark = "ok" if r["meets_target"] else "MISSED"
            print(
                f"{run['db']:<9}{run['messages']:>10,}  {r['name']:<38}"
                f"{r['p50_ms']:>8.1f}{r['p95_ms']:>8.1f}  {mark}"
            )
        index = run["index"]
        print(
            f"{'':<21}indexed {index['ticket_documents'] + index['article_documents']:,} "
            f"documents in {index['index_seconds']} s "
            f"({index['documents_per_second']:,}/s), optimized in {index['optimize_seconds']} s"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.search", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("command", nargs="?", default="run", choices=("run", "measure"))
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument("--queries", type=int, default=40, help="timed queries per shape")
    parser.add_argument(
        "--reuse",
        nargs="?",
        type=Path,
        const=DEFAULT_REUSE,
        help="keep the filled index and measure a kept one again instead of filling it",
    )
    parser.add_argument("--out", type=Path)
    parser.add_argument("--filled", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.command == "measure":
        return _measure_in_child(args)
    databases = [part.strip() for part in args.db.split(",") if part.strip()]
    reuse = args.reuse
    if reuse is DEFAULT_REUSE:
        reuse = BENCH_DIR / f"search-index-{args.messages}-{args.articles}"
    runs = run(args.messages, args.articles, databases, args.queries, reuse)
    path = write_report(runs)
    print_table(runs)
    print(f"\nwritten to {path.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
