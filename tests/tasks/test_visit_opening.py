"""How a visit is recorded now, as the form asks it and the result rules judge it: one rule
(tasks.services.result_rules.visit_opening) read by the record-visit page and the service."""

import datetime as dt

from pathway.codes import State
from tasks.models import Kind
from tasks.services.result_rules import EpisodeFacts, VisitOpening, visit_opening

DAY = dt.date(2024, 3, 1)


def facts(*stays):
    return EpisodeFacts(previous_move=("discharge", DAY), stays=list(stays))


def test_an_inr_on_the_ward_in_post_op_and_nothing_else_there():
    assert visit_opening(facts(), state=State.POST_OP, kind=Kind.INR_CHECK) == VisitOpening(
        post_op=True
    )
    assert visit_opening(facts(), state=State.POST_OP, kind=Kind.DUPLEX) is None


def test_in_surveillance_as_usual():
    opening = visit_opening(facts((DAY, None)), state=State.SURVEILLANCE, kind=Kind.DUPLEX)
    assert opening == VisitOpening()


def test_after_leaving_surveillance_a_result_of_the_last_stay_is_entered_late():
    left = DAY + dt.timedelta(days=40)
    stays = ((DAY, DAY + dt.timedelta(days=10)), (DAY + dt.timedelta(days=20), left))
    for state in (State.PROCEDURE, State.COMPLETED):
        opening = visit_opening(facts(*stays), state=state, kind=Kind.DUPLEX)
        assert opening == VisitOpening(late_since=left)


def test_never_in_surveillance_no_visit():
    assert visit_opening(facts(), state=State.IMAGING, kind=Kind.INR_CHECK) is None
    assert visit_opening(None, state=State.COMPLETED, kind=Kind.DUPLEX) is None
