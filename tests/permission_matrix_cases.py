"""The permission matrix's data: the cast, the desk they work in, and who may do what where.

Every URL of the site and every API operation is a `Row`; each row says, for each of the seven
roles, what the answer is (status, where a redirect goes, whether the database changes).
tests/test_permission_matrix.py turns each (row, role) into one test and checks that no URL
is missing from ROWS.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.test import Client

from tandem.api.tokens import create_token
from tandem.mail.actions import create_mailbox
from tandem.mail.ingest.processing import process_inbound
from tandem.mail.intake import receive_raw
from tandem.mail.models import InboundMail
from tandem.people import actions as people_actions
from tandem.people.actors import Actor
from tandem.people.models import Agent
from tandem.portal.actions import create_sign_in_link
from tandem.testing import factories
from tandem.tickets import actions as ticket_actions
from tandem.workflow import actions as workflow_actions
from tandem.workflow.notification_actions import set_email_preference
from tandem.workflow.routing_actions import create_routing_rule

# --- the cast ---------------------------------------------------------------------------

ANONYMOUS = "anonymous"
CUSTOMER_A = "customer_a"  # the requester of ticket T
CUSTOMER_B = "customer_b"  # another customer
LIGHT = "light_agent"  # light agent in T's team X
OTHER_TEAM = "other_team_agent"  # agent restricted to team Y's tickets
AGENT = "agent"  # agent who sees all tickets (a member of Y only, so that is what shows)
ADMIN = "admin"

ROLES = (ANONYMOUS, CUSTOMER_A, CUSTOMER_B, LIGHT, OTHER_TEAM, AGENT, ADMIN)
DEPARTED = "deactivated_admin"  # not a column: tried apart, as the anonymous column
CUSTOMERS = (CUSTOMER_A, CUSTOMER_B)
AGENTS = (LIGHT, OTHER_TEAM, AGENT, ADMIN)
NOT_AGENTS = (ANONYMOUS, *CUSTOMERS)


@dataclass
class World:
    """Rows made once per module; each test runs in a savepoint rolled back after it."""

    ids: dict[str, Any]
    sessions: dict[str, str]  # role -> session key (an agent's login or a customer's portal)
    tokens: dict[str, str]  # agent role -> write-scope API token
    media_root: str

    def client(self, role: str, *, api: bool = False) -> tuple[Client, dict[str, str]]:
        """A browser for the role; for the API, agents send their token and no cookie."""
        client = Client()
        if api and role in self.tokens:
            return client, {"Authorization": f"Bearer {self.tokens[role]}"}
        if role in self.sessions:
            client.cookies[settings.SESSION_COOKIE_NAME] = self.sessions[role]
        return client, {}


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


def build_world(media_root: str) -> World:
    team_x = factories.make_team(name="Support Tier 1", track="support", tier=1)
    team_y = factories.make_team(name="Billing", track="service")
    spare_team = factories.make_team(name="Returns", track="service")
    factories.make_team(name="Support Tier 2", track="support", tier=2)  # T escalates there
    agents = {
        ADMIN: factories.make_agent(
            role=Agent.Role.ADMIN, name="Ada Admin", email="admin@desk.test"
        ),
        AGENT: factories.make_agent(name="Alex Agent", email="alex@desk.test", teams=[team_y]),
        LIGHT: factories.make_agent(
            role=Agent.Role.LIGHT, name="Lee Light", email="lee@desk.test", teams=[team_x]
        ),
        OTHER_TEAM: factories.make_agent(
            name="Olly Other",
            email="olly@desk.test",
            teams=[team_y],
            ticket_access=Agent.Access.TEAMS,
        ),
    }
    spare_agent = factories.make_agent(name="Sam Spare", email="sam@desk.test")
    # Customer A's mail domain is Acme's, so A and A's tickets belong to it (it does not share
    # requests in the portal).
    organization = factories.make_organization(name="Acme", domains=["customer.test"])
    customer_a = factories.make_contact(email="carol@customer.test", name="Carol Customer")
    assert customer_a.organization_id == organization.pk
    customer_b = factories.make_contact(email="dave@elsewhere.test", name="Dave Elsewhere")

    ticket = factories.make_ticket(
        contact=customer_a,
        subject="Cannot log in",
        body="The login page says my password is wrong.",
        team=team_x,
        track="support",
        attachments=[ticket_actions.IncomingFile("screen.png", PNG, "image/png")],
    )
    second = factories.make_ticket(contact=customer_a, subject="Also locked out", team=team_x)
    third = factories.make_ticket(contact=customer_a, subject="Reset mail", team=team_x)
    ticket_actions.link_tickets(actor=Actor.for_agent(agents[ADMIN]), ticket=ticket, other=second)
    ticket_actions.add_message(
        actor=Actor.for_agent(agents[AGENT]),
        ticket=ticket,
        body="Checked the auth logs.",
        visibility="internal",
    )
    # Customer B has a request of their own, in team Y.
    theirs = factories.make_ticket(contact=customer_b, subject="Invoice copy", team=team_y)
    attachment = ticket.attachments.get()

    lonely = people_actions.create_contact(name="Lonely Lead", email="lonely@example.test")
    phone = people_actions.add_identity(contact=lonely, kind="phone", value="+44 20 7946 0000")
    tag = ticket_actions.create_tag(name="billing")
    custom_field = ticket_actions.create_custom_field(entity="ticket", label="Plan", kind="text")
    routing_rule = create_routing_rule(name="Invoices", active=False)  # routes nothing

    mailbox = create_mailbox(address="help@desk.test", default_team=team_x)
    calendar = workflow_actions.create_calendar(
        name="Office", weekly_hours={"mon": [["09:00", "17:00"]]}
    )
    # Inactive: no ticket of the world gets SLA clocks, so writes change only their tables.
    sla_policy = workflow_actions.create_sla_policy(name="Night shift", active=False)
    held_back = receive_raw(
        raw=b"Subject: who sent this?\r\n\r\nNo From header at all.\r\n",
        source=InboundMail.Source.SMTP,
        mailbox=mailbox,
        process=False,
    )
    process_inbound(inbound_id=held_back.pk)
    held_back.refresh_from_db()
    assert held_back.state == InboundMail.State.QUARANTINED, held_back.reason

    # Ada mentions Alex: notification N, Alex's (his preference keeps it out of the outbox).
    set_email_preference(agent=agents[AGENT], email="none")
    ticket_actions.add_message(
        actor=Actor.for_agent(agents[ADMIN]),
        ticket=ticket,
        body="@Alex Agent can you check the lockout?",
        visibility="internal",
    )
    notification = agents[AGENT].notifications.get()
    kb_ids = _knowledge_base(agents[ADMIN])

    tokens = {role: create_token(agent=agent, name="matrix")[1] for role, agent in agents.items()}
    spare_token, _ = create_token(agent=agents[AGENT], name="spare")
    link = create_sign_in_link(contact=customer_a)

    # An admin who left: signed in and holding a token from before they were deactivated.
    departed = factories.make_agent(
        role=Agent.Role.ADMIN, name="Dee Departed", email="dee@desk.test"
    )
    agents[DEPARTED] = departed
    tokens[DEPARTED] = create_token(agent=departed, name="old script")[1]

    sessions = {}
    for role, agent in agents.items():
        client = Client()
        assert client.login(username=agent.email, password=factories.PASSWORD)
        sessions[role] = client.session.session_key
    for role, contact in ((CUSTOMER_A, customer_a), (CUSTOMER_B, customer_b)):
        client = Client()
        url = create_sign_in_link(contact=contact).url.removeprefix(settings.BASE_URL)
        assert client.post(url).status_code == 302
        sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
    people_actions.update_agent(agent=departed, active=False)

    from tandem.kb.macro_actions import create_macro

    macro = create_macro(agent=agents[ADMIN], title="Thanks", body="Hi {{ contact.first_name }}")
    ids = {
        "macro": macro.pk,
        "T": ticket.number,
        "T2": second.number,
        "T3": third.number,
        "U": theirs.number,
        "attachment": attachment.pk,
        "attachment_token": attachment.token,
        "first_message": ticket.messages.order_by("id").first().pk,
        "customer_a": customer_a.pk,
        "email_a": customer_a.email,
        "lonely": lonely.pk,
        "phone": phone.pk,
        "organization": organization.pk,
        "team_x": team_x.pk,
        "admin": agents[ADMIN].pk,
        "other_team_agent": agents[OTHER_TEAM].pk,
        "spare_team": spare_team.pk,
        "spare_agent": spare_agent.pk,
        "agent": agents[AGENT].pk,
        "tag": tag.pk,
        "field": custom_field.pk,
        "spare_token": spare_token.pk,
        "link_secret": link.url.rstrip("/").rsplit("/", 1)[-1],
        "mailbox": mailbox.pk,
        "inbound": held_back.pk,
        "notification": notification.pk,
        "calendar": calendar.pk,
        "sla_policy": sla_policy.pk,
        "rule": routing_rule.pk,
        **kb_ids,
        **_rule_ids(),
    }
    return World(ids=ids, sessions=sessions, tokens=tokens, media_root=media_root)


def _knowledge_base(author: Agent) -> dict:
    """A category with a section, a published public article and an agents-only draft."""
    from tandem.kb import actions as kb_actions
    from tandem.kb.attachment_actions import add_article_files

    category = kb_actions.create_category(agent=author, name="Account")
    section = kb_actions.create_section(agent=author, category=category, name="Signing in")
    public = kb_actions.create_article(
        agent=author,
        title="Reset your password",
        body="Press Reset.",
        status="published",
        section=section,
    )
    draft = kb_actions.create_article(
        agent=author,
        title="Override a password",
        body="Agents only.",
        audience="agents",
        section=section,
    )
    kb_actions.update_article(agent=author, article=draft, body="Agents only, second version.")
    public_file, draft_file = (
        add_article_files(
            agent=author, article=article, files=[ticket_actions.IncomingFile(name, PNG)]
        )[0]
        for article, name in ((public, "public.png"), (draft, "internal.png"))
    )
    return {
        "kb_public_file": public_file.pk,
        "kb_draft_file": draft_file.pk,
        "kb_category": category.pk,
        "kb_category_slug": category.slug,
        "kb_section": section.pk,
        "kb_section_slug": section.slug,
        "kb_public": public.pk,
        "kb_public_slug": public.slug,
        "kb_draft": draft.pk,
        "kb_draft_slug": draft.slug,
    }


def _rule_ids() -> dict:
    from tandem.workflow.models import Automation, Trigger

    rule = {"actions": [{"type": "add_tags", "tags": ["x"]}], "active": False}
    trigger = Trigger.objects.create(name="Matrix trigger", events=["ticket_created"], **rule)
    automation = Automation.objects.create(
        name="Matrix automation", time_condition="solved_for", minutes=60, **rule
    )
    return {"trigger": trigger.pk, "automation": automation.pk}


# --- what "nothing changed" means -----------------------------------------------------------

# Columns a read may touch by design: when a token was last used, when a user last signed in.
VOLATILE = {
    ("api.apitoken", "last_used_at"),
    ("auth.user", "last_login"),
    ("people.agent", "last_active_at"),  # an agent changing a ticket is at work
}
UNTRACKED = {
    "sessions.session",  # signing in and out is what sessions are for
    # The search index is a copy of rows compared here, rewritten in the same transaction.
    "core.searchdocument",
}


def tracked_models():
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.label_lower not in UNTRACKED
    ]


@cache
def _snapshot_queries() -> tuple[tuple[str, str], ...]:
    """One plain SELECT per table: the ORM's per-query cost, times two per case, adds up."""
    quote = connection.ops.quote_name
    queries = []
    for model in tracked_models():
        label, meta = model._meta.label_lower, model._meta
        columns = [f.column for f in meta.concrete_fields if (label, f.attname) not in VOLATILE]
        select = ", ".join(quote(c) for c in columns)
        order = quote(meta.pk.column)
        queries.append((label, f"SELECT {select} FROM {quote(meta.db_table)} ORDER BY {order}"))
    return tuple(queries)


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every table (but sessions), as plain values."""
    with connection.cursor() as cursor:
        state = {}
        for label, sql in _snapshot_queries():
            cursor.execute(sql)
            state[label] = cursor.fetchall()
    return state


def changed_tables(before: dict, after: dict) -> set[str]:
    return {label for label in before if before[label] != after[label]}


# --- expected answers ------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    status: int
    to: str | None = None  # a redirect's target; without "?" only its path is compared
    writes: bool = False  # the row's `changes` happen (else nothing at all changes)

    def __str__(self) -> str:
        text = f"{self.status}"
        if self.to:
            text += f" -> {self.to}"
        return text + (" (writes)" if self.writes else "")


LOGIN = "<login>"  # /login/?next=<the path asked for>
PORTAL_SIGN_IN = "<portal sign-in>"  # /portal/sign-in/?next=<path> for GET, bare for POST

OK = Outcome(200)
FORBIDDEN = Outcome(403)
NOT_FOUND = Outcome(404)
UNAUTHORIZED = Outcome(401)
TO_LOGIN = Outcome(302, LOGIN)
TO_PORTAL_SIGN_IN = Outcome(302, PORTAL_SIGN_IN)


def to(path: str) -> Outcome:
    return Outcome(302, path)


def done(status: int = 302, path: str | None = None) -> Outcome:
    """The write happens."""
    return Outcome(status, path, writes=True)


def workspace(
    light: Outcome, other_team: Outcome, agent: Outcome, admin: Outcome
) -> dict[str, Outcome]:
    """Agent pages: anonymous and customers (a portal session is not a login) go to sign-in."""
    return {
        **dict.fromkeys(NOT_AGENTS, TO_LOGIN),
        LIGHT: light,
        OTHER_TEAM: other_team,
        AGENT: agent,
        ADMIN: admin,
    }


def every_agent(outcome: Outcome) -> dict[str, Outcome]:
    return workspace(outcome, outcome, outcome, outcome)


def full_agents(outcome: Outcome, *, other_team: Outcome | None = None) -> dict[str, Outcome]:
    """Agents and admins; light agents are refused (403)."""
    return workspace(FORBIDDEN, other_team or outcome, outcome, outcome)


def on_ticket(light: Outcome, agents: Outcome) -> dict[str, Outcome]:
    """Pages of ticket T (team X): the other team's agent may not see it, so it is a 404."""
    return workspace(light, NOT_FOUND, agents, agents)


