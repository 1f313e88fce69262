from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "vigil.realtime"
    label = "realtime"
    verbose_name = "Real-time"
