from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    name = "vigil.approvals"
    label = "approvals"
    verbose_name = "Sensitive actions and approvals"
