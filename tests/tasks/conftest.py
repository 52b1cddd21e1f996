import pytest
import time_machine

from tests.tasks.support import PROCEDURE_ON, at


@pytest.fixture
def clock():
    """Time stands still (no tick) on the procedure day until a test moves it on."""
    with time_machine.travel(at(PROCEDURE_ON), tick=False) as traveller:
        yield traveller