def admins_only(outcome: Outcome) -> dict[str, Outcome]:
    return workspace(FORBIDDEN, FORBIDDEN, FORBIDDEN, outcome)


def portal_public(visitor: Outcome, customer: Outcome | None = None) -> dict[str, Outcome]:
    """Open portal pages. Agents' workspace logins are no portal session: they are visitors."""
    return {
        **dict.fromkeys((ANONYMOUS, *AGENTS), visitor),
        **dict.fromkeys(CUSTOMERS, customer or visitor),
    }


def portal_signed_in(requester: Outcome, other: Outcome) -> dict[str, Outcome]:
    return {
        **dict.fromkeys((ANONYMOUS, *AGENTS), TO_PORTAL_SIGN_IN),
        CUSTOMER_A: requester,
        CUSTOMER_B: other,
    }


def everyone(outcome: Outcome) -> dict[str, Outcome]:
    return dict.fromkeys(ROLES, outcome)


def api(light: Outcome, other_team: Outcome, agent: Outcome, admin: Outcome):
    """API operations: without a token (anonymous, and customers, who have none) a 401."""
    return {
        **dict.fromkeys(NOT_AGENTS, UNAUTHORIZED),
        LIGHT: light,
        OTHER_TEAM: other_team,
        AGENT: agent,
        ADMIN: admin,
    }


def api_admins(outcome: Outcome):
    return api(FORBIDDEN, FORBIDDEN, FORBIDDEN, outcome)


def api_reads(status: int = 200, *, other_team: int | None = None):
    ok = Outcome(status)
    return api(ok, Outcome(other_team) if other_team else ok, ok, ok)


def api_writes(status: int, *, light: int = 403, other_team: int | None = None):
    ok = done(status)
    return api(
        done(status) if light == status else Outcome(light),
        Outcome(other_team) if other_team else ok,
        ok,
        ok,
    )


