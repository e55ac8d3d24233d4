"""End-to-end inbound mail rate (parse, thread, store) beside the stdlib's parse-only rate.

Run from the repository root: `python -m benchmarks.mail_ingest [--messages 10000]`. Builds a
Maildir from the shared corpus repeated, each copy with its own Message-ID, Date and sender and
every third one a reply in a thread, imports it with `tandem mail import`'s code into a fresh
SQLite desk (or TANDEM_DATABASE_URL), and writes var/bench/mail_ingest.json. The target: the
whole ingest keeps at least half the standard library's parse-only rate, on one core.

`--parse-workers N` also imports into a fresh desk with N parse worker processes on every core
the machine allows, and reports that rate beside the one-core figures: against the stdlib's
one-core rate, and per core used.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import mailbox
import os
import platform
import re
import sys
import tempfile
import time
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_RATIO = 0.5
_HEADER_LINE = re.compile(rb"^[!-9;-~]+:")
_REPLACED = (b"message-id", b"in-reply-to", b"references", b"date", b"to")
DESK = "support@bench.test"


def split_message(raw: bytes) -> tuple[list[bytes], bytes]:
    """Header lines (continuations joined) and the body; a headerless file is all body."""
    raw = raw.replace(b"\r\n", b"\n")
    head, separator, body = raw.partition(b"\n\n")
    if not separator or not _HEADER_LINE.match(head):
        return [], raw
    lines: list[bytes] = []
    for line in head.split(b"\n"):
        if line[:1] in (b" ", b"\t") and lines:
            lines[-1] += b"\n" + line
        else:
            lines.append(line)
    return lines, body


def generate(corpus: list[bytes], count: int) -> list[bytes]:
    """`count` messages from the corpus: unique IDs, rising dates, threads of three."""
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    messages = []
    for index in range(count):
        lines, body = split_message(corpus[index % len(corpus)])
        kept = [line for line in lines if line.split(b":", 1)[0].strip().lower() not in _REPLACED]
        if not any(line.lower().startswith(b"from:") for line in kept):
            kept.append(f"From: Customer {index % 400} <customer{index % 400}@bench.test>".encode())
        headers = [
            f"Message-ID: <bench.{index}@bench.test>".encode(),
            f"Date: {format_datetime(start + dt.timedelta(minutes=index))}".encode(),
            f"To: {DESK}".encode(),
        ]
        if index % 3:
            parent = f"<bench.{index - 1}@bench.test>"
            root = f"<bench.{index - index % 3}@bench.test>"
            headers.append(f"In-Reply-To: {parent}".encode())
            headers.append(f"References: {' '.join(dict.fromkeys([root, parent]))}".encode())
        messages.append(b"\n".join(headers + kept) + b"\n\n" + body)
    return messages


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=3, help="stdlib parse-only rounds")
    parser.add_argument(
        "--compare",
        action="store_true",
        help="also import message by message (the path before bulk import) into a fresh desk",
    )
    parser.add_argument(
        "--parse-workers",
        type=int,
        default=0,
        metavar="N",
        help="also import with N parse worker processes on all cores (a fresh desk)",
    )
    parser.add_argument("--output", type=Path, default=ROOT / "var" / "bench" / "mail_ingest.json")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="tandem-mail-ingest-") as temp:
        os.environ["TANDEM_HOME"] = temp
        os.environ.setdefault("TANDEM_DEMO", "0")
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from benchmarks.mail_parse import best_rates, load_corpus, pin_to_one_core, stdlib_only
        from tandem.mail.actions import create_mailbox
        from tandem.mail.ingest.importing import import_mail
        from tandem.mail.models import InboundMail
        from tandem.people.actions import create_team
        from tandem.tickets.models import Message, Ticket

        all_cores = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
        pinned = pin_to_one_core()
        call_command("migrate", verbosity=0)
        team = create_team(name="Bench support", track="support", tier=1)
        desk = create_mailbox(address=DESK, default_team=team)

        messages = generate(load_corpus(), args.messages)
        stdlib_rate, parse_rate = best_rates(messages, args.rounds)
        # The same in CPU seconds: on a shared machine other processes take turns on this
        # core, which lowers wall-clock rates unevenly; CPU time mostly does not see them.
        cpu_started = time.process_time()
        for raw in messages:
            stdlib_only(raw)
        stdlib_cpu_rate = len(messages) / (time.process_time() - cpu_started)

        # A Maildir, as a mail server would leave it: one file per message.
        path = Path(temp) / "Maildir"
        box = mailbox.Maildir(path, create=True)
        for raw in messages:
            box.add(raw)
        box.close()

        per_message_rate = None
        if args.compare:
            per_message = import_mail(path, mailbox=desk, bulk=False)
            per_message_rate = per_message.done / per_message.seconds
            call_command("flush", interactive=False, verbosity=0)
            _compact(connection)
            team = create_team(name="Bench support", track="support", tier=1)
            desk = create_mailbox(address=DESK, default_team=team)
        cpu_started = time.process_time()
        stats = import_mail(path, mailbox=desk)
        ingest_cpu = time.process_time() - cpu_started
        started = time.perf_counter()
        again = import_mail(path, mailbox=desk)
        second_run = time.perf_counter() - started
        ingest_rate = stats.done / stats.seconds
        states = {
            state: InboundMail.objects.filter(state=state).count()
            for state in InboundMail.State.values
        }
        tickets, messages_stored = Ticket.objects.count(), Message.objects.count()
        multi_core = None
        if args.parse_workers:
            multi_core = _multi_core_import(path, args.parse_workers, all_cores, stdlib_rate)
            assert (multi_core["tickets"], multi_core["messages_stored"]) == (
                tickets,
                messages_stored,
            ), "the multi-core import must write what the one-core import wrote"
        result = {
            "messages": len(messages),
            "database": connection.vendor,
            "stdlib_parse_per_second": round(stdlib_rate, 1),
            "parse_message_per_second": round(parse_rate, 1),
            "ingest_per_second": round(ingest_rate, 1),
            "ratio": round(ingest_rate / stdlib_rate, 3),
            "target_ratio": TARGET_RATIO,
            "per_message_per_second": per_message_rate and round(per_message_rate, 1),
            "per_message_ratio": per_message_rate and round(per_message_rate / stdlib_rate, 3),
            "ingest_seconds": round(stats.seconds, 2),
            # CPU time of the importing process: on a busy machine it shows how much of the
            # wall time was waiting (for the disk, or for a core other processes held).
            "ingest_cpu_seconds": round(ingest_cpu, 2),
            "stdlib_cpu_parse_per_second": round(stdlib_cpu_rate, 1),
            "ingest_cpu_per_second": round(stats.done / ingest_cpu, 1),
            "cpu_ratio": round(stats.done / ingest_cpu / stdlib_cpu_rate, 3),
            "of_which_storing_raw_seconds": round(stats.read_seconds, 2),
            "cores_used": 1 if pinned else None,
            "parse_workers": 0,
            "tickets": tickets,
            "messages_stored": messages_stored,
            "inbound_states": {k: v for k, v in states.items() if v},
            "second_run_seconds": round(second_run, 2),
            "second_run_duplicates": again.duplicates,
            "one_core": pinned,
            "multi_core": multi_core,
            "python": platform.python_version(),
        }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    before = ""
    if per_message_rate:
        before = f" (message by message {per_message_rate:.0f} msg/s, ratio "
        before += f"{result['per_message_ratio']:.2f})"
    if multi_core:
        before += (
            f" (with {multi_core['parse_workers']} parse workers on {multi_core['cores_used']} "
            f"cores {multi_core['ingest_per_second']:.0f} msg/s, ratio "
            f"{multi_core['ratio']:.2f}, per core {multi_core['ratio_per_core']:.2f})"
        )
    print(
        f"stdlib parse-only {stdlib_rate:.0f} msg/s, ingest {ingest_rate:.0f} msg/s, "
        f"ratio {result['ratio']:.2f}{before} (target >= {TARGET_RATIO}); in CPU time: "
        f"ratio {result['cpu_ratio']:.2f} -> {args.output}"
    )
    return result


def _compact(connection) -> None:
    """A flushed SQLite file is full of free pages that slow every insert: start the next
    import as compact as the first one did."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM")


