from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "vigil.sla"
    label = "sla"
    verbose_name = "SLAs and shifts"
