"""The concrete values ({order}, {product}, {browser}...) filling one demo conversation."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

PRODUCTS = (
    "Lumio Hub",
    "Lumio Sensor Mini",
    "Lumio Display 10",
    "Lumio Display 15",
    "Lumio Badge Reader",
    "Lumio Desk Tag",
)
BROWSERS = ("Chrome 126", "Firefox 128", "Safari 17", "Edge 126")
SYSTEMS = ("Windows 11", "macOS 14", "iOS 17", "Android 14", "Ubuntu 22.04")
DEVICES = ("iPhone", "iPad", "Android", "Samsung tablet")
IDENTITY_PROVIDERS = ("Okta", "Azure AD", "Google Workspace", "OneLogin")
INTEGRATIONS = ("Google Calendar", "Microsoft 365", "Slack", "Salesforce", "Zapier", "ServiceNow")
REGIONS = ("Singapore", "Sydney", "Sao Paulo", "Johannesburg", "Toronto", "Mumbai")
CITIES = (
    "Manchester",
    "Rotterdam",
    "Lyon",
    "Hamburg",
    "Porto",
    "Gothenburg",
    "Dublin",
    "Milan",
    "Austin",
    "Denver",
)
STREETS = (
    "Harbour Road 12",
    "Mill Lane 4",
    "Station Square 21",
    "Kingsway 88",
    "Canal Street 7",
    "Market Place 3",
    "Park Avenue 150",
)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
VERSIONS = ("4.12", "4.13", "4.14", "5.0", "5.1")


@dataclass(frozen=True)
class Person:
    """The customer side of a conversation, as far as texts need it."""

    first: str
    last: str
    company: str
    domain: str


def conversation_slots(
    rng: random.Random, *, person: Person, created: dt.datetime, plan: str
) -> dict[str, str]:
    """Every slot a template may use, consistent for one conversation."""
    count = rng.choice((2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 40))
    product, other_product = rng.sample(PRODUCTS, 2)
    version_index = rng.randrange(len(VERSIONS) - 1)
    earlier = created - dt.timedelta(days=rng.randint(2, 20))
    plans = ("Starter", "Growth", "Business", "Enterprise")
    upper_plans = plans[plans.index(plan) + 1 :] if plan in plans[:-1] else ("Enterprise",)
    colleague_first = rng.choice(("Alex", "Sam", "Robin", "Kim", "Charlie", "Jamie"))
    colleague_last = rng.choice(("Berg", "Costa", "Doyle", "Fox", "Lund", "Marsh"))
    return {
        "first": person.first,
        "last": person.last,
        "company": person.company,
        "domain": person.domain,
        "order": f"SO-{rng.randint(10000, 99999)}",
        "invoice": f"INV-{created.year}-{rng.randint(1000, 9999)}",
        "po": f"PO-{rng.randint(100000, 999999)}",
        "vat": f"EU{rng.randint(100000000, 999999999)}",
        "ref": str(rng.randint(1000, 9999)),
        "serial": f"LH{rng.randint(10, 99)}-{rng.randint(100000, 999999)}",
        "request_id": f"req_{rng.getrandbits(48):012x}",
        "error": f"E-{rng.randint(100, 999)}",
        "amount": f"EUR {rng.choice((49, 79, 129, 249, 399, 780, 1240))}.00",
        "count": str(count),
        "fewer": str(max(1, count // 2)),
        "users": str(rng.choice((3, 12, 25, 40, 120, 300))),
        "sites": str(rng.randint(2, 9)),
        "months": str(rng.randint(3, 22)),
        "product": product,
        "other_product": other_product,
        "plan": rng.choice(upper_plans),
        "old_plan": plan,
        "browser": rng.choice(BROWSERS),
        "os": rng.choice(SYSTEMS),
        "device": rng.choice(DEVICES),
        "idp": rng.choice(IDENTITY_PROVIDERS),
        "integration": rng.choice(INTEGRATIONS),
        "region": rng.choice(REGIONS),
        "city": rng.choice(CITIES),
        "street": rng.choice(STREETS),
        "weekday": rng.choice(WEEKDAYS),
        "date": f"{earlier.day} {earlier:%B}",
        "year": str(created.year - 1),
        "time": f"{rng.randint(7, 16):02d}:{rng.choice((5, 10, 20, 35, 40, 50)):02d}",
        "version": VERSIONS[version_index],
        "next_version": VERSIONS[version_index + 1],
        "tier": "2",
        "colleague": f"{colleague_first} {colleague_last}",
        "colleague_email": f"{colleague_first.lower()}.{colleague_last.lower()}@{person.domain}",
        "agent": "",
        "detail": "",
        "opening": "",
        "reply": "",
        "number": "",
    }