# --- rows ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One request. `name` is the URL name, or for the API "METHOD /api/v1/<OpenAPI path>"."""

    name: str
    method: str
    expect: dict[str, Outcome]
    kwargs: dict[str, str] = field(default_factory=dict)  # URL arguments, "{id}" templates
    query: str = ""
    data: dict[str, Any] | None = None
    changes: frozenset[str] = frozenset()  # tables an allowed write changes
    also: frozenset[str] = frozenset()  # tables it may change too, depending on configuration
    variant: str = ""
    route: str = ""  # API rows: the OpenAPI path, formatted with `kwargs`
    body: str = "form"  # "form", "json" or "multipart"
    xfail: dict[str, str] = field(default_factory=dict)  # role -> "BUG: ..."

    def __post_init__(self):
        assert set(self.expect) == set(ROLES), self.name

    @property
    def is_api(self) -> bool:
        return bool(self.route)

    @property
    def label(self) -> str:
        name = self.name if self.is_api else f"{self.method} {self.name}"
        return f"{name} ({self.variant})" if self.variant else name

    def path(self, world: World) -> str:
        from django.urls import reverse

        kwargs = {k: fill(v, world.ids) for k, v in self.kwargs.items()}
        path = self.route.format(**kwargs) if self.is_api else reverse(self.name, kwargs=kwargs)
        return f"{path}?{fill(self.query, world.ids)}" if self.query else path


def fill(value: Any, ids: dict[str, Any]) -> Any:
    """'{T}' is ticket T's number (an int when it is the whole value), and so on."""
    if isinstance(value, str):
        whole = re.fullmatch(r"\{(\w+)\}", value)
        if whole:
            return ids[whole.group(1)]
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, ids) for v in value]
    return value


def tables(*labels: str) -> frozenset[str]:
    return frozenset(labels)


# Every trigger or automation write also changes the rules' version stamp (workflow.rule_cache).
TRIGGER_WRITE = tables("workflow.trigger", "workflow.rulesversion")
AUTOMATION_WRITE = tables("workflow.automation", "workflow.rulesversion")
# So does every routing rule, SLA policy and calendar write (cached the same way).
CALENDAR_WRITE = tables("core.calendar", "workflow.rulesversion")
ROUTING_RULE_WRITE = tables("workflow.routingrule", "workflow.rulesversion")
SLA_POLICY_WRITE = tables("workflow.slapolicy", "workflow.slatarget", "workflow.rulesversion")


TICKET_WRITE = tables("tickets.ticket", "tickets.ticketevent")
NEW_MESSAGE = tables("tickets.ticket", "tickets.message", "tickets.ticketevent")
# A public reply goes out through the customer's channel: with email on, an outbox row.
MAILED = tables("mail.outboundmail")
NEW_TICKET = NEW_MESSAGE
NEW_TICKET_FOR_NEW_CONTACT = NEW_TICKET | tables("people.contact", "people.contactidentity")
DEFLECTION = tables("kb.deflectionevent")
# Its members and tickets stay, without an organization.
ORGANIZATION_DELETED = tables("people.organization", "people.contact", "tickets.ticket")

GET, POST = "GET", "POST"


def _workspace_rows() -> list[Row]:
    on_t = {"number": "{T}"}  # ticket T's pages
    return [
        Row(
            "home",
            GET,
            {
                **dict.fromkeys(NOT_AGENTS, to("/portal/")),
                **dict.fromkeys(AGENTS, to("/inbox/")),
            },
        ),
        Row("healthz", GET, everyone(OK)),  # public by design: load balancers ask it
        Row("core:login", GET, every_agent(to("/inbox/")) | dict.fromkeys(NOT_AGENTS, OK)),
        # Signing out of the workspace is a POST anyone may make; it only ends a session.
        Row("core:logout", POST, everyone(to("/login/"))),
        # Every agent searches; what each finds is checked in tandem/core/search/tests.
        Row("core:search", GET, every_agent(OK), query="q=password"),
        # --- tickets
        Row("tickets:inbox", GET, every_agent(OK)),
        Row(
            "tickets:bulk",
            POST,
            # The other team's agent cannot open T: refused with a message, nothing changes.
            full_agents(done(302, "/inbox/"), other_team=to("/inbox/")),
            data={"tickets": ["{T}"], "priority": "high"},
            changes=TICKET_WRITE,
        ),
        Row(
            "tickets:go",
            GET,
            on_ticket(to("/tickets/{T}/"), to("/tickets/{T}/")) | {OTHER_TEAM: to("/inbox/")},
            query="number={T}",
        ),
        Row("tickets:new", GET, full_agents(OK)),
        Row(
            "tickets:new",
            POST,
            full_agents(done(302, "/tickets/{new_ticket}/")),
            data={
                "email": "walk-in@example.test",
                "name": "Walt Walkin",
                "subject": "Phoned about a refund",
                "body": "Wants the last invoice refunded.",
                "channel": "phone",
                "priority": "normal",
            },
            changes=NEW_TICKET_FOR_NEW_CONTACT,
        ),
        Row("tickets:detail", GET, on_ticket(OK, OK), kwargs=on_t),
        Row("tickets:timeline", GET, on_ticket(OK, OK), kwargs=on_t),
        Row("tickets:customer", GET, on_ticket(OK, OK), kwargs=on_t),
        # The composer's macro picker: partials that write nothing.
        Row("macros:picker", GET, on_ticket(FORBIDDEN, OK), kwargs=on_t),
        Row(
            "macros:preview",
            GET,
            on_ticket(FORBIDDEN, OK),
            kwargs={"pk": "{macro}", "number": "{T}"},
        ),
        Row(
            "macros:insert",
            POST,
            on_ticket(FORBIDDEN, OK),
            kwargs={"pk": "{macro}", "number": "{T}"},
            data={"body": "Thanks for waiting."},
        ),
        Row("macros:forget", POST, full_agents(OK)),
        Row(
            "tickets:reply",
            POST,
            on_ticket(FORBIDDEN, done(302, "/tickets/{T}/")),
            kwargs=on_t,
            data={"visibility": "public", "body": "Please try a private window."},
            changes=NEW_MESSAGE,
            also=MAILED,
            variant="public reply",
        ),
        Row(
            "tickets:reply",
            POST,
            on_ticket(done(302, "/tickets/{T}/"), done(302, "/tickets/{T}/")),
            kwargs=on_t,
            data={"visibility": "internal", "body": "Auth logs show a locked account."},
            changes=NEW_MESSAGE,
            variant="internal note",
        ),
        Row(
            "tickets:reply",
            POST,
            # A note may move the status, but a light agent changes no ticket.
            on_ticket(FORBIDDEN, done(302, "/tickets/{T}/")),
            kwargs=on_t,
            data={"visibility": "internal", "body": "Fixed, closing.", "status": "solved"},
            changes=NEW_MESSAGE,
            variant="internal note that solves",
        ),
        Row("tickets:properties", GET, on_ticket(OK, OK), kwargs=on_t),
        Row(
            "tickets:properties",
            POST,
            on_ticket(FORBIDDEN, done(302, "/tickets/{T}/")),
            kwargs=on_t,
            data={"priority": "urgent"},
            changes=TICKET_WRITE,
        ),
        Row("tickets:merge", GET, on_ticket(FORBIDDEN, OK), kwargs=on_t, query="number={T3}"),
        Row(
            "tickets:merge",
            POST,
            on_ticket(FORBIDDEN, done(302, "/tickets/{T3}/")),
            kwargs=on_t,
            data={"number": "{T3}"},
            changes=NEW_MESSAGE | tables("tickets.attachment"),
        ),
        Row(
            "tickets:link",
            POST,
            on_ticket(FORBIDDEN, done(302, "/tickets/{T}/")),
            kwargs=on_t,
            data={"number": "{T3}"},
            changes=tables("tickets.ticketlink", "tickets.ticketevent"),
        ),
        Row(
            "tickets:escalate",
            POST,
            on_ticket(FORBIDDEN, done(302, "/tickets/{T}/")),
            kwargs=on_t,
            data={"note": "Tried the usual checks"},
            changes=NEW_MESSAGE,
        ),
        # T is at tier 1: there is no lower tier, so the page answers why (and nothing changes).
        Row(
            "tickets:de_escalate",
            POST,
            on_ticket(FORBIDDEN, Outcome(422)),
            kwargs=on_t,
            data={"note": "Back down"},
        ),
        Row(
            "workflow:availability",
            POST,
            every_agent(done(302, "/")),
            data={"availability": "online"},
            changes=tables("people.agent"),
        ),
        Row(
            "tickets:unlink",
            POST,
            on_ticket(FORBIDDEN, done(302, "/tickets/{T}/")),
            kwargs={"number": "{T}", "other": "{T2}"},
            changes=tables("tickets.ticketlink", "tickets.ticketevent"),
        ),
        # In number order, newest first: "previous" from T is T2; T is the last, so "next"
        # stays on T (and says the list ended).
        Row(
            "tickets:previous",
            GET,
            on_ticket(to("/tickets/{T2}/"), to("/tickets/{T2}/")),
            kwargs=on_t,
            query="in=sort%3Dnumber",
        ),
        Row(
            "tickets:next",
            GET,
            on_ticket(to("/tickets/{T}/"), to("/tickets/{T}/")),
            kwargs=on_t,
            query="in=sort%3Dnumber",
        ),
        Row("tickets:attachment", GET, on_ticket(OK, OK), kwargs={"pk": "{attachment}"}),
        Row(
            "tickets:remote_images",
            GET,
            on_ticket(OK, OK),
            kwargs={**on_t, "message_id": "{first_message}"},
        ),
        # Django's admin is for the desk's admins (superusers) only; its own pages are its
        # business (see ALLOW_LIST in the test module).
        Row(
            "admin:index",
            GET,
            {
                **dict.fromkeys(
                    (*NOT_AGENTS, LIGHT, OTHER_TEAM, AGENT),
                    to("/django-admin/login/?next=/django-admin/"),
                ),
                ADMIN: OK,
            },
        ),
    ]


