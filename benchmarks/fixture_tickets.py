"""The benchmark desk's tickets with their messages, events and tags, in bulk.

Row tuples are built by hand, column by column: at seven million rows, anything more
comfortable (model instances, dicts) costs minutes.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import math
import random
from bisect import bisect
from typing import TYPE_CHECKING

from benchmarks.bulk import Sink, default_columns

if TYPE_CHECKING:
    from benchmarks.fixtures import Shape

CHUNK = 20_000  # tickets per batch
SERVICE_CATEGORIES = ("orders", "billing", "refunds", "returns", "onboarding", "upgrade", "account")
SUPPORT_CATEGORIES = ("login", "crash", "api", "sync", "performance", "outage")
CHANNELS = ("email", "portal", "chat", "phone", "web", "api")
CHANNEL_WEIGHTS = (36, 20, 17, 8, 6, 13)
PRIORITIES = ("low", "normal", "high", "urgent")
PRIORITY_WEIGHTS = (15, 58, 21, 6)
UNSOLVED = ("new", "open", "pending", "on_hold")
UNSOLVED_WEIGHTS = (20, 45, 25, 10)
SUBJECTS = (
    "Where is my order {n}?",
    "Invoice {n} shows the wrong VAT number",
    "Refund for order {n}",
    "Cannot log in since this morning",
    "App crashes when opening the floor plan",
    "API returns 500 on /v2/bookings",
    "Sensors show no data since Monday",
    "Dashboard very slow to load",
    "Need to add {n} more seats",
    "Change our billing contact",
    "Webhooks stopped arriving",
    "Return label for order {n}",
    "SSO login fails for new users",
)
SENTENCES = (
    "We ordered a batch of hubs last week and the tracking has not moved since Tuesday.",
    "Our finance team needs the corrected invoice before the end of the month.",
    "Since the update the app closes as soon as I open the floor plan.",
    "The integration has been getting errors from the bookings endpoint for an hour.",
    "I have attached a screenshot of what we see.",
    "Thanks for the quick answer.",
    "I cleared the cache and tried a private window, same result.",
    "I have checked with the warehouse and the parcel is at the courier's depot.",
    "The fix is deployed; could you try again and let me know?",
    "Your identity provider rotated its certificate; I have loaded the new one.",
    "About forty people in the office are affected.",
    "That worked, thank you!",
    "I am sorry for the trouble, a replacement is on its way by express.",
)
TAGS = tuple(
    f"tag-{name}"
    for name in [
        "vip",
        "order",
        "shipping",
        "invoice",
        "refund",
        "login",
        "sso",
        "2fa",
        "bug",
        "mobile-app",
        "api",
        "webhook",
        "sync",
        "performance",
        "outage",
        "upsell",
        "churn-risk",
        "gdpr",
        "returns",
        "warranty",
        "onboarding",
        "training",
        "calendar",
        "sensors",
        "display",
        "firmware",
        "eu",
        "us",
        "apac",
        "duplicate",
    ]
)


def write_tickets(
    sink: Sink,
    rng: random.Random,
    shape: Shape,
    *,
    now,
    start,
    team_agents,
    service_teams,
    support_tier1,
    support_higher,
    tag_ids,
    models,
    progress,
) -> dict:
    Ticket, Message, TicketEvent, TicketTags, Contact = models  # noqa: N806 (model classes)
    ticket_known = {
        "number",
        "subject",
        "track",
        "category",
        "channel",
        "status",
        "unsolved",
        "priority",
        "contact_id",
        "organization_id",
        "team_id",
        "assignee_id",
        "custom_fields",
        "merged_into_id",
        "followup_of_id",
        "created_at",
        "updated_at",
        "solved_at",
        "closed_at",
        "first_response_at",
        "last_customer_message_at",
        "last_agent_reply_at",
        "message_count",
    }
    t_extra_cols, t_extra_vals = default_columns(Ticket, ticket_known, sink)
    ticket_cols = [
        "number",
        "subject",
        "track",
        "category",
        "channel",
        "status",
        "unsolved",
        "priority",
        "contact_id",
        "organization_id",
        "team_id",
        "assignee_id",
        "custom_fields",
        "merged_into_id",
        "followup_of_id",
        "created_at",
        "updated_at",
        "solved_at",
        "closed_at",
        "first_response_at",
        "last_customer_message_at",
        "last_agent_reply_at",
        "message_count",
        *t_extra_cols,
    ]
    message_known = {
        "id",
        "ticket_id",
        "visibility",
        "author_kind",
        "author_contact_id",
        "author_agent_id",
        "channel",
        "body",
        "html",
        "quoted",
        "message_id",
        "in_reply_to",
        "delivery_status",
        "delivery_detail",
        "meta",
        "created_at",
    }
    m_extra_cols, m_extra_vals = default_columns(Message, message_known, sink)
    message_cols = [
        "id",
        "ticket_id",
        "visibility",
        "author_kind",
        "author_contact_id",
        "author_agent_id",
        "channel",
        "body",
        "html",
        "quoted",
        "message_id",
        "in_reply_to",
        "delivery_status",
        "delivery_detail",
        "meta",
        "created_at",
        *m_extra_cols,
    ]
    event_known = {
        "id",
        "ticket_id",
        "kind",
        "actor_kind",
        "actor_agent_id",
        "actor_contact_id",
        "message_id",
        "data",
        "created_at",
    }
    e_extra_cols, e_extra_vals = default_columns(TicketEvent, event_known, sink)
    event_cols = [
        "id",
        "ticket_id",
        "kind",
        "actor_kind",
        "actor_agent_id",
        "actor_contact_id",
        "message_id",
        "data",
        "created_at",
        *e_extra_cols,
    ]

    # Contacts' organizations, to fill ticket.organization_id consistently.
    with sink.connection.cursor() as cursor:
        cursor.execute(f'SELECT id, organization_id FROM "{Contact._meta.db_table}" ORDER BY id')
        contact_orgs = [org for _, org in cursor.fetchall()]
    contact_weights = [min(rng.paretovariate(1.5), 30.0) for _ in contact_orgs]
    cumulative = []
    total = 0.0
    for weight in contact_weights:
        total += weight
        cumulative.append(total)
    bodies = [" ".join(rng.sample(SENTENCES, k=rng.randint(2, 3))) for _ in range(300)]
    bodies_html = ["<p>" + html.escape(b) + "</p>" for b in bodies]
    span = (now - start).total_seconds()
    counts = {"tickets": 0, "messages": 0, "events": 0, "ticket_tags": 0}
    message_id = event_id = 1
    flag_true, flag_false = sink.flag(True), sink.flag(False)
    ts = sink.ts

    for chunk_start in range(1, shape.tickets + 1, CHUNK):
        tickets, messages, events, ticket_tags = [], [], [], []
        for number in range(chunk_start, min(chunk_start + CHUNK, shape.tickets + 1)):
            created = start + dt.timedelta(
                seconds=span * (number - 1) / shape.tickets + rng.random() * 60
            )
            created = created.replace(microsecond=0)
            age_days = (now - created).total_seconds() / 86400
            p_unsolved = 0.65 if age_days < 2 else 0.3 if age_days < 14 else 0.012
            support = rng.random() < 0.45
            if support:
                track = "support"
                category = rng.choice(SUPPORT_CATEGORIES)
                team = rng.choice(support_higher if rng.random() < 0.15 else support_tier1)
            else:
                track = "service"
                category = rng.choice(SERVICE_CATEGORIES)
                team = rng.choice(service_teams)
            if rng.random() < p_unsolved:
                status = rng.choices(UNSOLVED, weights=UNSOLVED_WEIGHTS)[0]
                unsolved = True
            else:
                status = "closed" if age_days > 5 and rng.random() < 0.93 else "solved"
                unsolved = False
            assignee = None
            if status != "new" and rng.random() < (0.75 if unsolved else 0.97):
                assignee = rng.choice(team_agents[team])
            point = rng.random() * total
            contact = min(bisect(cumulative, point), len(cumulative) - 1) + 1
            organization = contact_orgs[contact - 1]
            count = 1 if status == "new" else 2 + min(6, int(rng.expovariate(0.69)))
            first_response = None
            if count > 1:
                first_response = min(
                    now,
                    created
                    + dt.timedelta(minutes=min(rng.lognormvariate(math.log(50), 1.2), 4000)),
                )
            solved = closed = None
            if not unsolved:
                solved = (first_response or created) + dt.timedelta(
                    hours=min(rng.lognormvariate(math.log(6), 1.3), 600)
                )
                solved = min(solved, now)
                if status == "closed":
                    closed = solved + dt.timedelta(days=4)
                    if closed > now:
                        status, closed = "solved", None
            if unsolved:
                updated = created + dt.timedelta(
                    seconds=rng.random() * (now - created).total_seconds()
                )
            else:
                updated = closed or solved
            updated = max(updated.replace(microsecond=0), first_response or created)
            # Messages between creation and the last activity, customer first.
            moments = sorted(created + (updated - created) * rng.random() for _ in range(count - 1))
            last_customer = created
            last_agent = None
            channel = rng.choices(CHANNELS, weights=CHANNEL_WEIGHTS)[0]
            messages.append(
                (
                    message_id,
                    number,
                    "public",
                    "contact",
                    contact,
                    None,
                    channel,
                    bodies[number % 300],
                    bodies_html[number % 300],
                    "",
                    "",
                    "",
                    "",
                    "",
                    "{}",
                    ts(created),
                    *m_extra_vals,
                )
            )
            message_id += 1
            for index, moment in enumerate(moments):
                moment = moment.replace(microsecond=0)
                body = (number + index + 1) % 300
                if index % 2 == 0:
                    note = rng.random() < 0.1
                    messages.append(
                        (
                            message_id,
                            number,
                            "internal" if note else "public",
                            "agent",
                            None,
                            assignee or team_agents[team][0],
                            "web",
                            bodies[body],
                            bodies_html[body],
                            "",
                            "",
                            "",
                            "sent",
                            "",
                            "{}",
                            ts(moment),
                            *m_extra_vals,
                        )
                    )
                    last_agent = moment
                else:
                    messages.append(
                        (
                            message_id,
                            number,
                            "public",
                            "contact",
                            contact,
                            None,
                            channel,
                            bodies[body],
                            bodies_html[body],
                            "",
                            "",
                            "",
                            "",
                            "",
                            "{}",
                            ts(moment),
                            *m_extra_vals,
                        )
                    )
                    last_customer = moment
                message_id += 1
            events.append(
                (
                    event_id,
                    number,
                    "created",
                    "contact",
                    None,
                    contact,
                    None,
                    json.dumps({"channel": channel, "status": "new", "track": track}),
                    ts(created),
                    *e_extra_vals,
                )
            )
            event_id += 1
            transitions = []
            if status != "new":
                first_status = "open" if status != "on_hold" else "on_hold"
                transitions.append(
                    ("new", first_status if unsolved else "open", first_response or created)
                )
                if unsolved and status not in ("open", "on_hold"):
                    transitions.append(("open", status, updated))
                if solved:
                    transitions.append(("open", "solved", solved))
                if closed:
                    transitions.append(("solved", "closed", closed))
            for before, after, moment in transitions:
                events.append(
                    (
                        event_id,
                        number,
                        "status_changed",
                        "agent",
                        assignee,
                        None,
                        None,
                        json.dumps({"from": before, "to": after}),
                        ts(moment),
                        *e_extra_vals,
                    )
                )
                event_id += 1
            if rng.random() < 0.35:
                chosen = rng.sample(tag_ids, k=rng.choice((1, 1, 2)))
                ticket_tags.extend((number, tag) for tag in chosen)
            tickets.append(
                (
                    number,
                    SUBJECTS[number % len(SUBJECTS)].format(n=number),
                    track,
                    category,
                    channel,
                    status,
                    flag_true if unsolved else flag_false,
                    rng.choices(PRIORITIES, weights=PRIORITY_WEIGHTS)[0],
                    contact,
                    organization,
                    team,
                    assignee,
                    "{}",
                    None,
                    None,
                    ts(created),
                    ts(updated),
                    ts(solved),
                    ts(closed),
                    ts(first_response),
                    ts(last_customer),
                    ts(last_agent),
                    count,
                    *t_extra_vals,
                )
            )
        counts["tickets"] += sink.write(Ticket._meta.db_table, ticket_cols, tickets)
        counts["messages"] += sink.write(Message._meta.db_table, message_cols, messages)
        counts["events"] += sink.write(TicketEvent._meta.db_table, event_cols, events)
        counts["ticket_tags"] += sink.write(
            TicketTags._meta.db_table, ["ticket_id", "tag_id"], ticket_tags
        )
        if counts["tickets"] % (CHUNK * 10) == 0 or counts["tickets"] == shape.tickets:
            progress(f"{counts['tickets']:,} tickets, {counts['messages']:,} messages")
    return counts
