"""The benchmark desk's customers: organizations, contacts and their email identities, in bulk."""

from __future__ import annotations

import datetime as dt
import json
import random
from typing import TYPE_CHECKING

from benchmarks.bulk import Sink, default_columns

if TYPE_CHECKING:
    from benchmarks.fixtures import Shape


def write_people(
    sink: Sink,
    rng: random.Random,
    shape: Shape,
    start: dt.datetime,
    Organization,
    Contact,
    ContactIdentity,
) -> dict:  # noqa: N803 (model classes)
    org_known = {
        "id",
        "name",
        "domains",
        "shares_requests",
        "plan",
        "notes",
        "custom_fields",
        "created_at",
        "updated_at",
    }
    extra_cols, extra_vals = default_columns(Organization, org_known, sink)
    created = sink.ts(start)
    org_rows = []
    for index in range(1, shape.organizations + 1):
        org_rows.append(
            (
                index,
                f"Company {index}",
                json.dumps([f"company{index}.example"]),
                sink.flag(rng.random() < 0.2),
                rng.choice(("Starter", "Growth", "Business", "Enterprise")),
                "",
                "{}",
                created,
                created,
                *extra_vals,
            )
        )
    organizations = sink.write(
        Organization._meta.db_table,
        [
            "id",
            "name",
            "domains",
            "shares_requests",
            "plan",
            "notes",
            "custom_fields",
            "created_at",
            "updated_at",
            *extra_cols,
        ],
        org_rows,
    )

    contact_known = {
        "id",
        "name",
        "email",
        "organization_id",
        "lifecycle",
        "plan",
        "language",
        "time_zone",
        "notes",
        "custom_fields",
        "created_at",
        "updated_at",
        "last_seen_at",
    }
    extra_cols, extra_vals = default_columns(Contact, contact_known, sink)
    identity_known = {
        "id",
        "contact_id",
        "kind",
        "value",
        "is_primary",
        "verified_at",
        "created_at",
    }
    id_extra_cols, id_extra_vals = default_columns(ContactIdentity, identity_known, sink)
    contact_rows, identity_rows = [], []
    primary = sink.flag(True)
    for index in range(1, shape.contacts + 1):
        org = rng.randint(1, shape.organizations) if rng.random() < 0.88 else None
        email = f"customer{index}@company{org}.example" if org else f"person{index}@mail.example"
        contact_rows.append(
            (
                index,
                f"Customer {index}",
                email,
                org,
                "customer",
                "",
                "en",
                "",
                "",
                "{}",
                created,
                created,
                None,
                *extra_vals,
            )
        )
        identity_rows.append((index, index, "email", email, primary, None, created, *id_extra_vals))
    contacts = sink.write(
        Contact._meta.db_table,
        [
            "id",
            "name",
            "email",
            "organization_id",
            "lifecycle",
            "plan",
            "language",
            "time_zone",
            "notes",
            "custom_fields",
            "created_at",
            "updated_at",
            "last_seen_at",
            *extra_cols,
        ],
        contact_rows,
    )
    sink.write(
        ContactIdentity._meta.db_table,
        [
            "id",
            "contact_id",
            "kind",
            "value",
            "is_primary",
            "verified_at",
            "created_at",
            *id_extra_cols,
        ],
        identity_rows,
    )
    return {"organizations": organizations, "contacts": contacts}
