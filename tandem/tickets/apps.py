from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "tandem.tickets"
    label = "tickets"

    def ready(self):
        from tandem.core import event_bus, search
        from tandem.tickets import search_index

        # Search hears every ticket action inside its transaction (ADR 0005).
        event_bus.subscribe("search", search_index.reindex_on_change)
        search.register_source(search_index.source())