def _people_rows() -> list[Row]:
    contact_a = {"pk": "{customer_a}"}
    acme = {"pk": "{organization}"}
    contact_form = {
        "name": "Carol C. Customer",
        "email": "{email_a}",
        "organization": "{organization}",
        "lifecycle": "customer",
        "plan": "pro",
    }
    return [
        # Every agent reads customers (a team-restricted one too); light agents only read.
        Row("people:contacts", GET, every_agent(OK)),
        Row("people:contact_create", GET, full_agents(OK)),
        Row(
            "people:contact_create",
            POST,
            full_agents(done(302, "/contacts/{new_contact}/")),
            data={"name": "Nina New", "email": "nina@example.test"},
            changes=tables("people.contact", "people.contactidentity"),
        ),
        Row("people:contact", GET, every_agent(OK), kwargs=contact_a),
        Row("people:contact_edit", GET, full_agents(OK), kwargs=contact_a),
        Row(
            "people:contact_edit",
            POST,
            full_agents(done(302, "/contacts/{customer_a}/")),
            kwargs=contact_a,
            data=contact_form,
            changes=tables("people.contact"),
        ),
        Row(
            "people:contact_delete",
            POST,
            full_agents(done(302, "/contacts/")),
            kwargs={"pk": "{lonely}"},
            changes=tables("people.contact", "people.contactidentity"),
        ),
        Row(
            "people:identity_add",
            POST,
            full_agents(done(302, "/contacts/{customer_a}/")),
            kwargs=contact_a,
            data={"kind": "phone", "value": "+1 202 555 0100"},
            changes=tables("people.contactidentity"),
        ),
        Row(
            "people:identity_remove",
            POST,
            full_agents(done(302, "/contacts/{lonely}/")),
            kwargs={"pk": "{lonely}", "identity_pk": "{phone}"},
            changes=tables("people.contactidentity"),
        ),
        Row("people:organizations", GET, every_agent(OK)),
        Row(
            "people:organization_create",
            POST,
            full_agents(done(302, "/organizations/{new_organization}/")),
            data={"name": "Globex", "domains": "globex.test"},
            changes=tables("people.organization"),
        ),
        Row("people:organization", GET, every_agent(OK), kwargs=acme),
        Row("people:organization_edit", GET, full_agents(OK), kwargs=acme),
        Row(
            "people:organization_edit",
            POST,
            full_agents(done(302, "/organizations/{organization}/")),
            kwargs=acme,
            data={"name": "Acme Inc", "domains": "customer.test", "plan": "enterprise"},
            changes=tables("people.organization"),
        ),
        Row(
            "people:organization_delete",
            POST,
            full_agents(done(302, "/organizations/")),
            kwargs=acme,
            changes=ORGANIZATION_DELETED,
        ),
    ]


MAILBOX_FORM = {
    "receive_via": "smtp",
    "default_track": "service",
    "active": "on",
    "imap_port": "993",
    "imap_security": "ssl",
    "imap_folder": "INBOX",
    "poll_interval_seconds": "60",
}


