"""Sensitive words (敏感词): a site list (school NULL) and one list per school.

`normalised` is the word as the matcher sees it (yiban_core/moderation/normalise.py) and
`pinyin` its toneless pinyin when the word is Chinese: both derived from `word` by the
services, and unique per list, so `代考`, `代 考` and `代考` in full width are one entry.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

WORD_MAX_LENGTH = 50


class Action(models.TextChoices):
    # Ordered from the mildest to the worst: the worst action of a text's matches wins.
    REPLACE = "replace", _("替换为 *")
    FLAG = "flag", _("发布并送审")
    REVIEW = "review", _("先审后发")
    BLOCK = "block", _("拒绝发布")


SEVERITY = {action: rank for rank, action in enumerate(Action.values)}


class SensitiveWord(models.Model):
    word = models.CharField(_("敏感词"), max_length=WORD_MAX_LENGTH)
    normalised = models.CharField(_("归一化形式"), max_length=WORD_MAX_LENGTH * 4, editable=False)
    pinyin = models.CharField(_("拼音"), max_length=WORD_MAX_LENGTH * 6, blank=True,
                              editable=False)
    action = models.CharField(_("处理方式"), max_length=10, choices=Action.choices,
                              default=Action.BLOCK)
    school = models.ForeignKey("accounts.School", null=True, blank=True,
                               on_delete=models.CASCADE, related_name="sensitive_words",
                               verbose_name=_("学校"),
                               help_text=_("留空为全站词表"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("添加人"))
    created_at = models.DateTimeField(_("添加时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)  # the lists' fingerprint

    class Meta:
        ordering = ["school_id", "normalised"]
        verbose_name = _("敏感词")
        verbose_name_plural = _("敏感词")
        constraints = [
            models.UniqueConstraint(fields=["normalised"], condition=Q(school__isnull=True),
                                    name="sensitive_word_unique_on_site"),
            models.UniqueConstraint(fields=["school", "normalised"],
                                    condition=Q(school__isnull=False),
                                    name="sensitive_word_unique_in_school"),
            models.CheckConstraint(condition=Q(action__in=Action.values),
                                   name="sensitive_word_known_action"),
            models.CheckConstraint(condition=~Q(normalised=""),
                                   name="sensitive_word_not_empty"),
        ]

    def __str__(self) -> str:
        return self.word
