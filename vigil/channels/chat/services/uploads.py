"""Files a visitor uploads before the message that carries them. See
docs/architecture.md#live-chat.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from vigil.channels.chat.limits import UPLOAD_TYPES, chat_limits
from vigil.channels.chat.selectors import OPEN_STATES
from vigil.channels.models import ChatSession, ChatUpload
from vigil.core.errors import Conflict, ValidationFailed
from vigil.core.events import on_commit
from vigil.tickets.content import sniff_content_type
from vigil.tickets.services import NewAttachment


def upload_bytes(upload: ChatUpload) -> NewAttachment:
    with upload.file.open("rb") as handle:
        return NewAttachment(filename=upload.filename, content=handle.read())


def uploads_consume(uploads: list[ChatUpload]) -> None:
    """The uploads became attachments: drop their rows now, their files after the commit."""
    names = [u.file.name for u in uploads if u.file.name]
    ChatUpload.objects.filter(pk__in=[u.pk for u in uploads]).delete()
    storage = ChatUpload.file.field.storage

    def remove() -> None:
        for name in names:
            storage.delete(name)

    if names:
        on_commit(remove)


# --- uploads ------------------------------------------------------------------------------


def chat_upload_store(*, session: ChatSession, filename: str, content: bytes) -> ChatUpload:
    """Keep a file the visitor uploaded until a message carries it; its type is sniffed."""
    if session.state not in OPEN_STATES:
        raise Conflict("the chat has ended", code="ended")
    limits = chat_limits(session.account.settings)
    if len(content) > limits.max_upload:
        raise ValidationFailed(
            f"a file is at most {limits.max_upload} bytes", code="bad_attachment"
        )
    if not content:
        raise ValidationFailed("the file is empty", code="bad_attachment")
    content_type = sniff_content_type(content)
    if content_type not in UPLOAD_TYPES:
        raise ValidationFailed(
            f"{content_type} files are not accepted; send {', '.join(UPLOAD_TYPES)}",
            code="bad_attachment",
        )
    digest = hashlib.sha256(content).hexdigest()
    clean = (filename or "file").replace("/", "_").replace("\\", "_").strip()[:255] or "file"
    upload = ChatUpload(
        session=session,
        filename=clean,
        content_type=content_type,
        size=len(content),
        sha256=digest,
    )
    upload.file.save(f"{secrets.token_hex(16)}", ContentFile(content), save=False)
    upload.save()
    return upload


def chat_uploads_prune(*, older_than_hours: int = 24) -> int:
    """Forget uploads no message carried within a day (rows and files)."""
    cutoff = timezone.now() - timedelta(hours=older_than_hours)
    stale = list(ChatUpload.objects.filter(created_at__lt=cutoff)[:1000])
    storage = ChatUpload.file.field.storage
    for upload in stale:
        name = upload.file.name
        upload.delete()
        if name:
            storage.delete(name)
    return len(stale)
