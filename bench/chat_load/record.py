"""What the simulated clients saw, and what it adds up to: latencies, rates, losses, duplicates.

See bench/README.md#live-chat-load. Every timestamp is `time.perf_counter()` in the load
generator, so a latency compares two moments on one clock: a customer's send and the agent's
socket receiving the event for it, an agent's reply request and the customer's socket
receiving it. Matching goes through the message id (the ack and the HTTP reply return it), so
it does not matter whether an event arrives before or after the answer that names its id.
"""

from __future__ import annotations

import itertools
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field


@dataclass(slots=True)
class Sent:
    """A customer message: sent over the widget socket, acknowledged, seen by the agent."""

    chat: int
    client_id: str
    phase: str
    at: float
    acked_at: float | None = None
    message_id: int | None = None


@dataclass(slots=True)
class Reply:
    """An agent reply: posted over HTTP, answered with its id, delivered to the customer."""

    chat: int
    phase: str
    at: float
    message_id: int | None = None
    answered_at: float | None = None


@dataclass
class Recorder:
    """Collects every send and every arrival; `summary()` joins them after the run."""

    sent: dict[str, Sent] = field(default_factory=dict)  # by client id
    acks: Counter[str] = field(default_factory=Counter)  # client id -> acks received
    # client id -> the message ids its acks named: a resend is acked again with the same id
    # (the server stored the message once); two ids would be the message stored twice.
    acked_ids: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    replies: list[Reply] = field(default_factory=list)
    # session id -> (agent index, ticket id) once an agent accepted it; session id -> chat
    accepted: dict[int, tuple[int, int]] = field(default_factory=dict)
    sessions: dict[int, int] = field(default_factory=dict)
    # (agent index, message id) -> arrival times at that agent's desk socket
    at_agent: dict[tuple[int, int], list[float]] = field(default_factory=lambda: defaultdict(list))
    # message id -> arrival times at the customer's socket (agent replies)
    at_customer: dict[int, list[float]] = field(default_factory=lambda: defaultdict(list))
    # (agent index, ticket id) -> inbound message ids in the order that agent's socket got them
    agent_order: dict[tuple[int, int], list[int]] = field(default_factory=lambda: defaultdict(list))
    # chat -> agent reply ids in the order the customer's socket got them
    customer_order: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    # per chat: the client ids of the customer's own messages as the stream echoed them
    echoes: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    seqs: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter[str] = field(default_factory=Counter)
    notes: Counter[str] = field(default_factory=Counter)  # worth saying, not a failure
    # (phase, start, end) of each timed phase, in perf_counter time
    phases: list[tuple[str, float, float]] = field(default_factory=list)

    # -- customers ----------------------------------------------------------------------------

    def customer_sent(self, chat: int, client_id: str, phase: str, at: float) -> None:
        self.sent[client_id] = Sent(chat, client_id, phase, at)

    def customer_acked(self, client_id: str, message_id: int, at: float) -> None:
        self.acks[client_id] += 1
        self.acked_ids[client_id].add(message_id)
        sent = self.sent.get(client_id)
        if sent is not None and sent.acked_at is None:
            sent.acked_at, sent.message_id = at, message_id

    def customer_event(self, chat: int, seq: int) -> None:
        self.seqs[chat].append(seq)

    def customer_echo(self, chat: int, client_id: str) -> None:
        self.echoes[chat].append(client_id)

    def customer_got_reply(self, chat: int, message_id: int, at: float) -> None:
        self.at_customer[message_id].append(at)
        self.customer_order[chat].append(message_id)

    # -- agents -------------------------------------------------------------------------------

    def agent_accepted(self, session_id: int, agent: int, ticket_id: int) -> None:
        self.accepted[session_id] = (agent, ticket_id)

    @property
    def owner(self) -> dict[int, tuple[int, int]]:
        """chat -> (agent index, ticket id)."""
        return {self.sessions[s]: held for s, held in self.accepted.items() if s in self.sessions}

    def agent_got_message(self, agent: int, ticket_id: int, message_id: int, at: float) -> None:
        self.at_agent[(agent, message_id)].append(at)
        self.agent_order[(agent, ticket_id)].append(message_id)

    def agent_replied(self, reply: Reply) -> None:
        self.replies.append(reply)

    def error(self, code: str) -> None:
        self.errors[code] += 1

    def note(self, what: str) -> None:
        self.notes[what] += 1

    # -- results ------------------------------------------------------------------------------

    def summary(self) -> Summary:
        return _summarise(self)


@dataclass
class Summary:
    """One run's figures. Latencies in milliseconds."""

    customer_messages: int
    agent_replies: int
    start_ms: list[float]  # a chat's opening message: send -> ack (not in the timed phases)
    ack_ms: list[float]  # steady phase
    to_agent_ms: list[float]
    to_customer_ms: list[float]
    burst_ack_ms: list[float]
    burst_to_agent_ms: list[float]
    burst_to_customer_ms: list[float]
    steady_rate: float  # messages per second (both directions) in the steady phase
    burst_rate: float
    problems: list[str]

    @property
    def lost(self) -> int:
        return sum(1 for p in self.problems if p.startswith("lost"))


