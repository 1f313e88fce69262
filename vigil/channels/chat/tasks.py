"""Background jobs of the chat channel. See docs/architecture.md#tasks.

Each takes ids and calls one service; running one twice changes nothing.
"""

from __future__ import annotations

from datetime import timedelta

from django.tasks import task

from vigil.core.registry import periodic


@task(queue_name="outbound")
def send_chat_transcript(*, session_id: int) -> None:
    """E-mail an ended chat's transcript to the visitor. Stored once per session as an
    outbound e-mail message of the ticket and sent through the outbox, which retries."""
    from vigil.channels.chat.transcript import chat_transcript_send

    chat_transcript_send(session_id=session_id)


@periodic(every=timedelta(hours=1))
@task(queue_name="maintenance")
def prune_chat_uploads() -> int:
    """Drop uploads no message carried within a day. No retry: the next run catches up."""
    from vigil.channels.chat.services import chat_uploads_prune

    return chat_uploads_prune()


@periodic(every=timedelta(seconds=30))
@task(queue_name="maintenance")
def end_abandoned_chats() -> int:
    """Chats whose visitor went away end by the system. No retry: the next run catches up."""
    from vigil.channels.chat.services import chats_end_abandoned

    return chats_end_abandoned()
