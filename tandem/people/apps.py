from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "tandem.people"
    label = "people"

    def ready(self):
        from tandem.core import search
        from tandem.people import search_index

        for source in search_index.sources():
            search.register_source(source)
