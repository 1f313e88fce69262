"""Seeds the load test's desk: a chat widget and agents able to hold every chat, signed in.

See bench/README.md#live-chat-load. Run by bench.chat_load in the benchmark's environment
(`python -m bench.chat_load.seed --agents 20 --capacity 60`); prints one JSON line: the
widget's key and, per agent, a session cookie (as the login view would set) and an API token.
"""

from __future__ import annotations

import argparse
import json
import os


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", type=int, required=True)
    parser.add_argument("--capacity", type=int, required=True)
    parser.add_argument("--origin", required=True)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vigil.settings")
    import django

    django.setup()
    from django.conf import settings

    # Nobody logs in with these passwords (the sessions are made here): hash them cheaply.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from django.test import Client

    from vigil.accounts.choices import Presence
    from vigil.accounts.models import Agent
    from vigil.accounts.services import agent_create, agent_set_presence, api_token_create

    widget = _widget(args.origin)
    agents = []
    for index in range(args.agents):
        agent = agent_create(
            email=f"agent{index}@bench.example",
            password="bench-chat-load-password",  # a throwaway desk
            display_name=f"Agent {index}",
            role="tier1",
            languages=["en"],
            capacity=args.capacity,
            check_password=False,
        )
        Agent.objects.filter(pk=agent.pk).update(chat_capacity=args.capacity)
        agent_set_presence(agent=agent, presence=Presence.ONLINE)
        client = Client()
        client.force_login(agent.user)
        _, token = api_token_create(agent=agent, name="bench.chat_load")
        agents.append(
            {
                "id": agent.pk,
                "email": agent.user.email,
                "name": agent.display_name if hasattr(agent, "display_name") else "",
                "cookie": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "token": token,
            }
        )
    print(
        json.dumps(
            {"widget": widget, "agents": agents, "cookie_name": settings.SESSION_COOKIE_NAME}
        )
    )
    return 0


def _widget(origin: str) -> str:
    """A chat widget for the run, with the start limits sized for its visitors (each visitor
    comes from an address of its own, so the per-address limit holds as it is)."""
    import secrets

    from vigil.channels.models import ChannelAccount

    settings = {"allowed_origins": [origin], "title": "Bench", "offer_timeout_s": 30}
    account = ChannelAccount.objects.create(
        kind="chat", name="Bench", address=f"wk_{secrets.token_hex(12)}", settings=settings
    )
    return str(account.address)


if __name__ == "__main__":
    raise SystemExit(main())
