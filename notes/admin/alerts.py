"""Email alerts in the admin: find an address to erase it when its owner asks (GDPR), and see
what it follows. Addresses are not added or changed here: only their owner, by the links
mailed to them, does that."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy

from notes.models import Follow, Subscriber


class FollowInline(admin.TabularInline):
    model = Follow
    extra = 0
    fields = ["label", "query", "created_at", "confirmed_at"]
    readonly_fields = ["label", "query", "created_at", "confirmed_at"]
    can_delete = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ["email", "language", "created_at", "follow_count"]
    search_fields = ["email"]
    readonly_fields = ["email", "language", "created_at"]
    inlines = [FollowInline]

    def has_add_permission(self, request):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(follow_total=Count("follows"))

    @admin.display(description=gettext_lazy("bevakningar"), ordering="follow_total")
    def follow_count(self, subscriber):
        return subscriber.follow_total
