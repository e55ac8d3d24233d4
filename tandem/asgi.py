"""The one ASGI application: Django over HTTP, Channels consumers over WebSocket."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")

import django  # noqa: E402

django.setup(set_prefix=False)

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler  # noqa: E402

from tandem.core.asgi_handler import PooledThreadASGIHandler  # noqa: E402

# One thread hop per request instead of Django's several (see tandem/core/asgi_handler.py).
django_application = PooledThreadASGIHandler(threads=settings.HTTP_THREADS)

from tandem.tickets.routing import websocket_urlpatterns as ticket_routes  # noqa: E402
from tandem.workflow.ws_routing import websocket_urlpatterns as workflow_routes  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_application,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(ticket_routes + workflow_routes))
        ),
    }
)

# What `tandem serve` serves (by import string when it runs several web processes): static
# files straight from the installed apps, no collectstatic step, no CDN.
served_application = ASGIStaticFilesHandler(application)
