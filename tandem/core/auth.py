"""Sign-in backend that loads the agent row with the user: one query per request, not two."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class AgentAwareBackend(ModelBackend):
    def get_user(self, user_id):
        user_model = get_user_model()
        try:
            user = user_model._default_manager.select_related("agent").get(pk=user_id)
        except user_model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
