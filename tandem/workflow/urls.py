"""Workspace pages of workflow that are not settings: the agent's availability."""

from django.urls import path

from tandem.workflow import assignment_views

app_name = "workflow"

urlpatterns = [
    path("me/availability/", assignment_views.set_availability, name="availability"),
]
