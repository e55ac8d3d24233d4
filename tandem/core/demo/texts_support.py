"""What customers and agents write in support conversations (log-in, crashes, API, outages...)."""

from __future__ import annotations

from tandem.core.demo.texts import Category

LOGIN = Category(
    key="login",
    track="support",
    team="Support Tier 1",
    weight=22,
    tags=("login", "sso", "2fa", "password"),
    subjects=(
        "Cannot log in to the dashboard",
        "SSO login fails with 'invalid assertion'",
        "Password reset email never arrives",
        "Locked out after enabling two-factor",
        "Login loop on {browser}",
        "New users cannot sign in via {idp}",
    ),
    openings=(
        "Hi, since this morning I cannot log in: the page just reloads after I enter my password.",
        "Hello, our single sign-on through {idp} fails with 'invalid assertion' for everyone.",
        "Hi, I requested a password reset three times and no email has arrived.",
        "Hello, I enabled two-factor yesterday, changed phones, and now I am locked out.",
        "Hi, new colleagues we invited get an error when they try to sign in for the first time.",
    ),
    details=(
        "I am using {browser} on {os}.",
        "Other people in the office can log in without problems.",
        "We did not change anything on the {idp} side as far as I know.",
        "I have checked the spam folder, nothing there either.",
        "The error reference shown is {error}.",
        "It works in a private window, oddly.",
    ),
    questions=(
        "Could you tell me which browser and version you are using, and whether it also "
        "happens in a private window?",
        "Can you send me the error reference shown on the page, and roughly when it happened?",
        "Could your {idp} admin check whether the signing certificate was rotated recently?",
    ),
    replies=(
        "The loop comes from an old session cookie. Clearing cookies for app.lumio.example (or "
        "signing in once from a private window) fixes it; I have also ended your old sessions "
        "on our side so it will not come back.",
        "Your identity provider rotated its signing certificate. I have loaded the new one "
        "into your SSO settings; sign-in works again for everyone.",
        "The reset emails were rejected by your mail server's filter. I have sent a fresh reset "
        "link from our secondary sender; if your IT team allow-lists noreply@lumio.example "
        "it will not happen again.",
        "I have reset your two-factor enrolment after verifying your identity, so you can enrol "
        "the new phone at your next sign-in.",
    ),
    notes=(
        "Verified identity via the account owner before resetting 2FA.",
        "Third SSO certificate issue this month; suggest certificate expiry alerts.",
    ),
)

CRASH = Category(
    key="crash",
    track="support",
    team="Support Tier 1",
    weight=16,
    tags=("bug", "mobile-app", "ios", "android", "crash"),
    subjects=(
        "App crashes when opening the floor plan",
        "{device} app closes immediately after the update",
        "Room display freezes every morning",
        "Crash when exporting a report to PDF",
        "Blank screen after version {version}",
    ),
    openings=(
        "Hi, since the latest update the app closes as soon as I open the floor plan.",
        "Hello, our {device} users report the app crashing on start since version {version}.",
        "Hi, the room display in our main meeting room freezes every morning around 9.",
        "Hello, exporting the monthly occupancy report to PDF crashes the dashboard tab.",
    ),
    details=(
        "It happens on {device} with {os}.",
        "Reinstalling the app did not help.",
        "About {users} people are affected.",
        "It started right after the update on {date}.",
        "The display needs a power cycle to come back.",
        "I have attached the crash log from the device.",
    ),
    questions=(
        "Could you send the crash log from Settings > About > Diagnostics on one of the "
        "affected devices?",
        "Which app version do the affected devices show, and does it happen on Wi-Fi and "
        "mobile data alike?",
    ),
    replies=(
        "Thanks for the log, it pointed to a corrupted cached floor plan. I have cleared the "
        "cache for your workspace; the app opens normally after the next refresh.",
        "Version {version} has a bug with very large floor plans on older devices. A fix is "
        "in version {next_version}, released today; updating the app resolves it.",
        "The freeze comes from the display's nightly update overlapping with the first "
        "booking. I have moved its update window to 3:00 so it is done before anyone arrives.",
    ),
    notes=(
        "Reproduced on a test {device} with the customer's floor plan.",
        "Crash signature matches a known issue, linked to the bug in the tracker.",
    ),
)

