from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Users and roles"

    def ready(self):
        from core import schema  # noqa: F401 - registers the schema's extensions
