"""Practical-training and internship pages (实训/实习) of the vocational plugin.

A student logs a record and submits it to a teacher; the teacher signs it off
or returns it with a comment; the growth record (成长档案) shows the signed
records and their hours. Routed only while the plugin is installed (frontend/urls.py).
Reads go through openapi_plugins.vocational.selectors, writes through its services,
which decide every rule; these views only parse, ask and show.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from frontend.errors import domain_errors, perform, show_error
from frontend.views.feeds import more_url
from openapi_plugins.vocational import selectors, services
from openapi_plugins.vocational.models import TrainingRecord
from yiban_core.accounts.models import User
from yiban_core.errors import DomainError
from yiban_core.pagination import paginate

PAGE_SIZE = 20
DATE_WIDGET = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class SupervisorField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.display_name or obj.username}（{obj.username}）"


class RecordForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=TrainingRecord.Kind.choices,
                             initial=TrainingRecord.Kind.INTERNSHIP, widget=forms.RadioSelect)
    title = forms.CharField(label=gettext_lazy("标题"), max_length=100,
                            widget=forms.TextInput(attrs={
                                "placeholder": gettext_lazy("例如：数控车床操作实训")}))
    workplace = forms.CharField(label=gettext_lazy("实习单位/实训车间"), max_length=100)
    start_date = forms.DateField(label=gettext_lazy("开始日期"), widget=DATE_WIDGET)
    end_date = forms.DateField(label=gettext_lazy("结束日期"), widget=DATE_WIDGET)
    hours = forms.DecimalField(label=gettext_lazy("学时"),
                               help_text=gettext_lazy("大于 0，最多一位小数，例如 7.5"),
                               widget=forms.NumberInput(attrs={"step": "0.1", "min": "0.1"}))
    tasks = forms.CharField(label=gettext_lazy("完成的任务"), max_length=5000,
                            widget=forms.Textarea(attrs={"rows": 5}))
    reflection = forms.CharField(label=gettext_lazy("心得体会"), required=False, max_length=5000,
                                 widget=forms.Textarea(attrs={"rows": 4}))


class SubmitForm(forms.Form):
    supervisor = SupervisorField(label=gettext_lazy("指导教师"), queryset=User.objects.none(),
                                 required=False, empty_label=gettext_lazy("选择指导教师"),
                                 help_text=gettext_lazy("本校已认证的教师；提交后等待老师签字"))

    def __init__(self, *args, supervisors=None, **kwargs):
        super().__init__(*args, **kwargs)
        if supervisors is not None:
            self.fields["supervisor"].queryset = supervisors


class CreateForm(RecordForm, SubmitForm):
    pass


class AttachmentForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("附件"), required=False, help_text=gettext_lazy(
        "实习证明、实训报告或照片：PDF、Word、Excel、PPT 或图片，不超过 10 MB"))


class DecisionForm(forms.Form):
    comment = forms.CharField(label=gettext_lazy("评语"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 3}),
                              help_text=gettext_lazy("签字时可不填；退回时请写明需要修改的地方"))


def _record_data(form: forms.Form) -> dict:
    return {name: form.cleaned_data[name] for name in RecordForm.base_fields}


@login_required
@domain_errors
def training_list(request):
    qs = selectors.my_records(actor=request.actor)
    page = paginate(qs, first=PAGE_SIZE, after=request.GET.get("after"))
    is_teacher = request.user.role == User.Role.TEACHER
    return render(request, "frontend/vocational/list.html", {
        "page": page, "more": more_url(request, page), "is_teacher": is_teacher,
        "pending_count": (selectors.records_to_sign_off(actor=request.actor).count()
                          if is_teacher else 0),
    })


@login_required
@domain_errors
def training_create(request):
    supervisors = selectors.supervisor_choices(actor=request.actor)
    form = CreateForm(request.POST or None, supervisors=supervisors)
    if request.method == "POST" and form.is_valid():
        submit = request.POST.get("action") == "submit"
        try:
            # Logged and submitted together, or not at all.
            with transaction.atomic():
                record = services.log_record(actor=request.actor, **_record_data(form))
                if submit:
                    services.submit_record(actor=request.actor, record=record,
                                           supervisor=form.cleaned_data["supervisor"])
        except DomainError as error:
            show_error(request, error, form)
        else:
            messages.success(request, _("已提交给老师签字") if submit else _("已保存草稿"))
            return redirect("training_detail", pk=record.pk)
    return render(request, "frontend/vocational/form.html", {
        "form": form, "creating": True, "has_school": request.user.school_id is not None,
    })


@login_required
@domain_errors
def training_detail(request, pk):
    record = selectors.get_record(actor=request.actor, pk=pk)
    is_student = record.student_id == request.user.pk
    context = {
        "record": record,
        "is_student": is_student,
        "can_edit": is_student and record.is_editable,
        "can_delete": is_student and record.status == TrainingRecord.Status.DRAFT,
        "can_decide": (record.supervisor_id == request.user.pk
                       and record.status == TrainingRecord.Status.SUBMITTED),
    }
    if context["can_edit"]:
        context["submit_form"] = SubmitForm(
            initial={"supervisor": record.supervisor_id},
            supervisors=selectors.supervisor_choices(actor=request.actor))
    if context["can_decide"]:
        context["decision_form"] = DecisionForm()
    context["attachments"] = list(record.attachments.all())
    if context["can_edit"]:
        context["attachment_form"] = AttachmentForm()
    return render(request, "frontend/vocational/detail.html", context)


@login_required
@require_POST
@domain_errors
def training_attach(request, pk):
    record = selectors.get_record(actor=request.actor, pk=pk)
    return perform(
        request,
        lambda: services.add_attachment(actor=request.actor, record=record,
                                        upload=request.FILES.get("file")),
        success=_("附件已上传"), next_url=reverse("training_detail", args=[record.pk]),
    )


@login_required
@require_POST
@domain_errors
def training_detach(request, pk, attachment_id):
    record = selectors.get_record(actor=request.actor, pk=pk)
    return perform(
        request,
        lambda: services.remove_attachment(actor=request.actor, record=record,
                                           attachment_id=attachment_id),
        success=_("附件已删除"), next_url=reverse("training_detail", args=[record.pk]),
    )


@login_required
@domain_errors
def training_edit(request, pk):
    record = selectors.get_record(actor=request.actor, pk=pk)
    initial = {name: getattr(record, name) for name in RecordForm.base_fields}
    form = RecordForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_record(actor=request.actor, record=record, **_record_data(form))
        except DomainError as error:
            show_error(request, error, form)
        else:
            messages.success(request, _("记录已保存"))
            return redirect("training_detail", pk=record.pk)
    elif request.method != "POST" and not (record.student_id == request.user.pk
                                           and record.is_editable):
        messages.error(request, _("这条记录现在不能修改"))
        return redirect("training_detail", pk=record.pk)
    return render(request, "frontend/vocational/form.html", {
        "form": form, "creating": False, "record": record, "has_school": True,
    })


@login_required
@require_POST
@domain_errors
def training_submit(request, pk):
    record = selectors.get_record(actor=request.actor, pk=pk)
    form = SubmitForm(request.POST, supervisors=selectors.supervisor_choices(actor=request.actor))
    if not form.is_valid():
        messages.error(request, _("请选择本校已认证的指导教师"))
        return redirect("training_detail", pk=record.pk)
    return perform(
        request,
        lambda: services.submit_record(actor=request.actor, record=record,
                                       supervisor=form.cleaned_data["supervisor"]),
        success=_("已提交给老师签字"), next_url=reverse("training_detail", args=[record.pk]),
    )


@login_required
@require_POST
@domain_errors
def training_decide(request, pk):
    record = selectors.get_record(actor=request.actor, pk=pk)
    form = DecisionForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else request.POST.get("comment", "")
    returning = request.POST.get("action") == "return"

    def decide():
        if returning:
            return services.return_record(actor=request.actor, record=record, comment=comment)
        return services.sign_off_record(actor=request.actor, record=record, comment=comment)

    success = _("已退回，学生修改后会重新提交") if returning else _("已签字确认")
    return perform(request, decide, success=success,
                   next_url=reverse("training_detail", args=[record.pk]))


@login_required
@require_POST
@domain_errors
def training_delete(request, pk):
    record = selectors.get_record(actor=request.actor, pk=pk)
    try:
        services.delete_record(actor=request.actor, record=record)
    except DomainError as error:
        show_error(request, error)
        return redirect("training_detail", pk=record.pk)
    messages.success(request, _("草稿已删除"))
    return redirect("training_list")


@login_required
@domain_errors
def training_review(request):
    qs = selectors.records_to_sign_off(actor=request.actor)
    page = paginate(qs, first=PAGE_SIZE, after=request.GET.get("after"))
    return render(request, "frontend/vocational/review.html", {
        "page": page, "more": more_url(request, page),
    })


@domain_errors
def growth_record(request, username):
    growth = selectors.growth_record(actor=request.actor, username=username)
    page = paginate(growth.records, first=PAGE_SIZE, after=request.GET.get("after"))
    return render(request, "frontend/vocational/growth.html", {
        "growth": growth, "person": growth.student, "page": page,
        "more": more_url(request, page),
        "is_me": request.user.is_authenticated and request.user.pk == growth.student.pk,
    })
