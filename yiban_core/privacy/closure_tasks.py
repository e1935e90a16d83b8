"""The work of account cancellations done by the workers: the erasure of the closures
whose grace period is over (periodic, idempotent), and the e-mail telling the person."""

from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from yiban_core.privacy import closure as closures
from yiban_core.privacy.models import AccountClosure

ERASE_EVERY = timedelta(minutes=30)


@task()
def erase_due_closures() -> int:
    return closures.erase_due()


@task()
def mail_closure_notice(*, closure_id: int, what: str) -> bool:
    """Tell the person their cancellation was asked for (and how to undo it), or undone.
    Sent once the change committed; nothing once the account is erased (no address)."""
    closure = AccountClosure.objects.select_related("user").filter(pk=closure_id).first()
    if closure is None or not closure.user.email:
        return False
    if what == "requested":
        when = timezone.localtime(closure.erase_after).strftime("%Y-%m-%d %H:%M")
        subject = _("你申请了注销易班账号")
        body = _("你的账号 %(username)s 将于 %(when)s 注销，届时个人资料、实名、学号、头像"
                 "和联系方式将被删除。如果这不是你本人的操作，或你改变了主意，"
                 "在此之前登录即可撤销注销。") % {
            "username": closure.user.username, "when": when}
    else:
        subject = _("你的易班账号注销已撤销")
        body = _("你的账号 %(username)s 的注销申请已撤销，账号照常使用。") % {
            "username": closure.user.username}
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [closure.user.email])
    return True
