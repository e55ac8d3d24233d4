"""The notification pages (the bell's menu, the full list) and following a ticket."""

from django.urls import path

from tandem.workflow import notification_views as views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.notification_list, name="list"),
    path("notifications/bell/", views.bell, name="bell"),
    path("notifications/read/", views.mark_all_read, name="read_all"),
    path("notifications/email/", views.email_preference, name="email"),
    path("notifications/<int:notification_id>/open/", views.open_notification, name="open"),
    path("notifications/<int:notification_id>/read/", views.mark_read, name="read"),
    path("tickets/<int:number>/follow/", views.follow, name="follow"),
]
