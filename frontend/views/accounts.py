"""Register, log in and out, password, profiles, follows and follower lists, blocks."""

from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from frontend.errors import domain_errors, error_page, perform, retry_later, show_error
from frontend.forms import PasswordChangeForm, ProfileForm, RegisterForm
from frontend.templatetags.yiban import AVATAR_COLOURS
from frontend.views.feeds import user_feed_context
from messages import rules as message_rules
from openapi_plugins import selectors as app_selectors
from openapi_plugins.form_action import allow_oauth_redirect
from yiban_core import redirects
from yiban_core.accounts import selectors, services, two_factor
from yiban_core.accounts.two_factor import two_factor_required
from yiban_core.errors import DomainError, RateLimited
from yiban_core.groups import selectors as group_selectors
from yiban_core.ids import parse_id
from yiban_core.moderation import services as moderation
from yiban_core.pagination import paginate
from yiban_core.privacy import access_log
from yiban_core.privacy import closure as closures
from yiban_core.privacy import consent_selectors as policy_selectors
from yiban_core.ratelimit import client_ip, wait_text
from yiban_core.sso import selectors as sso_selectors

PAGE_SIZE = 20


def register(request):
    if request.user.is_authenticated:
        return redirect("home")
    schools = selectors.schools(actor=request.actor)
    form = RegisterForm(request.POST or None, schools=schools,
                        policies=policy_selectors.current_versions())
    refusal = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.register_user(
                username=data["username"], password=data["password1"],
                display_name=data["display_name"], school=data["school"], role=data["role"],
                client_ip=client_ip(request), agreed_policies=form.agreed_policies(),
            )
        except DomainError as error:
            show_error(request, error, form,
                       field_map={"password": "password1", "policies": "agree"})
            refusal = error
        else:
            request.sign_in_how = "register"  # for the person's access log
            login(request, user, backend=settings.SIGN_IN_BACKEND)
            messages.success(request, _("注册成功，欢迎加入！"))
            return redirect("home")
    return retry_later(render(request, "frontend/accounts/register.html", {"form": form}),
                       refusal)


class SafeNextMixin:
    """Django's `next` handling of login and logout, checked by yiban_core.redirects."""

    def get_redirect_url(self):
        return redirects.next_url(self.request, "")


# Logging in to finish an authorization the user already granted ends at the app.
@method_decorator(allow_oauth_redirect, name="dispatch")
class LoginView(SafeNextMixin, auth_views.LoginView):
    template_name = "frontend/accounts/login.html"
    redirect_authenticated_user = True

    def dispatch(self, request, *args, **kwargs):
        # ?reauth: an app asked for a fresh sign-in (prompt=login, openapi_plugins.
        # authorize_view), so a signed-in person gets the form too, and its POST.
        if "reauth" in request.GET:
            self.redirect_authenticated_user = False
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        # One button per school that signs its people in itself (yiban_core/sso).
        return {**super().get_context_data(**kwargs),
                "sso_providers": sso_selectors.enabled_providers()}


def login_locked_out(request, response=None, credentials=None):
    """django-axes' answer once a username has failed too often from this address
    (settings.AXES_*): 429, and when to try again, since every try restarts the wait."""
    wait = int(get_cool_off(request).total_seconds())
    return error_page(request, RateLimited(
        _("登录失败次数过多，请 %(wait)s后再试") % {"wait": wait_text(wait)}, retry_after=wait))


class LogoutView(SafeNextMixin, auth_views.LogoutView):
    """POST only (Django 5): a link cannot log anyone out."""


@login_required
def change_password(request):
    form = PasswordChangeForm(request.POST or None)
    refusal = None
    if request.method == "POST" and form.is_valid():
        try:
            services.change_password(
                actor=request.actor, old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password1"],
            )
        except DomainError as error:
            show_error(request, error, form, field_map={"new_password": "new_password1"})
            refusal = error
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("密码已修改"))
            return redirect("profile", username=request.user.username)
    return retry_later(render(request, "frontend/accounts/password.html", {"form": form}),
                       refusal)


@login_required
def settings_index(request):
    """/settings/: every setting there is, in sections, each with its state and its page."""
    user = request.user
    return render(request, "frontend/accounts/settings.html", {
        "authorized_app_count": len(app_selectors.authorized_apps(actor=request.actor)),
        "two_factor_offered": two_factor.needs_two_factor(user),
        "two_factor_device": two_factor.enrolled(user),
        "blocked_count": len(selectors.blocked_ids(user)),
        "closure_pending": closures.pending_closure(user),
    })


@login_required
def settings_school(request):
    """My school: the one I picked, whether it has verified me and how it does, its
    official group, and the school pages of the schools I administer."""
    user = request.user
    official_group = None
    if user.verified_school_id:
        official_group = group_selectors.groups(
            actor=request.actor, kind="school", school_id=user.verified_school_id).first()
    return render(request, "frontend/accounts/settings_school.html", {
        "official_group": official_group,
        "administered": selectors.administered_schools(actor=request.actor),
    })


@two_factor_required
@require_POST
@login_required
@domain_errors
def school_premoderation(request, school_id):
    """A school's default 先审后发, switched by its administrators in the school's console."""
    school = selectors.get_school(actor=request.actor, pk=school_id)
    enabled = request.POST.get("premoderate_default") == "on"
    done = (_("%(name)s 已开启默认先审后发") if enabled
            else _("%(name)s 已关闭默认先审后发")) % {"name": school.name}
    return perform(
        request, lambda: moderation.set_school_premoderation(
            actor=request.actor, school=school, enabled=enabled),
        success=done, next_url=reverse("school_console", args=[school.pk]) + "#settings")


