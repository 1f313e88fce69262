"""URLs of the chat widget, mounted at /chat/. See docs/architecture.md#live-chat."""

from django.urls import path

from vigil.channels.chat.views import attachment, demo, upload, widget_js

app_name = "chat"
urlpatterns = [
    path("widget.js", widget_js, name="widget-js"),
    path("demo/<str:key>/", demo, name="demo"),
    path("<str:key>/uploads", upload, name="upload"),
    path("<str:key>/files/<int:attachment_id>", attachment, name="file"),
]
