from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    name = "vigil.approvals"
    label = "approvals"
    verbose_name = "Sensitive actions and approvals"

    def ready(self) -> None:
        # A VIGIL_APPROVAL_TIERS naming an unknown action stops start-up (ConfigError).
        from vigil.accounts.permissions import approver_tiers

        approver_tiers()
