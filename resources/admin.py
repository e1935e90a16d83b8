"""Learning resources and their ratings in the admin site, for site admins: found by title or
owner, filtered, and listed without a query per row or a count of the whole table."""

from django.contrib import admin
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from resources.models import Rating, Resource


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):
    list_display = ["id", "title", "kind", "owner", "subject", "visibility", "school",
                    "download_count", "rating_count", "bayesian_score", "created_at"]
    list_display_links = ["id", "title"]
    list_filter = ["kind", "visibility", "subject", "licence", "school"]
    search_fields = ["title", "description", "=owner__username", "owner__display_name"]
    list_select_related = ["owner", "school"]
    raw_id_fields = ["owner", "course", "group", "school", "current", "tags"]
    readonly_fields = ["download_count", "rating_count", "rating_sum", "bayesian_score",
                       "created_at", "updated_at"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    list_per_page = 50


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    list_display = ["id", "resource", "user", "stars", "review_excerpt", "helpful_count",
                    "created_at"]
    list_display_links = ["id", "review_excerpt"]
    list_filter = ["stars"]
    search_fields = ["review", "=user__username", "resource__title"]
    list_select_related = ["resource", "user"]
    raw_id_fields = ["resource", "user"]
    readonly_fields = ["helpful_count", "created_at", "updated_at"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    list_per_page = 50

    @admin.display(description=_("评价"))
    def review_excerpt(self, obj):
        return Truncator(obj.review).chars(40)
