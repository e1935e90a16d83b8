"""The URL map of the web UI."""

from django.urls import path

from frontend.views import accounts, feeds, groups, home, points, resources, search

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
]
