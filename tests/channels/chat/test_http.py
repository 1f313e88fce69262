"""The widget's HTTP side: the script with caching headers, uploads (sniffed type, size,
token, CORS), files of the session only, the demo host page, and `vigil channel add-chat`."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.factories.accounts import make_agent
from tests.factories.chat import make_widget, start_chat
from vigil.channels.chat.services import chat_message_receive
from vigil.channels.chat.views import WIDGET_JS
from vigil.channels.models import ChannelAccount, ChatUpload
from vigil.cli import main
from vigil.core.models import Event
from vigil.tickets.models import Message
from vigil.tickets.services import NewAttachment, note_add

pytestmark = pytest.mark.django_db(transaction=True)

PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489")
SITE = "https://www.exchange.example"


def _upload(client: Client, key: str, token: str, name: str, data: bytes, **headers: str) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        f"/chat/{key}/uploads",
        {"file": SimpleUploadedFile(name, data, content_type="image/png")},
        headers={"X-Chat-Token": token, **headers},
    )


def test_upload_then_message_then_file_by_token_only() -> None:
    widget = make_widget(origins=(SITE,))
    started = start_chat(widget)
    client = Client()
    answer = _upload(client, widget.address, started.token, "proof.png", PNG, Origin=SITE)
    assert answer.status_code == 201
    assert answer["Access-Control-Allow-Origin"] == SITE
    body = answer.json()
    assert (body["filename"], body["content_type"], body["size"]) == ("proof.png", "image/png", 33)
    ack = chat_message_receive(
        session=started.session, client_id="f1", text="", attachments=[body["id"]]
    )
    assert not ChatUpload.objects.exists()  # it became the message's attachment
    event = Event.objects.get(stream__name=f"chat:{started.session.pk}", seq=ack.seq)
    (attachment,) = event.payload["attachments"]
    assert attachment["url"] == f"/chat/{widget.address}/files/{attachment['id']}"
    got = client.get(attachment["url"], {"t": started.token})
    assert got.status_code == 200 and got.getvalue() == PNG
    assert got["Content-Type"] == "image/png" and got["X-Content-Type-Options"] == "nosniff"
    assert client.get(attachment["url"]).status_code == 401
    other = start_chat(widget)
    assert client.get(attachment["url"], {"t": other.token}).status_code == 404
    # An internal note's file is never served to the visitor.
    note = note_add(
        ticket=started.session.ticket,
        agent=make_agent(),
        text="internal",
        attachments=[NewAttachment(filename="kyc.png", content=PNG + b"x")],
    )
    secret = note.attachments.get()
    url = f"/chat/{widget.address}/files/{secret.pk}"
    assert client.get(url, {"t": started.token}).status_code == 404


def test_uploads_are_refused_by_sniffed_type_size_token_and_origin() -> None:
    widget = make_widget(origins=(SITE,), limits={"max_upload": 1000})
    started = start_chat(widget)
    client = Client()
    key, token = widget.address, started.token
    exe = _upload(client, key, token, "invoice.png", b"MZ\x90\x00" + bytes(200))  # lies
    assert exe.status_code == 400 and exe.json()["code"] == "bad_attachment"
    big = _upload(client, key, token, "big.png", PNG + bytes(2000))
    assert big.status_code == 400 and big.json()["code"] == "bad_attachment"
    assert _upload(client, key, "nope", "a.png", PNG).status_code == 401
    foreign = _upload(client, key, token, "a.png", PNG, Origin="https://evil.example")
    assert foreign.status_code == 403 and foreign.json()["code"] == "origin_refused"
    text = _upload(client, key, token, "notes.txt", "出金 pending".encode())
    assert text.status_code == 201 and text.json()["content_type"] == "text/plain"
    preflight = client.options(f"/chat/{key}/uploads", headers={"Origin": SITE})
    assert preflight.status_code == 204
    assert "X-Chat-Token" in preflight["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Origin" not in client.options(
        f"/chat/{key}/uploads", headers={"Origin": "https://evil.example"}
    )


def test_uploads_are_rate_limited_per_session() -> None:
    widget = make_widget(limits={"uploads_per_session": [2, 600]})
    started = start_chat(widget)
    client = Client()
    for _ in range(2):
        assert _upload(client, widget.address, started.token, "a.png", PNG).status_code == 201
    limited = _upload(client, widget.address, started.token, "a.png", PNG)
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0
    assert limited.json()["code"] == "rate_limited"


@pytest.mark.skipif(not WIDGET_JS.exists(), reason="widget.js not built yet")
def test_widget_script_is_served_with_caching_headers() -> None:
    client = Client()
    first = client.get("/chat/widget.js")
    assert first.status_code == 200 and first["Content-Type"].startswith("text/javascript")
    assert first["Cache-Control"] == "public, max-age=300"
    assert first.getvalue() == WIDGET_JS.read_bytes()
    again = client.get("/chat/widget.js", headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304


def test_demo_page_embeds_the_snippet() -> None:
    widget = make_widget()
    page = Client().get(f"/chat/demo/{widget.address}/")
    assert page.status_code == 200
    snippet = f'src="http://testserver/chat/widget.js" data-widget="{widget.address}"'
    assert snippet in page.content.decode()
    assert Client().get("/chat/demo/wk_unknown/").status_code == 404


def test_cli_add_chat(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "channel",
            "add-chat",
            "Exchange site",
            "--origin",
            "https://WWW.Exchange.example/",
            "--origin",
            "https://m.exchange.example",
        ]
    )
    assert code == 0
    widget = ChannelAccount.objects.get(kind="chat", name="Exchange site")
    assert widget.address.startswith("wk_")
    assert widget.settings["allowed_origins"] == [SITE, "https://m.exchange.example"]
    out = capsys.readouterr().out
    assert f'data-widget="{widget.address}"' in out
    assert main(["channel", "add-chat", "Bad", "--origin", "ftp://x"]) != 0
    assert not Message.objects.exists()


def test_admin_gives_a_new_widget_its_key() -> None:
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser(
        username="root", email="root@desk.test", password="x-correct-horse-1"
    )
    client = Client()
    client.force_login(admin)
    answer = client.post(
        "/admin/vigil_channels/channelaccount/add/",
        {"kind": "chat", "name": "Site", "address": "", "settings": "{}", "is_active": "on"},
    )
    assert answer.status_code == 302, answer.content[:2000]
    assert ChannelAccount.objects.get(name="Site").address.startswith("wk_")
