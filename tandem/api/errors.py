"""The one place that turns exceptions into the API's JSON errors.

Every error answers `{"detail": "..."}`; an error about the input (422) also names each
bad field: `{"detail": "...", "errors": [{"field": "requester.email", "message": "..."}]}`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core.exceptions import (
    ObjectDoesNotExist,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
)
from django.http import Http404, HttpRequest, HttpResponse
from ninja.errors import HttpError, ValidationError, ValidationErrorContext
from pydantic import BaseModel

from tandem.core.errors import FieldError, InvalidInput, NotAllowed

if TYPE_CHECKING:
    from ninja import NinjaAPI

log = logging.getLogger("tandem.api")


class ErrorOut(BaseModel):
    detail: str


class FieldErrorOut(BaseModel):
    field: str
    message: str


class InvalidOut(BaseModel):
    detail: str
    errors: list[FieldErrorOut]


def responses(*codes: int) -> dict[int, type[BaseModel]]:
    """Error responses for an operation's OpenAPI entry; 422 is the only one with field errors."""
    return {code: InvalidOut if code == 422 else ErrorOut for code in codes}


# --- field paths ---------------------------------------------------------------

# Friendlier words for pydantic's most common complaints; the rest keep pydantic's message.
_MESSAGES = {
    "missing": "is required",
    "extra_forbidden": "is not a known field",
}
_OWN_VALIDATOR_PREFIX = "Value error, "  # how pydantic wraps our validators' messages


def field_path(loc: Iterable[str | int]) -> str:
    """("requester", "email") -> "requester.email"; list positions as "attachments[0].filename"."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def validation_error(contexts: list[ValidationErrorContext]) -> ValidationError:
    """ninja's parameter errors, with the source ("body", "query"...) and body parameter name
    dropped so that a field reads as the client wrote it."""
    errors = []
    for context in contexts:
        model = context.model
        single = getattr(model, "__read_from_single_attr__", None)
        reverse_map = getattr(model, "__ninja_flatten_map_reverse__", {})
        for item in context.pydantic_validation_error.errors(include_url=False):
            loc = tuple(reverse_map.get(item["loc"], item["loc"]))
            if single and loc[:1] == (single,):
                loc = loc[1:]
            message = _MESSAGES.get(item["type"], item["msg"]).removeprefix(_OWN_VALIDATOR_PREFIX)
            if not loc:
                message = "the request body must be a JSON object"
            errors.append({"field": field_path(loc), "message": message})
    return ValidationError(errors)


def prefixed(error: InvalidInput, prefix: str) -> InvalidInput:
    """An action's errors about a nested object, named as the client sent them."""
    return InvalidInput([FieldError(f"{prefix}.{e.field}", e.message) for e in error.errors])


def renamed(error: InvalidInput, names: dict[str, str]) -> InvalidInput:
    """An action's errors with its argument names replaced by the request's field names."""
    return InvalidInput([FieldError(names.get(e.field, e.field), e.message) for e in error.errors])


# --- handlers ------------------------------------------------------------------


def _json(
    api: NinjaAPI, request: HttpRequest, status: int, detail: str, errors: list[dict] | None = None
) -> HttpResponse:
    body: dict = {"detail": detail}
    if errors is not None:
        body["errors"] = errors
    return api.create_response(request, body, status=status)


def _described(errors: list[dict]) -> str:
    return "; ".join(
        f"{e['field']}: {e['message']}" if e["field"] else e["message"] for e in errors
    )


def install(api: NinjaAPI) -> None:
    def invalid_input(request, exc: InvalidInput):
        errors = [{"field": e.field, "message": e.message} for e in exc.errors]
        return _json(api, request, 422, _described(errors), errors)

    def invalid_params(request, exc: ValidationError):
        return _json(api, request, 422, _described(exc.errors), exc.errors)

    def not_allowed(request, exc: Exception):
        return _json(api, request, 403, str(exc) or "This token's agent may not do this.")

    def not_found(request, exc: Exception):
        return _json(api, request, 404, "Not found")

    def http_error(request, exc: HttpError):
        # ninja's only 400 is a body it could not parse.
        detail = "The request body is not valid JSON." if exc.status_code == 400 else exc.message
        response = _json(api, request, exc.status_code, detail)
        if exc.status_code == 401:
            response["WWW-Authenticate"] = 'Bearer realm="api"'
        return response

    def too_big(request, exc: Exception):
        return _json(
            api,
            request,
            413,
            "The request body is too large; send big files as "
            "multipart/form-data to the upload endpoint.",
        )

    def bad_request(request, exc: Exception):
        return _json(api, request, 400, "Bad request")

    def unexpected(request, exc: Exception):
        log.exception("API error on %s %s", request.method, request.path)
        return _json(api, request, 500, "Internal server error")

    api.add_exception_handler(InvalidInput, invalid_input)
    api.add_exception_handler(ValidationError, invalid_params)
    api.add_exception_handler(NotAllowed, not_allowed)
    api.add_exception_handler(PermissionDenied, not_allowed)
    api.add_exception_handler(Http404, not_found)
    api.add_exception_handler(ObjectDoesNotExist, not_found)
    api.add_exception_handler(HttpError, http_error)
    api.add_exception_handler(RequestDataTooBig, too_big)
    api.add_exception_handler(SuspiciousOperation, bad_request)
    api.add_exception_handler(Exception, unexpected)
