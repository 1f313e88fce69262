"""Reads of an agent's chats: their offers, their active chats, one chat they may act on.

See docs/architecture.md#offering-chats-to-agents. Permissions are baked in: an agent reads the
chats offered to them or held by them; desk-wide roles (supervisors, admins) any open chat.
"""

from __future__ import annotations

from django.db.models import QuerySet

from vigil.accounts.models import Agent, Team
from vigil.channels.models import ChatSession
from vigil.core.errors import NotFound
from vigil.tickets.models import Message

State = ChatSession.State
CHAT_MESSAGES_SHOWN = 200


def _sessions() -> QuerySet[ChatSession]:
    return ChatSession.objects.select_related("ticket__customer", "account", "agent")


def agent_offers(*, agent: Agent) -> list[ChatSession]:
    """Chats offered to the agent right now, oldest in the queue first."""
    return list(
        _sessions().filter(state=State.OFFERED, offered_to=agent).order_by("queued_at", "id")
    )


def agent_active_chats(*, agent: Agent) -> list[ChatSession]:
    """The agent's active chats, the longest-running first."""
    return list(_sessions().filter(state=State.ACTIVE, agent=agent).order_by("accepted_at", "id"))


def chat_get_for_agent(*, agent: Agent, session_id: int) -> ChatSession:
    """A chat the agent holds, is offered, or (desk-wide roles) any; NotFound otherwise."""
    session = _sessions().filter(pk=session_id).first()
    if session is None:
        raise NotFound(f"no chat {session_id}")
    mine = session.agent_id == agent.pk or session.offered_to_id == agent.pk
    if not mine and not agent.sees_whole_desk:
        raise NotFound(f"no chat {session_id}")
    return session


def chat_messages(*, session: ChatSession, limit: int = CHAT_MESSAGES_SHOWN) -> list[Message]:
    """The chat's last `limit` messages (notes included: the agent sees them), oldest first."""
    rows = list(
        Message.objects.filter(ticket_id=session.ticket_id)
        .select_related("author_agent")
        .prefetch_related("attachments")
        .order_by("-created_at", "-id")[:limit]
    )
    rows.reverse()
    return rows


def transfer_agents(*, session: ChatSession, agent: Agent) -> QuerySet[Agent]:
    """Online agents who speak the chat's language, but not the one transferring."""
    from vigil.accounts.selectors import agents_skilled

    return agents_skilled(language=session.language).exclude(pk=agent.pk).order_by("display_name")


def transfer_teams() -> QuerySet[Team]:
    return Team.objects.order_by("name")
