"""What a page of resources or reviews shows that depends on the viewer, read per page
(yiban_core.graphql.loaders): the field that returns a page queues its objects."""

from __future__ import annotations

from resources import selectors
from resources.models import Rating, Resource
from yiban_core.graphql.loaders import Loader


class MyRatings(Loader[Resource, Rating | None]):
    """The viewer's own rating of each resource (None: not rated, or no user)."""

    def batch_load(self, resources: list[Resource]) -> dict[int, Rating]:
        user = self.actor.user
        if user is None:
            return {}
        ids = [resource.pk for resource in resources]
        ratings = Rating.objects.filter(user=user, resource_id__in=ids).select_related("user")
        return {rating.resource_id: rating for rating in ratings}


class MarkedHelpful(Loader[Rating, bool]):
    """Whether the viewer marked each review helpful."""

    default = False

    def batch_load(self, ratings: list[Rating]) -> dict[int, bool]:
        ids = [rating.pk for rating in ratings]
        return dict.fromkeys(selectors.helpful_marked_ids(actor=self.actor, rating_ids=ids), True)


def prepare_found_resources(info, resources: list[Resource]) -> None:
    """Resources found by the site search."""
    MyRatings.of(info).queue(resources)
