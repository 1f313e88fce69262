"""URLs of the e-mail channel, mounted at /hooks/email/. See docs/architecture.md#e-mail."""

from django.urls import path

from vigil.channels.email.views import inbound_webhook

app_name = "email"
urlpatterns = [
    path("<str:provider>/<int:account_id>/", inbound_webhook, name="inbound"),
]
