"""Check-ins (签到) of a class group and who attended.

One `Checkin` is one roll call: a time window, a grace time after which a check-in is
late, and the optional proofs (a rotating code shown on the classroom screen, a place,
one device per person). One `Attendance` row per member per check-in, enforced by the
database (a unique constraint), so concurrent check-ins of one person count once; one
device per person is the same kind of constraint, on the device's hash.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Checkin(models.Model):
    group = models.ForeignKey("groups.Group", on_delete=models.CASCADE, related_name="checkins",
                              verbose_name=_("班级群"))
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("发起人"))
    title = models.CharField(_("标题"), max_length=60)
    opens_at = models.DateTimeField(_("开始时间"))
    closes_at = models.DateTimeField(_("截止时间"))
    late_after = models.DateTimeField(_("迟到时间"))  # opens_at + the grace time
    # The rotating code: derived from this secret and the 10 s time step (classroom.codes).
    code_secret = models.CharField(max_length=64, blank=True)
    latitude = models.FloatField(_("纬度"), null=True, blank=True)
    longitude = models.FloatField(_("经度"), null=True, blank=True)
    radius_m = models.PositiveIntegerField(_("半径（米）"), null=True, blank=True)
    one_device = models.BooleanField(_("一人一机"), default=False)
    # Set once the check-in is closed (the absent written, checkin.closed sent).
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("签到")
        verbose_name_plural = _("签到")
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=models.F("opens_at")),
                                   name="checkin_window_ordered"),
            models.CheckConstraint(
                condition=Q(late_after__gte=models.F("opens_at"))
                & Q(late_after__lte=models.F("closes_at")),
                name="checkin_late_inside_window"),
            models.CheckConstraint(
                condition=(Q(latitude__isnull=True, longitude__isnull=True,
                             radius_m__isnull=True)
                           | Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180,
                               longitude__lte=180, radius_m__gte=10, radius_m__lte=5000)),
                name="checkin_place_whole"),
        ]
        indexes = [models.Index(fields=["group", "-opens_at"]),
                   models.Index(fields=["closes_at"], condition=Q(closed_at__isnull=True),
                                name="checkin_due_to_close")]

    def __str__(self) -> str:
        return self.title

    @property
    def requires_code(self) -> bool:
        return bool(self.code_secret)

    @property
    def requires_place(self) -> bool:
        return self.radius_m is not None

    def state(self, now) -> str:
        if self.closed_at is not None or now >= self.closes_at:
            return "closed"
        return "open" if now >= self.opens_at else "scheduled"


class Attendance(models.Model):
    class Status(models.TextChoices):
        PRESENT = "present", _("已签到")
        LATE = "late", _("迟到")
        ABSENT = "absent", _("缺勤")
        EXCUSED = "excused", _("请假")

    checkin = models.ForeignKey(Checkin, on_delete=models.CASCADE, related_name="records")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="attendance")
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices)
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    # The browser's position as sent (a place check-in), with its accuracy and the
    # distance from the check-in's centre, for the teacher to see.
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    accuracy_m = models.FloatField(_("定位精度（米）"), null=True, blank=True)
    distance_m = models.FloatField(_("距离（米）"), null=True, blank=True)
    # SHA-256 of the device token (one device per person only), never the token itself.
    device_hash = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001 (NULL: unique skips it)
    # A teacher's manual mark (present or excused), kept with who made it.
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(_("备注"), max_length=100, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("考勤记录")
        verbose_name_plural = _("考勤记录")
        constraints = [
            models.UniqueConstraint(fields=["checkin", "user"], name="attendance_once"),
            models.UniqueConstraint(fields=["checkin", "device_hash"],
                                    condition=Q(device_hash__isnull=False),
                                    name="attendance_one_device"),
        ]

    def __str__(self) -> str:
        return f"{self.checkin_id}:{self.user_id}:{self.status}"