def _settings_rows() -> list[Row]:
    spare = {"pk": "{spare_agent}"}
    mailbox = {"pk": "{mailbox}"}
    inbound = {"pk": "{inbound}"}
    team = {"pk": "{spare_team}"}
    field_ = {"pk": "{field}"}
    return [
        Row("settings:index", GET, admins_only(OK)),
        Row("settings:agents", GET, admins_only(OK)),
        Row("settings:agent_create", GET, admins_only(OK)),
        Row(
            "settings:agent_create",
            POST,
            # Rendered, not redirected: the generated password is only in this response.
            admins_only(done(200)),
            data={
                "email": "newbie@desk.test",
                "name": "Nora Newbie",
                "role": "agent",
                "ticket_access": "all",
                "password": "",
            },
            changes=tables("auth.user", "people.agent"),
        ),
        Row("settings:agent_edit", GET, admins_only(OK), kwargs=spare),
        Row(
            "settings:agent_edit",
            POST,
            admins_only(done(302, "/settings/agents/")),
            kwargs=spare,
            data={"name": "Sam Spare", "role": "admin", "ticket_access": "all"},
            changes=tables("people.agent", "auth.user"),
        ),
        Row(
            "settings:agent_active",
            POST,
            admins_only(done(302, "/settings/agents/")),
            kwargs=spare,
            data={"active": "0"},
            changes=tables("auth.user"),
        ),
        Row("settings:teams", GET, admins_only(OK)),
        Row(
            "settings:teams",
            POST,
            admins_only(done(302, "/settings/teams/")),
            data={"name": "Onboarding", "track": "service"},
            changes=tables("people.team"),
        ),
        Row("settings:team_edit", GET, admins_only(OK), kwargs=team),
        Row(
            "settings:team_edit",
            POST,
            admins_only(done(302, "/settings/teams/")),
            kwargs=team,
            data={"name": "Returns and refunds", "track": "service"},
            changes=tables("people.team"),
        ),
        Row(
            "settings:team_delete",
            POST,
            admins_only(done(302, "/settings/teams/")),
            kwargs=team,
            changes=tables("people.team"),
        ),
        Row("settings:routing_rules", GET, admins_only(OK)),
        Row(
            "settings:routing_rules",
            POST,
            admins_only(done(302, "/settings/routing/")),
            data={"name": "Refunds", "match": "all", "conditions": "subject contains refund"},
            changes=ROUTING_RULE_WRITE,
        ),
        Row("settings:routing_rule", GET, admins_only(OK), kwargs={"pk": "{rule}"}),
        Row(
            "settings:routing_rule",
            POST,
            admins_only(done(302, "/settings/routing/")),
            kwargs={"pk": "{rule}"},
            data={"name": "Invoices", "match": "any", "conditions": "subject contains invoice"},
            changes=ROUTING_RULE_WRITE,
        ),
        Row(
            "settings:routing_rule_delete",
            POST,
            admins_only(done(302, "/settings/routing/")),
            kwargs={"pk": "{rule}"},
            changes=ROUTING_RULE_WRITE,
        ),
        Row("settings:triggers", GET, admins_only(OK)),
        Row("settings:trigger_new", GET, admins_only(OK)),
        Row(
            "settings:trigger_new",
            POST,
            admins_only(done(302, "/settings/triggers/")),
            data={"name": "Refunds", "events": ["ticket_created"], "add_tags": "refund"},
            changes=TRIGGER_WRITE,
        ),
        Row("settings:trigger", GET, admins_only(OK), kwargs={"pk": "{trigger}"}),
        Row(
            "settings:trigger",
            POST,
            admins_only(done(302, "/settings/triggers/")),
            kwargs={"pk": "{trigger}"},
            data={"name": "Matrix trigger", "events": ["ticket_created"], "add_tags": "y"},
            changes=TRIGGER_WRITE,
        ),
        Row(
            "settings:trigger_active",
            POST,
            admins_only(done(302, "/settings/triggers/")),
            kwargs={"pk": "{trigger}"},
            changes=TRIGGER_WRITE,
        ),
        Row(
            "settings:trigger_move",
            POST,
            admins_only(done(302, "/settings/triggers/")),
            kwargs={"pk": "{trigger}"},
            data={"direction": "down"},
            changes=TRIGGER_WRITE,
        ),
        Row(
            "settings:trigger_dry_run",
            POST,
            admins_only(OK),
            kwargs={"pk": "{trigger}"},
            data={"ticket": "{T}"},
        ),
        Row(
            "settings:trigger_delete",
            POST,
            admins_only(done(302, "/settings/triggers/")),
            kwargs={"pk": "{trigger}"},
            changes=TRIGGER_WRITE,
        ),
        Row("settings:automations", GET, admins_only(OK)),
        Row("settings:automation_new", GET, admins_only(OK)),
        Row(
            "settings:automation_new",
            POST,
            admins_only(done(302, "/settings/automations/")),
            data={
                "name": "Close solved",
                "time_condition": "solved_for",
                "minutes": "10080",
                "set_status": "closed",
            },
            changes=AUTOMATION_WRITE,
        ),
        Row("settings:automation", GET, admins_only(OK), kwargs={"pk": "{automation}"}),
        Row(
            "settings:automation",
            POST,
            admins_only(done(302, "/settings/automations/")),
            kwargs={"pk": "{automation}"},
            data={
                "name": "Matrix automation",
                "time_condition": "solved_for",
                "minutes": "60",
                "add_tags": "y",
            },
            changes=AUTOMATION_WRITE,
        ),
        Row(
            "settings:automation_active",
            POST,
            admins_only(done(302, "/settings/automations/")),
            kwargs={"pk": "{automation}"},
            changes=AUTOMATION_WRITE,
        ),
        Row(
            "settings:automation_move",
            POST,
            admins_only(done(302, "/settings/automations/")),
            kwargs={"pk": "{automation}"},
            data={"direction": "up"},
            changes=AUTOMATION_WRITE,
        ),
        Row(
            "settings:automation_delete",
            POST,
            admins_only(done(302, "/settings/automations/")),
            kwargs={"pk": "{automation}"},
            changes=AUTOMATION_WRITE,
        ),
        Row("settings:assignment", GET, admins_only(OK)),
        Row("settings:team_assignment", GET, admins_only(OK), kwargs={"pk": "{team_x}"}),
        Row(
            "settings:team_assignment",
            POST,
            admins_only(done(302, "/settings/assignment/")),
            kwargs={"pk": "{team_x}"},
            data={"assignment_strategy": "round_robin"},
            changes=tables("people.team"),
        ),
        Row("settings:agent_assignment", GET, admins_only(OK), kwargs={"pk": "{spare_agent}"}),
        Row(
            "settings:agent_assignment",
            POST,
            admins_only(done(302, "/settings/assignment/")),
            kwargs={"pk": "{spare_agent}"},
            data={"capacity": "3", "skills": "de"},
            changes=tables("people.agent"),
        ),
        Row("settings:tags", GET, admins_only(OK)),
        Row(
            "settings:tags",
            POST,
            admins_only(done(302, "/settings/tags/")),
            data={"name": "refund"},
            changes=tables("tickets.tag"),
        ),
        Row(
            "settings:tag_delete",
            POST,
            admins_only(done(302, "/settings/tags/")),
            kwargs={"pk": "{tag}"},
            changes=tables("tickets.tag"),
        ),
        Row("settings:fields", GET, admins_only(to("/settings/fields/ticket/"))),
        Row("settings:field_edit", GET, admins_only(OK), kwargs=field_),
        Row(
            "settings:field_edit",
            POST,
            admins_only(done(302, "/settings/fields/ticket/")),
            kwargs=field_,
            data={"label": "Plan name", "position": "1", "active": "on"},
            changes=tables("core.customfield"),
        ),
        Row("settings:fields_entity", GET, admins_only(OK), kwargs={"entity": "ticket"}),
        Row(
            "settings:fields_entity",
            POST,
            admins_only(done(302, "/settings/fields/ticket/")),
            kwargs={"entity": "ticket"},
            data={"label": "Order number", "kind": "text", "position": "2"},
            changes=tables("core.customfield"),
        ),
        Row("settings:tokens", GET, admins_only(OK)),
        Row(
            "settings:tokens",
            POST,
            admins_only(done(200)),  # the one response that shows the new secret
            data={"agent": "{agent}", "name": "status page", "scope": "read"},
            changes=tables("api.apitoken"),
        ),
        Row(
            "settings:token_revoke",
            POST,
            admins_only(done(302, "/settings/tokens/")),
            kwargs={"pk": "{spare_token}"},
            changes=tables("api.apitoken"),
        ),
        # The email channel: mailboxes, and mail held back for review.
        Row("settings:mailboxes", GET, admins_only(OK)),
        Row("settings:mailbox_new", GET, admins_only(OK)),
        Row(
            "settings:mailbox_new",
            POST,
            admins_only(done(302, "/settings/mailboxes/{new_mailbox}/")),
            data={**MAILBOX_FORM, "address": "sales@desk.test"},
            changes=tables("mail.mailbox"),
        ),
        Row("settings:mailbox", GET, admins_only(OK), kwargs=mailbox),
        Row(
            "settings:mailbox",
            POST,
            admins_only(done(302, "/settings/mailboxes/")),
            kwargs=mailbox,
            data={**MAILBOX_FORM, "address": "help@desk.test", "display_name": "Help desk"},
            changes=tables("mail.mailbox"),
        ),
        Row(
            "settings:mailbox_delete",
            POST,
            # It has mail, so it is deactivated rather than deleted.
            admins_only(done(302, "/settings/mailboxes/")),
            kwargs=mailbox,
            changes=tables("mail.mailbox"),
        ),
        Row(
            "settings:mailbox_test",
            POST,
            # A mailbox fed by SMTP has no server to log in to: only a message, no network.
            admins_only(to("/settings/mailboxes/{mailbox}/")),
            kwargs=mailbox,
        ),
        Row("settings:quarantine", GET, admins_only(OK)),
        Row("settings:quarantine_detail", GET, admins_only(OK), kwargs=inbound),
        Row(
            "settings:quarantine_retry",
            POST,
            admins_only(done(302, "/settings/quarantine/")),
            kwargs=inbound,
            changes=tables("mail.inboundmail"),
        ),
        Row(
            "settings:quarantine_dismiss",
            POST,
            admins_only(done(302, "/settings/quarantine/")),
            kwargs=inbound,
            changes=tables("mail.inboundmail"),
        ),
        # Business hours and SLA policies.
        Row("settings:calendars", GET, admins_only(OK)),
        Row("settings:calendar_new", GET, admins_only(OK)),
        Row(
            "settings:calendar_new",
            POST,
            admins_only(done(302, "/settings/calendars/")),
            data={"name": "Night desk", "time_zone": "Europe/Berlin", "mon": "18:00-24:00"},
            changes=CALENDAR_WRITE,
        ),
        Row("settings:calendar", GET, admins_only(OK), kwargs={"pk": "{calendar}"}),
        Row(
            "settings:calendar",
            POST,
            admins_only(done(302, "/settings/calendars/")),
            kwargs={"pk": "{calendar}"},
            data={"name": "Office", "time_zone": "UTC", "tue": "09:00-17:00"},
            changes=CALENDAR_WRITE,
        ),
        Row(
            "settings:calendar_delete",
            POST,
            admins_only(done(302, "/settings/calendars/")),
            kwargs={"pk": "{calendar}"},
            changes=CALENDAR_WRITE,
        ),
        Row("settings:sla_policies", GET, admins_only(OK)),
        Row("settings:sla_policy_new", GET, admins_only(OK)),
        Row(
            "settings:sla_policy_new",
            POST,
            admins_only(done(302, "/settings/sla/")),
            data={"name": "Weekend", "warning_minutes": "30", "target_low_resolution": "600"},
            changes=SLA_POLICY_WRITE,
        ),
        Row("settings:sla_policy", GET, admins_only(OK), kwargs={"pk": "{sla_policy}"}),
        Row(
            "settings:sla_policy",
            POST,
            admins_only(done(302, "/settings/sla/")),
            kwargs={"pk": "{sla_policy}"},
            data={"name": "Night shift", "warning_minutes": "5", "target_low_resolution": "60"},
            changes=SLA_POLICY_WRITE,
        ),
        Row(
            "settings:sla_policy_move",
            POST,
            admins_only(done(302, "/settings/sla/")),
            kwargs={"pk": "{sla_policy}"},
            data={"direction": "up"},
            changes=tables("workflow.rulesversion"),  # the only policy: no place to move to
        ),
        Row(
            "settings:sla_policy_delete",
            POST,
            admins_only(done(302, "/settings/sla/")),
            kwargs={"pk": "{sla_policy}"},
            changes=tables("workflow.slapolicy", "workflow.rulesversion"),
        ),
        # One's own tokens: agents and admins, not light agents.
        # Macros: every full agent keeps personal ones; shared ones are the admins'.
        Row("settings:macros", GET, full_agents(OK)),
        Row("settings:macro_new", GET, full_agents(OK)),
        Row(
            "settings:macro_new",
            POST,
            full_agents(done(302, "/settings/macros/")),
            data={"title": "Mine", "body": "Hello", "scope": "personal"},
            changes=tables("kb.macro"),
        ),
        Row("settings:macro_edit", GET, admins_only(OK), kwargs={"pk": "{macro}"}),
        Row(
            "settings:macro_edit",
            POST,
            admins_only(done(302, "/settings/macros/")),
            kwargs={"pk": "{macro}"},
            data={"title": "Thanks!", "body": "Hello", "scope": "everyone"},
            changes=tables("kb.macro"),
        ),
        Row(
            "settings:macro_delete",
            POST,
            admins_only(done(302, "/settings/macros/")),
            kwargs={"pk": "{macro}"},
            changes=tables("kb.macro"),
        ),
        Row("settings:my_tokens", GET, full_agents(OK)),
        Row(
            "settings:my_tokens",
            POST,
            full_agents(done(200)),
            data={"name": "my script", "scope": "read"},
            changes=tables("api.apitoken"),
        ),
        Row(
            "settings:my_token_revoke",
            POST,
            # The spare token is the (all-access) agent's: to anyone else it does not exist.
            workspace(FORBIDDEN, NOT_FOUND, done(302, "/settings/tokens/mine/"), NOT_FOUND),
            kwargs={"pk": "{spare_token}"},
            changes=tables("api.apitoken"),
        ),
    ]


