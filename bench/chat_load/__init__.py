"""Live chat under load: simulated customers and agents on real WebSockets against `vigil run`.

    .venv/bin/python -m bench.chat_load [--chats 1000] [--agents 20] [--repeat 3]
                                        [--steady 60] [--burst 10] [--burst-factor 4]
                                        [--processes 2 --redis redis://127.0.0.1:6379/4]

See bench/README.md#live-chat-load. Each run starts from a fresh data directory: `vigil
migrate`, a seeded widget and agents (bench/chat_load/seed.py), then `vigil run` (embedded:
SQLite WAL, the in-memory layer, one process; or N processes sharing Redis, customers on the
first, agents on the last). One asyncio process then plays every party: the agents hold the
console's desk socket and accept the chats offered to them, the customers open their chats at
`--open-rate` per second, and once every chat is with an agent the timed phases begin: steady
(a message every 5-15 s per customer) and a burst (`--burst-factor` times the pace). Agents
answer half of the messages after a short pause, over the REST API.

It prints, per run and as medians of the runs: p50/p99 of send -> ack, customer send -> the
agent's desk socket, agent reply request -> the customer's socket; messages per second; and
the check that nothing was lost or duplicated (every client id acknowledged, always as one
stored message, every message at the agent's socket once and in order, every reply at the
customer's once and in order, gapless sequence numbers). Also the CPU of the servers and of
the generator itself (they share the machine's cores) and the load average. Exit 1 on any
problem.
"""
