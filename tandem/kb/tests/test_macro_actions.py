"""Macro writes: validation on save, who manages which scope, and applying one to a ticket."""

from __future__ import annotations

import pytest
from django.conf import settings

from tandem.core.errors import InvalidInput, NotAllowed
from tandem.kb import macro_actions
from tandem.kb.macro_context import context_for
from tandem.kb.macro_preview import rendered_for
from tandem.kb.macro_queries import macros_usable_by, search_macros
from tandem.kb.macro_sandbox import MacroTemplateError, render
from tandem.kb.models import Article, Macro
from tandem.people.actors import Actor
from tandem.tickets.models import Message, TicketEvent

Kind = TicketEvent.Kind


def fields_of(error: InvalidInput) -> list[str]:
    return [e.field for e in error.errors]


def test_admin_macro_defaults_to_everyone_and_agent_macro_to_personal(admin, agent):
    shared = macro_actions.create_macro(agent=admin, title="Thanks", body="Thanks!")
    mine = macro_actions.create_macro(agent=agent, title="Mine", body="Hi")

    assert (shared.scope, shared.owner_id, shared.created_by_id) == ("everyone", None, admin.pk)
    assert (mine.scope, mine.owner_id) == ("personal", agent.pk)


def test_template_error_is_refused_on_save_naming_the_field(admin):
    with pytest.raises(InvalidInput) as caught:
        macro_actions.create_macro(
            agent=admin,
            title="Broken",
            body="Hi {{ contact.first_name",
            internal_note="{{ settings.SECRET_KEY }}",
        )
    assert fields_of(caught.value) == ["body", "internal_note"]
    assert "unexpected end of template" in caught.value.errors[0].message
    assert "'settings' is not a documented variable" in caught.value.errors[1].message
    assert Macro.objects.count() == 0


def test_unknown_variable_is_refused_on_save(admin):
    with pytest.raises(InvalidInput) as caught:
        macro_actions.create_macro(agent=admin, title="T", body="{{ contact.nickname }}")
    assert caught.value.errors[0].field == "body"
    assert "contact.nickname is not a documented variable" in caught.value.errors[0].message


def test_bad_values_are_named(admin):
    with pytest.raises(InvalidInput) as caught:
        macro_actions.create_macro(
            agent=admin, title=" ", body="", set_status="gone", set_priority="meh", scope="team"
        )
    assert fields_of(caught.value) == ["title", "body", "set_status", "set_priority"]


def test_team_macro_needs_a_team(admin):
    with pytest.raises(InvalidInput) as caught:
        macro_actions.create_macro(agent=admin, title="T", body="x", scope="team")
    assert fields_of(caught.value) == ["team"]


def test_agent_cannot_share_with_everyone_but_can_with_own_team(agent, team, other_team):
    with pytest.raises(NotAllowed):
        macro_actions.create_macro(agent=agent, title="T", body="x", scope="everyone")
    with pytest.raises(NotAllowed):
        macro_actions.create_macro(agent=agent, title="T", body="x", scope="team", team=other_team)
    assert Macro.objects.count() == 0

    ours = macro_actions.create_macro(agent=agent, title="T", body="x", scope="team", team=team)
    assert (ours.scope, ours.team_id, ours.owner_id) == ("team", team.pk, None)


def test_agent_cannot_change_or_delete_a_shared_macro(admin, agent):
    shared = macro_actions.create_macro(agent=admin, title="Shared", body="x")
    with pytest.raises(NotAllowed):
        macro_actions.update_macro(agent=agent, macro=shared, title="Mine now")
    with pytest.raises(NotAllowed):
        macro_actions.delete_macro(agent=agent, macro=shared)
    shared.refresh_from_db()
    assert shared.title == "Shared"


def test_admin_cannot_touch_someone_elses_personal_macro(admin, agent):
    mine = macro_actions.create_macro(agent=agent, title="Mine", body="x")
    with pytest.raises(NotAllowed):
        macro_actions.update_macro(agent=admin, macro=mine, body="y")
    mine.refresh_from_db()
    assert mine.body == "x"


def test_light_agent_manages_and_uses_no_macros(admin, light_agent):
    macro_actions.create_macro(agent=admin, title="Shared", body="x")
    with pytest.raises(NotAllowed):
        macro_actions.create_macro(agent=light_agent, title="T", body="x")
    assert list(macros_usable_by(light_agent)) == []


def test_usable_macros_follow_scope(admin, agent, other_team_agent, team):
    shared = macro_actions.create_macro(agent=admin, title="Shared", body="x")
    team_macro = macro_actions.create_macro(
        agent=admin, title="Team", body="x", scope="team", team=team
    )
    personal = macro_actions.create_macro(agent=agent, title="Personal", body="x")

    assert set(macros_usable_by(agent)) == {shared, team_macro, personal}
    assert set(macros_usable_by(other_team_agent)) == {shared}
    assert set(macros_usable_by(admin)) == {shared, team_macro}


def test_update_changes_only_what_is_passed_and_revalidates(admin):
    macro = macro_actions.create_macro(agent=admin, title="T", body="Hi", add_tags=["vip"])
    macro_actions.update_macro(agent=admin, macro=macro, set_priority="high")
    macro.refresh_from_db()
    assert (macro.title, macro.body, macro.add_tags, macro.set_priority) == (
        "T",
        "Hi",
        ["vip"],
        "high",
    )
    with pytest.raises(InvalidInput):
        macro_actions.update_macro(agent=admin, macro=macro, body="{% for x in y %}{% endfor %}")
    macro.refresh_from_db()
    assert macro.body == "Hi"


