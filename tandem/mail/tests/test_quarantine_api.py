"""GET /mail/quarantine, retry and dismiss: admin tokens only, keyset pages, one error shape."""

from __future__ import annotations

import pytest
from django.core.serializers.json import DjangoJSONEncoder

from tandem.api.models import ApiToken
from tandem.api.tests.fixtures import *  # noqa: F403
from tandem.api.tests.fixtures import ApiClient, token_for
from tandem.mail import actions
from tandem.mail.intake import receive_raw
from tandem.mail.models import InboundMail

pytestmark = pytest.mark.django_db

RAW = (
    b"From: carol@customer.test\r\nSubject: Order\r\nMessage-ID: <q-1@customer.test>\r\n\r\nHi\r\n"
)


def quarantined(mailbox=None, *, state="quarantined", reason="Could not parse", subject="Order"):
    inbound = receive_raw(
        raw=RAW,
        source="smtp",
        mailbox=mailbox,
        envelope_from="carol@customer.test",
        envelope_to=["support@desk.test"],
        process=False,
    )
    InboundMail.objects.filter(pk=inbound.pk).update(
        state=state, reason=reason, from_address="carol@customer.test", subject=subject
    )
    inbound.refresh_from_db()
    return inbound


@pytest.fixture
def support(db):
    return actions.create_mailbox(address="support@desk.test")


def item(inbound: InboundMail) -> dict:
    inbound.refresh_from_db()
    mailbox = inbound.mailbox
    return {
        "id": inbound.pk,
        "state": inbound.state,
        "reason": inbound.reason,
        "source": "smtp",
        "mailbox": {"id": mailbox.pk, "address": mailbox.address} if mailbox else None,
        "envelope_from": "carol@customer.test",
        "envelope_to": ["support@desk.test"],
        "from_address": "carol@customer.test",
        "subject": inbound.subject,
        "message_id": "q-1@customer.test",
        "size": len(RAW),
        "attempts": inbound.attempts,
        "received_at": DjangoJSONEncoder().default(inbound.received_at),
    }


def rows_state() -> list[tuple]:
    return list(InboundMail.objects.order_by("pk").values_list("pk", "state", "reason"))


# --- who may -------------------------------------------------------------------------------


@pytest.fixture
def callers(anon_api, light_api, agent_api, admin_api, admin):
    return {
        "anonymous": anon_api,
        "light": light_api,
        "agent": agent_api,
        "admin_read_scope": ApiClient(token_for(admin, scope=ApiToken.Scope.READ)),
        "admin": admin_api,
    }


EXPECTED = {
    # caller: (GET list, POST retry, POST dismiss)
    "anonymous": (401, 401, 401),
    "light": (403, 403, 403),
    "agent": (403, 403, 403),
    "admin_read_scope": (200, 403, 403),
    "admin": (200, 200, 200),
}


@pytest.mark.parametrize("caller", list(EXPECTED))
def test_only_admin_tokens_review_the_quarantine(callers, caller, support):
    api = callers[caller]
    first, second = quarantined(support), quarantined(support)
    listed, retried, dismissed = EXPECTED[caller]
    before = rows_state()

    response = api.get("mail/quarantine")
    assert response.status_code == listed
    if listed != 200:
        assert set(response.json()) == {"detail"}

    response = api.post(f"mail/quarantine/{first.pk}/retry")
    assert response.status_code == retried
    response = api.post(f"mail/quarantine/{second.pk}/dismiss")
    assert response.status_code == dismissed

    if caller == "admin":
        assert [state for _, state, _ in rows_state()] == ["received", "dismissed"]
    else:
        assert response.json()["detail"]
        assert rows_state() == before


def test_non_admins_hear_why(agent_api):
    response = agent_api.get("mail/quarantine")
    assert response.json() == {"detail": "Only admins can review quarantined mail."}


# --- the list ------------------------------------------------------------------------------


