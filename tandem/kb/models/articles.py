"""Knowledge-base tables: categories, sections, articles, their versions and votes, and the
help center's search and deflection logs. Writes go through `tandem.kb.actions`."""

from __future__ import annotations

from django.db import models
from django.utils.text import slugify

__all__ = [
    "Article",
    "ArticleAttachment",
    "ArticleVersion",
    "ArticleVote",
    "Category",
    "DeflectionEvent",
    "HelpSearch",
    "Section",
]


class Category(models.Model):
    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=140)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)
    # The ticket category (Ticket.category) this category answers, for the knowledge-gap report.
    ticket_category = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Section(models.Model):
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="sections")
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["category", "name"], name="kb_section_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.category.name} / {self.name}"


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        ARCHIVED = "archived", "Archived"

    class Audience(models.TextChoices):
        PUBLIC = "public", "Public"
        AGENTS = "agents", "Agents only"

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, allow_unicode=False)
    body = models.TextField(help_text="Markdown.")
    body_html = models.TextField(blank=True, help_text="The body rendered and sanitised.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    audience = models.CharField(max_length=16, choices=Audience.choices, default=Audience.PUBLIC)
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="articles"
    )
    section = models.ForeignKey(
        Section, null=True, blank=True, on_delete=models.SET_NULL, related_name="articles"
    )
    tags = models.JSONField(default=list, blank=True)
    related = models.ManyToManyField("self", blank=True, symmetrical=True)
    author = models.ForeignKey(
        "people.Agent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    view_count = models.PositiveIntegerField(default=0)
    helpful_yes = models.PositiveIntegerField(default=0)
    helpful_no = models.PositiveIntegerField(default=0)
    linked_in_replies = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]
        indexes = [models.Index(fields=["status", "audience"], name="kb_article_visibility")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("kb:article", args=[self.pk, self.slug or slugify(self.title) or "article"])

    def public_url(self) -> str:
        """The help center page as a full address, for what is read outside the desk (mail)."""
        from django.conf import settings

        return f"{settings.BASE_URL}{self.get_absolute_url()}"

    @property
    def is_public(self) -> bool:
        """What anyone, signed in or not, may read in the help center."""
        return self.status == self.Status.PUBLISHED and self.audience == self.Audience.PUBLIC


def _attachment_path(instance: ArticleAttachment, filename: str) -> str:
    return f"kb/{instance.article_id}/{filename}"


class ArticleAttachment(models.Model):
    """A file or image shown in or under an article (public when the article is)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=_attachment_path)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=120)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["filename"]

    def __str__(self) -> str:
        return self.filename


class ArticleVersion(models.Model):
    """Every save of an article: who wrote which title and body, when."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField()
    author = models.ForeignKey(
        "people.Agent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="kb_version_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.article_id} v{self.number}"


class ArticleVote(models.Model):
    class Value(models.TextChoices):
        YES = "yes", "Yes"
        NO = "no", "No"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="votes")
    value = models.CharField(max_length=3, choices=Value.choices)
    comment = models.TextField(blank=True)
    session_key = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.value} on {self.article_id}"


class HelpSearch(models.Model):
    """One help-center search and how many public articles it found (for the gap report)."""

    query = models.CharField(max_length=200)
    normalized = models.CharField(max_length=200, db_index=True)
    result_count = models.PositiveIntegerField()
    source = models.CharField(max_length=16, default="help")  # help | deflection
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.query


class DeflectionEvent(models.Model):
    """What a portal visitor did with suggested articles, per browser session."""

    class Kind(models.TextChoices):
        SHOWN = "shown", "Suggestion shown"
        OPENED = "opened", "Suggestion opened"
        SUBMITTED = "submitted", "Request submitted"

    session_key = models.CharField(max_length=64, db_index=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.CASCADE, related_name="deflections"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.kind} ({self.session_key})"
