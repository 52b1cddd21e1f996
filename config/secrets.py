"""The secret key production will start with: long, varied and not one that shipped anywhere.
It signs sessions, password-reset links and CSRF tokens; a guessable one forges them. Mirrors
Django's security.W009 check, but refuses at start instead of warning."""

DEV_KEY = "dev-only-insecure-key-do-not-use-in-production"
MIN_LENGTH = 50
MIN_DISTINCT = 5


def secret_key_problem(key: str) -> str | None:
    """Why `key` is refused, in words that never repeat the key; None when it will do."""
    if not key:
        return "DJANGO_SECRET_KEY must be set in production."
    if key == DEV_KEY or key.startswith("django-insecure-"):
        return "DJANGO_SECRET_KEY is a development key; generate a new one for production."
    if len(key) < MIN_LENGTH:
        return f"DJANGO_SECRET_KEY must be at least {MIN_LENGTH} characters long."
    if len(set(key)) < MIN_DISTINCT:
        return f"DJANGO_SECRET_KEY must use at least {MIN_DISTINCT} different characters."
    return None
