"""REST API: who may call it, and how wrong input is answered (always a JSON 4xx)."""

from __future__ import annotations

import base64
import json

import pytest
from django.contrib.auth import get_user_model
from django.test import Client, override_settings

from tests.api.conftest import API, ApiClient, Desk, ticket_in
from vigil.accounts.models import ApiToken
from vigil.accounts.services import api_token_create, api_token_revoke
from vigil.tickets.models import Ticket

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    ("GET", "/me"),
    ("GET", "/agents"),
    ("GET", "/teams"),
    ("GET", "/tickets"),
    ("POST", "/tickets"),
    ("GET", "/tickets/1"),
    ("PATCH", "/tickets/1"),
    ("GET", "/tickets/1/messages"),
    ("POST", "/tickets/1/replies"),
    ("POST", "/tickets/1/notes"),
    ("GET", "/messages"),
    ("GET", "/attachments/1"),
    ("GET", "/customers"),
    ("GET", "/customers/1"),
    ("PATCH", "/customers/1"),
]


# --- authentication -------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_every_endpoint_needs_authentication(desk: Desk, method: str, path: str) -> None:
    for token in (None, "vgl_nope_nothing", "not-even-ours"):
        response = ApiClient(token).request(method, path, {} if method != "GET" else None)
        assert response.status == 401, (token, response.body)
        assert response.body["code"] == "unauthenticated"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_revoked_token_and_inactive_user_are_refused(desk: Desk) -> None:
    row, token = api_token_create(agent=desk.agent_a)
    assert ApiClient(token).get("/me").status == 200
    assert ApiToken.objects.get(pk=row.pk).last_used_at is not None
    api_token_revoke(token=row)
    assert ApiClient(token).get("/me").status == 401
    get_user_model().objects.filter(pk=desk.agent_b.user_id).update(is_active=False)
    assert desk.api_b.get("/me").status == 401


