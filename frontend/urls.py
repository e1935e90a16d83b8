"""The URL map of the web UI."""

from django.apps import apps
from django.urls import path

from frontend.views import (
    accounts,
    developers,
    docs,
    explorer,
    feeds,
    groups,
    home,
    points,
    resources,
    roster,
    search,
    webhooks,
)

urlpatterns = [
    path("", home.home, name="home"),
    path("search/", search.search_page, name="search"),
    # accounts
    path("register/", accounts.register, name="register"),
    path("login/", accounts.LoginView.as_view(), name="login"),
    path("logout/", accounts.LogoutView.as_view(), name="logout"),
    path("settings/password/", accounts.change_password, name="change_password"),
    path("settings/profile/", accounts.edit_profile, name="edit_profile"),
    path("u/<str:username>/", accounts.profile, name="profile"),
    path("u/<str:username>/follow/", accounts.follow, name="follow"),
    path("u/<str:username>/unfollow/", accounts.unfollow, name="unfollow"),
    path("u/<str:username>/followers/", accounts.follow_list, {"which": "followers"},
         name="followers"),
    path("u/<str:username>/following/", accounts.follow_list, {"which": "following"},
         name="following"),
    # groups
    path("groups/", groups.group_list, name="group_list"),
    path("groups/new/", groups.group_create, name="group_create"),
    path("groups/join/", groups.join_by_code, name="join_by_code"),
    path("groups/<int:pk>/", groups.group_detail, name="group_detail"),
    path("groups/<int:pk>/members/", groups.group_members, name="group_members"),
    path("groups/<int:pk>/join/", groups.group_join, name="group_join"),
    path("groups/<int:pk>/request/", groups.group_request, name="group_request"),
    path("groups/<int:pk>/request/<int:request_id>/cancel/", groups.cancel_request,
         name="group_request_cancel"),
    path("groups/<int:pk>/leave/", groups.group_leave, name="group_leave"),
    path("groups/<int:pk>/manage/", groups.group_manage, name="group_manage"),
    path("groups/<int:pk>/manage/invite/", groups.invite, name="group_invite"),
    path("groups/<int:pk>/manage/code/", groups.regenerate_code, name="group_regenerate_code"),
    path("groups/<int:pk>/requests/<int:request_id>/", groups.decide_request,
         name="group_decide_request"),
    path("groups/<int:pk>/members/<str:username>/<slug:action>/", groups.member_action,
         name="group_member_action"),
    path("invitations/", groups.invitations, name="invitations"),
    path("invitations/<int:invitation_id>/", groups.answer_invitation,
         name="answer_invitation"),
    # feeds
    path("posts/new/", feeds.post_create, name="post_create"),
    path("posts/<int:pk>/", feeds.post_detail, name="post_detail"),
    path("posts/<int:pk>/like/", feeds.post_like, name="post_like"),
    path("posts/<int:pk>/unlike/", feeds.post_unlike, name="post_unlike"),
    path("posts/<int:pk>/comment/", feeds.comment_create, name="comment_create"),
    path("posts/<int:pk>/repost/", feeds.post_repost, name="post_repost"),
    path("posts/<int:pk>/delete/", feeds.post_delete, name="post_delete"),
    path("posts/<int:pk>/pin/", feeds.post_pin, name="post_pin"),
    path("comments/<int:pk>/like/", feeds.comment_like, name="comment_like"),
    path("comments/<int:pk>/unlike/", feeds.comment_unlike, name="comment_unlike"),
    path("comments/<int:pk>/delete/", feeds.comment_delete, name="comment_delete"),
    # A topic may hold any character but # and a line break, "/" included.
    path("topics/<path:name>/", feeds.topic, name="topic"),
    # resources
    path("resources/", resources.library, name="resource_library"),
    path("resources/new/", resources.resource_create, name="resource_create"),
    path("resources/<int:pk>/", resources.resource_detail, name="resource_detail"),
    path("resources/<int:pk>/download/", resources.resource_download, name="resource_download"),
    path("resources/<int:pk>/versions/new/", resources.version_create, name="version_create"),
    path("resources/<int:pk>/rate/", resources.resource_rate, name="resource_rate"),
    path("resources/<int:pk>/share/", resources.resource_share, name="resource_share"),
    path("resources/<int:pk>/delete/", resources.resource_delete, name="resource_delete"),
    path("reviews/<int:pk>/helpful/", resources.review_helpful, name="review_helpful"),
    path("courses/<int:pk>/", resources.course_page, name="course_detail"),
    # points and leaderboards
    path("points/", points.points, name="points"),
    path("points/checkin/", points.checkin, name="checkin"),
    path("leaderboards/", points.leaderboards, name="leaderboards"),
    # notifications
    path("notifications/", home.notifications, name="notifications"),
    path("notifications/read-all/", home.mark_all_read, name="notifications_read_all"),
    # the open platform: developer console, authorized apps, a school's apps
    path("developers/docs", docs.docs, name="developer_docs"),
    path("developers/explorer", explorer.explorer, name="developer_explorer"),
    path("developers/apps/", developers.apps, name="developer_apps"),
    path("developers/apps/new/", developers.app_new, name="developer_app_new"),
    path("developers/apps/<int:pk>/", developers.app_detail, name="developer_app"),
    path("developers/apps/<int:pk>/secret/", developers.app_rotate_secret,
         name="developer_app_rotate_secret"),
    path("developers/apps/<int:pk>/delete/", developers.app_delete, name="developer_app_delete"),
    path("settings/apps/", developers.authorized_apps, name="authorized_apps"),
    path("settings/apps/<int:application_id>/revoke/", developers.revoke_app,
         name="authorized_app_revoke"),
    path("schools/<int:school_id>/apps/", developers.school_apps, name="school_apps"),
    path("schools/<int:school_id>/apps/<int:app_id>/install/", developers.school_app_install,
         name="school_app_install"),
    path("schools/<int:school_id>/apps/<int:app_id>/uninstall/",
         developers.school_app_uninstall, name="school_app_uninstall"),
    # webhooks of a school app (frontend/views/webhooks.py)
    path("developers/apps/<int:app_id>/webhooks/", webhooks.webhooks,
         name="developer_app_webhooks"),
    path("developers/apps/<int:app_id>/webhooks/<int:subscription_id>/<slug:action>/",
         webhooks.subscription_action, name="developer_webhook_action"),
    path("developers/apps/<int:app_id>/webhooks/deliveries/<int:delivery_id>/redeliver/",
         webhooks.redeliver, name="developer_webhook_redeliver"),
    # academic affairs: a school's roster import (OneRoster)
    path("schools/<int:school_id>/roster/import/", roster.roster_import, name="roster_import"),
]

# practical-training and growth records: only while the vocational plugin is installed
if apps.is_installed("openapi_plugins.vocational"):
    from frontend.views import vocational

    urlpatterns += [
        path("training/", vocational.training_list, name="training_list"),
        path("training/new/", vocational.training_create, name="training_create"),
        path("training/review/", vocational.training_review, name="training_review"),
        path("training/<int:pk>/", vocational.training_detail, name="training_detail"),
        path("training/<int:pk>/edit/", vocational.training_edit, name="training_edit"),
        path("training/<int:pk>/submit/", vocational.training_submit, name="training_submit"),
        path("training/<int:pk>/decide/", vocational.training_decide, name="training_decide"),
        path("training/<int:pk>/delete/", vocational.training_delete, name="training_delete"),
        path("training/<int:pk>/attachments/", vocational.training_attach,
             name="training_attach"),
        path("training/<int:pk>/attachments/<int:attachment_id>/delete/",
             vocational.training_detach, name="training_detach"),
        path("u/<str:username>/growth/", vocational.growth_record, name="growth_record"),
    ]
