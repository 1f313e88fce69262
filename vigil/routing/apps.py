from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "vigil.routing"
    label = "routing"
    verbose_name = "Routing"
