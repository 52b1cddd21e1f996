"""The web session store (settings.SESSION_ENGINE): Django's database store, each row naming
its user (core.models.WebSession), so a user's sessions can be ended at once. The store lives
beside its model (core.models.WebSessionStore), so neither module imports the other."""

from core.models import WebSessionStore as SessionStore

__all__ = ["SessionStore"]
