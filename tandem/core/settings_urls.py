"""The settings area of the workspace (admins): agents, teams, tags, custom fields, API tokens."""

from django.urls import path  # noqa: F401

app_name = "settings"

urlpatterns = []
