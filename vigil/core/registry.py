"""Registry of periodic jobs run by the scheduler. See docs/architecture.md#tasks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PeriodicJob:
    name: str
    every: timedelta
    task: Any  # django.tasks.Task


PERIODIC: dict[str, PeriodicJob] = {}


def periodic(*, every: timedelta) -> Callable[[T], T]:
    """Declare a task (taking no arguments) to be enqueued every `every` by the scheduler."""

    def wrap(task: T) -> T:
        name = getattr(task, "module_path")  # noqa: B009 - a django.tasks.Task
        PERIODIC[name] = PeriodicJob(name=name, every=every, task=task)
        return task

    return wrap
