"""A crash in the middle of processing loses nothing and doubles nothing.

The database itself fails (a real OperationalError raised by the connection while the
message row is being written), the job dies with it, and the periodic sweep that runs
after the restart processes the stored mail exactly once.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import OperationalError, connection
from django.utils import timezone

from tandem.mail.ingest.processing import process_inbound, sweep_received
from tandem.mail.intake import receive_raw
from tandem.mail.models import InboundMail
from tandem.mail.tests.test_ingest_support import mailbox_fixture, raw_mail  # noqa: F401
from tandem.tickets.models import Message, Ticket, TicketEvent

pytestmark = pytest.mark.django_db


class FailingDatabase:
    """Fails the first INSERT into the message table, as a full disk or a lost server would."""

    def __init__(self):
        self.failed = False

    def __call__(self, execute, sql, params, many, context):
        if not self.failed and sql.lstrip().upper().startswith('INSERT INTO "TICKETS_MESSAGE"'):
            self.failed = True
            raise OperationalError("disk I/O error (injected)")
        return execute(sql, params, many, context)


def test_database_failure_mid_processing_then_sweep_processes_exactly_once(mailbox):
    inbound = receive_raw(
        raw=raw_mail(body="It is on fire."), source="smtp", mailbox=mailbox, process=False
    )
    failure = FailingDatabase()
    with connection.execute_wrapper(failure), pytest.raises(OperationalError):
        process_inbound(inbound_id=inbound.pk)
    assert failure.failed
    inbound.refresh_from_db()
    # Nothing half-written: the ticket insert was rolled back with the message.
    assert inbound.state == InboundMail.State.RECEIVED and inbound.attempts == 1
    assert (Ticket.objects.count(), Message.objects.count(), TicketEvent.objects.count()) == (
        0,
        0,
        0,
    )

    # The restart: the sweep finds the row still RECEIVED and processes it.
    InboundMail.objects.filter(pk=inbound.pk).update(
        received_at=timezone.now() - dt.timedelta(minutes=5)
    )
    assert sweep_received() == 1
    assert sweep_received() == 0
    process_inbound(inbound_id=inbound.pk)  # a late duplicate job changes nothing
    inbound.refresh_from_db()
    assert inbound.state == InboundMail.State.PROCESSED
    assert Ticket.objects.count() == 1
    assert list(Message.objects.values_list("body", flat=True)) == ["It is on fire."]
