from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "vigil.customers"
    label = "customers"
    verbose_name = "Customers"
