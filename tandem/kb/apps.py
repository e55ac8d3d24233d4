from django.apps import AppConfig


class KnowledgeBaseConfig(AppConfig):
    """Knowledge base, help center, article search and response templates (macros)."""

    name = "tandem.kb"
    label = "kb"
    verbose_name = "Knowledge base"

    def ready(self):
        from tandem.core import event_bus, search
        from tandem.kb import reply_links, search_index

        for source in search_index.sources():
            search.register_source(source)
        event_bus.subscribe("kb.reply_links", reply_links.count_links_in_replies)
