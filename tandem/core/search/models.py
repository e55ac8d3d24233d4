"""The one table every searchable thing is copied into; the full-text index sits beside it.

On SQLite an FTS5 table (`core_search_fts`, external content, with the kind as a token
in a third column) is kept in step with this table by triggers; on PostgreSQL a
generated, weighted `search_vector` column with a GIN index is. Both are created by
core's migrations, not by Django's model state, which is why neither appears here.
"""

from django.db import models


class SearchDocument(models.Model):
    kind = models.CharField(max_length=32, help_text='"ticket", "contact", "article", ...')
    key = models.BigIntegerField(help_text="The primary key (ticket number) of the original.")
    title = models.TextField()
    body = models.TextField(blank=True)
    facets = models.JSONField(default=dict, blank=True)
    kind_token = models.TextField(
        default="",
        blank=True,
        help_text="SQLite only: the kind as an FTS5 token (search.kind_token).",
    )
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "key"], name="search_document_kind_key"),
        ]
        indexes = [models.Index(fields=["kind", "updated_at"], name="search_document_recent")]

    def __str__(self) -> str:
        return f"{self.kind} {self.key}: {self.title[:60]}"
