"""insert_rows and save_fields: the batch writers' INSERT and UPDATE, checked against the ORM."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.core import rows as rows_module
from tandem.core.rows import insert_rows, save_fields
from tandem.mail.models import InboundMail, InboundRaw
from tandem.people.models import Contact, ContactIdentity
from tandem.testing import factories
from tandem.tickets.models import Attachment

pytestmark = pytest.mark.django_db


def test_new_rows_get_their_keys_dates_and_the_keys_of_objects_saved_after_assignment():
    contacts = [Contact(name=f"C{n}", email=f"c{n}@example.test") for n in range(3)]
    # Assigned while the contacts have no key yet, as the history import does.
    identities = [
        ContactIdentity(contact=contact, kind="email", value=contact.email) for contact in contacts
    ]

    insert_rows(contacts)
    insert_rows(identities)

    assert all(contact.pk for contact in contacts)
    assert len({contact.pk for contact in contacts}) == 3
    stored = Contact.objects.get(pk=contacts[1].pk)
    assert (stored.name, stored.email) == ("C1", "c1@example.test")
    assert stored.created_at is not None and stored.updated_at is not None  # auto_now(_add)
    assert contacts[1].created_at == stored.created_at
    assert not contacts[1]._state.adding
    assert [i.contact_id for i in identities] == [c.pk for c in contacts]
    assert ContactIdentity.objects.get(pk=identities[2].pk).contact == contacts[2]


def test_an_unsaved_related_object_is_refused():
    identity = ContactIdentity(contact=Contact(name="Nobody"), kind="email", value="n@x.test")
    with pytest.raises(ValueError, match="contact of a new ContactIdentity is not saved"):
        insert_rows([identity])


def test_a_key_that_is_a_one_to_one_and_json_and_bytes_values():
    inbound = InboundMail(source="import", sha256="0" * 64, size=3, envelope_to=["a@b.test"])
    insert_rows([inbound])
    insert_rows([InboundRaw(inbound=inbound, raw=b"raw\x00bytes")])

    stored = InboundMail.objects.select_related("raw_copy").get(pk=inbound.pk)
    assert stored.envelope_to == ["a@b.test"]
    assert bytes(stored.raw_copy.raw) == b"raw\x00bytes"


def test_file_fields_are_saved_as_bulk_create_saves_them(customer):
    ticket = factories.make_ticket(contact=customer)
    message = ticket.messages.get()
    attachment = Attachment(
        ticket=ticket, message=message, token="t" * 32, filename="a.txt", size=2
    )
    attachment.file.save("a.txt", ContentFile(b"hi"), save=False)

    insert_rows([attachment])

    assert Attachment.objects.get(pk=attachment.pk).file.read() == b"hi"


def test_more_rows_than_one_statement_takes_are_split(monkeypatch):
    columns = len(rows_module._insert_fields(Contact)[0])
    monkeypatch.setattr(
        rows_module, "_max_parameters", lambda connection: 2 * columns + 1
    )  # two a statement
    contacts = [Contact(name=f"C{n}", email=f"c{n}@example.test") for n in range(5)]

    with CaptureQueriesContext(connection) as queries:
        insert_rows(contacts)

    assert len([q for q in queries if q["sql"].startswith("INSERT")]) == 3
    assert sorted(Contact.objects.values_list("name", flat=True)) == [f"C{n}" for n in range(5)]
    assert [Contact.objects.get(pk=c.pk).name for c in contacts] == [c.name for c in contacts]


def test_nothing_to_insert_runs_no_query():
    with CaptureQueriesContext(connection) as queries:
        insert_rows([])
        save_fields([], ["name"])
    assert len(queries) == 0


def test_save_fields_updates_only_the_named_fields():
    contacts = [Contact.objects.create(name=f"C{n}", email=f"c{n}@x.test") for n in range(2)]
    for contact in contacts:
        contact.name += " renamed"
        contact.email = "changed@x.test"  # not saved: not named

    save_fields(contacts, ["name"])

    assert list(Contact.objects.order_by("pk").values_list("name", "email")) == [
        ("C0 renamed", "c0@x.test"),
        ("C1 renamed", "c1@x.test"),
    ]


def test_values_of_other_types_are_converted_as_the_orm_converts_them():
    from django.utils.translation import gettext_lazy

    contact = Contact(name=gettext_lazy("Lazy name"), email="l@x.test", plan=5)
    insert_rows([contact])
    stored = Contact.objects.get(pk=contact.pk)
    assert (stored.name, stored.plan) == ("Lazy name", "5")


def test_a_row_colliding_on_the_unique_fields_updates_the_named_fields_only():
    import datetime as dt

    from tandem.core.search.models import SearchDocument

    at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    first = SearchDocument(kind="ticket", key=7, title="Old", body="old body", updated_at=at)
    insert_rows([first])
    again = SearchDocument(
        kind="ticket", key=7, title="New", body="new body", facets={"x": 1}, updated_at=at
    )
    other = SearchDocument(kind="ticket", key=8, title="Other", body="", updated_at=at)

    insert_rows([again, other], unique_fields=["kind", "key"], update_fields=["title", "facets"])

    assert again.pk == first.pk and other.pk != first.pk
    stored = SearchDocument.objects.get(pk=first.pk)
    assert (stored.title, stored.body, stored.facets) == ("New", "old body", {"x": 1})
    assert SearchDocument.objects.count() == 2
