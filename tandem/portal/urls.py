from django.http import HttpResponse
from django.urls import path

app_name = "portal"

# Placeholder until the portal pages land; replaced by the portal views.
urlpatterns = [path("", lambda request: HttpResponse("todo"), name="home")]
