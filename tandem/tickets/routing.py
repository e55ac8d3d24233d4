from django.urls import path

from tandem.tickets.consumers import TicketConsumer

websocket_urlpatterns = [
    path("ws/tickets/<int:number>/", TicketConsumer.as_asgi()),
]
