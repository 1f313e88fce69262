"""Signing in and out of the console: Django's auth views, translated templates.

See docs/architecture.md#console.
"""

from __future__ import annotations

from django.contrib.auth import views as auth_views

from vigil.console.forms import LoginForm


class LoginView(auth_views.LoginView):
    template_name = "console/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """POST only (Django's rule), then back to the login page."""