def test_search_finds_title_or_body_most_used_first(admin):
    first = macro_actions.create_macro(agent=admin, title="Refund issued", body="Money back")
    second = macro_actions.create_macro(agent=admin, title="Shipping", body="Your refund ships")
    macro_actions.create_macro(agent=admin, title="Other", body="Nothing")
    Macro.objects.filter(pk=second.pk).update(usage_count=5)

    assert list(search_macros(admin, "refund")) == [second, first]


def test_context_holds_only_plain_strings(ticket, agent):
    def walk(value):
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        else:
            assert isinstance(value, str) or getattr(value, "macro_callable", False), value

    walk(context_for(ticket, agent))


def test_rendered_for_a_real_ticket(ticket, agent, admin):
    agent.signature = "Alex from the desk"
    agent.save(update_fields=["signature"])
    macro = macro_actions.create_macro(
        agent=admin,
        title="Ack",
        body="Hi {{ contact.first_name }}, #{{ ticket.number }} is {{ ticket.status }}.\n"
        "{{ agent.first_name }} / {{ agent.signature }} / {{ ticket.url }}",
        set_priority="high",
    )
    rendered = rendered_for(macro, ticket, agent)
    assert rendered.body == (
        f"Hi Carol, #{ticket.number} is New.\n"
        f"Alex / Alex from the desk / {settings.BASE_URL}/portal/requests/{ticket.number}/"
    )
    assert rendered.actions == {"priority": "high"}


def test_apply_makes_changes_with_the_usual_events_and_counts_use(ticket, agent, admin, other_team):
    macro = macro_actions.create_macro(
        agent=admin,
        title="Billing handover",
        body="We are passing this to billing.",
        set_status="pending",
        set_priority="high",
        set_team=other_team,
        add_tags=["Billing"],
        internal_note="Handed over by {{ agent.name }} for {{ contact.email }}",
    )
    before_events = set(ticket.events.values_list("pk", flat=True))

    macro_actions.apply_macro(actor=Actor.for_agent(agent), macro=macro, ticket=ticket)

    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority, ticket.team_id) == ("pending", "high", other_team.pk)
    assert list(ticket.tags.values_list("name", flat=True)) == ["billing"]
    new_kinds = sorted(ticket.events.exclude(pk__in=before_events).values_list("kind", flat=True))
    assert new_kinds == sorted(
        [
            Kind.PRIORITY_CHANGED,
            Kind.TEAM_CHANGED,
            Kind.TRACK_CHANGED,
            Kind.TAGS_CHANGED,
            Kind.STATUS_CHANGED,
            Kind.MESSAGE_ADDED,
        ]
    )
    note = ticket.messages.get(visibility=Message.Visibility.INTERNAL)
    assert note.body == "Handed over by Alex Agent for carol@customer.test"
    macro.refresh_from_db()
    assert macro.usage_count == 1
    assert macro.last_used_at is not None


def test_reply_with_macro_sends_the_reply_and_applies_it_in_one_go(ticket, agent, admin):
    macro = macro_actions.create_macro(
        agent=admin, title="Solve", body="Done!", set_status="solved"
    )
    reply = macro_actions.reply_with_macro(
        actor=Actor.for_agent(agent), macro=macro, ticket=ticket, body="Done, Carol!"
    )
    ticket.refresh_from_db()
    assert reply.body == "Done, Carol!"
    assert ticket.status == "solved"
    assert Macro.objects.get(pk=macro.pk).usage_count == 1


def test_agents_chosen_status_wins_over_the_macros(ticket, agent, admin):
    macro = macro_actions.create_macro(agent=admin, title="P", body="x", set_status="pending")
    macro_actions.reply_with_macro(
        actor=Actor.for_agent(agent), macro=macro, ticket=ticket, body="Hi", status="solved"
    )
    ticket.refresh_from_db()
    assert ticket.status == "solved"


def test_failed_apply_changes_nothing(ticket, agent, admin):
    macro = macro_actions.create_macro(agent=admin, title="Close", body="x", set_status="closed")
    ticket_before = (ticket.status, ticket.message_count)
    with pytest.raises(InvalidInput) as caught:
        macro_actions.reply_with_macro(
            actor=Actor.for_agent(agent), macro=macro, ticket=ticket, body="Bye"
        )
    assert caught.value.errors[0].field == "macro"
    assert "cannot go from" in caught.value.errors[0].message
    ticket.refresh_from_db()
    assert (ticket.status, ticket.message_count) == ticket_before
    assert Macro.objects.get(pk=macro.pk).usage_count == 0


def test_article_url_links_a_published_public_article_only(admin):
    # The interface issue 4 gives articles: title, body, status, audience, /<id>-<slug>/ URLs.
    article = Article.objects.create(
        title="Reset your password", body="Steps", status="published", audience="public"
    )
    source = "{{ article_url(" + str(article.pk) + ") }}"
    text = render(source, {"article_url": context_for_article_url()})
    assert text.endswith(f"/help/articles/{article.pk}-reset-your-password/")
    Article.objects.filter(pk=article.pk).update(audience="agents")
    with pytest.raises(MacroTemplateError, match="not published in the public help center"):
        render(source, {"article_url": context_for_article_url()})
    with pytest.raises(MacroTemplateError, match="there is no article"):
        render("{{ article_url(999999) }}", {"article_url": context_for_article_url()})


def context_for_article_url():
    from tandem.kb.macro_context import article_url

    return article_url
