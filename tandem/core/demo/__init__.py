"""The demo desk: a realistic, generated help desk (people, teams, 90 days of tickets).

`plan_*` modules decide everything from one seed without touching the database;
`*_writer` modules write it through the actions, like any other caller would.
"""

from tandem.core.demo.cast import ADMIN_EMAIL, DEMO_CUSTOMER_EMAIL, DEMO_PASSWORD
from tandem.core.demo.loader import (
    DEFAULT_SEED,
    SIZES,
    DemoSummary,
    DeskNotEmpty,
    desk_has_tickets,
    load_demo,
    wipe_desk,
)

__all__ = [
    "ADMIN_EMAIL",
    "DEFAULT_SEED",
    "DEMO_CUSTOMER_EMAIL",
    "DEMO_PASSWORD",
    "SIZES",
    "DemoSummary",
    "DeskNotEmpty",
    "desk_has_tickets",
    "load_demo",
    "wipe_desk",
]
