"""Votes read from protocols, for clerks to check and correct (and attendance, on its own)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy

from notes.models import Attendance, Ballot, Vote


class BallotInline(admin.TabularInline):
    model = Ballot
    extra = 0
    autocomplete_fields = ["party", "person"]


@admin.register(Vote)
class VoteAdmin(admin.ModelAdmin):
    list_display = ["item", "meeting", "position", "yes", "no", "abstain"]
    list_filter = ["item__meeting__body"]
    list_select_related = ["item__meeting__body"]
    autocomplete_fields = ["item"]
    search_fields = ["item__title", "item__case_number", "item__meeting__body__name"]
    inlines = [BallotInline]

    def lookup_allowed(self, lookup, value, request=None):
        # The meeting page links to its votes (MeetingAdmin.from_protocol).
        return lookup == "item__meeting__id__exact" or super().lookup_allowed(
            lookup, value, request
        )

    @admin.display(description=gettext_lazy("sammanträde"), ordering="item__meeting__date")
    def meeting(self, vote):
        return vote.item.meeting


@admin.register(Attendance)
class AttendanceAdmin(admin.ModelAdmin):
    list_display = ["meeting", "person", "role"]
    list_select_related = ["meeting__body", "person"]
    list_filter = ["role", "meeting__body"]
    date_hierarchy = "meeting__date"
    autocomplete_fields = ["meeting", "person"]
    search_fields = ["person__name", "meeting__body__name"]
