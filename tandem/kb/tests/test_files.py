"""Article files and images: upload limits, who may download them, how they are served,
images in the help center, the history, and the API."""

from __future__ import annotations

import base64
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tandem.core.errors import InvalidInput, NotAllowed
from tandem.kb import actions
from tandem.kb.attachment_actions import add_article_files, remove_article_file
from tandem.kb.models import ArticleAttachment
from tandem.tickets.actions import IncomingFile

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _add(agent, article, name="shot.png", content=PNG, content_type="image/png"):
    return add_article_files(
        agent=agent, article=article, files=[IncomingFile(name, content, content_type)]
    )[0]


def _url(item: ArticleAttachment) -> str:
    return f"/help/articles/{item.article_id}/files/{item.pk}/"


# --- who may download --------------------------------------------------------------------


@pytest.fixture(params=["anonymous", "customer"])
def outsider(request):
    """Anonymous visitors and signed-in customers: the help center's public."""
    if request.param == "anonymous":
        return Client()
    return request.getfixturevalue("customer_client")


def test_outsiders_never_get_a_hidden_articles_file(outsider, agent, hidden_articles):
    for article in hidden_articles:
        item = _add(agent, article, name="secret.pdf", content=b"%PDF-1.4", content_type="")
        assert outsider.get(_url(item)).status_code == 404
    # ...and a file of a public article is not reachable through a hidden article's URL.
    assert outsider.get(f"/help/articles/{hidden_articles[0].pk}/files/999/").status_code == 404


def test_outsiders_get_a_public_articles_image_inline(outsider, agent, public_article):
    item = _add(agent, public_article)
    response = outsider.get(_url(item))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'inline; filename="shot.png"'
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_file_stops_being_public_when_its_article_is_unpublished(agent, public_article):
    item = _add(agent, public_article)
    actions.unpublish_article(agent=agent, article=public_article)
    assert Client().get(_url(item)).status_code == 404


def test_agents_and_light_agents_get_draft_files(agent_client, light_client, agent, draft_article):
    item = _add(agent, draft_article, name="notes.pdf", content=b"%PDF-1.4", content_type="")
    for client in (agent_client, light_client):
        response = client.get(_url(item))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")


def test_a_file_is_only_served_under_its_own_article(agent_client, agent, public_article, section):
    other = actions.create_article(agent=agent, title="Other", body="x", section=section)
    item = _add(agent, other)
    url = f"/help/articles/{public_article.pk}/files/{item.pk}/"
    assert agent_client.get(url).status_code == 404


# --- limits ---------------------------------------------------------------------------------


def test_files_over_the_size_limit_are_refused(settings, agent, public_article):
    settings.ATTACHMENT_MAX_BYTES = 1024 * 1024
    with pytest.raises(InvalidInput) as error:
        _add(agent, public_article, content=b"x" * (1024 * 1024 + 1))
    assert error.value.errors[0].field == "attachments[0]"
    assert "larger than 1 MB" in error.value.errors[0].message
    assert not ArticleAttachment.objects.exists()


@pytest.mark.parametrize(
    "name,content_type",
    [("page.html", "text/html"), ("logo.svg", "image/svg+xml"), ("run.exe", ""), ("x", "")],
)
def test_types_a_browser_could_run_are_refused(agent, public_article, name, content_type):
    with pytest.raises(InvalidInput) as error:
        _add(agent, public_article, name=name, content=b"<script>", content_type=content_type)
    assert "not accepted" in error.value.errors[0].message
    assert not ArticleAttachment.objects.exists()


def test_the_type_comes_from_the_name_not_the_uploaders_claim(agent, public_article):
    with pytest.raises(InvalidInput):
        _add(agent, public_article, name="page.html", content_type="image/png")


def test_light_agents_cannot_add_or_remove_files(agent, light_agent, public_article):
    with pytest.raises(NotAllowed):
        _add(light_agent, public_article)
    item = _add(agent, public_article)
    with pytest.raises(NotAllowed):
        remove_article_file(agent=light_agent, attachment=item)


# --- the editor --------------------------------------------------------------------------


def test_editor_upload_lists_the_file_with_its_markdown_snippet(agent_client, draft_article):
    upload = SimpleUploadedFile("diagram.png", PNG, content_type="image/png")
    response = agent_client.post(f"/kb/{draft_article.pk}/files/", {"attachments": [upload]})
    assert response.status_code == 302
    item = ArticleAttachment.objects.get()
    page = agent_client.get(f"/kb/{draft_article.pk}/").content.decode()
    assert f"![diagram](/help/articles/{draft_article.pk}/files/{item.pk}/)" in page
    assert "Insert image" in page