def _portal_rows() -> list[Row]:
    on_t = {"number": "{T}"}
    requests_page = to("/portal/requests/")
    return [
        Row("portal:home", GET, portal_public(OK, requests_page)),
        Row("portal:sign_in", GET, portal_public(OK, requests_page)),
        # Known address or not, signed in or not: the same answer, and the mail is a job
        # that runs after the commit.
        Row(
            "portal:sign_in",
            POST,
            everyone(to("/portal/sign-in/sent/")),
            data={"email": "{email_a}"},
        ),
        Row("portal:link_sent", GET, everyone(OK)),
        # A link asks on GET (mail scanners fetch links) and signs in on POST: whoever holds
        # it becomes its contact, as with any emailed sign-in link.
        Row("portal:sign_in_link", GET, everyone(OK), kwargs={"secret": "{link_secret}"}),
        Row(
            "portal:sign_in_link",
            POST,
            everyone(done(302, "/portal/requests/")),
            kwargs={"secret": "{link_secret}"},
            changes=tables("portal.signinlink"),
        ),
        Row("portal:sign_out", POST, everyone(to("/portal/"))),
        Row("portal:submit", GET, portal_public(OK, to("/portal/requests/new/"))),
        Row(
            "portal:submit",
            POST,
            portal_public(done(302, "/portal/submit/thanks/"), to("/portal/requests/new/")),
            data={
                "name": "Nina New",
                "email": "nina@new.test",
                "subject": "Where is my order?",
                "description": "Ordered last week.",
            },
            # The receipt mail carries a sign-in link to follow the request.
            changes=NEW_TICKET_FOR_NEW_CONTACT | tables("portal.signinlink"),
            # A session that saw article suggestions records that it submitted anyway.
            also=DEFLECTION,
        ),
        Row("portal:submitted", GET, everyone(OK)),
        Row("portal:requests", GET, portal_signed_in(OK, OK)),
        Row("portal:new_request", GET, portal_signed_in(OK, OK)),
        Row(
            "portal:new_request",
            POST,
            portal_signed_in(
                done(302, "/portal/requests/{new_ticket}/"),
                done(302, "/portal/requests/{new_ticket}/"),
            ),
            data={"subject": "Another question", "description": "About my plan."},
            changes=NEW_TICKET,
            also=DEFLECTION,
        ),
        Row("portal:request", GET, portal_signed_in(OK, NOT_FOUND), kwargs=on_t),
        Row(
            "portal:reply",
            POST,
            portal_signed_in(done(302, "/portal/requests/{T}/"), NOT_FOUND),
            kwargs=on_t,
            data={"body": "Still locked out."},
            changes=NEW_MESSAGE,
        ),
        Row(
            "portal:mark_solved",
            POST,
            portal_signed_in(done(302, "/portal/requests/{T}/"), NOT_FOUND),
            kwargs=on_t,
            changes=TICKET_WRITE,
        ),
        Row(
            "portal:attachment",
            GET,
            portal_signed_in(OK, NOT_FOUND),
            kwargs={"number": "{T}", "token": "{attachment_token}"},
        ),
    ]


def _file() -> dict[str, str]:
    return {
        "filename": "log.txt",
        "content_type": "text/plain",
        "content_base64": base64.b64encode(b"error 42").decode(),
    }


