"""The default SLA set a new desk starts with. See docs/architecture.md#slas.

24/7 calendar; live chat in minutes, every other channel (e-mail first) in hours. Minutes per
priority: (first response, next response, resolution).
"""

from __future__ import annotations

from typing import Any

CALENDAR = {"name": "24/7", "timezone": "UTC", "always_open": True, "hours": {}}

H = 60
# priority (1 low … 4 urgent) -> (first, next, resolution) minutes
CHAT = {4: (2, 5, 4 * H), 3: (5, 10, 8 * H), 2: (10, 15, 24 * H), 1: (15, 30, 48 * H)}
ANY = {
    4: (1 * H, 2 * H, 8 * H),
    3: (4 * H, 4 * H, 24 * H),
    2: (8 * H, 8 * H, 48 * H),
    1: (24 * H, 24 * H, 120 * H),
}
NAMES = {4: "Urgent", 3: "High", 2: "Normal", 1: "Low"}


def default_policies() -> list[dict[str, Any]]:
    rows = []
    for channel, label, table in (("chat", "chat", CHAT), ("", "e-mail and other", ANY)):
        for priority, (first, nxt, resolution) in table.items():
            rows.append(
                {
                    "name": f"{NAMES[priority]} {label}",
                    "priority": priority,
                    "channel": channel,
                    "first_response_minutes": first,
                    "next_response_minutes": nxt,
                    "resolution_minutes": resolution,
                    "warn_percent": 80,
                    "escalate_raise_priority": priority < 4,
                }
            )
    return rows


def install_defaults(calendar_model: Any, policy_model: Any) -> int:
    """Create the 24/7 calendar and every default policy whose (priority, channel) has no
    active policy yet; returns how many policies were created. Takes the model classes so the
    data migration can pass its historical ones."""
    calendar, _ = calendar_model.objects.get_or_create(name=CALENDAR["name"], defaults=CALENDAR)
    created = 0
    for row in default_policies():
        taken = policy_model.objects.filter(
            priority=row["priority"], channel=row["channel"], is_active=True
        )
        if not taken.exists():
            policy_model.objects.create(calendar=calendar, **row)
            created += 1
    return created
