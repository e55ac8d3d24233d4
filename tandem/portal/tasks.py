"""Portal jobs: sign-in mail sent outside the request, and nightly clean-up of old links."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, on_commit_task

from tandem.portal import actions


@on_commit_task()
def mail_sign_in_link(email: str, next_path: str = "") -> None:
    # Only the address travels through the queue; the secret is made here and exists only
    # in the mail. Looking the address up here, not in the request, keeps the page's timing
    # the same for known and unknown addresses.
    actions.send_sign_in_link(email=email, next_path=next_path)


@db_periodic_task(crontab(minute="17", hour="3"))
def purge_old_sign_in_links():
    actions.purge_sign_in_links()
