"""The portal's own mails (sign-in links, request receipts), rendered now and sent after commit."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string

from tandem.portal.desk import desk_name

log = logging.getLogger(__name__)


def send_after_commit(*, to: str, template: str, context: dict) -> None:
    """Queue `portal/email/<template>_subject.txt` and `_body.txt` for `to` once the write commits.

    A failing mail server is logged, never raised: the page a visitor gets back must not
    depend on whether their address is known (that would tell anyone who has an account).
    """
    context = {"desk_name": desk_name(), **context}
    subject = " ".join(render_to_string(f"portal/email/{template}_subject.txt", context).split())
    body = render_to_string(f"portal/email/{template}_body.txt", context)

    def deliver() -> None:
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])
        except Exception:
            log.exception("portal mail %s to %s could not be sent", template, to)

    transaction.on_commit(deliver)
