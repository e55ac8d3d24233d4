"""The article editor's files: upload, list (with the Markdown snippet of each image), remove."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from tandem.core.errors import InvalidInput
from tandem.core.permissions import agent_required
from tandem.kb import attachment_actions
from tandem.kb.models import Article, ArticleAttachment
from tandem.kb.queries import article_for
from tandem.tickets.actions import IncomingFile


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        uploads = data if isinstance(data, list | tuple) else [data] if data else []
        if not uploads:
            super().clean(None, initial)  # "This field is required." when it is
            return []
        return [super(MultipleFileField, self).clean(upload, initial) for upload in uploads]


class UploadForm(forms.Form):
    # Named like the tickets API's multipart field, so one client works for both.
    attachments = MultipleFileField(label="Add files or images", required=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attachments"].help_text = attachment_actions.max_upload_hint()

    def add_action_errors(self, error: InvalidInput) -> None:
        for item in error.errors:
            self.add_error("attachments", item.message)


@dataclass(frozen=True)
class FileRow:
    attachment: ArticleAttachment
    url: str
    is_image: bool
    markdown: str


def file_rows(article: Article) -> list[FileRow]:
    rows = []
    for item in article.attachments.all():
        image = attachment_actions.is_image(item.content_type)
        url = attachment_actions.attachment_url(item)
        snippet = attachment_actions.file_markdown(item)
        rows.append(FileRow(attachment=item, url=url, is_image=image, markdown=snippet))
    return rows


@require_POST
@agent_required
def upload(request, article_id: int):
    from tandem.kb.editor_views import editor_only, render_editor

    editor_only(request.agent)
    article = article_for(request.agent, article_id)
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        incoming = [IncomingFile.from_upload(upload) for upload in form.cleaned_data["attachments"]]
        try:
            stored = attachment_actions.add_article_files(
                agent=request.agent, article=article, files=incoming
            )
        except InvalidInput as error:
            form.add_action_errors(error)
        else:
            messages.success(request, f"Added {len(stored)} file{'s' if len(stored) > 1 else ''}.")
            return redirect("kb:edit", article_id=article.pk)
    return render_editor(request, article, upload_form=form, status=400)


@require_POST
@agent_required
def remove(request, article_id: int, attachment_id: int):
    from tandem.kb.editor_views import editor_only

    editor_only(request.agent)
    article = article_for(request.agent, article_id)
    item = get_object_or_404(ArticleAttachment, pk=attachment_id, article=article)
    attachment_actions.remove_article_file(agent=request.agent, attachment=item)
    messages.success(request, f"Removed {item.filename}.")
    return redirect("kb:edit", article_id=article.pk)
