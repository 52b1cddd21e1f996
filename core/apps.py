from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Users and roles"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in
        from django.db.backends.signals import connection_created

        from core import schema  # noqa: F401 - registers the schema's extensions
        from core.second_factor.sign_in import need_at_sign_in
        from core.text import register_sqlite_fold

        connection_created.connect(register_sqlite_fold, dispatch_uid="core-sqlite-fold")
        user_logged_in.connect(need_at_sign_in, dispatch_uid="core-second-step-need")
