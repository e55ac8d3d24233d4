"""Files and images of knowledge-base articles: adding and removing them.

The limits are the desk's attachment limits (ATTACHMENT_MAX_MB, ATTACHMENT_MAX_COUNT); the
accepted types are the ones Tandem serves under their own name (tandem.tickets.downloads),
because an article's files are public whenever the article is. Each change is one version in
the article's history (its title and body as they are, the note naming the file), so the
history says who added or removed which file and when.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Sequence

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.utils import timezone

from tandem.core.errors import FieldError, InvalidInput
from tandem.kb.actions import _record_version, require_editor
from tandem.kb.models import Article, ArticleAttachment
from tandem.people.models import Agent
from tandem.tickets.actions.attachments import IncomingFile, check_files, safe_filename
from tandem.tickets.downloads import OPAQUE, served_content_type

# Shown inline (in <img> and when opened); every other type is a download.
IMAGE_TYPES = frozenset(
    {"image/png", "image/jpeg", "image/gif", "image/webp", "image/avif", "image/bmp"}
)
ACCEPTED_KINDS = (
    "images (PNG, JPEG, GIF, WebP), PDF, text, office documents, archives, audio, video"
)


def file_type(incoming: IncomingFile) -> str:
    """The type from the file's name, else the uploader's word for it (browsers differ)."""
    filename = safe_filename(incoming.filename)
    guessed = mimetypes.guess_type(filename)[0]
    return (guessed or incoming.content_type or OPAQUE).split(";", 1)[0].strip().lower()


def is_image(content_type: str) -> bool:
    return served_content_type(content_type) in IMAGE_TYPES


def _check_types(files: Sequence[IncomingFile], field: str) -> None:
    errors = []
    for index, incoming in enumerate(files):
        kind = file_type(incoming)
        if served_content_type(kind) == OPAQUE:
            errors.append(
                FieldError(
                    f"{field}[{index}]",
                    f"{incoming.filename}: files of type {kind} are not accepted "
                    f"(accepted: {ACCEPTED_KINDS})",
                )
            )
    if errors:
        raise InvalidInput(errors)


def _touch(article: Article) -> None:
    article.updated_at = timezone.now()
    article.save(update_fields=["updated_at"])


@transaction.atomic
def add_article_files(
    *, agent: Agent, article: Article, files: Sequence[IncomingFile], field: str = "attachments"
) -> list[ArticleAttachment]:
    """Store the files (all or none) and record one version naming them."""
    require_editor(agent)
    files = list(files)
    if not files:
        raise InvalidInput.single(field, "choose at least one file")
    check_files(files, field=field)
    _check_types(files, field)
    article = Article.objects.select_for_update().get(pk=article.pk)
    stored = []
    for incoming in files:
        filename = safe_filename(incoming.filename)
        payload = incoming.content
        django_file = (
            ContentFile(bytes(payload)) if isinstance(payload, bytes | bytearray) else File(payload)
        )
        item = ArticleAttachment(
            article=article,
            filename=filename,
            content_type=file_type(incoming)[:120],
            size=django_file.size,
        )
        item.file.save(filename, django_file, save=False)
        item.save()
        stored.append(item)
    names = ", ".join(item.filename for item in stored)
    _touch(article)
    _record_version(article, author=agent, note=f"Added file {names}"[:200])
    return stored


@transaction.atomic
def remove_article_file(*, agent: Agent, attachment: ArticleAttachment) -> Article:
    """Remove the file (from storage once the removal is committed) and record a version."""
    require_editor(agent)
    article = Article.objects.select_for_update().get(pk=attachment.article_id)
    storage, name = attachment.file.storage, attachment.file.name
    filename = attachment.filename
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(name) if name else None)
    _touch(article)
    _record_version(article, author=agent, note=f"Removed file {filename}"[:200])
    return article


def image_markdown(attachment: ArticleAttachment) -> str:
    """The snippet that shows an image in an article body."""
    alt = attachment.filename.rsplit(".", 1)[0].replace("[", "").replace("]", "")
    return f"![{alt}]({attachment_url(attachment)})"


def file_markdown(attachment: ArticleAttachment) -> str:
    """An image's snippet, or a link for any other file."""
    if is_image(attachment.content_type):
        return image_markdown(attachment)
    return f"[{attachment.filename}]({attachment_url(attachment)})"


def attachment_url(attachment: ArticleAttachment) -> str:
    from django.urls import reverse

    return reverse("kb:attachment", args=[attachment.article_id, attachment.pk])


def max_upload_hint() -> str:
    limit_mb = settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)
    count = settings.ATTACHMENT_MAX_COUNT
    return f"Up to {count} files at once, {limit_mb} MB each: {ACCEPTED_KINDS}."