def test_console_session_works_and_writes_need_the_csrf_token(desk: Desk) -> None:
    ticket = ticket_in(desk.team_a)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(desk.agent_a.user)
    me = browser.get(f"{API}/me")
    assert me.status_code == 200 and me.json()["id"] == desk.agent_a.pk

    url = f"{API}/tickets/{ticket.pk}/notes"
    body = json.dumps({"text": "from the console"})
    refused = browser.post(url, body, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    secret = "k" * 32
    browser.cookies["csrftoken"] = secret
    accepted = browser.post(
        url, body, content_type="application/json", headers={"X-CSRFToken": secret}
    )
    assert accepted.status_code == 201, accepted.json()


def test_logged_in_user_without_agent_profile_is_unauthenticated(desk: Desk) -> None:
    user = get_user_model().objects.create_user(username="nobody@desk.test", password="x")
    browser = Client()
    browser.force_login(user)
    response = browser.get(f"{API}/tickets")
    assert response.status_code == 401


def test_bearer_writes_need_no_csrf_token(desk: Desk) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        f"{API}/tickets",
        json.dumps({"customer": {"email": "z@example.com"}, "text": "hi"}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {desk.api_a.token}"},
    )
    assert response.status_code == 201


def test_openapi_and_docs_are_served(desk: Desk) -> None:
    client = Client()
    schema = client.get(f"{API}/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for method, path in ENDPOINTS:
        template = path.replace("/1", "/{ticket_id}") if path.startswith("/tickets/") else path
        template = template.replace("/customers/1", "/customers/{customer_id}")
        template = template.replace("/attachments/1", "/attachments/{attachment_id}")
        assert method.lower() in paths[f"/api/v1{template}"], (method, template)
    assert schema.json()["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"
    assert client.get(f"{API}/docs").status_code == 200


# --- wrong input ----------------------------------------------------------------------------


def test_malformed_json_wrong_content_type_and_wrong_shapes(desk: Desk) -> None:
    api = desk.api_a
    bad = api.post("/tickets", raw=b'{"customer": ', content_type="application/json")
    assert bad.status == 400 and bad.body["message"] == "the request body is not valid JSON"
    form = api.post(
        "/tickets", raw=b"customer=x&text=y", content_type="application/x-www-form-urlencoded"
    )
    assert form.status == 400
    assert api.post("/tickets", raw=b"\xff\xfe", content_type="application/json").status == 400
    assert api.post("/tickets", ["not", "an", "object"]).status == 422
    assert api.post("/tickets", {"customer": "x@example.com", "text": "hi"}).status == 422
    assert api.patch("/tickets/1", raw=b"[[[[[[", content_type="application/json").status == 400
    assert Ticket.objects.count() == 0


@pytest.mark.parametrize(
    "ident", ["99999999999999999999", "9223372036854775808", "0", "-1", "abc", "1.5", "1e3"]
)
def test_ids_out_of_range_or_not_numbers_are_422(desk: Desk, ident: str) -> None:
    for method, path in [
        ("GET", f"/tickets/{ident}"),
        ("PATCH", f"/tickets/{ident}"),
        ("GET", f"/tickets/{ident}/messages"),
        ("POST", f"/tickets/{ident}/notes"),
        ("GET", f"/customers/{ident}"),
        ("GET", f"/attachments/{ident}"),
    ]:
        response = desk.api_a.request(method, path, {"text": "x"} if method != "GET" else None)
        assert response.status == 422, (method, path, response.body)
    for params in ({"customer": ident}, {"team": ident}, {"assignee": ident}):
        assert desk.api_a.get("/tickets", params).status == 422
    assert desk.api_a.get("/messages", {"ticket": ident}).status == 422
    assert desk.api_a.get("/customers", {"cursor": ident}).status in {200, 422}


def _cursor(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "!!!",
        _cursor("x"),
        _cursor([2, "2026-01-01T00:00:00+00:00"]),
        _cursor([2, "2026-01-01T00:00:00", 5]),
        _cursor([2, "yesterday", 5]),
        _cursor([2, "2026-01-01T00:00:00+00:00", 99999999999999999999]),
        _cursor([99999999999999999999, "2026-01-01T00:00:00+00:00", 5]),
        _cursor([7, "2026-01-01T00:00:00+00:00", 5]),
        _cursor({"a": 1}),
        "x" * 501,
    ],
)
def test_bad_cursors_are_422(desk: Desk, cursor: str) -> None:
    response = desk.api_a.get("/tickets", {"cursor": cursor})
    assert response.status == 422, response.body


def test_nul_bytes_are_refused_wherever_text_goes(desk: Desk) -> None:
    ticket = ticket_in(desk.team_a)
    api = desk.api_a
    cases = [
        api.get("/tickets", {"q": "a\x00b"}),
        api.get("/tickets", {"tag": "\x00"}),
        api.get("/tickets", {"language": "e\x00n"}),
        api.get("/tickets", {"status": "new\x00"}),
        api.get("/customers", {"q": "\x00"}),
        api.get("/messages", {"external_id": "<a\x00@b>"}),
        api.post("/tickets", {"customer": {"email": "a\x00@b.co"}, "text": "x"}),
        api.post("/tickets", {"customer": {"email": "a@b.co"}, "text": "x\x00"}),
        api.patch(f"/tickets/{ticket.pk}", {"tags": ["a\x00"]}),
        api.patch(f"/tickets/{ticket.pk}", {"subject": "\x00"}),
        api.post(f"/tickets/{ticket.pk}/replies", {"text": "hi\x00"}),
        api.post(f"/tickets/{ticket.pk}/notes", {"text": "\x00"}),
        api.patch(f"/customers/{ticket.customer_id}", {"notes": "\x00"}),
    ]
    for response in cases:
        assert response.status == 422, response.body
        assert "NUL" in response.body["message"] or "valid" in response.body["message"]
    lone = api.post("/tickets", raw=b'{"customer": {"email": "a@b.co"}, "text": "\\ud800"}')
    assert lone.status == 422 and "surrogate" in lone.body["message"]


def test_unknown_enum_values_and_limits_are_422(desk: Desk) -> None:
    ticket = ticket_in(desk.team_a)
    api = desk.api_a
    for params in (
        {"status": "bogus"},
        {"status": "new,bogus"},
        {"priority": "extreme"},
        {"channel": "fax"},
        {"limit": 0},
        {"limit": 201},
        {"limit": "many"},
        {"assignee": "them"},
        {"team": "some"},
        {"language": "not a code!"},
    ):
        response = api.get("/tickets", params)
        assert response.status == 422, (params, response.body)
    for body in (
        {"status": "finished"},
        {"priority": 3},
        {"category": "memes"},
        {"tags": ["x" * 51]},
        {"tags": "vip"},
        {"subject": ""},
        {"language": "x" * 17},
        {"assignee": "me"},
    ):
        response = api.patch(f"/tickets/{ticket.pk}", body)
        assert response.status == 422, (body, response.body)
    created = api.post("/tickets", {"customer": {"kind": "pigeon", "address": "x"}, "text": "x"})
    assert created.status == 422
    assert "customer.kind" in created.body["message"]


def test_validation_message_names_the_field(desk: Desk) -> None:
    response = desk.api_a.get("/tickets", {"limit": 500})
    assert response.status == 422
    assert response.body["message"].startswith("limit: ")
    assert response.body["errors"][0]["field"] == "limit"


def test_bad_attachments_are_422(desk: Desk) -> None:
    ticket = ticket_in(desk.team_a)
    url = f"/tickets/{ticket.pk}/notes"
    not_b64 = desk.api_a.post(url, {"attachments": [{"filename": "a", "content_base64": "@@"}]})
    assert not_b64.status == 422 and "base64" in not_b64.body["message"]
    unnamed = desk.api_a.post(url, {"attachments": [{"filename": "", "content_base64": "eA=="}]})
    assert unnamed.status == 422
    too_many = [{"filename": f"{n}", "content_base64": "eA=="} for n in range(21)]
    assert desk.api_a.post(url, {"attachments": too_many}).status == 422
    with override_settings(VIGIL_MAX_ATTACHMENT_BYTES=10):
        big = desk.api_a.post(
            url, {"attachments": [{"filename": "big", "content_base64": "eHh4" * 10}]}
        )
    assert big.status == 422 and big.body["code"] == "too_large"


def test_a_body_over_the_upload_limit_is_413(desk: Desk) -> None:
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000):
        response = desk.api_a.post(
            "/tickets", {"customer": {"email": "a@b.co"}, "text": "x" * 5000}
        )
    assert response.status == 413 and response.body["code"] == "too_large"
