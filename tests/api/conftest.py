import pytest

from tests.conftest import client_for
from tests.factories import UserFactory


@pytest.fixture
def superuser(db):
    return UserFactory(username="root-1", is_superuser=True, is_staff=True)


@pytest.fixture
def as_superuser(superuser):
    return client_for(superuser)


@pytest.fixture
def as_nobody(db):
    """Signed in, but in no role group."""
    return client_for(UserFactory(username="visitor-1"))
