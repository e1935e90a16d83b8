"""Posts and comments in the admin site, for site admins: found by text or author, filtered,
and listed without a query per row or a count of the whole table."""

from django.contrib import admin
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from feeds.models import Comment, Post


def excerpt(text: str) -> str:
    return Truncator(text).chars(40)


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ["id", "text_excerpt", "author", "group", "school", "visibility",
                    "is_repost", "like_count", "comment_count", "created_at"]
    list_display_links = ["id", "text_excerpt"]
    list_filter = ["visibility", "is_repost", "school"]
    search_fields = ["text", "=author__username", "author__display_name"]
    list_select_related = ["author", "group", "school"]
    raw_id_fields = ["author", "group", "school", "repost_of"]
    readonly_fields = ["like_count", "comment_count", "repost_count", "created_at",
                       "edited_at", "mention_links"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    list_per_page = 50

    @admin.display(description=_("正文"))
    def text_excerpt(self, obj):
        return excerpt(obj.text)


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["id", "text_excerpt", "author", "post", "parent_comment", "like_count",
                    "created_at"]
    list_display_links = ["id", "text_excerpt"]
    search_fields = ["text", "=author__username", "author__display_name"]
    list_select_related = ["author", "post__author"]
    raw_id_fields = ["post", "author", "parent", "reply_to"]
    readonly_fields = ["like_count", "created_at", "mention_links"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    list_per_page = 50

    @admin.display(description=_("内容"))
    def text_excerpt(self, obj):
        return excerpt(obj.text)

    @admin.display(description=_("所回复的评论"))
    def parent_comment(self, obj):
        return obj.parent_id or "-"

