"""The API as a whole: token authentication, the one error shape, the docs and the schema."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.utils import timezone

from tandem.api import tokens
from tandem.api.auth import INVALID, MISSING, READ_ONLY
from tandem.api.models import ApiToken
from tandem.api.tests.fixtures import *  # noqa: F403
from tandem.api.tests.fixtures import ApiClient, token_for
from tandem.people import actions as people_actions
from tandem.people.models import Agent
from tandem.tickets.models import Ticket

SNAPSHOT = Path(__file__).with_name("openapi_snapshot.json")


# --- authentication ------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Token abc",
        "Basic YTpi",
    ],
)
def test_request_without_a_bearer_token_is_401(db, authorization):
    response = ApiClient(authorization=authorization).get("tickets")

    assert response.status_code == 401
    assert response.json() == {"detail": MISSING}
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.parametrize(
    "raw",
    [
        "nonsense",
        "tdm_nope",
        "tdm_00000000_secret",
        "xyz_{prefix}_{secret}",
        "tdm_{prefix}_wrong",
    ],
)
def test_unknown_or_mangled_token_is_401(agent, raw):
    real = token_for(agent)
    _, prefix, secret = real.split("_", 2)

    response = ApiClient(raw.format(prefix=prefix, secret=secret)).get("tickets")

    assert response.status_code == 401
    assert response.json() == {"detail": INVALID}


def test_revoked_token_is_401(agent):
    response = ApiClient(token_for(agent, revoked=True)).get("tickets")

    assert response.status_code == 401
    assert response.json() == {"detail": INVALID}


def test_token_of_deactivated_agent_is_401(agent):
    client = ApiClient(token_for(agent))
    assert client.get("tickets").status_code == 200

    people_actions.update_agent(agent=agent, active=False)

    response = client.get("tickets")
    assert response.status_code == 401
    assert response.json() == {"detail": INVALID}


def test_bearer_scheme_is_case_insensitive(agent):
    response = ApiClient(authorization=f"bearer {token_for(agent)}").get("tickets")

    assert response.status_code == 200


def test_read_token_reads_but_every_write_is_403_before_anything_is_parsed(agent, ticket):
    client = ApiClient(token_for(agent, scope=ApiToken.Scope.READ))

    assert client.get(f"tickets/{ticket.number}").status_code == 200
    response = client.post_raw("tickets", "{not json")

    assert response.status_code == 403
    assert response.json() == {"detail": READ_ONLY}
    assert Ticket.objects.count() == 1


def test_authentication_costs_one_query_then_none_while_the_check_is_cached(
    agent, ticket, django_assert_num_queries
):
    client = ApiClient(token_for(agent))
    client.get("tickets/0")  # the first use records last_used_at

    # Nothing but the ticket lookup: the token was checked a moment ago.
    with django_assert_num_queries(1):
        response = client.get("tickets/0")
    assert response.status_code == 404

    # Past the bound, the token with its agent and user are read again.
    tokens.forget_all_checked_tokens()
    with django_assert_num_queries(2):
        assert client.get("tickets/0").status_code == 404


def test_a_revoke_made_in_another_process_stops_the_token_within_the_cache_bound(
    agent, monkeypatch
):
    secret = token_for(agent)
    client = ApiClient(secret)
    assert client.get("tickets").status_code == 200
    # Another process revokes: no save in this one, so only the bound protects us.
    ApiToken.objects.filter(agent=agent).update(revoked_at=timezone.now())
    assert client.get("tickets").status_code == 200

    later = time.monotonic() + tokens.CACHE_SECONDS
    monkeypatch.setattr(tokens.time, "monotonic", lambda: later)

    response = client.get("tickets")
    assert response.status_code == 401
    assert response.json() == {"detail": INVALID}


def test_revoking_in_this_process_stops_the_token_at_once(agent):
    secret = token_for(agent)
    client = ApiClient(secret)
    assert client.get("tickets").status_code == 200

    tokens.revoke_token(token=ApiToken.objects.get(agent=agent))

    assert client.get("tickets").status_code == 401


def test_a_demoted_agent_acts_with_the_new_role_at_once(agent, ticket):
    client = ApiClient(token_for(agent))
    assert client.post("contacts", {"email": "x@example.com"}).status_code == 201

    people_actions.update_agent(agent=agent, role=Agent.Role.LIGHT)

    assert client.post("contacts", {"email": "y@example.com"}).status_code == 403


def test_each_check_hands_out_its_own_token_agent_and_user(agent):
    secret = token_for(agent)
    first = tokens.authenticate_token(secret)
    first.agent.name = "Changed by one request"
    first.agent.user.is_active = False

    second = tokens.authenticate_token(secret)

    assert second == first
    assert second.agent is not first.agent
    assert (second.agent.name, second.agent.user.is_active) == (agent.name, True)


def test_a_wrong_secret_with_a_cached_prefix_is_401(agent):
    secret = token_for(agent)
    assert tokens.authenticate_token(secret) is not None

    assert tokens.authenticate_token(secret[:-2] + "xx") is None


def test_first_use_records_last_used_at(agent):
    secret = token_for(agent)
    token = ApiToken.objects.get(agent=agent)
    assert token.last_used_at is None

    ApiClient(secret).get("tickets")

    token.refresh_from_db()
    assert token.last_used_at is not None


# --- the error shape -----------------------------------------------------------


def test_unknown_url_is_a_json_404(agent_api, anon_api):
    for client in (agent_api, anon_api):
        response = client.get("no/such/thing")
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found"}


def test_ticket_that_does_not_exist_is_404_not_found(agent_api):
    response = agent_api.get("tickets/999999")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found"}


def test_malformed_json_is_400(agent_api):
    response = agent_api.post_raw("tickets", '{"subject": "Hi",')

    assert response.status_code == 400
    assert response.json() == {"detail": "The request body is not valid JSON."}
    assert Ticket.objects.count() == 0


@pytest.mark.parametrize("body", ["", "[1, 2]", '"text"'])
def test_body_that_is_not_an_object_is_422(agent_api, body):
    response = agent_api.post_raw("tickets", body)

    assert response.status_code == 422
    assert response.json() == {
        "detail": "the request body must be a JSON object",
        "errors": [{"field": "", "message": "the request body must be a JSON object"}],
    }


def test_schema_errors_name_fields_by_dotted_path_without_body_prefix(agent_api):
    response = agent_api.post(
        "tickets",
        {
            "subject": "Hi",
            "requester": {"name": "No email"},
            "attachments": [{"filename": "a.txt"}],
            "priority": "whenever",
            "surprise": 1,
        },
    )

    assert response.status_code == 422
    errors = response.json()["errors"]
    assert {e["field"] for e in errors} == {
        "requester.email",
        "attachments[0].content_base64",
        "priority",
        "surprise",
    }
    by_field = {e["field"]: e["message"] for e in errors}
    assert by_field["requester.email"] == "is required"
    assert by_field["surprise"] == "is not a known field"
    assert by_field["priority"] == "Input should be 'low', 'normal', 'high' or 'urgent'"


def test_query_errors_name_the_parameter_without_query_prefix(agent_api):
    response = agent_api.get("tickets", {"limit": 101, "sort": "random"})

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["limit", "sort"]


@pytest.mark.parametrize(
    ("method", "path", "payload", "field"),
    [
        ("post", "tickets", {"subject": "a\x00b", "body": "x", "requester_id": 1}, "subject"),
        (
            "post",
            "tickets",
            {"subject": "a", "body": "x", "requester_id": 1, "tags": ["\x00"]},
            "tags",
        ),
        (
            "post",
            "tickets",
            {"subject": "a", "body": "x", "requester": {"email": "a\x00@b.test"}},
            "requester.email",
        ),
        ("get", "contacts", {"q": "a\x00"}, "q"),
    ],
)
def test_nul_characters_are_refused_before_the_database_sees_them(
    agent_api, customer, method, path, payload, field
):
    # PostgreSQL cannot store NUL in text; without this check the write would be a 500 there.
    response = getattr(agent_api, method)(path, payload)

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": field, "message": "may not contain NUL characters"}
    ]
    assert Ticket.objects.count() == 0


def test_action_errors_are_422_naming_every_field(agent_api, customer):
    response = agent_api.post("tickets", {"subject": "  ", "body": "", "requester_id": customer.pk})

    assert response.status_code == 422
    assert response.json() == {
        "detail": "subject: may not be empty; body: may not be empty",
        "errors": [
            {"field": "subject", "message": "may not be empty"},
            {"field": "body", "message": "may not be empty"},
        ],
    }
    assert Ticket.objects.count() == 0


def test_not_allowed_is_403_with_the_reason(light_api, ticket):
    response = light_api.post(
        f"tickets/{ticket.number}/messages", {"body": "Hello customer", "visibility": "public"}
    )

    assert response.status_code == 403
    assert response.json() == {
        "detail": "Light agents can add internal notes only, never a public reply."
    }
    assert ticket.messages.count() == 1


def test_body_over_the_upload_limit_is_413(agent_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = agent_api.post(
        "tickets",
        {"subject": "Big", "body": "x" * 2000, "requester": {"email": "big@example.test"}},
    )

    assert response.status_code == 413
    assert "multipart/form-data" in response.json()["detail"]
    assert Ticket.objects.count() == 0


# --- docs and schema -----------------------------------------------------------


def test_docs_page_uses_bundled_swagger_without_cdn(db):
    response = Client().get("/api/v1/docs")

    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert "/static/ninja/swagger-ui.css" in page
    assert "cdn" not in page.lower()
    assert "https://" not in page
    assert finders.find("ninja/swagger-ui-bundle.js")
    assert finders.find("ninja/swagger-ui-init.js")


def test_openapi_schema_matches_the_committed_snapshot(db):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()

    if os.environ.get("TANDEM_UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n")
    # A deliberate API change: rerun with TANDEM_UPDATE_SNAPSHOTS=1 and commit the diff.
    assert schema == json.loads(SNAPSHOT.read_text())


def test_openapi_documents_bearer_auth(db):
    schema = Client().get("/api/v1/openapi.json").json()

    assert schema["components"]["securitySchemes"] == {
        "TokenAuth": {"type": "http", "scheme": "bearer"}
    }
    assert schema["paths"]["/api/v1/tickets"]["get"]["security"] == [{"TokenAuth": []}]