def _api_rows() -> list[Row]:
    number = {"number": "{T}"}
    contact = {"contact_id": "{customer_a}"}
    lonely = {"contact_id": "{lonely}"}
    organization = {"organization_id": "{organization}"}
    new_note = NEW_MESSAGE | tables("tickets.attachment")

    def row(method, route, expect, kwargs=None, data=None, changes=frozenset(), **extra):
        return Row(
            f"{method} /api/v1{route}",
            method,
            expect,
            kwargs=kwargs or {},
            data=data,
            changes=changes,
            route=f"/api/v1{route}",
            body=extra.pop("body", "json"),
            **extra,
        )

    return [
        # The schema and its docs page are public: they describe the code (which is open
        # source), never the desk's data.
        Row("api:openapi-json", GET, everyone(OK)),
        Row("api:openapi-view", GET, everyone(OK)),
        Row("api:api-root", GET, everyone(NOT_FOUND)),  # ninja's placeholder at /api/v1/
        # The catch-all answers a JSON 404 to anyone: an unknown URL confirms nothing.
        Row("api:unknown_url", GET, everyone(NOT_FOUND), kwargs={"path": "no/such/thing"}),
        row("GET", "/tickets", api_reads()),
        row(
            "POST",
            "/tickets",
            api_writes(201),
            data={"subject": "Via API", "body": "Hello", "requester": {"email": "api@ex.test"}},
            changes=NEW_TICKET_FOR_NEW_CONTACT,
        ),
        row("GET", "/tickets/{number}", api_reads(other_team=404), number),
        row(
            "PATCH",
            "/tickets/{number}",
            api_writes(200, other_team=404),
            number,
            {"priority": "high"},
            TICKET_WRITE,
        ),
        row(
            "POST",
            "/tickets/{number}/merge",
            api_writes(200, other_team=404),
            number,
            {"into": "{T3}"},
            NEW_MESSAGE | tables("tickets.attachment"),
        ),
        row(
            "POST",
            "/tickets/{number}/links",
            api_writes(201, other_team=404),
            number,
            {"other": "{T3}"},
            tables("tickets.ticketlink", "tickets.ticketevent"),
        ),
        row(
            "DELETE",
            "/tickets/{number}/links/{other}",
            api_writes(204, other_team=404),
            {"number": "{T}", "other": "{T2}"},
            changes=tables("tickets.ticketlink", "tickets.ticketevent"),
        ),
        row(
            "POST",
            "/tickets/{number}/escalate",
            api_writes(200, other_team=404),
            number,
            {"note": "Tried the usual checks"},
            NEW_MESSAGE,
        ),
        # T is at tier 1: nothing lower, a 422 saying so.
        row(
            "POST",
            "/tickets/{number}/de-escalate",
            api(FORBIDDEN, NOT_FOUND, Outcome(422), Outcome(422)),
            number,
            {"note": "Back down"},
        ),
        row("GET", "/tickets/{number}/events", api_reads(other_team=404), number),
        row("GET", "/routing-rules", api_admins(OK)),
        row(
            "POST",
            "/routing-rules",
            api_admins(done(201)),
            data={"name": "Refunds", "conditions": {"rules": []}},
            changes=ROUTING_RULE_WRITE,
        ),
        row("GET", "/routing-rules/{rule_id}", api_admins(OK), {"rule_id": "{rule}"}),
        row(
            "PATCH",
            "/routing-rules/{rule_id}",
            api_admins(done(200)),
            {"rule_id": "{rule}"},
            {"active": False},
            ROUTING_RULE_WRITE,
        ),
        row(
            "DELETE",
            "/routing-rules/{rule_id}",
            api_admins(done(204)),
            {"rule_id": "{rule}"},
            changes=ROUTING_RULE_WRITE,
        ),
        row("GET", "/tickets/{number}/messages", api_reads(other_team=404), number),
        row(
            "POST",
            "/tickets/{number}/messages",
            api_writes(201, other_team=404),
            number,
            {"body": "Please try again.", "visibility": "public"},
            NEW_MESSAGE,
            also=MAILED,
            variant="public reply",
        ),
        row(
            "POST",
            "/tickets/{number}/messages",
            api_writes(201, light=201, other_team=404),
            number,
            {"body": "Log attached", "visibility": "internal", "attachments": [_file()]},
            new_note,
            variant="internal note",
        ),
        row(
            "POST",
            "/tickets/{number}/messages",
            api_writes(201, other_team=404),
            number,
            {"body": "Fixed, closing.", "visibility": "internal", "status": "solved"},
            NEW_MESSAGE,
            variant="internal note that solves",
        ),
        row(
            "POST",
            "/tickets/{number}/messages/upload",
            api_writes(201, light=201, other_team=404),
            number,
            {"body": "Screenshot", "visibility": "internal"},
            new_note,
            body="multipart",
        ),
        row(
            "GET",
            "/attachments/{attachment_id}",
            api_reads(other_team=404),
            {"attachment_id": "{attachment}"},
        ),
        row("GET", "/contacts", api_reads()),
        row("GET", "/search", api_reads(), query="q=password"),
        row(
            "POST",
            "/contacts",
            api_writes(201),
            data={"name": "Nina New", "email": "nina@example.test"},
            changes=tables("people.contact", "people.contactidentity"),
        ),
        row("GET", "/contacts/{contact_id}", api_reads(), contact),
        row(
            "PATCH",
            "/contacts/{contact_id}",
            api_writes(200),
            contact,
            {"plan": "pro"},
            tables("people.contact"),
        ),
        row(
            "DELETE",
            "/contacts/{contact_id}",
            api_writes(204),
            lonely,
            changes=tables("people.contact", "people.contactidentity"),
        ),
        row("GET", "/contacts/{contact_id}/tickets", api_reads(), contact),
        row(
            "POST",
            "/contacts/{contact_id}/identities",
            api_writes(201),
            contact,
            {"kind": "twitter", "value": "@carol"},
            tables("people.contactidentity"),
        ),
        row(
            "DELETE",
            "/contacts/{contact_id}/identities/{identity_id}",
            api_writes(204),
            {"contact_id": "{lonely}", "identity_id": "{phone}"},
            changes=tables("people.contactidentity"),
        ),
        row("GET", "/organizations", api_reads()),
        row(
            "POST",
            "/organizations",
            api_writes(201),
            data={"name": "Globex"},
            changes=tables("people.organization"),
        ),
        row("GET", "/organizations/{organization_id}", api_reads(), organization),
        row(
            "PATCH",
            "/organizations/{organization_id}",
            api_writes(200),
            organization,
            {"plan": "enterprise"},
            tables("people.organization"),
        ),
        row(
            "DELETE",
            "/organizations/{organization_id}",
            api_writes(204),
            organization,
            changes=ORGANIZATION_DELETED,
        ),
        row("GET", "/organizations/{organization_id}/contacts", api_reads(), organization),
        # Macros: a light agent uses none (404); shared ones change by admins only.
        row("GET", "/macros", api_reads()),
        row(
            "POST",
            "/macros",
            api_writes(201),
            data={"title": "Via API", "body": "Hi {{ contact.first_name }}"},
            changes=tables("kb.macro"),
        ),
        row("GET", "/macros/{macro_id}", api(NOT_FOUND, OK, OK, OK), {"macro_id": "{macro}"}),
        row(
            "PATCH",
            "/macros/{macro_id}",
            api(NOT_FOUND, FORBIDDEN, FORBIDDEN, done(200)),
            {"macro_id": "{macro}"},
            {"title": "Thanks!"},
            tables("kb.macro"),
        ),
        row(
            "DELETE",
            "/macros/{macro_id}",
            api(NOT_FOUND, FORBIDDEN, FORBIDDEN, done(204)),
            {"macro_id": "{macro}"},
            changes=tables("kb.macro"),
        ),
        row(
            "POST",
            "/macros/{macro_id}/render",
            api(NOT_FOUND, NOT_FOUND, OK, OK),
            {"macro_id": "{macro}"},
            {"ticket": "{T}"},
        ),
        # The mail quarantine: admins' tokens only.
        row("GET", "/mail/quarantine", api_admins(OK)),
        row(
            "POST",
            "/mail/quarantine/{inbound_id}/retry",
            api_admins(done(200)),
            {"inbound_id": "{inbound}"},
            changes=tables("mail.inboundmail"),
        ),
        row(
            "POST",
            "/mail/quarantine/{inbound_id}/dismiss",
            api_admins(done(200)),
            {"inbound_id": "{inbound}"},
            changes=tables("mail.inboundmail"),
        ),
        # Triggers and automations: admins' tokens only.
        *_rule_rows(row),
    ]


def _notification_rows() -> list[Row]:
    """The bell and notifications (tandem.workflow): notification N is Alex Agent's."""
    mine = {"notification_id": "{notification}"}
    # Only its agent may open or mark it; to anyone else it does not exist.
    owner_only = workspace(NOT_FOUND, NOT_FOUND, done(302, "/tickets/{T}/"), NOT_FOUND)
    return [
        Row("notifications:list", GET, every_agent(OK)),
        Row("notifications:bell", GET, every_agent(OK)),
        Row(
            "notifications:open",
            POST,
            owner_only,
            kwargs=mine,
            changes=tables("workflow.notification"),
        ),
        Row(
            "notifications:read",
            POST,
            owner_only | {AGENT: done(302, "/notifications/")},
            kwargs=mine,
            changes=tables("workflow.notification"),
        ),
        Row(
            "notifications:read_all",
            POST,
            # Only Alex has anything unread: for the others it is a no-op.
            every_agent(to("/notifications/")) | {AGENT: done(302, "/notifications/")},
            changes=tables("workflow.notification"),
        ),
        Row(
            "notifications:email",
            POST,
            every_agent(done(302, "/notifications/")),
            data={"email": "all"},
            changes=tables("workflow.notificationpreference"),
        ),
        Row("notifications:follow", GET, on_ticket(OK, OK), kwargs={"number": "{T}"}),
        Row(
            "notifications:follow",
            POST,
            on_ticket(done(302, "/tickets/{T}/"), done(302, "/tickets/{T}/")),
            kwargs={"number": "{T}"},
            data={"follow": "1"},
            # Alex and Ada already follow T (they wrote on it): for them it changes nothing.
            also=tables("workflow.agentfollow"),
        ),
    ]


# core.searchdocument changes too, but it is not tracked (UNTRACKED: a copy of these rows).
ARTICLE_WRITE = tables("kb.article", "kb.articleversion")
ARTICLE_STATUS = tables("kb.article")
ARTICLE_FILES = tables("kb.article", "kb.articleattachment", "kb.articleversion")
NEW_ARTICLE = "/kb/{new_article}/"


