"""The customer portal under /portal/: sign-in by link, request forms, my requests."""

from django.urls import path, re_path

from tandem.portal import views
from tandem.portal.signin import SECRET_PATTERN

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-in/sent/", views.link_sent, name="link_sent"),
    re_path(rf"^link/(?P<secret>{SECRET_PATTERN})/$", views.sign_in_link, name="sign_in_link"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("submit/", views.submit, name="submit"),
    path("submit/thanks/", views.submitted, name="submitted"),
    path("requests/", views.request_list, name="requests"),
    path("requests/new/", views.new_request, name="new_request"),
    path("requests/<int:number>/", views.request_detail, name="request"),
    path("requests/<int:number>/reply/", views.reply, name="reply"),
    path("requests/<int:number>/solve/", views.mark_solved, name="mark_solved"),
    re_path(
        r"^requests/(?P<number>[0-9]+)/attachments/(?P<token>[0-9a-f]{32})/$",
        views.attachment,
        name="attachment",
    ),
]
