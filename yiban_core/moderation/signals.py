"""A word saved or deleted in this process is seen by its next check at once; other
processes notice through the lists' fingerprint (words.py)."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from yiban_core.moderation import words
from yiban_core.moderation.models import SensitiveWord


@receiver(post_save, sender=SensitiveWord)
@receiver(post_delete, sender=SensitiveWord)
def forget_word_lists(sender, **kwargs) -> None:
    words.forget()
