from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from yiban_core.accounts.models import Block, Follow, Profile, School, User


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [ProfileInline]
    list_display = ["username", "display_name", "role", "school", "member_number", "verified_at",
                    "is_active"]
    list_filter = ["role", "school", "is_active", "is_staff"]
    search_fields = ["username", "display_name", "member_number", "email"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("易班", {"fields": ("display_name", "role", "school", "member_number", "verified_at")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        ("易班", {"fields": ("display_name", "role", "school")}),
    )
    readonly_fields = ["follower_count", "following_count"]


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "kind", "city", "premoderate_default"]
    list_filter = ["kind", "premoderate_default"]
    search_fields = ["name", "short_name"]
    filter_horizontal = ["administrators"]


@admin.register(Follow)
class FollowAdmin(admin.ModelAdmin):
    list_display = ["follower", "followee", "created_at"]
    raw_id_fields = ["follower", "followee"]


@admin.register(Block)
class BlockAdmin(admin.ModelAdmin):
    list_display = ["blocker", "blocked", "created_at"]
    raw_id_fields = ["blocker", "blocked"]
