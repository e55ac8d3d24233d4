"""The composer's macro picker partials under /macros/ (the settings pages are in settings_urls)."""

from django.urls import path

from tandem.kb import macro_views

app_name = "macros"

urlpatterns = [
    path("for/<int:number>/", macro_views.picker, name="picker"),
    path("<int:pk>/preview/<int:number>/", macro_views.preview, name="preview"),
    path("<int:pk>/insert/<int:number>/", macro_views.insert, name="insert"),
    path("forget/", macro_views.forget, name="forget"),
]
