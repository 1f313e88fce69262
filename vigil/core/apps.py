from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "vigil.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        # Fill the event catalogue and the periodic-job registry from every app.
        autodiscover_modules("events")
        autodiscover_modules("tasks")
