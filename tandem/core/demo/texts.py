"""The shape of a demo conversation category, and the phrases every category shares."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Category:
    key: str
    track: str
    team: str  # the team the router sends it to first
    weight: int  # relative share within its track
    tags: tuple[str, ...]
    subjects: tuple[str, ...]
    openings: tuple[str, ...]
    details: tuple[str, ...]
    replies: tuple[str, ...]
    notes: tuple[str, ...]
    # Questions an agent asks before it can resolve (support: "which browser?").
    questions: tuple[str, ...] = ()


GREETINGS = (
    "Hi {first},",
    "Hello {first},",
    "Hi {first}, thanks for getting in touch.",
    "Hello {first}, thank you for the details.",
)

SIGN_OFFS = (
    "Best regards,\n{agent}",
    "Kind regards,\n{agent}",
    "Thanks,\n{agent}",
    "All the best,\n{agent}\nLumio Customer Team",
)

CUSTOMER_SIGN_OFFS = (
    "Thanks,\n{first}",
    "Best,\n{first} {last}",
    "Regards,\n{first}",
    "Thank you!\n{first}\n{company}",
    "Cheers,\n{first}",
)

GENERIC_QUESTIONS = (
    "Could you tell me a bit more so I can look into this properly?",
    "Before I change anything, can you confirm which account or site this is about?",
    "Could you send a screenshot of what you are seeing?",
)

CUSTOMER_ANSWERS = (
    "Sure, here are the details you asked for. {detail}",
    "Thanks for the quick answer. {detail}",
    "Of course. {detail} Let me know if you need anything else from me.",
    "I checked with my colleague. {detail}",
    "Here you go. {detail} Hope that helps narrow it down.",
)

CUSTOMER_NUDGES = (
    "Any update on this? We are still stuck.",
    "Just following up, this is becoming urgent for us.",
    "Hi again, is anyone looking at this?",
)

CUSTOMER_THANKS = (
    "That worked, thank you so much!",
    "Perfect, all sorted on our side. Thanks for the quick help.",
    "Great, thanks, you can close this.",
    "Confirmed, everything looks right now. Much appreciated.",
)

REOPENINGS = (
    "Sorry to reopen this, but the problem is back since this morning.",
    "Unfortunately this is not fixed after all; we see the same thing again.",
    "Hi, following up on this one: it happened again today.",
    "I thought this was resolved, but a colleague just ran into it as well.",
)

AGENT_FOLLOWUPS = (
    "Thanks, that helps. {reply}",
    "Thank you for checking. {reply}",
    "Got it, thanks. {reply}",
)

AGENT_REOPEN_REPLIES = (
    "Sorry it came back. I looked again and found a second cause, which is now fixed as well. "
    "I will keep this open for a day to make sure it stays that way.",
    "Thanks for letting us know. The earlier fix did not cover your second site; it does now.",
    "Apologies for the trouble. I have applied the fix again and added a check so it cannot "
    "silently regress.",
)

PENDING_CLOSERS = (
    "I have not heard back for a few days, so I will mark this as solved. Just reply to this "
    "message if you still need help and it will reopen.",
    "Since we have not heard from you, I am marking this solved for now. Reply any time and "
    "we will pick it up again.",
)

DUPLICATE_BODIES = (
    "Sending this again in case my first message did not arrive. {opening}",
    "Following up on my earlier message: {opening}",
    "Not sure the form worked, so writing again. {opening}",
)

MERGE_NOTES = (
    "Same request as the earlier ticket from this customer; merged.",
    "Duplicate sent through a second channel; merged into the original.",
)

DUPLICATE_NOTES = ("Duplicate of #{number}; the conversation continues there.",)
