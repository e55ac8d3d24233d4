"""One-time sign-in links for customers: only a hash of the link's secret is stored."""

from __future__ import annotations

from django.db import models

from tandem.people.models import Contact


class SignInLink(models.Model):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="sign_in_links")
    secret_hash = models.CharField(max_length=64, unique=True)
    next_path = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["contact", "created_at"], name="signin_contact_created")]

    def __str__(self) -> str:
        return f"Sign-in link for contact {self.contact_id}"
