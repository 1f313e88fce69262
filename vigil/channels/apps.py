from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "vigil.channels"
    # "channels" is Django Channels' label.
    label = "vigil_channels"
    verbose_name = "Channels"

    def ready(self) -> None:
        from vigil.channels import registry

        registry.autodiscover()
