"""The workspace search form: what to look for and the filters, each checked with a clear error."""

from __future__ import annotations

from django import forms

from tandem.core.search.workspace import AgentSearch, searchable_kinds
from tandem.people.models import Team, Track
from tandem.tickets.models import Status

PAGE_SIZE = 20
MAX_QUERY_LENGTH = 200


class SearchForm(forms.Form):
    q = forms.CharField(label="Search", max_length=MAX_QUERY_LENGTH, required=False, strip=True)
    type = forms.ChoiceField(label="Type", required=False)
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status"), *Status.choices]
    )
    track = forms.ChoiceField(
        label="Track", required=False, choices=[("", "Any track"), *Track.choices]
    )
    team = forms.TypedChoiceField(label="Team", required=False, coerce=int, empty_value=None)
    since = forms.DateField(label="Updated from", required=False)
    until = forms.DateField(label="Updated until", required=False)
    page = forms.IntegerField(required=False, min_value=1, max_value=50, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = searchable_kinds()
        self.fields["type"].choices = [("", "Everything"), *kinds.items()]
        self.fields["team"].choices = [
            ("", "Any team"),
            *Team.objects.order_by("name").values_list("id", "name"),
        ]
        for name in ("since", "until"):
            self.fields[name].widget.input_type = "date"

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", "must be on or after the start date")
        return cleaned

    def request(self) -> AgentSearch:
        data = self.cleaned_data
        page = data.get("page") or 1
        return AgentSearch(
            text=data["q"],
            kinds=(data["type"],) if data.get("type") else (),
            status=data.get("status") or "",
            track=data.get("track") or "",
            team=data.get("team"),
            since=data.get("since"),
            until=data.get("until"),
            limit=PAGE_SIZE,
            offset=(page - 1) * PAGE_SIZE,
        )
