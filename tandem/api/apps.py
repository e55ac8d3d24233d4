from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class ApiConfig(AppConfig):
    name = "tandem.api"
    label = "api"

    def ready(self) -> None:
        from django.contrib.auth.models import User

        from tandem.api.models import ApiToken
        from tandem.api.tokens import forget_checked_tokens
        from tandem.people.models import Agent

        # A cached token check must not outlive a revoke, a deactivation or a demotion.
        for model in (ApiToken, Agent, User):
            post_save.connect(forget_checked_tokens, sender=model, dispatch_uid=f"tokens-{model}")
            post_delete.connect(
                forget_checked_tokens, sender=model, dispatch_uid=f"tokens-del-{model}"
            )