def _multi_core_import(path: Path, workers: int, cores: set[int] | None, stdlib_rate: float):
    """The same Maildir into a fresh desk, parse workers on every allowed core."""
    from django.core.management import call_command
    from django.db import connection

    from tandem.mail.actions import create_mailbox
    from tandem.mail.ingest.importing import import_mail
    from tandem.people.actions import create_team
    from tandem.tickets.models import Message, Ticket

    call_command("flush", interactive=False, verbosity=0)
    _compact(connection)
    team = create_team(name="Bench support", track="support", tier=1)
    desk = create_mailbox(address=DESK, default_team=team)
    if cores:
        os.sched_setaffinity(0, cores)
    try:
        stats = import_mail(path, mailbox=desk, parse_workers=workers)
    finally:
        if cores:
            os.sched_setaffinity(0, {min(cores)})
    rate = stats.done / stats.seconds
    used = len(cores) if cores else os.cpu_count() or 1
    return {
        "parse_workers": workers,
        "cores_used": used,
        "ingest_per_second": round(rate, 1),
        "ingest_seconds": round(stats.seconds, 2),
        # Against the stdlib's rate on one core, and that divided by the cores used.
        "ratio": round(rate / stdlib_rate, 3),
        "ratio_per_core": round(rate / stdlib_rate / used, 3),
        "tickets": Ticket.objects.count(),
        "messages_stored": Message.objects.count(),
    }


if __name__ == "__main__":
    main()
