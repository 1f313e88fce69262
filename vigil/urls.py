"""URL map. See docs/architecture.md#entry-points."""

from django.contrib import admin
from django.urls import include, path

from vigil.api import api
from vigil.core.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("hooks/email/", include("vigil.channels.email.urls")),
    path("chat/", include("vigil.channels.chat.urls")),
    path("", include("vigil.console.urls")),
]