API_ERRORS = Category(
    key="api",
    track="support",
    team="Support Tier 1",
    weight=14,
    tags=("api", "integration", "webhook", "rate-limit"),
    subjects=(
        "API returns 500 on /v2/bookings",
        "Webhooks stopped arriving",
        "429 Too Many Requests from the API",
        "{integration} integration fails with 401",
        "API pagination returns duplicates",
    ),
    openings=(
        "Hello, our integration has been getting HTTP 500 from /v2/bookings since about {time}.",
        "Hi, our webhook endpoint has not received any events since {weekday}.",
        "Hello, we are hitting 429 responses although we send far fewer requests than the limit.",
        "Hi, the {integration} integration stopped syncing and the log shows 401 Unauthorized.",
    ),
    details=(
        "The request id from the last failure is {request_id}.",
        "We did not deploy anything on our side in that time.",
        "Our endpoint answers 200 within 200 ms, we checked.",
        "We send roughly {count} requests per minute at peak.",
        "The token was created by a colleague who has since left.",
    ),
    questions=(
        "Could you send the request ids of two or three failing calls, with their timestamps?",
        "Can you confirm the webhook URL configured on your side and whether it is reachable "
        "from outside your network?",
    ),
    replies=(
        "The 500s came from a malformed date in one of your bookings that our API did not "
        "validate. I have corrected the record and we now return a clear 400 for such input.",
        "Your webhook subscription was paused after repeated timeouts last week. I have "
        "re-enabled it and replayed the missed events from the last 72 hours.",
        "The token belonged to a deactivated user, which is why every call is refused. Creating "
        "a new token under Settings > API with the same scopes will fix the integration.",
        "Your client retries immediately on every 429, which keeps it over the limit. With the "
        "Retry-After header honoured, the errors stop; I have attached a short example.",
    ),
    notes=(
        "Request id {request_id}: stack trace shows a timeout to the bookings database.",
        "Customer integration retries without backoff; shared the rate-limit guide.",
    ),
)

DATA_SYNC = Category(
    key="sync",
    track="support",
    team="Support Tier 1",
    weight=14,
    tags=("sync", "data", "sensors", "calendar"),
    subjects=(
        "Sensors show no data since {weekday}",
        "Calendar bookings not syncing with {integration}",
        "Occupancy numbers do not match reality",
        "Hub offline but it is plugged in",
        "Duplicate bookings after the {integration} sync",
    ),
    openings=(
        "Hi, the {count} sensors on our second floor have not reported anything since {weekday}.",
        "Hello, bookings made in {integration} no longer show up on the room displays.",
        "Hi, the occupancy report says the office was empty on a day we had 80 people in.",
        "Hello, our hub shows as offline in the dashboard although its light is green.",
    ),
    details=(
        "The hub's serial number is {serial}.",
        "Our IT team changed the Wi-Fi password on {date}.",
        "Only rooms on one floor are affected.",
        "It started after we renamed a few rooms.",
        "Manual bookings in the dashboard work fine.",
    ),
    questions=(
        "Could you check whether the hub's light is steady green or blinking, and send a photo "
        "of its status page?",
        "Did anything change in your network or in {integration} around the time it started?",
    ),
    replies=(
        "The hub lost its Wi-Fi credentials after the password change. Re-pairing it from the "
        "dashboard (Devices > {serial} > Reconnect) restores the data, and the sensors send "
        "what they buffered meanwhile.",
        "Renaming the rooms broke the mapping to your {integration} resources. I have re-linked "
        "all of them; new and existing bookings appear on the displays again.",
        "The sensors were on an old firmware that miscounts in bright sunlight. They updated "
        "overnight, and I have recalculated the last two weeks of occupancy for you.",
    ),
    notes=(
        "Hub {serial} shows a 6 hour gap, then a burst of buffered readings.",
        "Mapping table for this workspace was out of date after the room renames.",
    ),
)