@domain_errors
def profile(request, username):
    person = selectors.get_user(actor=request.actor, username=username)
    show_member_number = selectors.can_see_member_number(actor=request.actor, user=person)
    if show_member_number and person.member_number:
        access_log.record_read([person], actor=request.actor, door="profile")
    # a minor's profile outside their school: the name only (accounts.rules)
    limited = not selectors.full_profile_visible(actor=request.actor, user=person)
    return render(request, "frontend/accounts/profile.html", {
        "person": person, "limited": limited, "show_photo": not limited,
        "is_me": request.user.is_authenticated and request.user.pk == person.pk,
        "is_following": selectors.is_following(actor=request.actor, user=person),
        "has_blocked": person.pk in selectors.blocked_ids(request.user),
        "show_member_number": show_member_number,
        "may_message": message_rules.may_message(request.actor, person),
        **user_feed_context(request, person),
    })


@login_required
def edit_profile(request):
    user = request.user
    schools = selectors.schools(actor=request.actor)
    initial = {
        "display_name": user.display_name, "bio": user.profile.bio, "school": user.school,
        "major": user.profile.major, "enrolment_year": user.profile.enrolment_year,
    }
    form = ProfileForm(request.POST or None, request.FILES or None, initial=initial,
                       schools=schools)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_profile(
                actor=request.actor, display_name=data["display_name"], bio=data["bio"],
                major=data["major"], enrolment_year=data["enrolment_year"],
                school=data["school"], avatar=data["avatar"] or None,
            )
        except DomainError as error:
            # The service may have touched the in-memory user before refusing;
            # what the page shows must be what is stored.
            user.refresh_from_db()
            show_error(request, error, form)
        else:
            messages.success(request, _("资料已保存"))
            return redirect("profile", username=user.username)
    return render(request, "frontend/accounts/edit_profile.html", {"form": form})


@require_POST
@login_required
def follow(request, username):
    return perform(
        request, lambda: services.follow(actor=request.actor, username=username),
        success=_("已关注"),
        next_url=redirects.next_url(request, reverse("profile", args=[username])),
    )


@require_POST
@login_required
def unfollow(request, username):
    return perform(
        request, lambda: services.unfollow(actor=request.actor, username=username),
        success=_("已取消关注"),
        next_url=redirects.next_url(request, reverse("profile", args=[username])),
    )


@require_POST
@login_required
def block(request, username):
    return perform(
        request, lambda: services.block_user(actor=request.actor, username=username),
        success=_("已拉黑。你不会再看到 TA 的动态和评论，TA 也无法再关注你、@你、评论或赞你的内容"),
        next_url=redirects.next_url(request, reverse("profile", args=[username])),
    )


@require_POST
@login_required
def unblock(request, username):
    return perform(
        request, lambda: services.unblock_user(actor=request.actor, username=username),
        success=_("已取消拉黑"),
        next_url=redirects.next_url(request, reverse("profile", args=[username])),
    )


@login_required
@domain_errors
def settings_blocked(request):
    """黑名单: whom I blocked, the latest first, each with 取消拉黑."""
    page = paginate(selectors.blocked_users(actor=request.actor), first=PAGE_SIZE,
                    after=request.GET.get("after"))
    return render(request, "frontend/accounts/settings_blocked.html", {"page": page})


@domain_errors
def follow_list(request, username, which):
    person = selectors.get_user(actor=request.actor, username=username)
    select = selectors.followers if which == "followers" else selectors.following
    page = paginate(select(actor=request.actor, user=person), first=PAGE_SIZE,
                    after=request.GET.get("after"))
    return render(request, "frontend/accounts/follow_list.html", {
        "person": person, "which": which, "page": page,
        "limited": not selectors.full_profile_visible(actor=request.actor, user=person),
        "limited_ids": selectors.hidden_profile_ids(actor=request.actor, users=page.items),
    })


@login_required
@domain_errors
def people_suggest(request):
    """People to @mention, as JSON, for the composer's autocomplete (feeds.js):
    ?q=李 or ?q=liyt, and ?group=<id> when posting to a group (its members come first)."""
    group = None
    if request.GET.get("group"):
        group = group_selectors.groups(actor=request.actor).filter(
            pk=parse_id(request.GET["group"]) or 0).first()
    people = selectors.suggest_people(actor=request.actor, query=request.GET.get("q", ""),
                                      group=group)
    limited = selectors.hidden_profile_ids(actor=request.actor, users=people)
    return JsonResponse({"people": [person_json(person, limited=person.pk in limited)
                                    for person in people]})


def person_json(person, *, limited: bool = False) -> dict:
    """What a chooser shows to tell two 李月婷 apart: school, major, avatar (none of them
    for a minor the viewer sees by name only: accounts.rules.may_see_full_profile)."""
    profile = None if limited else getattr(person, "profile", None)
    return {
        "id": person.pk, "username": person.username,
        "display_name": person.display_name or person.username,
        "school": person.school.name if person.school_id and not limited else "",
        "major": profile.major if profile is not None else "",
        "avatar": profile.avatar.url if profile is not None and profile.avatar else "",
        "letter": str(person)[:1].upper(), "colour": person.pk % AVATAR_COLOURS,
        "url": reverse("profile", args=[person.username]),
    }
