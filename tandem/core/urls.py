from django.urls import path

from tandem.core import views
from tandem.core.search import views as search_views

app_name = "core"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("search/", search_views.search_page, name="search"),
]
