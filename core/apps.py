from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Users and roles"

    def ready(self):
        from django.db.backends.signals import connection_created

        from core import schema  # noqa: F401 - registers the schema's extensions
        from core.text import register_sqlite_fold

        connection_created.connect(register_sqlite_fold, dispatch_uid="core-sqlite-fold")
