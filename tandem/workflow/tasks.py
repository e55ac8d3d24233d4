"""Workflow jobs; each feature keeps its own in its module."""

from tandem.workflow.automation_tasks import *  # noqa: F403
