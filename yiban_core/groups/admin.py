from django.contrib import admin

from yiban_core.groups.models import Ban, Group, Invitation, JoinRequest, Membership


class MembershipInline(admin.TabularInline):
    model = Membership
    raw_id_fields = ["user"]
    extra = 0


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "school", "owner", "member_count", "is_private", "join_policy"]
    list_filter = ["kind", "is_private", "join_policy", "premoderate", "school"]
    search_fields = ["name", "join_code"]
    raw_id_fields = ["owner"]
    readonly_fields = ["member_count"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["group", "user", "role", "joined_at"]
    list_filter = ["role"]
    raw_id_fields = ["group", "user"]


@admin.register(JoinRequest)
class JoinRequestAdmin(admin.ModelAdmin):
    list_display = ["group", "user", "status", "created_at", "decided_by"]
    list_filter = ["status"]
    raw_id_fields = ["group", "user", "decided_by"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["group", "invitee", "inviter", "status", "created_at"]
    raw_id_fields = ["group", "invitee", "inviter"]


@admin.register(Ban)
class BanAdmin(admin.ModelAdmin):
    list_display = ["group", "user", "banned_by", "created_at"]
    raw_id_fields = ["group", "user", "banned_by"]
