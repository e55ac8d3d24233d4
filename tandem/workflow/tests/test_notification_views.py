"""The bell, the notifications page, mark read, follow, email preference; and the held reply."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tandem.people.actors import Actor
from tandem.tickets import actions
from tandem.tickets.models import Message
from tandem.workflow.models import AgentFollow, EmailChoice, Notification, NotificationPreference

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def alex(client, agent):
    client.force_login(agent.user)
    return client


def mention(author, ticket, text="@alex please check"):
    return actions.add_message(
        actor=Actor.for_agent(author), ticket=ticket, body=text, visibility="internal"
    )


def test_bell_shows_unread_count_and_newest_first(
    alex, agent, admin, ticket, django_assert_max_num_queries
):
    mention(admin, ticket, "@alex first")
    mention(admin, ticket, "@alex second")
    with django_assert_max_num_queries(5):
        response = alex.get(reverse("notifications:bell"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-unread="2"' in html
    older, newer = Notification.objects.filter(agent=agent).order_by("id")
    assert html.count('class="notification is-unread"') == 2
    assert html.index(f"/notifications/{newer.pk}/open/") < html.index(
        f"/notifications/{older.pk}/open/"
    )


def test_bell_and_pages_require_an_agent(client, ticket):
    for url in (reverse("notifications:bell"), reverse("notifications:list")):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]
    assert client.post(reverse("notifications:read_all")).status_code == 302


def test_opening_a_notification_marks_it_read_and_goes_to_the_ticket(alex, agent, admin, ticket):
    mention(admin, ticket)
    notification = Notification.objects.get(agent=agent)
    response = alex.post(reverse("notifications:open", args=[notification.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("tickets:detail", args=[ticket.number])
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_mark_one_then_all_read(alex, agent, admin, ticket):
    mention(admin, ticket, "@alex one")
    mention(admin, ticket, "@alex two")
    first, second = Notification.objects.filter(agent=agent)
    response = alex.post(reverse("notifications:read", args=[first.pk]), {"from": "bell"}, **HTMX)
    assert 'data-unread="1"' in response.content.decode()
    assert Notification.objects.filter(agent=agent, read_at__isnull=True).get() == second
    response = alex.post(reverse("notifications:read_all"))
    assert response.status_code == 302
    assert Notification.objects.filter(agent=agent, read_at__isnull=True).count() == 0


def test_someone_elses_notification_is_404_and_unchanged(alex, agent, admin, ticket):
    mention(agent, ticket, "@ada yours")
    theirs = Notification.objects.get(agent=admin)
    assert alex.post(reverse("notifications:read", args=[theirs.pk])).status_code == 404
    assert alex.post(reverse("notifications:open", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_follow_button_follows_and_unfollows(alex, agent, ticket):
    url = reverse("notifications:follow", args=[ticket.number])
    assert ">Follow<" in alex.get(url).content.decode()
    response = alex.post(url, {"follow": "1"}, **HTMX)
    assert ">Following<" in response.content.decode()
    assert AgentFollow.objects.filter(agent=agent, ticket=ticket).count() == 1
    response = alex.post(url, {"follow": "0"})
    assert response.status_code == 302
    assert not AgentFollow.objects.filter(agent=agent, ticket=ticket).exists()


def test_follow_of_a_ticket_the_agent_may_not_see_is_404(client, other_team_agent, ticket):
    client.force_login(other_team_agent.user)
    url = reverse("notifications:follow", args=[ticket.number])
    assert client.post(url, {"follow": "1"}).status_code == 404
    assert AgentFollow.objects.count() == 0


def test_email_preference_is_saved_and_bad_values_refused(alex, agent):
    alex.post(reverse("notifications:email"), {"email": EmailChoice.ALL})
    assert NotificationPreference.objects.get(agent=agent).email == EmailChoice.ALL
    alex.post(reverse("notifications:email"), {"email": "often"})
    assert NotificationPreference.objects.get(agent=agent).email == EmailChoice.ALL
    page = alex.get(reverse("notifications:list")).content.decode()
    assert 'value="all" checked' in page


# --- the held reply (tickets.views.ticket.reply) -------------------------------------------


def reply_url(ticket):
    return reverse("tickets:reply", args=[ticket.number])


def test_reply_drafted_before_a_customer_message_is_held_with_what_arrived(
    alex, agent, customer, ticket
):
    seen = ticket.messages.get().pk
    actions.add_message(actor=Actor.for_contact(customer), ticket=ticket, body="Never mind, fixed!")
    draft = {"visibility": "public", "body": "Have you tried resetting?", "seen_message": seen}

    response = alex.post(reply_url(ticket), draft, **HTMX)
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#composer"
    html = response.content.decode()
    assert "Not sent yet:" in html and "Never mind, fixed!" in html
    assert "Have you tried resetting?" in html  # the draft is kept
    newest = ticket.messages.order_by("-id").first().pk
    assert f'name="seen_message" value="{newest}"' in html
    assert ticket.messages.count() == 2  # nothing sent

    # Confirmed: posted again from the refreshed composer, it goes out.
    response = alex.post(reply_url(ticket), {**draft, "seen_message": newest}, **HTMX)
    assert response.status_code == 200
    assert ticket.messages.filter(author_agent=agent).count() == 1


def test_held_reply_without_htmx_renders_the_page_with_the_warning(alex, admin, ticket):
    seen = ticket.messages.get().pk
    actions.add_message(actor=Actor.for_agent(admin), ticket=ticket, body="I already answered.")
    response = alex.post(
        reply_url(ticket), {"visibility": "public", "body": "Hello", "seen_message": seen}
    )
    assert response.status_code == 409
    assert "I already answered." in response.content.decode()
    assert ticket.messages.count() == 2


def test_own_replies_internal_notes_and_old_forms_are_not_held(alex, agent, admin, ticket):
    seen = ticket.messages.get().pk
    actions.add_message(actor=Actor.for_agent(agent), ticket=ticket, body="My earlier reply")
    actions.add_message(
        actor=Actor.for_agent(admin),
        ticket=ticket,
        body="a colleague's note",
        visibility="internal",
    )
    response = alex.post(
        reply_url(ticket), {"visibility": "public", "body": "More", "seen_message": seen}, **HTMX
    )
    assert response.status_code == 200
    actions.add_message(actor=Actor.for_agent(admin), ticket=ticket, body="colleague reply")
    # A note is never held; nor a form without the field (the API never has one).
    assert (
        alex.post(
            reply_url(ticket), {"visibility": "internal", "body": "n", "seen_message": seen}, **HTMX
        ).status_code
        == 200
    )
    assert (
        alex.post(reply_url(ticket), {"visibility": "public", "body": "x"}, **HTMX).status_code
        == 200
    )
    assert (
        ticket.messages.filter(author_agent=agent, visibility=Message.Visibility.PUBLIC).count()
        == 3
    )


def test_ticket_page_carries_the_newest_public_message_and_presence_hooks(alex, ticket):
    page = alex.get(reverse("tickets:detail", args=[ticket.number])).content.decode()
    assert f'name="seen_message" value="{ticket.messages.get().pk}"' in page
    assert f'data-presence-socket="/ws/tickets/{ticket.number}/presence/"' in page
    assert "data-bell" in page
