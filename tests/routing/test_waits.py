"""The wait estimate against answers known independently: M/M/c values worked out by hand
from the textbook formulas, and a discrete-event simulation of a FIFO M/M/c queue."""

from __future__ import annotations

import heapq
import math
import random
from collections import defaultdict, deque
from fractions import Fraction

import pytest

from vigil.routing.waits import (
    PRIOR_HANDLING_S,
    erlang_b,
    erlang_c,
    handling_time,
    mean_wait,
    wait_at_position,
    wait_estimate,
)

# --- closed form, by hand ------------------------------------------------------------------
#
# P0 = 1 / (sum_{n<c} a^n/n! + a^c/c! * 1/(1-rho)),  C = a^c/c! * 1/(1-rho) * P0,
# Wq = C / (c mu - lambda).
#
# c=1, lambda=1/2, mu=1:  C = rho = 1/2,                     Wq = (1/2) / (1 - 1/2) = 1
# c=2, lambda=1,   mu=1:  P0 = 1/(1 + 1 + 1/2*2) = 1/3,      C = 1/2*2*1/3 = 1/3,  Wq = 1/3
# c=3, lambda=2,   mu=1:  P0 = 1/(1 + 2 + 2 + 8/6*3) = 1/9,  C = 8/6*3*1/9 = 4/9,  Wq = 4/9
# c=2, lambda=3/2, mu=1:  P0 = 1/(1 + 3/2 + 9/8*4) = 1/7,    C = 9/8*4/7 = 9/14,   Wq = 9/7
HAND = [
    (1, 0.5, 1.0, Fraction(1, 2), Fraction(1)),
    (2, 1.0, 1.0, Fraction(1, 3), Fraction(1, 3)),
    (3, 2.0, 1.0, Fraction(4, 9), Fraction(4, 9)),
    (2, 1.5, 1.0, Fraction(9, 14), Fraction(9, 7)),
]


@pytest.mark.parametrize(("c", "lam", "mu", "p_wait", "wq"), HAND)
def test_erlang_c_matches_hand_computed_values(
    c: int, lam: float, mu: float, p_wait: Fraction, wq: Fraction
) -> None:
    assert erlang_c(c, lam / mu) == pytest.approx(float(p_wait), rel=1e-12)
    assert mean_wait(arrival_rate=lam, service_rate=mu, servers=c) == pytest.approx(
        float(wq), rel=1e-12
    )


def test_erlang_b_and_the_classic_call_centre_table() -> None:
    # Erlang B, c=2, a=1: (1/2) / (1 + 1 + 1/2) = 1/5
    assert erlang_b(2, 1.0) == pytest.approx(0.2, rel=1e-12)
    # Published Erlang C value: 10 agents, 8 erlangs -> P(wait) = 0.4092 (4 digits)
    assert erlang_c(10, 8.0) == pytest.approx(0.4092, abs=5e-5)
    # Many servers: the recursion stays finite where a^c / c! would overflow
    assert 0.0 < erlang_c(500, 480.0) < 1.0


def test_unstable_or_serverless_queues_wait_for_ever() -> None:
    assert erlang_c(2, 2.0) == 1.0
    assert mean_wait(arrival_rate=2.0, service_rate=1.0, servers=2) == math.inf
    assert erlang_c(0, 0.5) == 1.0
    assert wait_at_position(position=1, free=0, servers=0, service_rate=1.0) == math.inf


def test_wait_at_position_counts_departures_beyond_the_free_slots() -> None:
    # 4 slots, 5 min each: departures every 75 s while all are busy
    mu = 1 / 300
    assert wait_at_position(position=1, free=0, servers=4, service_rate=mu) == pytest.approx(75)
    assert wait_at_position(position=3, free=0, servers=4, service_rate=mu) == pytest.approx(225)
    assert wait_at_position(position=2, free=2, servers=4, service_rate=mu) == 0.0
    assert wait_at_position(position=3, free=2, servers=4, service_rate=mu) == pytest.approx(75)
    with pytest.raises(ValueError):
        wait_at_position(position=0, free=0, servers=1, service_rate=mu)


def test_handling_time_shrinks_towards_the_prior() -> None:
    assert handling_time([]) == PRIOR_HANDLING_S
    # 5 chats of 60 s against a prior worth 5 chats of 300 s: half way
    assert handling_time([60.0] * 5) == pytest.approx(180.0)
    # lots of data: the data wins
    assert handling_time([120.0] * 995) == pytest.approx((300 * 5 + 120 * 995) / 1000)
    assert handling_time([float("nan"), -4.0, 60.0]) == pytest.approx((1500 + 60) / 6)