def _kb_rows() -> list[Row]:
    public = {"article_id": "{kb_public}", "slug": "{kb_public_slug}"}
    draft = {"article_id": "{kb_draft}"}
    public_path = "/help/articles/{kb_public}-{kb_public_slug}/"
    article_form = {"title": "Override a password", "body": "Third text.", "audience": "agents"}
    return [
        # The help center: open to everyone, and only public articles, whoever asks.
        Row("kb:help", GET, everyone(OK)),
        Row(
            "kb:search",
            GET,
            everyone(done(200)),
            query="q=password",
            changes=tables("kb.helpsearch"),
        ),
        Row("kb:suggest", GET, everyone(OK), query="subject=zebra+crossing"),
        Row("kb:sitemap", GET, everyone(OK)),
        Row(
            "kb:category",
            GET,
            everyone(OK),
            kwargs={"category_id": "{kb_category}", "slug": "{kb_category_slug}"},
        ),
        Row(
            "kb:section",
            GET,
            everyone(OK),
            kwargs={"section_id": "{kb_section}", "slug": "{kb_section_slug}"},
        ),
        Row("kb:article", GET, everyone(done(200)), kwargs=public, changes=tables("kb.article")),
        Row(
            "kb:article",
            GET,
            everyone(NOT_FOUND),
            variant="agents-only draft",
            kwargs={"article_id": "{kb_draft}", "slug": "{kb_draft_slug}"},
        ),
        Row(
            "kb:article_bare",
            GET,
            everyone(Outcome(301, public_path)),
            kwargs={"article_id": "{kb_public}"},
        ),
        Row("kb:article_bare", GET, everyone(NOT_FOUND), variant="agents-only draft", kwargs=draft),
        Row(
            "kb:vote",
            POST,
            everyone(done(302, public_path)),
            kwargs={"article_id": "{kb_public}"},
            data={"helpful": "yes"},
            changes=tables("kb.article", "kb.articlevote"),
        ),
        Row(
            "kb:vote",
            POST,
            everyone(NOT_FOUND),
            variant="agents-only draft",
            kwargs=draft,
            data={"helpful": "yes"},
        ),
        # An article's files: public with a public article, else agents' only (the preview).
        Row(
            "kb:attachment",
            GET,
            everyone(OK),
            kwargs={"article_id": "{kb_public}", "attachment_id": "{kb_public_file}"},
        ),
        Row(
            "kb:attachment",
            GET,
            {**dict.fromkeys(NOT_AGENTS, NOT_FOUND), **dict.fromkeys(AGENTS, OK)},
            variant="agents-only draft",
            kwargs={"article_id": "{kb_draft}", "attachment_id": "{kb_draft_file}"},
        ),
        Row(
            "kb:attachment",
            GET,
            everyone(NOT_FOUND),
            variant="another article's file",
            kwargs={"article_id": "{kb_public}", "attachment_id": "{kb_draft_file}"},
        ),
        # The editor: agents read everything; light agents do not write.
        Row("kb:articles", GET, every_agent(OK)),
        Row("kb:new", GET, full_agents(OK)),
        Row(
            "kb:new",
            POST,
            full_agents(done(302, NEW_ARTICLE)),
            data={**article_form, "title": "New one"},
            changes=ARTICLE_WRITE,
        ),
        Row("kb:preview", POST, every_agent(OK), data={"body": "**bold**"}),
        Row("kb:gaps", GET, every_agent(OK)),
        Row(
            "kb:from_ticket",
            POST,
            workspace(FORBIDDEN, NOT_FOUND, done(302, NEW_ARTICLE), done(302, NEW_ARTICLE)),
            kwargs={"number": "{T}"},
            changes=ARTICLE_WRITE,
        ),
        Row(
            "kb:ticket_suggestions",
            GET,
            workspace(OK, NOT_FOUND, OK, OK),
            kwargs={"number": "{T}"},
        ),
        Row("kb:edit", GET, every_agent(OK), kwargs=draft),
        Row(
            "kb:edit",
            POST,
            full_agents(done(302, "/kb/{kb_draft}/")),
            kwargs=draft,
            data=article_form,
            changes=ARTICLE_WRITE,
        ),
        Row(
            "kb:status",
            POST,
            full_agents(done(302, "/kb/{kb_draft}/")),
            kwargs=draft,
            data={"to": "publish"},
            changes=ARTICLE_STATUS,
        ),
        Row("kb:history", GET, every_agent(OK), kwargs=draft),
        Row(
            "kb:upload",
            POST,
            full_agents(done(302, "/kb/{kb_draft}/")),
            kwargs=draft,
            data={},
            changes=ARTICLE_FILES,
            body="multipart",
        ),
        Row(
            "kb:remove_file",
            POST,
            full_agents(done(302, "/kb/{kb_draft}/")),
            kwargs={"article_id": "{kb_draft}", "attachment_id": "{kb_draft_file}"},
            changes=ARTICLE_FILES,
        ),
        Row("kb:related_search", GET, every_agent(OK), kwargs=draft, query="q=reset"),
        Row(
            "kb:related",
            POST,
            full_agents(done(302, "/kb/{kb_draft}/")),
            kwargs=draft,
            data={"add": "{kb_public}"},
            changes=tables("kb.article", "kb.article_related"),
        ),
        Row(
            "kb:restore",
            POST,
            full_agents(done(302, "/kb/{kb_draft}/history/")),
            kwargs={"article_id": "{kb_draft}", "number": "1"},
            changes=ARTICLE_WRITE,
        ),
    ]


# A new message notifies the ticket's followers and makes its author one (tandem.workflow).
NOTIFIED = tables("workflow.agentfollow", "workflow.notification")


def _with_notifications(row: Row) -> Row:
    if "tickets.message" not in row.changes:
        return row
    return replace(row, also=row.also | NOTIFIED)


def _rule_rows(row) -> list:
    actions = [{"type": "add_tags", "tags": ["y"]}]
    new_trigger = {"name": "New", "events": ["ticket_created"], "actions": actions}
    new_automation = {
        "name": "New",
        "time_condition": "solved_for",
        "minutes": 5,
        "actions": actions,
    }
    trigger, automation = {"trigger_id": "{trigger}"}, {"automation_id": "{automation}"}
    rows = []
    for kind, key, new in (
        ("triggers", trigger, new_trigger),
        ("automations", automation, new_automation),
    ):
        table = tables(f"workflow.{kind[:-1]}", "workflow.rulesversion")
        path = f"/{kind}/{{{next(iter(key))}}}"
        rows += [
            row("GET", f"/{kind}", api_admins(OK)),
            row("POST", f"/{kind}", api_admins(done(201)), data=new, changes=table),
            row("GET", path, api_admins(OK), key),
            row("PATCH", path, api_admins(done(200)), key, data={"active": True}, changes=table),
            row(
                "POST",
                f"{path}/move",
                api_admins(done(200)),
                key,
                data={"direction": "down"},
                changes=table,
            ),
            row("DELETE", path, api_admins(done(204)), key, changes=table),
        ]
    rows += [
        row(
            "POST",
            "/triggers/{trigger_id}/dry-run",
            api_admins(OK),
            trigger,
            data={"ticket": "{T}"},
        ),
        row("GET", "/triggers/{trigger_id}/runs", api_admins(OK), trigger),
    ]
    return rows


def _kb_api_rows() -> list[Row]:
    def row(method, route, expect, kwargs=None, data=None, changes=frozenset()):
        return Row(
            f"{method} /api/v1{route}",
            method,
            expect,
            kwargs=kwargs or {},
            data=data,
            changes=changes,
            route=f"/api/v1{route}",
            body="json",
        )

    draft = {"article_id": "{kb_draft}"}
    return [
        row("GET", "/articles", api_reads()),
        row(
            "POST",
            "/articles",
            api_writes(201),
            data={"title": "Via API", "body": "Text."},
            changes=ARTICLE_WRITE,
        ),
        row("GET", "/articles/{article_id}", api_reads(), draft),
        row(
            "PATCH",
            "/articles/{article_id}",
            api_writes(200),
            draft,
            {"body": "New."},
            ARTICLE_WRITE,
        ),
        row(
            "DELETE",
            "/articles/{article_id}",
            api_writes(204),
            draft,
            changes=ARTICLE_WRITE | tables("kb.articleattachment"),
        ),
        row(
            "POST", "/articles/{article_id}/publish", api_writes(200), draft, changes=ARTICLE_STATUS
        ),
        row(
            "POST", "/articles/{article_id}/archive", api_writes(200), draft, changes=ARTICLE_STATUS
        ),
        row("GET", "/articles/{article_id}/attachments", api_reads(), draft),
        row(
            "POST",
            "/articles/{article_id}/attachments",
            api_writes(201),
            draft,
            {"attachments": [_file()]},
            ARTICLE_FILES,
        ),
        replace(
            row(
                "POST",
                "/articles/{article_id}/attachments/upload",
                api_writes(201),
                draft,
                {},
                ARTICLE_FILES,
            ),
            body="multipart",
        ),
        row(
            "DELETE",
            "/articles/{article_id}/attachments/{attachment_id}",
            api_writes(204),
            {"article_id": "{kb_draft}", "attachment_id": "{kb_draft_file}"},
            changes=ARTICLE_FILES,
        ),
        row("GET", "/categories", api_reads()),
        row(
            "POST",
            "/categories",
            api_writes(201),
            data={"name": "Billing"},
            changes=tables("kb.category"),
        ),
        row(
            "POST",
            "/categories/{category_id}/sections",
            api_writes(201),
            {"category_id": "{kb_category}"},
            {"name": "Invoices"},
            tables("kb.section"),
        ),
    ]


ROWS: list[Row] = [
    _with_notifications(row)
    for row in (
        *_kb_rows(),
        *_kb_api_rows(),
        *_workspace_rows(),
        *_people_rows(),
        *_settings_rows(),
        *_portal_rows(),
        *_api_rows(),
        *_notification_rows(),
    )
]
