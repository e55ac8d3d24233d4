"""How fast parse_message is next to the standard library parsing alone, on one core.

Run from the repository root: `python -m benchmarks.mail_parse [--messages 5000]`. Writes
var/bench/mail_parse.json. The target: our full ingest must keep at least half the stdlib's
parse-only rate, so parse_message itself has to stay well above that.
"""

from __future__ import annotations

import argparse
import contextlib
import email
import json
import math
import os
import platform
import sys
import time
from email import policy
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tandem.mail.parsing import MailParseError, parse_message  # noqa: E402

CORPUS = Path(os.environ.get("TANDEM_MAIL_CORPUS", "/work/shared/data/mail"))
NOT_MAIL = {"README.md", "LICENSE", "NOTICE"}
TARGET_RATIO = 0.5


def load_corpus() -> list[bytes]:
    """Every message of the corpus that is mail at all (quarantined input is left out)."""
    messages = []
    for path in sorted(CORPUS.rglob("*")):
        if not path.is_file() or path.name in NOT_MAIL:
            continue
        raw = path.read_bytes()
        try:
            parse_message(raw)
        except MailParseError:
            continue
        messages.append(raw)
    return messages


def stdlib_only(raw: bytes) -> None:
    message = email.message_from_bytes(raw, policy=policy.default)
    body = message.get_body()
    if body is not None:
        with contextlib.suppress(LookupError, ValueError, KeyError):
            body.get_content()


def seconds(function, messages: list[bytes]) -> float:
    started = time.perf_counter()
    for raw in messages:
        function(raw)
    return time.perf_counter() - started


def best_rates(messages: list[bytes], rounds: int) -> tuple[float, float]:
    """Messages/second of each side, best of alternating rounds (a busy machine adds noise)."""
    for raw in messages[:200]:
        stdlib_only(raw)  # warm caches (codecs, regexes) before timing
        parse_message(raw)
    stdlib_best = ours_best = float("inf")
    for _ in range(rounds):
        stdlib_best = min(stdlib_best, seconds(stdlib_only, messages))
        ours_best = min(ours_best, seconds(parse_message, messages))
    return len(messages) / stdlib_best, len(messages) / ours_best


def pin_to_one_core() -> bool:
    try:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    except (AttributeError, OSError):
        return False
    return True


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--output", type=Path, default=ROOT / "var" / "bench" / "mail_parse.json")
    args = parser.parse_args(argv)

    pinned = pin_to_one_core()
    corpus = load_corpus()
    messages = corpus * math.ceil(args.messages / len(corpus))
    stdlib_rate, ours_rate = best_rates(messages, args.rounds)
    result = {
        "messages": len(messages),
        "rounds": args.rounds,
        "corpus_messages": len(corpus),
        "corpus_bytes": sum(map(len, corpus)),
        "stdlib_parse_per_second": round(stdlib_rate, 1),
        "parse_message_per_second": round(ours_rate, 1),
        "ratio": round(ours_rate / stdlib_rate, 3),
        "target_ratio": TARGET_RATIO,
        "one_core": pinned,
        "python": platform.python_version(),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(
        f"stdlib {stdlib_rate:.0f} msg/s, parse_message {ours_rate:.0f} msg/s, "
        f"ratio {result['ratio']:.2f} (target >= {TARGET_RATIO}) -> {args.output}"
    )
    return result


if __name__ == "__main__":
    main()
