"""The web session store (settings.SESSION_ENGINE): Django's database store, each row naming
its user (core.models.WebSession), so a user's sessions can be ended at once."""

from django.contrib.sessions.backends.db import SessionStore as DatabaseStore


class SessionStore(DatabaseStore):
    @classmethod
    def get_model_class(cls):
        from core.models import WebSession

        return WebSession

    def create_model_instance(self, data):
        session = super().create_model_instance(data)
        try:
            session.user_id = int(data.get("_auth_user_id"))
        except (TypeError, ValueError):
            session.user_id = None  # not signed in (yet): a CSRF token, a flash message
        return session
