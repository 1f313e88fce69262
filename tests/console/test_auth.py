"""Signing in and out, and the agent guard."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from tests.console.conftest import Desk, login
from tests.factories.accounts import PASSWORD

pytestmark = pytest.mark.django_db


def test_anonymous_is_sent_to_login_and_login_lands_in_inbox(desk: Desk) -> None:
    client = Client()
    response = client.get(reverse("console:inbox"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("console:login"))

    page = client.get(reverse("console:login"))
    assert page.status_code == 200
    assert "E-mail address" in page.content.decode()

    response = client.post(
        reverse("console:login"), {"username": "ann@desk.test", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("console:inbox")
    inbox = client.get(reverse("console:inbox"))
    assert inbox.status_code == 200
    assert "Ann" in inbox.content.decode()


def test_wrong_password_shows_an_error_and_no_session(desk: Desk) -> None:
    client = Client()
    response = client.post(
        reverse("console:login"), {"username": "ann@desk.test", "password": "wrong-password"}
    )
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert client.get(reverse("console:inbox")).status_code == 302


def test_logout_is_a_post_and_ends_the_session(desk: Desk) -> None:
    client = login(desk.agent)
    response = client.post(reverse("console:logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("console:login")
    assert client.get(reverse("console:inbox")).status_code == 302


def test_user_without_agent_profile_gets_a_clear_403(db: None) -> None:
    get_user_model().objects.create_user(username="root@desk.test", password=PASSWORD)
    client = Client()
    assert client.login(username="root@desk.test", password=PASSWORD)
    response = client.get(reverse("console:inbox"))
    assert response.status_code == 403
    body = response.content.decode()
    assert "This account is not an agent" in body
    assert "root@desk.test" in body


def test_htmx_request_after_session_expiry_asks_for_a_reload(desk: Desk) -> None:
    response = Client().get(reverse("console:inbox"), HTTP_HX_REQUEST="true")
    assert response.status_code == 401
    assert response["HX-Refresh"] == "true"
