"""Benchmarks (not tests): each module runs as `python -m bench.<name>`; see bench/README.md.

bench.inbox times the inbox and the ticket view at a million tickets (docs/architecture.md#tickets).
"""
