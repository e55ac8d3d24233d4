"""The agent workspace's ticket pages. The URL names are a contract other apps and tools use."""

from django.urls import path

from tandem.tickets.views import (
    attachments,
    bulk,
    escalation,
    inbox,
    navigation,
    new_ticket,
    relations,
    remote_images,
    ticket,
)

app_name = "tickets"

urlpatterns = [
    path("inbox/", inbox.inbox, name="inbox"),
    path("inbox/bulk/", bulk.bulk_update, name="bulk"),
    path("tickets/go/", inbox.go_to_ticket, name="go"),
    path("tickets/new/", new_ticket.new_ticket, name="new"),
    path("tickets/<int:number>/", ticket.detail, name="detail"),
    path("tickets/<int:number>/timeline/", ticket.timeline_partial, name="timeline"),
    path("tickets/<int:number>/customer/", ticket.customer_partial, name="customer"),
    path("tickets/<int:number>/messages/", ticket.reply, name="reply"),
    path("tickets/<int:number>/properties/", ticket.properties, name="properties"),
    path(
        "tickets/<int:number>/escalate/",
        escalation.move_tier,
        {"direction": "up"},
        name="escalate",
    ),
    path(
        "tickets/<int:number>/de-escalate/",
        escalation.move_tier,
        {"direction": "down"},
        name="de_escalate",
    ),
    path("tickets/<int:number>/merge/", relations.merge, name="merge"),
    path("tickets/<int:number>/links/", relations.link, name="link"),
    path("tickets/<int:number>/links/<int:other>/remove/", relations.unlink, name="unlink"),
    path(
        "tickets/<int:number>/previous/",
        navigation.step,
        {"direction": "previous"},
        name="previous",
    ),
    path("tickets/<int:number>/next/", navigation.step, {"direction": "next"}, name="next"),
    path(
        "tickets/<int:number>/messages/<int:message_id>/with-images/",
        remote_images.with_remote_images,
        name="remote_images",
    ),
    path("attachments/<int:pk>/", attachments.download, name="attachment"),
]
