"""Contact.organization loses its own index: contact_org_name (organization, name) leads with
the same column, so every lookup and the SET_NULL cascade use that one, and each write kept
one B-tree fewer up to date.

Dropped by name, not by AlterField: on SQLite, AlterField would copy the whole table to
change an index (a long lock on a big desk). The name is Django's own for the column's index,
the same on SQLite and PostgreSQL.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("people", "0004_agent_availability_and_team_assignment")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="contact",
                    name="organization",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="contacts",
                        to="people.organization",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "people_contact_organization_id_2704e5cc"',
                    reverse_sql='CREATE INDEX "people_contact_organization_id_2704e5cc" '
                    'ON "people_contact" ("organization_id")',
                ),
            ],
        ),
    ]
