"""Attachments, served only to agents who may see their ticket. See docs/architecture.md#console.

Files never come from MEDIA_URL: this view checks the ticket's visibility first. Only types a
browser shows harmlessly are displayed inline; everything else downloads, and the response is
sandboxed so an uploaded document can never run script in the console's origin.
"""

from __future__ import annotations

from django.http import FileResponse, HttpRequest
from django.views.decorators.http import require_GET

from vigil.accounts.models import Agent
from vigil.console.selectors import attachment_get_for_agent
from vigil.console.views.common import agent_required

INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp"})


@require_GET
@agent_required
def attachment_download(request: HttpRequest, agent: Agent, attachment_id: int) -> FileResponse:
    attachment = attachment_get_for_agent(agent=agent, attachment_id=attachment_id)
    inline = attachment.content_type in INLINE_TYPES and "download" not in request.GET
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=not inline,
        filename=attachment.filename,
        content_type=attachment.content_type,
    )
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response