def test_the_list_has_quarantined_and_held_mail_newest_first(
    admin_api, support, django_assert_max_num_queries
):
    failed = quarantined(support, reason="No text part")
    held = quarantined(support, state="held", reason="Sender over the limit")
    quarantined(support, state="processed", reason="")
    quarantined(support, state="dismissed")
    orphan = quarantined(None, reason="Mailbox was deleted")

    with django_assert_max_num_queries(4):
        response = admin_api.get("mail/quarantine")

    assert response.status_code == 200
    assert response.json() == {"items": [item(orphan), item(held), item(failed)], "next": None}


def test_the_list_filters_by_state(admin_api, support):
    quarantined(support)
    held = quarantined(support, state="held")
    body = admin_api.get("mail/quarantine", {"state": "held"}).json()
    assert [i["id"] for i in body["items"]] == [held.pk]
    bad = admin_api.get("mail/quarantine", {"state": "processed"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "state"


def test_next_links_walk_every_page_once(admin_api, support):
    made = [quarantined(support, subject=f"Mail {n}") for n in range(5)]
    seen, params = [], {"limit": 2}
    for _ in range(4):
        body = admin_api.get("mail/quarantine", params).json()
        seen += [i["id"] for i in body["items"]]
        if body["next"] is None:
            break
        assert body["next"].startswith("http://testserver/api/v1/mail/quarantine?")
        params = {"limit": 2, "cursor": body["next"].split("cursor=")[1]}
    assert seen == [m.pk for m in reversed(made)]


def test_a_made_up_cursor_is_a_422_naming_it(admin_api):
    response = admin_api.get("mail/quarantine", {"cursor": "nonsense"})
    assert response.status_code == 422
    assert response.json() == {
        "detail": "cursor: is not valid; follow a `next` link",
        "errors": [{"field": "cursor", "message": "is not valid; follow a `next` link"}],
    }


# --- retry and dismiss ---------------------------------------------------------------------


def test_retry_answers_the_mail_back_in_processing(admin_api, support):
    held = quarantined(support, state="held", reason="Sender over the limit")

    response = admin_api.post(f"mail/quarantine/{held.pk}/retry")

    assert response.status_code == 200
    assert response.json() == item(held)
    assert (response.json()["state"], response.json()["reason"]) == ("received", "")


def test_dismiss_answers_the_mail_dismissed_by_the_tokens_admin(admin_api, support):
    inbound = quarantined(support, reason="Could not parse")

    response = admin_api.post(f"mail/quarantine/{inbound.pk}/dismiss")

    assert response.status_code == 200
    body = response.json()
    assert body == item(inbound)
    assert (body["state"], body["reason"]) == (
        "dismissed",
        "Could not parse\nDismissed by Ada Admin.",
    )
    inbound.refresh_from_db()
    assert bytes(inbound.raw) == RAW


@pytest.mark.parametrize("verb", ["retry", "dismiss"])
def test_mail_that_is_not_waiting_for_review_is_a_422(admin_api, support, verb):
    done = quarantined(support, state="processed", reason="")
    before = rows_state()

    response = admin_api.post(f"mail/quarantine/{done.pk}/{verb}")

    assert response.status_code == 422
    word = "retried" if verb == "retry" else "dismissed"
    message = f"only quarantined or held mail can be {word}, not processed"
    assert response.json() == {
        "detail": f"state: {message}",
        "errors": [{"field": "state", "message": message}],
    }
    assert rows_state() == before


@pytest.mark.parametrize("verb", ["retry", "dismiss"])
def test_unknown_mail_is_a_404(admin_api, verb):
    response = admin_api.post(f"mail/quarantine/12345/{verb}")
    assert (response.status_code, response.json()) == (404, {"detail": "Not found"})


def test_a_non_admin_cannot_probe_which_ids_exist(agent_api):
    assert agent_api.post("mail/quarantine/12345/retry").status_code == 403
