"""Benchmark: triage alone, messages per second on one core, and per-message p99.

See docs/architecture.md#triage. Run `python -m bench.triage [--runs 7] [--repeat 20]`. The
messages are the test corpora (tests/routing/*.tsv) plus generated variants with seed phrases,
keys and long e-mail bodies, so every detector does real work. One process, one thread; the
language detector is preloaded first as `vigil run` does at start-up. No database.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.routing import corpus  # noqa: E402
from vigil.routing.triage import TriageHints, preload, triage  # noqa: E402
from vigil.routing.triage.secrets import wordlist  # noqa: E402

TARGET = 1_000  # messages per second, from the issue


def messages() -> list[tuple[str, int, str | None]]:
    cases = [
        *corpus.load(corpus.CORPUS),
        *corpus.load(corpus.HOLDOUT),
        *corpus.load(corpus.HOLDOUT2),
    ]
    out = [(c.text, c.vip, c.hint) for c in cases]
    rng = random.Random(7)
    english = wordlist("english")
    for i in range(40):
        words = " ".join(rng.choice(english) for _ in range(12 if i % 2 else 24))
        out.append((f"my withdrawal is stuck, here is my seed: {words}", 0, None))
        out.append((f"private key 0x{rng.randbytes(32).hex()} please recover", 0, None))
        body = " ".join(c.text for c in rng.sample(cases, 8))  # a long e-mail, mixed languages
        out.append((body, i % 3, "en"))
    return out


def run_once(
    batch: list[tuple[str, int, str | None]], served: tuple[str, ...]
) -> tuple[float, list[float]]:
    per_message = []
    start = time.perf_counter()
    for text, vip, hint in batch:
        t0 = time.perf_counter()
        triage(text, vip_tier=vip, hints=TriageHints(hint), served_languages=served)
        per_message.append(time.perf_counter() - t0)
    return time.perf_counter() - start, per_message


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=10, help="passes over the messages per run")
    parser.add_argument(
        "--served",
        default="en,zh-hans,zh-hant,ja",
        help="served languages; add es,ru,ko,… to put lingua on the path of Latin text",
    )
    args = parser.parse_args()
    served = tuple(args.served.split(","))
    t0 = time.perf_counter()
    preload(served)
    print(f"preload: {(time.perf_counter() - t0) * 1000:.1f} ms")
    batch = messages() * args.repeat
    run_once(batch[:500], served)  # warm caches (rule index, word lists)
    rates, medians, p99s = [], [], []
    for run in range(args.runs):
        elapsed, per_message = run_once(batch, served)
        per_message.sort()
        rate = len(batch) / elapsed
        p50 = statistics.median(per_message) * 1e6
        p99 = per_message[int(len(per_message) * 0.99)] * 1e6
        rates.append(rate)
        medians.append(p50)
        p99s.append(p99)
        print(f"run {run + 1}: {rate:8.0f} msg/s  median {p50:6.1f} µs  p99 {p99:7.1f} µs")
    rate = statistics.median(rates)
    print(
        f"served {','.join(served)}; median over {args.runs} runs of {len(batch)} messages: "
        f"{rate:.0f} msg/s, "
        f"per message median {statistics.median(medians):.1f} µs, "
        f"p99 {statistics.median(p99s):.1f} µs (target >= {TARGET} msg/s)"
    )
    return 0 if rate >= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
