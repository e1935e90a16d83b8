"""Is the student in the room? The browser's position against the check-in's circle.

The Geolocation API reports a position with an accuracy: the radius, in metres, of a
circle that holds the true position with 95 % confidence. The rule:

- a fix vaguer than ACCURACY_LIMIT_M (a position guessed from the network, not GPS or
  Wi-Fi) proves nothing and is refused, asking to turn on precise location;
- otherwise the check-in is accepted when the circle of uncertainty reaches the
  check-in's circle, with the benefit of the doubt capped at the radius itself:
  distance <= radius + min(accuracy, radius). A precise fix must be inside; an
  honest indoor fix a little off is not turned away; a vague one cannot stretch a
  50 m circle to a kilometre.

The position, its accuracy and the distance are kept with the record for the teacher (for
a person in minors mode only the result: classroom.rules.kept_reading).
"""

from __future__ import annotations

import math

EARTH_RADIUS_M = 6_371_008.8
ACCURACY_LIMIT_M = 500.0


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def within(distance: float, radius: float, accuracy: float) -> bool:
    return distance <= radius + min(accuracy, radius)
