"""The settings area of the workspace (admins): agents, teams, tags, custom fields, API tokens.

Each page lives in the app whose data it changes; this module only maps them under /settings/
and holds the overview page that links them.
"""

from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_safe

from tandem.api import settings_views as tokens
from tandem.api.models import ApiToken
from tandem.core.models import CustomField
from tandem.core.permissions import admin_required
from tandem.kb import macro_settings_views as macros
from tandem.mail import settings_views as mail
from tandem.people.models import Agent, Team
from tandem.people.views import settings as people
from tandem.tickets import settings_views as vocabulary
from tandem.tickets.models import Tag
from tandem.workflow import routing_settings as routing
from tandem.workflow import settings_views as workflow
from tandem.workflow import triggers_settings as rules

app_name = "settings"


@admin_required
@require_safe
def index(request):
    counts = {
        "agents": Agent.objects.filter(user__is_active=True).count(),
        "teams": Team.objects.count(),
        "tags": Tag.objects.count(),
        "fields": CustomField.objects.filter(active=True).count(),
        "tokens": ApiToken.objects.filter(
            revoked_at__isnull=True, agent__user__is_active=True
        ).count(),
    }
    return render(request, "core/settings/index.html", {"section": "index", "counts": counts})


urlpatterns = [
    path("", index, name="index"),
    path("agents/", people.agent_list, name="agents"),
    path("agents/new/", people.agent_create, name="agent_create"),
    path("agents/<int:pk>/", people.agent_edit, name="agent_edit"),
    path("agents/<int:pk>/active/", people.agent_set_active, name="agent_active"),
    path("teams/", people.team_list, name="teams"),
    path("teams/<int:pk>/", people.team_edit, name="team_edit"),
    path("teams/<int:pk>/delete/", people.team_delete, name="team_delete"),
    path("routing/", routing.rule_list, name="routing_rules"),
    path("routing/<int:pk>/", routing.rule_edit, name="routing_rule"),
    path("routing/<int:pk>/delete/", routing.rule_delete, name="routing_rule_delete"),
    path("triggers/", rules.trigger_list, name="triggers"),
    path("triggers/new/", rules.trigger_new, name="trigger_new"),
    path("triggers/<int:pk>/", rules.trigger_edit, name="trigger"),
    path("triggers/<int:pk>/delete/", rules.trigger_delete, name="trigger_delete"),
    path("triggers/<int:pk>/active/", rules.trigger_active, name="trigger_active"),
    path("triggers/<int:pk>/move/", rules.trigger_move, name="trigger_move"),
    path("triggers/<int:pk>/dry-run/", rules.trigger_dry_run, name="trigger_dry_run"),
    path("automations/", rules.automation_list, name="automations"),
    path("automations/new/", rules.automation_new, name="automation_new"),
    path("automations/<int:pk>/", rules.automation_edit, name="automation"),
    path("automations/<int:pk>/delete/", rules.automation_delete, name="automation_delete"),
    path("automations/<int:pk>/active/", rules.automation_active, name="automation_active"),
    path("automations/<int:pk>/move/", rules.automation_move, name="automation_move"),
    path("assignment/", routing.assignment, name="assignment"),
    path("assignment/teams/<int:pk>/", routing.team_assignment, name="team_assignment"),
    path("assignment/agents/<int:pk>/", routing.agent_assignment, name="agent_assignment"),
    path("tags/", vocabulary.tag_list, name="tags"),
    path("tags/<int:pk>/delete/", vocabulary.tag_delete, name="tag_delete"),
    path("fields/", vocabulary.field_index, name="fields"),
    path("fields/<int:pk>/", vocabulary.field_edit, name="field_edit"),
    path("fields/<str:entity>/", vocabulary.field_list, name="fields_entity"),
    path("tokens/", tokens.token_list, name="tokens"),
    path("tokens/<int:pk>/revoke/", tokens.token_revoke, name="token_revoke"),
    path("tokens/mine/", tokens.my_token_list, name="my_tokens"),
    path("tokens/mine/<int:pk>/revoke/", tokens.my_token_revoke, name="my_token_revoke"),
    path("macros/", macros.macro_list, name="macros"),
    path("macros/new/", macros.macro_create, name="macro_new"),
    path("macros/<int:pk>/", macros.macro_edit, name="macro_edit"),
    path("macros/<int:pk>/delete/", macros.macro_delete, name="macro_delete"),
    path("mailboxes/", mail.mailbox_list, name="mailboxes"),
    path("mailboxes/new/", mail.mailbox_create, name="mailbox_new"),
    path("mailboxes/<int:pk>/", mail.mailbox_edit, name="mailbox"),
    path("mailboxes/<int:pk>/delete/", mail.mailbox_delete, name="mailbox_delete"),
    path("mailboxes/<int:pk>/test/", mail.mailbox_test, name="mailbox_test"),
    path("quarantine/", mail.quarantine_list, name="quarantine"),
    path("quarantine/<int:pk>/", mail.quarantine_detail, name="quarantine_detail"),
    path("quarantine/<int:pk>/retry/", mail.quarantine_retry, name="quarantine_retry"),
    path("quarantine/<int:pk>/dismiss/", mail.quarantine_dismiss, name="quarantine_dismiss"),
    path("calendars/", workflow.calendar_list, name="calendars"),
    path("calendars/new/", workflow.calendar_edit, name="calendar_new"),
    path("calendars/<int:pk>/", workflow.calendar_edit, name="calendar"),
    path("calendars/<int:pk>/delete/", workflow.calendar_delete, name="calendar_delete"),
    path("sla/", workflow.policy_list, name="sla_policies"),
    path("sla/new/", workflow.policy_edit, name="sla_policy_new"),
    path("sla/<int:pk>/", workflow.policy_edit, name="sla_policy"),
    path("sla/<int:pk>/move/", workflow.policy_move, name="sla_policy_move"),
    path("sla/<int:pk>/delete/", workflow.policy_delete, name="sla_policy_delete"),
]