def test_editor_upload_errors_are_shown_on_the_form(agent_client, draft_article):
    upload = SimpleUploadedFile("page.html", b"<script>", content_type="text/html")
    response = agent_client.post(f"/kb/{draft_article.pk}/files/", {"attachments": [upload]})
    assert response.status_code == 400
    assert "files of type text/html are not accepted" in response.content.decode()
    response = agent_client.post(f"/kb/{draft_article.pk}/files/", {})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()


def test_editor_remove_deletes_the_file_and_records_a_version(
    agent_client, agent, draft_article, django_capture_on_commit_callbacks
):
    item = _add(agent, draft_article)
    stored = item.file.path
    with django_capture_on_commit_callbacks(execute=True):
        response = agent_client.post(f"/kb/{draft_article.pk}/files/{item.pk}/remove/")
    assert response.status_code == 302
    assert not ArticleAttachment.objects.exists()
    notes = list(draft_article.versions.values_list("note", flat=True))
    assert notes[:2] == ["Removed file shot.png", "Added file shot.png"]
    assert not os.path.exists(stored)


def test_light_agents_cannot_upload_in_the_editor(light_client, draft_article):
    upload = SimpleUploadedFile("diagram.png", PNG, content_type="image/png")
    response = light_client.post(f"/kb/{draft_article.pk}/files/", {"attachments": [upload]})
    assert response.status_code == 403
    assert not ArticleAttachment.objects.exists()


# --- images in the article -----------------------------------------------------------------


def test_an_image_placed_in_the_body_renders_in_the_help_center_and_preview(
    agent, agent_client, public_article
):
    item = _add(agent, public_article)
    snippet = f"![Settings screen]({_url(item)})"
    actions.update_article(agent=agent, article=public_article, body=f"Look:\n\n{snippet}")
    page = Client().get(public_article.get_absolute_url()).content.decode()
    assert f'<img src="{_url(item)}" alt="Settings screen">' in page
    preview = agent_client.post("/kb/preview/", {"body": snippet}).content.decode()
    assert f'<img src="{_url(item)}" alt="Settings screen">' in preview


def test_image_markdown_cannot_smuggle_script(agent, public_article):
    article = actions.update_article(
        agent=agent, article=public_article, body='![x](javascript:alert(1) "t")'
    )
    assert "<img" not in article.body_html
    assert 'src="javascript' not in article.body_html


# --- the API -------------------------------------------------------------------------------


def test_api_adds_lists_and_deletes_files(agent_api, draft_article):
    path = f"articles/{draft_article.pk}/attachments"
    payload = {
        "filename": "steps.png",
        "content_type": "image/png",
        "content_base64": base64.b64encode(PNG).decode(),
    }
    response = agent_api.post(path, {"attachments": [payload]})
    assert response.status_code == 201, response.json()
    (created,) = response.json()
    item = ArticleAttachment.objects.get()
    assert created["id"] == item.pk
    assert created["url"] == _url(item)
    assert created["markdown"] == f"![steps]({_url(item)})"
    assert [f["id"] for f in agent_api.get(path).json()] == [item.pk]
    assert agent_api.delete(f"{path}/{item.pk}").status_code == 204
    assert agent_api.get(path).json() == []
    assert agent_api.delete(f"{path}/{item.pk}").status_code == 404


def test_api_multipart_upload(agent_api, draft_article):
    upload = SimpleUploadedFile("manual.pdf", b"%PDF-1.4", content_type="application/pdf")
    response = agent_api.post_multipart(
        f"articles/{draft_article.pk}/attachments/upload", {"attachments": [upload]}
    )
    assert response.status_code == 201, response.json()
    assert response.json()[0]["content_type"] == "application/pdf"


def test_api_names_the_bad_field(agent_api, light_api, draft_article):
    path = f"articles/{draft_article.pk}/attachments"
    bad = {"filename": "a.png", "content_type": "image/png", "content_base64": "%%%"}
    response = agent_api.post(path, {"attachments": [bad]})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "attachments[0].content_base64"
    html = {"filename": "a.html", "content_base64": base64.b64encode(b"<b>").decode()}
    response = agent_api.post(path, {"attachments": [html]})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "attachments[0]"
    good = {**html, "filename": "a.txt"}
    assert light_api.post(path, {"attachments": [good]}).status_code == 403
    assert not ArticleAttachment.objects.exists()


def test_deleting_an_article_deletes_its_stored_files(
    agent, draft_article, django_capture_on_commit_callbacks
):
    stored = _add(agent, draft_article).file.path
    with django_capture_on_commit_callbacks(execute=True):
        actions.delete_article(agent=agent, article=draft_article)
    assert not ArticleAttachment.objects.exists()
    assert not os.path.exists(stored)