PERFORMANCE = Category(
    key="performance",
    track="support",
    team="Support Tier 1",
    weight=10,
    tags=("performance", "slow", "dashboard"),
    subjects=(
        "Dashboard very slow to load",
        "Reports take minutes to generate",
        "Floor plan takes 30 seconds to open",
        "Everything is sluggish from our {region} office",
    ),
    openings=(
        "Hi, the dashboard takes more than a minute to load since last week.",
        "Hello, generating the quarterly report now takes ten minutes instead of a few seconds.",
        "Hi, our staff in the {region} office find the app very slow, the others do not.",
    ),
    details=(
        "We have around {count} rooms across {sites} sites.",
        "It is slowest in the morning between 8 and 10.",
        "Our network team sees nothing unusual.",
        "It is the same on every browser we tried.",
    ),
    questions=(
        "Could you run the connection test at status.lumio.example/test from the slow office "
        "and send me the result?",
    ),
    replies=(
        "Your workspace had years of raw sensor data without the nightly rollups, which slowed "
        "every report. The rollups are rebuilt and reports now finish in seconds.",
        "Traffic from the {region} office was routed to our most distant region. I have moved "
        "your workspace's edge to the nearer one; page loads there should be three times faster.",
    ),
    notes=(
        "Slow query on occupancy rollups for this workspace, {count} rooms.",
        "Latency from {region} traced to routing, not to the application.",
    ),
)

OUTAGE = Category(
    key="outage",
    track="support",
    team="Support Tier 1",
    weight=6,
    tags=("outage", "incident", "status-page"),
    subjects=(
        "Dashboard down?",
        "All room displays show 'offline'",
        "Is Lumio having an outage?",
        "Bookings failing for everyone",
    ),
    openings=(
        "Hi, the dashboard does not load at all for anyone in our company.",
        "Hello, every room display in the building shows 'offline' since a few minutes ago.",
        "Hi, is something down? None of our bookings go through.",
    ),
    details=(
        "The status page still says all systems operational.",
        "This is blocking our whole office this morning.",
        "We have a board meeting in an hour and cannot book the room.",
    ),
    replies=(
        "Yes, we had an incident affecting the EU region between {time} and about 40 minutes "
        "later. Everything is back to normal now; the post-mortem will be on the status page "
        "within two days.",
        "This was caused by a faulty configuration change on our side, which was rolled back. "
        "Displays reconnect on their own within a few minutes; I am sorry for the disruption.",
    ),
    notes=(
        "Part of incident INC-{ref}; using the incident macro.",
        "Customer on Enterprise plan: SLA credit may apply for this incident.",
    ),
)

SUPPORT_CATEGORIES = (LOGIN, CRASH, API_ERRORS, DATA_SYNC, PERFORMANCE, OUTAGE)

ESCALATION_NOTES = (
    "Escalating: logs point to a problem on our side, not with the customer's set-up.",
    "Escalating to tier {tier}: the standard checks are done (cache, sessions, re-pairing), "
    "no change.",
    "Needs tier {tier}. Reproduced with the customer's data; steps to reproduce below.\n\n"
    "1. Open the workspace as the customer's admin\n2. Open the floor plan\n3. Observe the error",
    "Escalating: affects {users} users at an {plan} customer, please prioritise.",
)

ENGINEERING_NOTES = (
    "Engineering here: confirmed bug in the sync worker, fix is in review (BUG-{ref}).",
    "Root cause found: a race between the nightly rollup and the import job. Patch goes out "
    "with tomorrow's release.",
    "This is the same issue as BUG-{ref}; workaround is to re-pair the hub, fix scheduled.",
    "Deployed a hotfix to production; please ask the customer to retry.",
)

ON_HOLD_REPLIES = (
    "Our engineering team has confirmed the problem and is working on a fix. I have put this "
    "ticket on hold and will update you as soon as it is deployed.",
    "Thanks for your patience. This needs a code change on our side; engineering is on it and "
    "I will let you know the moment it is released.",
)

FIX_DEPLOYED_REPLIES = (
    "Good news: the fix is deployed. Could you try again and let me know whether everything "
    "works as expected now?",
    "The fix went out in this morning's release and I have verified it on your workspace. "
    "Sorry again for the trouble.",
)
