"""Agent workspace pages for customers: contacts and organizations."""

from django.urls import path

from tandem.people.views import contacts

app_name = "people"

urlpatterns = [
    path("contacts/", contacts.contact_list, name="contacts"),
    path("contacts/new/", contacts.contact_create, name="contact_create"),
    path("contacts/<int:pk>/", contacts.contact_detail, name="contact"),
    path("contacts/<int:pk>/edit/", contacts.contact_edit, name="contact_edit"),
    path("contacts/<int:pk>/delete/", contacts.contact_delete, name="contact_delete"),
    path("contacts/<int:pk>/identities/", contacts.identity_add, name="identity_add"),
    path(
        "contacts/<int:pk>/identities/<int:identity_pk>/remove/",
        contacts.identity_remove,
        name="identity_remove",
    ),
    path("organizations/", contacts.organization_list, name="organizations"),
    path("organizations/new/", contacts.organization_create, name="organization_create"),
    path("organizations/<int:pk>/", contacts.organization_detail, name="organization"),
    path("organizations/<int:pk>/edit/", contacts.organization_edit, name="organization_edit"),
    path(
        "organizations/<int:pk>/delete/", contacts.organization_delete, name="organization_delete"
    ),
]
