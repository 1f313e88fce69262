from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "vigil.tickets"
    label = "tickets"
    verbose_name = "Tickets"