def percentile(samples: list[float], q: float) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def _summarise(rec: Recorder) -> Summary:
    owners = rec.owner
    problems = _check_customer_messages(rec) + _check_replies(rec) + _check_order(rec)
    problems += [f"error frame {code} x{n}" for code, n in rec.errors.items()]
    ack: list[float] = []
    burst_ack: list[float] = []
    start: list[float] = []
    to_agent: list[float] = []
    burst_agent: list[float] = []
    for sent in rec.sent.values():
        if sent.acked_at is not None:
            into = {"ramp": start, "burst": burst_ack}.get(sent.phase, ack)
            into.append((sent.acked_at - sent.at) * 1000)
        arrivals = _at_owner(rec, sent, owners)
        if arrivals and sent.phase != "ramp":
            (burst_agent if sent.phase == "burst" else to_agent).append(
                (arrivals[0] - sent.at) * 1000
            )
    to_customer: list[float] = []
    burst_customer: list[float] = []
    for reply in rec.replies:
        got = rec.at_customer.get(reply.message_id or -1)
        if got:
            (burst_customer if reply.phase == "burst" else to_customer).append(
                (got[0] - reply.at) * 1000
            )
    return Summary(
        customer_messages=len(rec.sent),
        agent_replies=len(rec.replies),
        start_ms=start,
        ack_ms=ack,
        to_agent_ms=to_agent,
        to_customer_ms=to_customer,
        burst_ack_ms=burst_ack,
        burst_to_agent_ms=burst_agent,
        burst_to_customer_ms=burst_customer,
        steady_rate=_rate(rec, "steady"),
        burst_rate=_rate(rec, "burst"),
        problems=problems,
    )


def _rate(rec: Recorder, phase: str) -> float:
    """Messages (customer sends + agent replies) started in `phase`, per second of it."""
    spans = [(start, end) for name, start, end in rec.phases if name == phase]
    if not spans:
        return 0.0
    seconds = sum(end - start for start, end in spans)
    count = sum(1 for s in rec.sent.values() if s.phase == phase)
    count += sum(1 for r in rec.replies if r.phase == phase)
    return count / seconds if seconds > 0 else 0.0


def _at_owner(rec: Recorder, sent: Sent, owners: dict[int, tuple[int, int]]) -> list[float]:
    owner = owners.get(sent.chat)
    if owner is None or sent.message_id is None:
        return []
    return rec.at_agent.get((owner[0], sent.message_id), [])


def _check_customer_messages(rec: Recorder) -> list[str]:
    """Every customer message acknowledged (as one stored message, however often it was
    resent) and delivered once to its agent."""
    problems: list[str] = []
    owners = rec.owner
    for client_id, sent in rec.sent.items():
        stored = rec.acked_ids.get(client_id, set())
        if not stored:
            problems.append(f"lost: no ack for {client_id}")
        elif len(stored) > 1:
            problems.append(f"duplicated: {client_id} stored as {len(stored)} messages")
        if sent.message_id is None or sent.phase == "ramp":
            continue  # the opening message may be read on accepting, not live
        if sent.chat not in owners:
            problems.append(f"lost: chat {sent.chat} was never accepted")
            continue
        seen = len(_at_owner(rec, sent, owners))
        if seen == 0:
            problems.append(f"lost: {client_id} (#{sent.message_id}) never reached the agent")
        elif seen > 1:
            problems.append(f"duplicated: {client_id} reached the agent {seen} times")
    stray = set(rec.acks) - set(rec.sent)
    problems += [f"ack for a message never sent: {c}" for c in sorted(stray)[:5]]
    return problems


def _check_replies(rec: Recorder) -> list[str]:
    problems: list[str] = []
    for reply in rec.replies:
        if reply.message_id is None:
            problems.append(f"lost: a reply in chat {reply.chat} was refused")
            continue
        seen = len(rec.at_customer.get(reply.message_id, []))
        if seen == 0:
            problems.append(f"lost: reply #{reply.message_id} never reached chat {reply.chat}")
        elif seen > 1:
            problems.append(f"duplicated: reply #{reply.message_id} reached the customer {seen}x")
    return problems


def _check_order(rec: Recorder) -> list[str]:
    """Sequence numbers gapless and rising; each side's messages in the order they were sent."""
    problems: list[str] = []
    for chat, seqs in rec.seqs.items():
        if any(b != a + 1 for a, b in itertools.pairwise(seqs)):
            problems.append(f"chat {chat}: sequence numbers not gapless: {seqs[:20]}")
    owners = rec.owner
    sent_by_chat: dict[int, list[Sent]] = defaultdict(list)
    for sent in rec.sent.values():
        sent_by_chat[sent.chat].append(sent)
    for chat, sends in sent_by_chat.items():
        order = [s.client_id for s in sorted(sends, key=lambda s: s.at)]
        echoed = [c for c in rec.echoes.get(chat, []) if c in rec.sent]
        if echoed != [c for c in order if c in set(echoed)]:
            problems.append(f"chat {chat}: the stream echoed the customer's messages out of order")
        live = sorted((s for s in sends if s.phase != "ramp"), key=lambda s: s.at)
        ids = [s.message_id for s in live if s.message_id]
        got = [i for i in rec.agent_order.get(owners.get(chat, (-1, -1)), []) if i in set(ids)]
        if got != [i for i in ids if i in set(got)]:
            problems.append(f"chat {chat}: the agent got the customer's messages out of order")
    replies_by_chat: dict[int, list[int]] = defaultdict(list)
    for reply in sorted(rec.replies, key=lambda r: r.at):
        if reply.message_id is not None:
            replies_by_chat[reply.chat].append(reply.message_id)
    for chat, ids in replies_by_chat.items():
        wanted = set(ids)
        got = [i for i in rec.customer_order.get(chat, []) if i in wanted]
        if got != [i for i in ids if i in set(got)]:
            problems.append(f"chat {chat}: the customer got the agent's replies out of order")
    return problems


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")
