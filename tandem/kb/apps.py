from django.apps import AppConfig


class KnowledgeBaseConfig(AppConfig):
    """Knowledge base, help center, article search and response templates (macros)."""

    name = "tandem.kb"
    label = "kb"
    verbose_name = "Knowledge base"
