"""The public help center under /help/ and the agents' article editor under /kb/."""

from django.urls import path

from tandem.kb import editor_views, file_views, help_views, related_views

app_name = "kb"

urlpatterns = [
    # help center (anyone)
    path("help/", help_views.home, name="help"),
    path("help/search", help_views.search, name="search"),
    path("help/suggest", help_views.suggest, name="suggest"),
    path("help/sitemap.xml", help_views.sitemap, name="sitemap"),
    path("help/categories/<int:category_id>-<slug:slug>/", help_views.category, name="category"),
    path("help/sections/<int:section_id>-<slug:slug>/", help_views.section, name="section"),
    path("help/articles/<int:article_id>/", help_views.article, name="article_bare"),
    path("help/articles/<int:article_id>-<str:slug>/", help_views.article, name="article"),
    path("help/articles/<int:article_id>/vote/", help_views.vote, name="vote"),
    path(
        "help/articles/<int:article_id>/files/<int:attachment_id>/",
        help_views.attachment,
        name="attachment",
    ),
    # article editor (agents)
    path("kb/", editor_views.article_list, name="articles"),
    path("kb/new/", editor_views.new_article, name="new"),
    path("kb/preview/", editor_views.preview, name="preview"),
    path("kb/gaps/", editor_views.gap_report, name="gaps"),
    path("kb/from-ticket/<int:number>/", editor_views.from_ticket, name="from_ticket"),
    path(
        "kb/for-ticket/<int:number>/",
        editor_views.ticket_suggestions,
        name="ticket_suggestions",
    ),
    path("kb/<int:article_id>/", editor_views.edit_article, name="edit"),
    path("kb/<int:article_id>/status/", editor_views.change_status, name="status"),
    path("kb/<int:article_id>/history/", editor_views.history, name="history"),
    path("kb/<int:article_id>/files/", file_views.upload, name="upload"),
    path(
        "kb/<int:article_id>/files/<int:attachment_id>/remove/",
        file_views.remove,
        name="remove_file",
    ),
    path("kb/<int:article_id>/related/", related_views.change, name="related"),
    path("kb/<int:article_id>/related/search", related_views.search, name="related_search"),
    path(
        "kb/<int:article_id>/history/<int:number>/restore/",
        editor_views.restore,
        name="restore",
    ),
]
