from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo walk and cohort: they span the pathway and tasks apps, so they live above both."""

    name = "demo"