def test_wait_estimate_puts_the_pieces_together() -> None:
    est = wait_estimate(
        position=3, servers=2, busy=2, arrival_rate=1 / 300, handling_samples=[300.0] * 10
    )
    assert est.handling_s == pytest.approx(300.0)
    assert est.expected_wait_s == pytest.approx(450.0)  # 3 departures at 2/300 per s
    assert est.p_wait == pytest.approx(1 / 3)  # c=2, a=1: the hand-worked example
    assert est.mean_wait_s == pytest.approx(100.0)  # Wq = 1/3 of 1/mu... (1/3)/(2/300-1/300)
    assert est.utilisation == pytest.approx(0.5)
    assert (est.servers, est.free) == (2, 0)


# --- a simulated queue ---------------------------------------------------------------------


def simulate(*, lam: float, mu: float, c: int, customers: int, seed: int) -> dict[str, object]:
    """FIFO M/M/c: each customer starts at max(arrival, the earliest free server). Records
    every wait, and for each arrival the state it found (free servers, customers ahead)."""
    rng = random.Random(seed)
    free_at = [0.0] * c  # a heap of the times servers become free
    started: deque[float] = deque()  # start times of customers not yet started at `now`
    now = 0.0
    waits: list[float] = []
    by_position: dict[int, list[float]] = defaultdict(list)
    predicted: list[float] = []
    warmup = customers // 10
    for n in range(customers):
        now += rng.expovariate(lam)
        while started and started[0] <= now:
            started.popleft()
        free = sum(1 for t in free_at if t <= now)
        ahead = len(started)
        earliest = heapq.heappop(free_at)
        start = max(now, earliest)
        heapq.heappush(free_at, start + rng.expovariate(mu))
        started.append(start)
        if n < warmup:
            continue
        wait = start - now
        waits.append(wait)
        position = ahead + 1
        predicted.append(wait_at_position(position=position, free=free, servers=c, service_rate=mu))
        if free == 0:
            by_position[position].append(wait)
    return {"waits": waits, "by_position": by_position, "predicted": predicted}


@pytest.mark.parametrize(("lam", "mu", "c"), [(2.4, 1.0, 3), (8.0, 1.0, 10), (0.8, 1.0, 1)])
def test_erlang_c_matches_a_simulated_queue(lam: float, mu: float, c: int) -> None:
    """Five independent runs (fixed seeds) of 100,000 customers at 80% utilisation. A single
    run's mean wait swings by ~10% (long busy periods), so the tolerance is stated on the mean
    of the runs: within 5% of Wq and within 3 standard errors of the runs' spread."""
    runs = [simulate(lam=lam, mu=mu, c=c, customers=100_000, seed=seed) for seed in range(1, 6)]
    means, fractions = [], []
    for result in runs:
        waits: list[float] = result["waits"]  # type: ignore[assignment]
        means.append(sum(waits) / len(waits))
        fractions.append(sum(1 for w in waits if w > 0) / len(waits))
    measured_wq = sum(means) / len(means)
    spread = math.sqrt(sum((m - measured_wq) ** 2 for m in means) / (len(means) - 1))
    standard_error = spread / math.sqrt(len(means))
    wq = mean_wait(arrival_rate=lam, service_rate=mu, servers=c)
    assert measured_wq == pytest.approx(wq, rel=0.05)
    assert abs(measured_wq - wq) < 3 * standard_error
    assert sum(fractions) / len(fractions) == pytest.approx(erlang_c(c, lam / mu), abs=0.01)


def test_the_estimate_for_position_k_matches_the_simulated_waits_at_k() -> None:
    lam, mu, c = 2.7, 1.0, 3  # busy desk: rho = 0.9, long queues
    result = simulate(lam=lam, mu=mu, c=c, customers=150_000, seed=7)
    by_position: dict[int, list[float]] = result["by_position"]  # type: ignore[assignment]
    for k in (1, 2, 5, 10):
        waits = by_position[k]
        assert len(waits) > 2000
        # within 5% of k / (c mu)
        assert sum(waits) / len(waits) == pytest.approx(k / (c * mu), rel=0.05), k
    # and over every customer, state-aware estimates average to the measured mean wait
    waits_all: list[float] = result["waits"]  # type: ignore[assignment]
    predicted: list[float] = result["predicted"]  # type: ignore[assignment]
    assert sum(predicted) / len(predicted) == pytest.approx(
        sum(waits_all) / len(waits_all), rel=0.03
    )
