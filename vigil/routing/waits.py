"""Expected wait in the live-chat queue: Erlang C (M/M/c), pure functions.

See docs/architecture.md#queue-and-expected-wait. No I/O here: chat_queue.py measures the
inputs (agents' chat slots, arrival rate, handling times) and calls `wait_estimate`.

Model: every chat slot of an online agent skilled for the chat's language and category is one
server (an agent with chat_capacity 3 is three servers); a slot serves one chat at a time with
exponential handling time of mean 1/mu, measured accepted -> ended on real chats, so the
slowdown of an agent juggling three chats is in the measurement already; chats arrive as a
Poisson stream of rate lambda; the queue is first come, first served.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

# The handling-time prior: 5 minutes, worth 5 observed chats. With no data the estimate is the
# prior; after ~50 chats the data dominates.
PRIOR_HANDLING_S = 300.0
PRIOR_WEIGHT = 5.0


def erlang_b(servers: int, offered_load: float) -> float:
    """Erlang B blocking probability, by the stable recursion B(n) = aB(n-1) / (n + aB(n-1))."""
    if servers < 0 or offered_load < 0:
        raise ValueError("servers and load must be non-negative")
    blocking = 1.0
    for n in range(1, servers + 1):
        blocking = offered_load * blocking / (n + offered_load * blocking)
    return blocking


def erlang_c(servers: int, offered_load: float) -> float:
    """P(wait > 0) for an arrival to M/M/c with c = `servers`, a = lambda/mu = `offered_load`.

    C = B / (1 - rho (1 - B)) with rho = a / c; 1.0 when the queue is unstable (rho >= 1) or
    there is no server at all."""
    if servers <= 0:
        return 1.0
    rho = offered_load / servers
    if rho >= 1.0:
        return 1.0
    blocking = erlang_b(servers, offered_load)
    return blocking / (1.0 - rho * (1.0 - blocking))


def mean_wait(*, arrival_rate: float, service_rate: float, servers: int) -> float:
    """Wq, the mean wait in queue of an arrival who knows nothing of the current state:
    C(c, a) / (c mu - lambda). Infinite when the queue is unstable."""
    if servers <= 0 or service_rate <= 0:
        return math.inf
    capacity = servers * service_rate
    if arrival_rate >= capacity:
        return math.inf
    return erlang_c(servers, arrival_rate / service_rate) / (capacity - arrival_rate)


def wait_at_position(*, position: int, free: int, servers: int, service_rate: float) -> float:
    """Expected wait of the customer `position` in line (1 = next), knowing the state now.

    With `free` idle slots the first `free` customers are served at once. Beyond them, each
    customer needs (position - free) departures; while every server is busy departures come at
    rate c mu (memoryless), so the wait is Erlang(position - free, c mu) with mean
    (position - free) / (c mu). Arrivals behind the customer do not matter (FIFO)."""
    if position < 1:
        raise ValueError("positions start at 1")
    if servers <= 0 or service_rate <= 0:
        return math.inf
    ahead = position - max(free, 0)
    if ahead <= 0:
        return 0.0
    return ahead / (servers * service_rate)


def handling_time(samples: Sequence[float], *, prior: float = PRIOR_HANDLING_S) -> float:
    """Mean handling time (s), the observed chats shrunk towards the prior: with n samples
    summing to S, (prior * w + S) / (w + n), w = PRIOR_WEIGHT. Never below one second."""
    clean = [s for s in samples if s >= 0 and math.isfinite(s)]
    return max(1.0, (prior * PRIOR_WEIGHT + sum(clean)) / (PRIOR_WEIGHT + len(clean)))


@dataclass(frozen=True, slots=True)
class WaitEstimate:
    """The estimate for one waiting customer, and the model's figures behind it."""

    expected_wait_s: float  # math.inf when no slot can ever take the chat
    p_wait: float  # Erlang C: P(an arrival waits) in steady state
    mean_wait_s: float  # Erlang C: Wq of an arrival in steady state
    servers: int
    free: int
    handling_s: float
    arrival_rate: float  # chats per second
    utilisation: float  # lambda / (c mu)


def wait_estimate(
    *,
    position: int,
    servers: int,
    busy: int,
    arrival_rate: float,
    handling_samples: Sequence[float],
    prior_handling_s: float = PRIOR_HANDLING_S,
) -> WaitEstimate:
    """Expected wait for the customer at `position` given `servers` slots of which `busy` are
    taken (active and offered chats), the measured arrival rate (per second) and handling
    times (seconds)."""
    handling = handling_time(handling_samples, prior=prior_handling_s)
    mu = 1.0 / handling
    free = max(servers - busy, 0)
    utilisation = arrival_rate / (servers * mu) if servers > 0 else math.inf
    return WaitEstimate(
        expected_wait_s=wait_at_position(
            position=position, free=free, servers=servers, service_rate=mu
        ),
        p_wait=erlang_c(servers, arrival_rate * handling),
        mean_wait_s=mean_wait(arrival_rate=arrival_rate, service_rate=mu, servers=servers),
        servers=servers,
        free=free,
        handling_s=handling,
        arrival_rate=arrival_rate,
        utilisation=utilisation,
    )
