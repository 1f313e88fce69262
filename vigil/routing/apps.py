from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "vigil.routing"
    label = "routing"
    verbose_name = "Routing"

    def ready(self) -> None:
        from vigil.routing import chat_tasks  # noqa: F401 - registers the periodic chat job
