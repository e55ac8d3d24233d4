"""Each foreign key is indexed once: by its own index or by a composite index leading with it."""

from __future__ import annotations

import pytest
from django.db import connection

from tandem.people.models import Contact
from tandem.tickets.models import Message, Ticket, TicketEvent

pytestmark = pytest.mark.django_db

SHARED = [
    (Message, "ticket_id", "msg_ticket_created"),
    (TicketEvent, "ticket_id", "ev_ticket_created"),
    (Ticket, "contact_id", "tk_contact_created"),
    (Ticket, "organization_id", "tk_org_created"),
    (Contact, "organization_id", "contact_org_name"),
]


def _indexes(table: str) -> dict[str, list[str]]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return {
        name: found["columns"]
        for name, found in constraints.items()
        if found["index"] and not found["primary_key"]
    }


@pytest.mark.parametrize(("model", "column", "composite"), SHARED, ids=lambda v: str(v))
def test_a_foreign_key_led_by_a_composite_index_has_no_index_of_its_own(model, column, composite):
    indexes = _indexes(model._meta.db_table)
    assert indexes[composite][0] == column
    assert [name for name, columns in indexes.items() if columns == [column]] == []


def test_every_foreign_key_of_the_ticket_tables_is_still_indexed():
    for model in (Ticket, Message, TicketEvent, Contact):
        leading = {columns[0] for columns in _indexes(model._meta.db_table).values() if columns}
        for field in model._meta.concrete_fields:
            if field.is_relation:
                assert field.column in leading, f"{model.__name__}.{field.name} has no index"
