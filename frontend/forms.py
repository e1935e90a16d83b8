"""Forms parse what a person typed; the services decide whether it is allowed and valid.

Only checks that belong to the page itself live here (two password fields
agree, a number is a number). Everything else is the service's job, and its
DomainError lands on the field it names (frontend.errors.show_error).
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from yiban_core.accounts.models import School, User
from yiban_core.groups.models import Group
from yiban_core.ids import parse_id


class IdField(forms.IntegerField):
    """An id in a query string or a form, read by the one id parser (yiban_core.ids):
    a number past the database's bigint is a form error, never a 500."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        number = parse_id(value)
        if number is None:
            raise forms.ValidationError(_("编号不正确"), code="invalid")
        return number


class SchoolChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: School) -> str:
        return obj.name


class RegisterForm(forms.Form):
    username = forms.CharField(
        label=_("用户名"), max_length=30,
        help_text=_("3 到 30 个字母、数字或 _ . -，用于登录"),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    display_name = forms.CharField(label=_("昵称"), max_length=40, required=False,
                                   help_text=_("大家看到的名字，不填则用用户名"))
    password1 = forms.CharField(
        label=_("密码"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("确认密码"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    role = forms.ChoiceField(
        label=_("身份"),
        choices=[(User.Role.STUDENT, User.Role.STUDENT.label),
                 (User.Role.TEACHER, User.Role.TEACHER.label)],
        initial=User.Role.STUDENT,
    )
    school = SchoolChoiceField(
        label=_("学校"), queryset=School.objects.none(), required=False,
        empty_label=_("暂不选择"),
    )
    agree = forms.BooleanField(
        label=_("我已阅读并同意《用户协议》和《隐私政策》"),
        error_messages={"required": _("请阅读并同意《用户协议》和《隐私政策》")})
    # The versions the page showed: agreeing is to them, not to one published since.
    terms_version = forms.CharField(widget=forms.HiddenInput, required=False, max_length=20)
    privacy_version = forms.CharField(widget=forms.HiddenInput, required=False, max_length=20)

    def __init__(self, *args, schools=None, policies=None, **kwargs):
        super().__init__(*args, **kwargs)
        if schools is not None:
            self.fields["school"].queryset = schools
        policies = policies or {}
        self.fields["terms_version"].initial = policies.get("terms", "")
        self.fields["privacy_version"].initial = policies.get("privacy", "")
        if not policies:
            self.fields["agree"].required = False  # nothing published yet

    def agreed_policies(self) -> dict[str, str]:
        data = self.cleaned_data
        if not data.get("agree"):
            return {}
        return {"terms": data.get("terms_version", ""),
                "privacy": data.get("privacy_version", "")}

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password2") and (
            data["password1"] != data["password2"]
        ):
            self.add_error("password2", _("两次输入的密码不一致"))
        return data


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label=_("原密码"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password1 = forms.CharField(
        label=_("新密码"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password2 = forms.CharField(
        label=_("确认新密码"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("new_password1") and data.get("new_password2") and (
            data["new_password1"] != data["new_password2"]
        ):
            self.add_error("new_password2", _("两次输入的密码不一致"))
        return data


class ProfileForm(forms.Form):
    display_name = forms.CharField(label=_("昵称"), max_length=40)
    avatar = forms.FileField(label=_("头像"), required=False,
                             help_text=_("JPEG、PNG、WebP 或 GIF，不超过 2 MB"),
                             widget=forms.ClearableFileInput(attrs={"accept": "image/*"}))
    bio = forms.CharField(label=_("个人简介"), required=False, max_length=280,
                          widget=forms.Textarea(attrs={"rows": 3}))
    school = SchoolChoiceField(label=_("学校"), queryset=School.objects.none(), required=False,
                               empty_label=_("未设置"))
    major = forms.CharField(label=_("专业"), required=False, max_length=60)
    enrolment_year = forms.IntegerField(label=_("入学年份"), required=False)

    def __init__(self, *args, schools=None, **kwargs):
        super().__init__(*args, **kwargs)
        if schools is not None:
            self.fields["school"].queryset = schools
        # The widget offers "clear"; avatars are replaced, not cleared, here.
        self.fields["avatar"].widget = forms.FileInput(attrs={"accept": "image/*"})


TRI_STATE = [("", _("默认（班级群私密，兴趣群公开）")), ("public", _("公开")),
             ("private", _("私密"))]


def _policy_choices(blank_label):
    return [("", blank_label), *Group.JoinPolicy.choices]


class GroupCreateForm(forms.Form):
    name = forms.CharField(label=_("群名"), max_length=60)
    kind = forms.ChoiceField(
        label=_("类型"),
        choices=[(Group.Kind.INTEREST, Group.Kind.INTEREST.label),
                 (Group.Kind.CLASS, Group.Kind.CLASS.label)],
        help_text=_("班级群只能由设置了学校的教师创建，成员凭班级码加入"),
    )
    description = forms.CharField(label=_("简介"), required=False, max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 4}))
    visibility = forms.ChoiceField(label=_("可见性"), choices=TRI_STATE, required=False)
    join_policy = forms.ChoiceField(label=_("加入方式"), required=False,
                                    choices=_policy_choices(_("默认（班级群凭班级码，兴趣群自由加入）")))
    member_cap = forms.IntegerField(label=_("人数上限"), required=False,
                                    help_text=_("不填则不限"))
    at_my_school = forms.BooleanField(label=_("挂在我的学校下"), required=False)

    def is_private(self) -> bool | None:
        return {"public": False, "private": True}.get(self.cleaned_data.get("visibility") or "")


def premoderation_choices(school) -> list[tuple[str, str]]:
    """The group's 先审后发 switch: "" follows its school's default (a group without a
    school has none: off), "on" and "off" are the group's own choice."""
    if school is None:
        return [("", _("关闭")), ("on", _("开启"))]
    current = _("开启") if school.premoderate_default else _("关闭")
    return [("", _("跟随学校设置（目前：%(current)s）") % {"current": current}),
            ("on", _("开启")), ("off", _("关闭"))]


PREMODERATE_VALUES = {"": None, "on": True, "off": False}


class GroupSettingsForm(forms.Form):
    name = forms.CharField(label=_("群名"), max_length=60)
    description = forms.CharField(label=_("简介"), required=False, max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 4}))
    is_private = forms.BooleanField(label=_("私密群（成员和内容只有成员能看到）"), required=False)
    join_policy = forms.ChoiceField(label=_("加入方式"), choices=Group.JoinPolicy.choices)
    member_cap = forms.IntegerField(label=_("人数上限"), required=False,
                                    help_text=_("不填则不限"))
    school_apps_may_read = forms.BooleanField(
        label=_("允许学校应用读取"), required=False,
        help_text=_("私密兴趣群的成员、动态和资源默认不对本校安装的学校应用（如教务系统）开放；"
                    "勾选后它们可以读取"))
    premoderate = forms.ChoiceField(
        label=_("先审后发"), required=False,
        help_text=_("开启后，成员在群里发的动态和评论须经群主或管理员审核后才对其他人可见；"
                    "群主、管理员和学校管理员发的不受影响"))

    def __init__(self, *args, policies=None, kind=None, school=None, **kwargs):
        super().__init__(*args, **kwargs)
        if kind != Group.Kind.INTEREST:  # other kinds are open to the school's apps anyway
            del self.fields["school_apps_may_read"]
        self.fields["premoderate"].choices = premoderation_choices(school)
        if policies is not None:
            self.fields["join_policy"].choices = [
                (value, label) for value, label in Group.JoinPolicy.choices if value in policies
            ]


class JoinCodeForm(forms.Form):
    code = forms.CharField(
        label=_("班级码"), max_length=20,
        help_text=_("老师给出的 8 位班级码，不区分大小写"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters",
                                      "spellcheck": "false", "autofocus": True}),
    )


class JoinRequestForm(forms.Form):
    message = forms.CharField(
        label=_("申请理由"), required=False, max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("可选，例如：我是本班同学")}),
    )


class InviteForm(forms.Form):
    username = forms.CharField(label=_("用户名、昵称或学号"), max_length=40)


class BanForm(forms.Form):
    reason = forms.CharField(label=_("理由"), required=False, max_length=200)


class GroupSearchForm(forms.Form):
    q = forms.CharField(label=_("搜索群名"), required=False, max_length=60)
    kind = forms.ChoiceField(label=_("类型"), required=False,
                             choices=[("", _("全部类型")), *Group.Kind.choices])


class StartCheckinForm(forms.Form):
    """A teacher starts a check-in (classroom.services.start_checkin checks the rest)."""

    title = forms.CharField(
        label=_("标题"), max_length=60, required=False,
        widget=forms.TextInput(attrs={"placeholder": _("如：高等数学 第3周 周一")}))
    duration_minutes = forms.IntegerField(label=_("签到时长（分钟）"), min_value=1, max_value=240,
                                          initial=10)
    grace_minutes = forms.IntegerField(label=_("几分钟后算迟到"), min_value=0, max_value=240,
                                       initial=5)
    rotating_code = forms.BooleanField(label=_("大屏幕动态签到码（每 10 秒更换）"), required=False)
    use_place = forms.BooleanField(label=_("限定签到地点（用我现在的位置）"), required=False)
    latitude = forms.FloatField(required=False, widget=forms.HiddenInput)
    longitude = forms.FloatField(required=False, widget=forms.HiddenInput)
    radius_m = forms.IntegerField(label=_("签到范围（米）"), min_value=10, max_value=5000,
                                  initial=100, required=False)
    one_device = forms.BooleanField(label=_("一人一机（同一台手机只能为一人签到）"),
                                    required=False)

    def clean(self):
        data = super().clean()
        if data.get("use_place") and (data.get("latitude") is None
                                      or data.get("longitude") is None):
            raise forms.ValidationError(_("没有取得你的位置：请允许浏览器获取位置后再发起"))
        return data

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        place = data.get("use_place")
        return {"title": data.get("title") or "", "duration_minutes": data["duration_minutes"],
                "grace_minutes": data["grace_minutes"],
                "rotating_code": bool(data.get("rotating_code")),
                "latitude": data.get("latitude") if place else None,
                "longitude": data.get("longitude") if place else None,
                "radius_m": (data.get("radius_m") or 100) if place else None,
                "one_device": bool(data.get("one_device"))}
