"""Cross-cutting pieces: base models, the event catalogue, publish-on-commit, errors.

See docs/architecture.md#core.
"""
