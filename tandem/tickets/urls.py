from django.http import HttpResponse
from django.urls import path

app_name = "tickets"

# Placeholder until the tickets pages land; replaced by the tickets views.
urlpatterns = [path("inbox/", lambda request: HttpResponse("todo"), name="inbox")]
