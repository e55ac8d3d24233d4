"""The API's shape of a ticket's SLA block (filled by `sla_status.sla_block`)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field

from tandem.api.schemas import OutputSchema


class SlaTargetOut(OutputSchema):
    due_at: dt.datetime | None = Field(
        description="When the target is due; null while paused or when no cycle is owed."
    )
    status: Literal["active", "paused", "met", "breached"]
    remaining_seconds: int | None = Field(
        description="Seconds until due (negative when overdue); while paused, the business "
        "seconds left; null once met."
    )
    business_hours: bool


class SlaBlockOut(OutputSchema):
    first_response: SlaTargetOut
    next_response: SlaTargetOut
    resolution: SlaTargetOut
