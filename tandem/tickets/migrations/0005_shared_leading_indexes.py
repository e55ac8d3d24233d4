"""Foreign keys that lose their own index because a composite index leads with them:
Message.ticket (msg_ticket_created), TicketEvent.ticket (ev_ticket_created), Ticket.contact
(tk_contact_created) and Ticket.organization (tk_org_created). Lookups and cascades use the
composite index; every insert keeps one B-tree fewer up to date (four of a ticket's and a
message's indexes, on the hottest write path, email ingest).

Dropped by name, not by AlterField: on SQLite, AlterField would copy the whole table to
change an index (a long lock on a desk of a million tickets). The names are Django's own for
the columns' indexes, the same on SQLite and PostgreSQL.
"""

import django.db.models.deletion
from django.db import migrations, models

_DROPPED = [
    ("tickets_message_ticket_id_a1134910", "tickets_message", "ticket_id"),
    ("tickets_ticketevent_ticket_id_b572d14b", "tickets_ticketevent", "ticket_id"),
    ("tickets_ticket_contact_id_a9a8a57d", "tickets_ticket", "contact_id"),
    ("tickets_ticket_organization_id_7128da48", "tickets_ticket", "organization_id"),
]


class Migration(migrations.Migration):
    dependencies = [("tickets", "0004_message_html_plain_text_empty")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="message",
                    name="ticket",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="messages",
                        to="tickets.ticket",
                    ),
                ),
                migrations.AlterField(
                    model_name="ticketevent",
                    name="ticket",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="events",
                        to="tickets.ticket",
                    ),
                ),
                migrations.AlterField(
                    model_name="ticket",
                    name="contact",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="tickets",
                        to="people.contact",
                    ),
                ),
                migrations.AlterField(
                    model_name="ticket",
                    name="organization",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="tickets",
                        to="people.organization",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX "{name}" ON "{table}" ("{column}")',
                )
                for name, table, column in _DROPPED
            ],
        ),
    ]
