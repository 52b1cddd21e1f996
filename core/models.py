"""API tokens (django-rest-knox): stored hashed, expiring, and tied to the password they were
issued under."""

from django.db import models
from knox.models import AbstractAuthToken


class ApiToken(AbstractAuthToken):
    """`password_stamp` is the user's session-auth hash when the token was issued (an HMAC of
    the password hash): the same fingerprint Django ends sessions with, so changing a password
    by any path (admin, `changepassword`, a reset) ends the tokens issued before it."""

    password_stamp = models.CharField(max_length=128, editable=False)

    class Meta:
        verbose_name = "API token"
