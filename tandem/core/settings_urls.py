"""The settings area of the workspace (admins): agents, teams, tags, custom fields, API tokens."""

from django.http import HttpResponse
from django.urls import path

app_name = "settings"

# Placeholder until the settings pages land.
urlpatterns = [path("", lambda request: HttpResponse("todo"), name="index")]
