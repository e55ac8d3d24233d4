"""Inbound bytes move to a table of their own (InboundRaw): SQLite rewrote each message's
bytes on every update of its row's state."""

import django.db.models.deletion
from django.db import migrations, models

COPY_FORWARD = "INSERT INTO mail_inboundraw (inbound_id, raw) SELECT id, raw FROM mail_inboundmail"
COPY_BACK = (
    "UPDATE mail_inboundmail SET raw = "
    "(SELECT r.raw FROM mail_inboundraw r WHERE r.inbound_id = mail_inboundmail.id)"
)


class Migration(migrations.Migration):
    dependencies = [
        ("mail", "0003_merge_idle_outbound_text"),
    ]

    operations = [
        migrations.CreateModel(
            name="InboundRaw",
            fields=[
                (
                    "inbound",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="raw_copy",
                        serialize=False,
                        to="mail.inboundmail",
                    ),
                ),
                ("raw", models.BinaryField()),
            ],
        ),
        # Nullable first, so that going back can add the column empty and copy the bytes in.
        migrations.AlterField(
            model_name="inboundmail", name="raw", field=models.BinaryField(null=True)
        ),
        migrations.RunSQL(COPY_FORWARD, reverse_sql=COPY_BACK),
        migrations.RemoveField(model_name="inboundmail", name="raw"),
    ]
