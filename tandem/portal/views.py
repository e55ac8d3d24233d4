"""The customer portal's pages: sign-in by link, the request forms, my requests, one request.

Each view parses, calls one action or query, and renders; the rules live in actions and
queries.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from tandem.core.errors import InvalidInput
from tandem.kb.help_views import record_submitted
from tandem.people.actors import Actor
from tandem.portal import actions, auth, queries, signin, tasks, throttle
from tandem.portal.auth import contact_required, current_contact
from tandem.portal.desk import desk_name
from tandem.portal.forms import ReplyForm, RequestForm, SignInForm, VisitorRequestForm
from tandem.portal.signin import LinkRefused, LinkState
from tandem.tickets.actions import add_message, create_ticket, solve_request
from tandem.tickets.downloads import attachment_response
from tandem.tickets.models import Channel, Status

REQUESTS_PER_PAGE = 20

LINK_PROBLEMS = {
    LinkState.EXPIRED: (
        "This sign-in link has expired",
        "Sign-in links work for a short time only. Ask for a new one below.",
    ),
    LinkState.USED: (
        "This sign-in link was already used",
        "Each link signs you in once. Ask for a new one below.",
    ),
    LinkState.UNKNOWN: (
        "This sign-in link is not valid",
        "It may be incomplete: copy the whole link from the email, or ask for a new one below.",
    ),
}
LINK_PROBLEM_STATUS = {LinkState.EXPIRED: 410, LinkState.USED: 410, LinkState.UNKNOWN: 404}


def _page(request, template: str, context: dict | None = None, *, status: int = 200):
    base = {"desk_name": desk_name(), "portal_contact": current_contact(request)}
    return render(request, f"portal/{template}", {**base, **(context or {})}, status=status)


def _rate_limited(request, template: str, form):
    limit = throttle.mail_limit()
    form.add_error(
        None,
        f"Too many requests from this address or network. Please wait {limit.window_minutes} "
        "minutes and try again.",
    )
    return _page(request, template, {"form": form}, status=429)


# --- signing in and out ---------------------------------------------------------


@never_cache
def home(request):
    if current_contact(request):
        return redirect("portal:requests")
    return _page(request, "sign_in.html", {"form": SignInForm()})


@never_cache
@require_http_methods(["GET", "POST"])
def sign_in(request):
    if request.method == "GET":
        next_path = signin.safe_next_path(request.GET.get("next"))
        if current_contact(request):
            return redirect(next_path or "portal:requests")
        return _page(request, "sign_in.html", {"form": SignInForm(initial={"next": next_path})})
    form = SignInForm(request.POST)
    if not form.is_valid():
        return _page(request, "sign_in.html", {"form": form}, status=400)
    email = form.cleaned_data["email"]
    if not throttle.allow_mail(email=email, ip=throttle.client_ip(request)):
        return _rate_limited(request, "sign_in.html", form)
    # Known or not, the address goes to a job and the answer is the same page.
    tasks.mail_sign_in_link(email, form.cleaned_data["next"])
    return redirect("portal:link_sent")


@never_cache
def link_sent(request):
    return _page(request, "link_sent.html")


@never_cache
@require_http_methods(["GET", "POST"])
def sign_in_link(request, secret: str):
    """GET only asks (mail scanners fetch links); POST uses the link up and signs in."""
    if request.method == "GET":
        link = signin.find_link(secret)
        state = signin.link_state(link)
        if state is not LinkState.VALID:
            return _link_problem(request, state)
        response = _page(request, "link_confirm.html", {"link": link})
    else:
        try:
            link = actions.redeem_sign_in_link(secret=secret)
        except LinkRefused as refused:
            return _link_problem(request, refused.state)
        auth.sign_in(request, link.contact)
        response = redirect(link.next_path or "portal:requests")
    # The secret is in this page's URL: never hand it on in a Referer.
    response["Referrer-Policy"] = "no-referrer"
    return response


def _link_problem(request, state: LinkState):
    title, explanation = LINK_PROBLEMS[state]
    response = _page(
        request,
        "link_problem.html",
        {"title": title, "explanation": explanation, "form": SignInForm()},
        status=LINK_PROBLEM_STATUS[state],
    )
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_POST
def sign_out(request):
    auth.sign_out(request)
    messages.info(request, "You are signed out.")
    return redirect("portal:home")


# --- requests from visitors without a session ---------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def submit(request):
    if current_contact(request):
        return redirect("portal:new_request")
    if request.method == "GET":
        return _page(request, "submit.html", {"form": VisitorRequestForm()})
    form = VisitorRequestForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, "submit.html", {"form": form}, status=400)
    data = form.cleaned_data
    if not throttle.allow_mail(email=data["email"], ip=throttle.client_ip(request)):
        return _rate_limited(request, "submit.html", form)
    try:
        actions.submit_visitor_request(
            name=data["name"],
            email=data["email"],
            subject=data["subject"],
            body=data["description"],
            attachments=form.incoming_files(),
        )
    except InvalidInput as error:
        form.add_action_errors(error)
        return _page(request, "submit.html", {"form": form}, status=400)
    record_submitted(request)
    return redirect("portal:submitted")


@never_cache
def submitted(request):
    return _page(request, "submitted.html")


# --- a signed-in customer's requests ----------------------------------------------------


@never_cache
@contact_required
def request_list(request):
    contact = request.contact
    shares = queries.organization_shares(contact)
    show = queries.list_filter(contact, request.GET.get("show"))
    paginator = Paginator(queries.requests_for_list(contact, show=show), REQUESTS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    return _page(
        request,
        "request_list.html",
        {
            "page": page,
            "show": show,
            "organization_shares": shares,
            "organization": contact.organization if shares else None,
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
@contact_required
def new_request(request):
    contact = request.contact
    if request.method == "GET":
        return _page(request, "request_form.html", {"form": RequestForm()})
    form = RequestForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, "request_form.html", {"form": form}, status=400)
    try:
        ticket = create_ticket(
            actor=Actor.for_contact(contact),
            contact=contact,
            subject=form.cleaned_data["subject"],
            body=form.cleaned_data["description"],
            channel=Channel.PORTAL,
            attachments=form.incoming_files(),
        )
    except InvalidInput as error:
        form.add_action_errors(error)
        return _page(request, "request_form.html", {"form": form}, status=400)
    record_submitted(request)
    messages.success(request, f"Thanks, we have received your request #{ticket.number}.")
    return redirect("portal:request", number=ticket.number)


def _detail(request, ticket, form=None, *, status: int = 200):
    contact = request.contact
    return _page(
        request,
        "request_detail.html",
        {
            "ticket": ticket,
            "conversation": queries.public_messages(ticket),
            "original": queries.visible_original(contact, ticket),
            "may_mark_solved": queries.may_mark_solved(contact, ticket),
            "form": form or ReplyForm(),
        },
        status=status,
    )


@never_cache
@contact_required
def request_detail(request, number: int):
    return _detail(request, queries.request_for(request.contact, number))


@require_POST
@contact_required
def reply(request, number: int):
    contact = request.contact
    ticket = queries.request_for(contact, number)
    form = ReplyForm(request.POST, request.FILES)
    if not form.is_valid():
        return _detail(request, ticket, form, status=400)
    was = ticket.status
    try:
        message = add_message(
            actor=Actor.for_contact(contact),
            ticket=ticket,
            body=form.cleaned_data["body"],
            attachments=form.incoming_files(),
        )
    except InvalidInput as error:
        form.add_action_errors(error)
        return _detail(request, ticket, form, status=400)
    if message.ticket_id != ticket.number:
        messages.info(
            request,
            f"Request #{ticket.number} was closed, so your message opened "
            f"a new request, #{message.ticket_id}, linked to it.",
        )
    elif was == Status.SOLVED:
        messages.success(request, "Thanks, your reply is sent and the request is open again.")
    else:
        messages.success(request, "Thanks, your reply is sent.")
    return redirect("portal:request", number=message.ticket_id)


@require_POST
@contact_required
def mark_solved(request, number: int):
    contact = request.contact
    ticket = queries.request_for(contact, number)
    if not queries.is_requester(contact, ticket):
        # They can read it (organization, follower) but it is not theirs to close.
        raise PermissionDenied("Only the person who asked can mark a request solved.")
    if ticket.is_unsolved:
        solve_request(actor=Actor.for_contact(contact), ticket=ticket)
        messages.success(
            request,
            "Thanks, we have marked your request solved. Reply any time if you need more help.",
        )
    return redirect("portal:request", number=ticket.number)


@contact_required
def attachment(request, number: int, token: str):
    return attachment_response(queries.public_attachment_for(request.contact, number, token))
