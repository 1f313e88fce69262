"""The demo desk that `vigil run --demo` seeds: a crypto exchange's support desk in English,
Chinese and Japanese, written through the real services. See docs/architecture.md#the-apps.

plan.py decides the desk from a seed, texts/ holds what people write, services.py writes it.
"""
