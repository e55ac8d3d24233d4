"""WebSocket routes of the workflow app: notifications and ticket presence."""

from django.urls import path

from tandem.workflow.consumers import NotificationConsumer, PresenceConsumer

websocket_urlpatterns = [
    path("ws/notifications/", NotificationConsumer.as_asgi()),
    path("ws/tickets/<int:number>/presence/", PresenceConsumer.as_asgi()),
]
