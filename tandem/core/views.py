"""Health check, sign-in and the workspace's front door."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache

from tandem.core.forms import EmailAuthenticationForm
from tandem.core.jobs import jobs_status
from tandem.core.permissions import current_agent


@never_cache
def healthz(request):
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = "ok"
    except Exception as error:
        checks["database"] = f"down: {type(error).__name__}"
    checks["jobs"] = jobs_status()
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "down", **checks}, status=200 if healthy else 503
    )


def home(request):
    if current_agent(request):
        return redirect("tickets:inbox")
    return redirect("portal:home")


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True


logout_view = auth_views.LogoutView.as_view()
