"""Rows made once for all the tests of a module, when making them costs seconds (a synthetic
cohort of years): made in a transaction of the module's own, inside which each test's
transaction is a savepoint that undoes only what the test wrote; the module's transaction is
rolled back after its last test. The database stays blocked between the tests, as usual."""

import sys
from collections.abc import Callable, Iterator
from typing import TypeVar

from django.db import transaction
from django.test.utils import override_settings

T = TypeVar("T")
# As tests/conftest.py's fast_passwords, which is a test's own fixture: not yet in force here.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def rows_for_the_module(django_db_blocker, make: Callable[[], T]) -> Iterator[T]:
    """`yield from` this in a module-scoped fixture; the tests using it must be django_db
    (not transactional: a flush would take the rows from under the module's transaction)."""
    with django_db_blocker.unblock():
        kept = transaction.atomic()
        kept.__enter__()
        try:
            with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
                made = make()
        except BaseException:
            kept.__exit__(*sys.exc_info())
            raise
    try:
        yield made
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            kept.__exit__(None, None, None)
