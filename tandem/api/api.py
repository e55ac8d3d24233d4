"""The one NinjaAPI of the desk: mounts every app's router, bearer-token auth, one error shape."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from ninja import NinjaAPI, Router, Swagger
from ninja.errors import ValidationError, ValidationErrorContext

from tandem.api import errors
from tandem.api.auth import TokenAuth
from tandem.core.search.api import router as search_router
from tandem.kb.api import router as kb_router
from tandem.kb.macro_api import router as macros_router
from tandem.mail.api import router as mail_router
from tandem.people.api import router as people_router
from tandem.tickets.api import router as tickets_router
from tandem.workflow.routing_api import router as routing_router
from tandem.workflow.triggers_api import router as triggers_router

DESCRIPTION = """\
Tickets, messages, attachments, contacts and organizations of this desk.

Authenticate with `Authorization: Bearer <token>` (create one with
`tandem createtoken EMAIL`). A token sees and does exactly what its agent may;
a read-scope token may only use GET. Lists answer `{"items": [...], "next": url|null}`;
errors answer `{"detail": "..."}`, and 422s name each field in `errors`.
"""


class TandemAPI(NinjaAPI):
    """NinjaAPI whose every error, its own validation included, has Tandem's JSON shape."""

    def set_default_exception_handlers(self) -> None:
        errors.install(self)

    def get_openapi_operation_id(self, operation) -> str:
        # Function names are unique across the routers; client generators name methods after them.
        return operation.view_func.__name__

    def validation_error_from_error_contexts(
        self, error_contexts: list[ValidationErrorContext]
    ) -> ValidationError:
        return errors.validation_error(error_contexts)


api = TandemAPI(
    title="Tandem API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=TokenAuth(),
    docs=Swagger(),  # served from ninja's bundled static files, no CDN
)
api.add_router("", tickets_router)
api.add_router("", people_router)
api.add_router("/mail/", mail_router)
api.add_router("", routing_router)
api.add_router("", kb_router)
api.add_router("", search_router)
api.add_router("", macros_router)
api.add_router("", triggers_router)

# Last, so it matches only what no router did: an unknown URL is a JSON 404 too.
unknown = Router(auth=None)


@unknown.api_operation(
    ["GET", "POST", "PUT", "PATCH", "DELETE"], "/{path:path}", include_in_schema=False
)
def unknown_url(request: HttpRequest, path: str):
    raise Http404(path)


api.add_router("", unknown)
