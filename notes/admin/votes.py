"""Votes read from protocols, for clerks to check and correct (and attendance, on its own)."""

from __future__ import annotations

from django.contrib import admin

from notes.models import Attendance, Ballot, Vote


class BallotInline(admin.TabularInline):
    model = Ballot
    extra = 0
    autocomplete_fields = ["party", "person"]


@admin.register(Vote)
class VoteAdmin(admin.ModelAdmin):
    list_display = ["item", "position", "yes", "no", "abstain"]
    list_select_related = ["item__meeting__body"]
    autocomplete_fields = ["item"]
    search_fields = ["item__title", "item__case_number", "item__meeting__body__name"]
    inlines = [BallotInline]


@admin.register(Attendance)
class AttendanceAdmin(admin.ModelAdmin):
    list_display = ["meeting", "person", "role"]
    list_select_related = ["meeting__body", "person"]
    list_filter = ["role"]
    autocomplete_fields = ["meeting", "person"]
    search_fields = ["person__name", "meeting__body__name"]
