"""API tokens (django-rest-knox): stored hashed, expiring, and tied to the password they were
issued under."""

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as DatabaseStore
from django.contrib.sessions.base_session import AbstractBaseSession
from django.core.validators import MaxValueValidator
from django.db import models
from knox.models import AbstractAuthToken


class ApiToken(AbstractAuthToken):
    """`password_stamp` is the user's session-auth hash when the token was issued (an HMAC of
    the password hash): the same fingerprint Django ends sessions with, so changing a password
    by any path (admin, `changepassword`, a reset) ends the tokens issued before it."""

    password_stamp = models.CharField(max_length=128, editable=False)

    class Meta:
        verbose_name = "API token"


class SavedAnswer(models.Model):
    """The first answer to a write sent with a repeat key (core/idempotency.py): a web form's
    `form_token`, or an API request's `Idempotency-Key` header. A repeat by the same user
    within 24 hours is answered with it, and the view is not called again. `status` is null
    while the first request is still running: a repeat arriving then waits for it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=300)
    fingerprint = models.CharField(max_length=64)  # the method, path and body, hashed
    created_at = models.DateTimeField(db_index=True)
    status = models.PositiveSmallIntegerField(null=True)
    headers = models.JSONField(default=dict)
    body = models.BinaryField(default=b"")
    notices = models.JSONField(default=list)  # the flash messages it left, to show again

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="saved_answer_one_per_key"),
        ]

    def __str__(self) -> str:
        return f"Answer {self.status or 'pending'} kept for user {self.user_id}"


class WebSession(AbstractBaseSession):
    """A web sign-in's session (settings.SESSION_ENGINE = core.sessions), with the user it
    belongs to in a column of its own, indexed: "sign out everywhere" ends a user's sessions
    with one DELETE instead of decoding every session in the table."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = "web session"

    @classmethod
    def get_session_store_class(cls):
        return WebSessionStore


class WebSessionStore(DatabaseStore):
    """Django's database store over WebSession, writing the user's id in its own column
    (core/sessions.py hands it to settings.SESSION_ENGINE)."""

    @classmethod
    def get_model_class(cls):
        return WebSession

    def create_model_instance(self, data):
        session = super().create_model_instance(data)
        try:
            session.user_id = int(data.get("_auth_user_id"))
        except (TypeError, ValueError):
            session.user_id = None  # not signed in (yet): a CSRF token, a flash message
        return session


class SignInSettings(models.Model):
    """The unit's sign-in settings (one row), changeable in the admin without code."""

    idle_minutes = models.PositiveSmallIntegerField(
        default=15,
        validators=[MaxValueValidator(720)],
        help_text="Minutes without activity after which a web sign-in ends (a warning shows a "
        "minute before); 0 never ends one for idleness. API tokens are not affected.",
    )
    second_factor_for_everyone = models.BooleanField(
        "Two-step sign-in for everyone",
        default=False,
        help_text="Admins always sign in with a code from an authenticator app after their "
        "password. Ticked, nurses and coordinators must too (from their next sign-in).",
    )

    class Meta:
        verbose_name = verbose_name_plural = "sign-in settings"

    def __str__(self) -> str:
        return "Sign-in settings"

    @classmethod
    def current(cls) -> "SignInSettings":
        return cls.objects.get_or_create(pk=1)[0]


class SecondFactorReset(models.Model):
    """An admin reset someone's two-step sign-in (a lost phone): who, whose, when. The user's
    authenticator and recovery codes were deleted and their sign-ins ended."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reset_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reset_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "two-step sign-in reset"
        ordering = ["-reset_at"]

    def __str__(self) -> str:
        return f"Two-step sign-in of user {self.user_id} reset by user {self.reset_by_id}"
