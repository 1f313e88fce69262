"""HTTP entry points of the chat widget: the script, uploads, files, the demo host page.

See docs/architecture.md#live-chat. Thin: find the widget by its key and the session by
the token the widget holds, call one service or selector, answer JSON. Uploads and files
answer cross-origin requests only from the widget's allowed origins (CORS).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
)
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from vigil.channels.chat.limits import chat_limits, rate_hit, rate_key
from vigil.channels.chat.origins import origin_allowed
from vigil.channels.chat.selectors import (
    chat_account_by_key,
    chat_attachment_for_session,
    chat_session_by_token,
)
from vigil.channels.chat.services import chat_upload_store
from vigil.channels.models import ChannelAccount
from vigil.core.errors import VigilError

WIDGET_JS = Path(__file__).resolve().parent / "static" / "chat" / "widget.js"
WIDGET_MAX_AGE = 300  # seconds; the ETag lets browsers revalidate cheaply after that


@require_GET
def widget_js(request: HttpRequest) -> HttpResponseBase:
    try:
        stat = WIDGET_JS.stat()
    except FileNotFoundError:
        return HttpResponse("// the chat widget is not installed\n", status=404)
    etag = '"' + hashlib.sha256(f"{stat.st_mtime_ns}:{stat.st_size}".encode()).hexdigest()[:20]
    etag += '"'
    if request.headers.get("If-None-Match") == etag:
        response: HttpResponseBase = HttpResponse(status=304)
    else:
        response = FileResponse(WIDGET_JS.open("rb"), content_type="text/javascript")
    response["ETag"] = etag
    response["Cache-Control"] = f"public, max-age={WIDGET_MAX_AGE}"
    response["Access-Control-Allow-Origin"] = "*"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _cors(
    response: HttpResponseBase, request: HttpRequest, account: ChannelAccount
) -> HttpResponseBase:
    origin = request.headers.get("Origin")
    if origin and origin_allowed(account=account, origin=origin, host=request.get_host()):
        response["Access-Control-Allow-Origin"] = origin
        response["Access-Control-Allow-Headers"] = "X-Chat-Token, Content-Type"
        response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response["Access-Control-Max-Age"] = "600"
        response["Vary"] = "Origin"
    return response


def _refused(request: HttpRequest, account: ChannelAccount) -> JsonResponse | None:
    origin = request.headers.get("Origin")
    if origin_allowed(account=account, origin=origin, host=request.get_host()):
        return None
    return JsonResponse(
        {"code": "origin_refused", "message": "this site may not use the chat"}, status=403
    )


def _error(code: str, message: str, status: int, **extra: int) -> JsonResponse:
    return JsonResponse({"code": code, "message": message, **extra}, status=status)


@csrf_exempt
def upload(request: HttpRequest, key: str) -> HttpResponseBase:
    """POST a file (multipart field "file") for the session named by X-Chat-Token."""
    account = chat_account_by_key(key)
    if account is None:
        return _error("no_session", "no such chat widget", 404)
    if request.method == "OPTIONS":
        return _cors(HttpResponse(status=204), request, account)
    if request.method != "POST":
        return _cors(_error("bad_frame", "POST a file", 405), request, account)
    refused = _refused(request, account)
    if refused is not None:
        return refused
    session = chat_session_by_token(account=account, token=request.headers.get("X-Chat-Token", ""))
    if session is None:
        return _cors(_error("bad_token", "unknown or expired chat", 401), request, account)
    limits = chat_limits(account.settings)
    wait = rate_hit(scope="uploads", key=rate_key(session), rate=limits.uploads_per_session)
    if wait is not None:
        response = _error("rate_limited", "too many files; wait", 429, retry_after=wait)
        response["Retry-After"] = str(wait)
        return _cors(response, request, account)
    file = request.FILES.get("file")
    if file is None:
        return _cors(
            _error("bad_attachment", 'send the file as field "file"', 400), request, account
        )
    if file.size is not None and file.size > limits.max_upload:
        message = f"a file is at most {limits.max_upload} bytes"
        return _cors(_error("bad_attachment", message, 400), request, account)
    try:
        stored = chat_upload_store(session=session, filename=file.name or "", content=file.read())
    except VigilError as exc:
        return _cors(_error(exc.code, exc.message, 400), request, account)
    body = {
        "id": stored.pk,
        "filename": stored.filename,
        "content_type": stored.content_type,
        "size": stored.size,
    }
    return _cors(JsonResponse(body, status=201), request, account)


@require_GET
def attachment(request: HttpRequest, key: str, attachment_id: int) -> HttpResponseBase:
    """A file of the visitor's chat (theirs or an agent's), by the session's token."""
    account = chat_account_by_key(key)
    if account is None:
        return _error("no_session", "no such chat widget", 404)
    token = request.GET.get("t") or request.headers.get("X-Chat-Token", "")
    session = chat_session_by_token(account=account, token=token)
    if session is None:
        return _cors(_error("bad_token", "unknown or expired chat", 401), request, account)
    found = chat_attachment_for_session(session=session, attachment_id=attachment_id)
    if found is None:
        return _cors(_error("not_found", "no such file in this chat", 404), request, account)
    response = FileResponse(
        found.file.open("rb"),
        content_type=found.content_type,
        as_attachment=not found.content_type.startswith("image/"),
        filename=found.filename,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return _cors(response, request, account)


@require_GET
def demo(request: HttpRequest, key: str) -> HttpResponse:
    """A plain host page with the embedding snippet, to try a widget."""
    account = chat_account_by_key(key)
    if account is None:
        return HttpResponse("no such chat widget", status=404, content_type="text/plain")
    context = {"account": account, "desk": f"{request.scheme}://{request.get_host()}"}
    response = render(request, "chat/demo.html", context)
    response["X-Frame-Options"] = "DENY"
    return response
