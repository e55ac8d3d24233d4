"""The SLA settings every ticket action reads: active policies with their targets, and each
calendar's business-hours schedule, cached per process under the rules' version token.

Matching a policy and replaying clocks on every ticket event used to read the policies, their
targets and the team's calendar again (and rebuild its schedule). The SLA settings actions
change the token (`rule_cache.rules_changed`) in their own transaction, so the next event in
any process reloads; a rolled-back edit leaves a token that no longer matches.
"""

from __future__ import annotations

from dataclasses import dataclass

from tandem.core.business_time import ALWAYS_OPEN, Schedule
from tandem.core.models import Calendar
from tandem.workflow.models import SlaPolicy
from tandem.workflow.rule_cache import cached_for_token

CACHE_NAME = "sla"


@dataclass(frozen=True)
class SlaSettings:
    policies: tuple[SlaPolicy, ...]  # active, in order, targets prefetched; only read
    schedules: dict[int, Schedule]  # by calendar id; a calendar with no open hour is 24/7

    def schedule_for(self, calendar_id: int | None) -> Schedule:
        return self.schedules.get(calendar_id, ALWAYS_OPEN) if calendar_id else ALWAYS_OPEN


def _load() -> SlaSettings:
    policies = tuple(SlaPolicy.objects.filter(active=True).prefetch_related("targets"))
    schedules = {}
    for calendar in Calendar.objects.all():
        schedule = calendar.schedule()
        schedules[calendar.pk] = schedule if schedule.weekly else ALWAYS_OPEN
    return SlaSettings(policies=policies, schedules=schedules)


def sla_settings() -> SlaSettings:
    return cached_for_token(CACHE_NAME, _load)
