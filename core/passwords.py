"""Password similarity judged on folded text (core/text.py): Django's validator compares
"zoe12345" with "zoë.ångström" letter for letter and finds them different; folded, and with the
password's letters alone compared too ("zoe12345" → "zoe"), a name with digits added is refused
whatever its accents."""

from __future__ import annotations

from types import SimpleNamespace

from django.contrib.auth.password_validation import UserAttributeSimilarityValidator

from core.text import fold

SHORTEST_WORD = 3  # letters alone shorter than this say nothing of a name


class FoldedUserAttributeSimilarityValidator(UserAttributeSimilarityValidator):
    def validate(self, password, user=None):
        if not user:
            return
        folded = SimpleNamespace(_meta=user._meta)
        for name in self.user_attributes:
            value = getattr(user, name, None)
            setattr(folded, name, fold(value) if isinstance(value, str) else value)
        password = fold(password)
        super().validate(password, folded)
        letters = "".join(c for c in password if c.isalpha())
        if len(letters) >= SHORTEST_WORD and letters != password:
            super().validate(letters, folded)
