"""The Bayesian score that ranks resources: the mean rating pulled toward the
site's mean when a resource has few ratings, so one 5-star vote does not beat
forty 4.8s.  score = (C * m + sum of stars) / (C + number of ratings)."""

from django.db.models import Avg

from resources.models import Rating

PRIOR_WEIGHT = 5  # C: how many ratings the site mean counts for
DEFAULT_MEAN = 3.0


def site_mean() -> float:
    return Rating.objects.aggregate(mean=Avg("stars"))["mean"] or DEFAULT_MEAN


def bayesian(rating_sum: int, rating_count: int, mean: float) -> float:
    if rating_count == 0:
        return 0.0  # unrated resources rank after every rated one
    return round((PRIOR_WEIGHT * mean + rating_sum) / (PRIOR_WEIGHT + rating_count), 6)
