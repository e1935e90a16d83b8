"""Signals of the notifications app, for the apps above the core (realtime pushes).

notifications_stored(recipient_ids, event_key): sent by the delivery task once the
rows exist (receivers should act after commit).
"""

from django.dispatch import Signal

notifications_stored = Signal()
