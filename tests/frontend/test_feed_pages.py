"""Feed pages as a person uses them: composing, timelines, likes, comments, topics.

What the page says and what is stored; the JSON endpoints answer the same URLs
as the forms (feeds.js sends Accept: application/json).
"""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from feeds import services as feed_services
from feeds.models import Comment, Post, PostImage, PostLike
from tests.factories import (
    actor_for,
    make_interest_group,
    make_school,
    make_teacher,
    make_user,
    verify,
)
from yiban_core.accounts import services as account_services
from yiban_core.groups import services as group_services

pytestmark = pytest.mark.django_db

JSON = {"Accept": "application/json"}


def text_of(response) -> str:
    return response.content.decode()


def png(name: str, colour=(37, 99, 235)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def publish(user, text, **kwargs) -> Post:
    return feed_services.publish_post(actor=actor_for(user), text=text, **kwargs)


# ---- composing --------------------------------------------------------------------------


def test_a_composed_post_appears_on_the_home_timeline(client):
    user = make_user("li_hua", display_name="李华")
    client.force_login(user)
    response = client.post(reverse("post_create"), {
        "text": "今天去图书馆复习高数 #期末复习#", "visibility": "public", "next": "/",
    }, follow=True)
    assert response.status_code == 200
    page = text_of(response)
    assert "已发布" in page
    assert "今天去图书馆复习高数" in page
    assert 'href="/topics/%E6%9C%9F%E6%9C%AB%E5%A4%8D%E4%B9%A0/"' in page
    assert Post.objects.get().author == user


def test_a_followed_persons_post_is_on_my_home_and_the_composer_is_there(client):
    me, classmate = make_user("li_hua"), make_user("wang_fang", display_name="王芳")
    account_services.follow(actor=actor_for(me), username="wang_fang")
    publish(classmate, "明天的实验课改到下午了")
    client.force_login(me)
    page = text_of(client.get(reverse("home")))
    assert "明天的实验课改到下午了" in page and "王芳" in page
    assert 'name="images" multiple accept="image/*"' in page
    assert 'maxlength="2000"' in page


def test_a_post_with_two_images_shows_both(client):
    user = make_user("li_hua")
    client.force_login(user)
    response = client.post(reverse("post_create"), {
        "text": "校园秋景", "visibility": "public",
        "images": [png("a.png"), png("b.png", (230, 150, 60))],
    }, follow=True)
    post = Post.objects.get()
    assert [i.position for i in post.images.all()] == [0, 1]
    page = text_of(response)
    assert 'class="post-images n2"' in page
    for image in post.images.all():
        assert image.image.url in page


def test_an_empty_post_is_refused_with_a_message_and_nothing_is_stored(client):
    client.force_login(make_user("li_hua"))
    response = client.post(reverse("post_create"), {"text": "   ", "visibility": "public"})
    assert response.status_code == 400
    assert "内容不能为空" in text_of(response)
    assert not Post.objects.exists()


def test_an_oversized_post_keeps_the_text_and_explains(client):
    client.force_login(make_user("li_hua"))
    response = client.post(reverse("post_create"), {"text": "长" * 2001})
    assert response.status_code == 400
    assert "内容不能超过 2000 个字" in text_of(response)
    assert "长" * 2001 in text_of(response)  # what was typed is not lost
    assert not Post.objects.exists()


def test_a_file_that_is_not_an_image_is_refused(client):
    client.force_login(make_user("li_hua"))
    fake = SimpleUploadedFile("homework.png", b"%PDF-1.4 not a picture", content_type="image/png")
    response = client.post(reverse("post_create"), {"text": "作业", "images": [fake]})
    assert response.status_code == 400
    assert "只能上传图片文件" in text_of(response)
    assert not Post.objects.exists() and not PostImage.objects.exists()


def test_school_only_posts_and_the_school_choice_are_for_verified_members(client):
    school = make_school()
    post = publish(verify(make_user("author", school=school)), "本校选课通知",
                   visibility="school")
    newcomer = make_user("newcomer", school=school)  # picked the school, not verified
    client.force_login(newcomer)
    assert client.get(reverse("post_detail", args=[post.pk])).status_code == 404
    assert '<option value="school"' not in text_of(client.get(reverse("home")))
    response = client.post(reverse("post_create"), {
        "text": "冒充本校同学", "visibility": "school", "next": "/"})
    assert response.status_code == 400
    assert "通过学校认证后才能发布仅本校可见的内容" in text_of(response)
    assert list(Post.objects.values_list("text", flat=True)) == ["本校选课通知"]

    client.force_login(verify(newcomer))
    shown = client.get(reverse("post_detail", args=[post.pk]))
    assert shown.status_code == 200 and "本校选课通知" in text_of(shown)
    assert '<option value="school"' in text_of(client.get(reverse("home")))


def test_posting_to_a_group_i_am_not_in_is_refused(client):
    group = make_interest_group(make_user("owner"))
    client.force_login(make_user("li_hua"))
    response = client.post(reverse("post_create"), {"text": "大家好", "group": group.pk})
    assert response.status_code == 403
    assert "只有群成员可以在群里发动态" in text_of(response)
    assert not Post.objects.exists()


def test_a_forged_cursor_is_a_400_page_with_a_message(client):
    client.force_login(make_user("li_hua"))
    response = client.get(reverse("home"), {"after": "garbage"})
    assert response.status_code == 400
    assert "分页游标无效" in text_of(response)


def test_anonymous_visitors_keep_the_welcome_page(client):
    publish(make_user("li_hua"), "公开的动态")
    page = text_of(client.get(reverse("home")))
    assert "欢迎来到易班学习网" in page
    assert "公开的动态" not in page


# ---- likes ------------------------------------------------------------------------------


def test_liking_through_the_json_endpoint_changes_the_count(client):
    post = publish(make_user("wang_fang"), "求一起自习")
    client.force_login(make_user("li_hua"))
    response = client.post(reverse("post_like", args=[post.pk]), headers=JSON)
    assert response.status_code == 200
    assert response.json() == {"liked": True, "like_count": 1}
    post.refresh_from_db()
    assert post.like_count == 1
    response = client.post(reverse("post_unlike", args=[post.pk]), headers=JSON)
    assert response.json() == {"liked": False, "like_count": 0}


def test_liking_twice_is_a_409_conflict_and_the_count_stays(client):
    post = publish(make_user("wang_fang"), "求一起自习")
    client.force_login(make_user("li_hua"))
    client.post(reverse("post_like", args=[post.pk]), headers=JSON)
    response = client.post(reverse("post_like", args=[post.pk]), headers=JSON)
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "CONFLICT" and body["message"] == "已经赞过了"
    post.refresh_from_db()
    assert post.like_count == 1 and PostLike.objects.count() == 1


def test_liking_without_javascript_redirects_back(client):
    post = publish(make_user("wang_fang"), "求一起自习")
    client.force_login(make_user("li_hua"))
    response = client.post(reverse("post_like", args=[post.pk]), {"next": "/?x=1"})
    assert response.status_code == 302 and response["Location"] == "/?x=1"
    response = client.post(reverse("post_like", args=[post.pk]),
                           {"next": "https://evil.example/"}, follow=True)
    assert response.redirect_chain[0][0] == reverse("post_detail", args=[post.pk])
    assert "已经赞过了" in text_of(response)


def test_an_anonymous_like_is_a_401_json(client):
    post = publish(make_user("wang_fang"), "求一起自习")
    response = client.post(reverse("post_like", args=[post.pk]), headers=JSON)
    assert response.status_code == 401
    assert response.json()["code"] == "UNAUTHENTICATED"


# ---- comments ---------------------------------------------------------------------------


def test_a_comment_and_a_reply_show_on_the_post_page(client):
    author = make_user("wang_fang")
    post = publish(author, "谁有高数笔记")
    me = make_user("li_hua", display_name="李华")
    client.force_login(me)
    response = client.post(reverse("comment_create", args=[post.pk]), {"text": "我有，私聊"},
                           headers=JSON)
    assert response.status_code == 200
    body = response.json()
    assert body["comment_count"] == 1 and "我有，私聊" in body["html"]
    client.force_login(author)
    response = client.post(reverse("comment_create", args=[post.pk]),
                           {"text": "太好了谢谢", "parent": body["id"]}, follow=True)
    page = text_of(response)
    assert "我有，私聊" in page and "太好了谢谢" in page
    assert f'class="replies" data-replies="{body["id"]}"><li class="reply">' in page
    reply = Comment.objects.get(text="太好了谢谢")
    assert reply.parent_id == body["id"] and reply.reply_to == me
    post.refresh_from_db()
    assert post.comment_count == 2


def test_commenting_on_a_deleted_post_is_a_404_message(client):
    author = make_user("wang_fang")
    post = publish(author, "马上删除")
    feed_services.delete_post(actor=actor_for(author), post_id=post.pk)
    client.force_login(make_user("li_hua"))
    response = client.post(reverse("comment_create", args=[post.pk]), {"text": "还在吗"},
                           headers=JSON)
    assert response.status_code == 404
    assert response.json() == {"code": "NOT_FOUND", "message": "动态不存在或你无权查看",
                               "field": "post"}
    response = client.post(reverse("comment_create", args=[post.pk]), {"text": "还在吗"},
                           follow=True)
    assert "动态不存在或你无权查看" in text_of(response)
    assert not Comment.objects.exists()


def test_an_empty_comment_is_refused_as_json(client):
    post = publish(make_user("wang_fang"), "谁有高数笔记")
    client.force_login(make_user("li_hua"))
    response = client.post(reverse("comment_create", args=[post.pk]), {"text": " "},
                           headers=JSON)
    assert response.status_code == 400
    assert response.json()["code"] == "INVALID"
    assert not Comment.objects.exists()


def test_comment_likes_and_deleting_my_comment(client):
    post = publish(make_user("wang_fang"), "谁有高数笔记")
    me = make_user("li_hua")
    comment = feed_services.add_comment(actor=actor_for(me), post_id=post.pk, text="我有")
    client.force_login(me)
    response = client.post(reverse("comment_like", args=[comment.pk]), headers=JSON)
    assert response.json() == {"liked": True, "like_count": 1}
    page = text_of(client.get(reverse("post_detail", args=[post.pk])))
    assert reverse("comment_unlike", args=[comment.pk]) in page
    assert reverse("comment_delete", args=[comment.pk]) in page
    response = client.post(reverse("comment_delete", args=[comment.pk]), headers=JSON)
    assert response.json() == {"deleted": True, "comment_count": 0}
    assert not Comment.objects.exists()


# ---- reposts ----------------------------------------------------------------------------


def test_repost_with_a_comment_and_the_original_disappearing(client):
    author = make_user("wang_fang", display_name="王芳")
    original = publish(author, "英语听力网站推荐")
    client.force_login(make_user("li_hua"))
    response = client.post(reverse("post_repost", args=[original.pk]), {"text": "收藏了"},
                           headers=JSON)
    assert response.status_code == 200
    assert response.json()["repost_count"] == 1
    repost = Post.objects.get(repost_of=original)
    page = text_of(client.get(reverse("post_detail", args=[repost.pk])))
    assert "收藏了" in page and "英语听力网站推荐" in page
    feed_services.delete_post(actor=actor_for(author), post_id=original.pk)
    page = text_of(client.get(reverse("home")))
    assert "收藏了" in page and "英语听力网站推荐" not in page


def test_a_bare_repost_of_a_deleted_post_says_so(client):
    author = make_user("wang_fang")
    original = publish(author, "英语听力网站推荐")
    me = make_user("li_hua")
    feed_services.repost(actor=actor_for(me), post_id=original.pk)
    feed_services.delete_post(actor=actor_for(author), post_id=original.pk)
    client.force_login(me)
    assert "原动态已删除/不可见" in text_of(client.get(reverse("home")))


# ---- groups, privacy, profile, topics ---------------------------------------------------


def test_an_outsider_cannot_open_a_private_groups_post(client):
    owner = make_user("owner")
    group = make_interest_group(owner, "考研互助小组", is_private=True, join_policy="approval")
    post = publish(owner, "内部资料：真题解析", group=group)
    client.force_login(make_user("outsider"))
    response = client.get(reverse("post_detail", args=[post.pk]))
    assert response.status_code == 404
    assert "真题解析" not in text_of(response)
    page = text_of(client.get(reverse("group_detail", args=[group.pk])))
    assert "这是私密群" in page and "真题解析" not in page


def test_the_group_page_shows_announcements_and_managers_can_pin(client):
    teacher = make_teacher("chen_laoshi")
    group = make_interest_group(teacher, "数据结构学习群")
    student = make_user("li_hua")
    group_services.join_group(actor=actor_for(student), group=group)
    notice = publish(teacher, "周三下午期中考试", group=group)
    publish(student, "求复习提纲", group=group)

    client.force_login(teacher)
    response = client.post(reverse("post_pin", args=[notice.pk]),
                           {"pinned": "1", "next": reverse("group_detail", args=[group.pk])},
                           follow=True)
    page = text_of(response)
    assert "已设为群公告" in page
    assert page.index("周三下午期中考试") < page.index("求复习提纲")
    assert f'id="announcement-{notice.pk}"' in page
    assert reverse("post_delete", args=[notice.pk]) in page  # a manager may delete

    client.force_login(student)
    page = text_of(client.get(reverse("group_detail", args=[group.pk])))
    assert "求复习提纲" in page and f'name="group" value="{group.pk}"' in page
    assert reverse("post_pin", args=[notice.pk]) not in page
    response = client.post(reverse("post_pin", args=[notice.pk]), {"pinned": "0"}, headers=JSON)
    assert response.status_code == 403


def test_the_profile_page_lists_the_persons_posts(client):
    person = make_user("wang_fang")
    publish(person, "我的第一条动态")
    page = text_of(client.get(reverse("profile", args=["wang_fang"])))
    assert "我的第一条动态" in page


def test_the_topic_page_lists_posts_with_that_topic(client):
    user = make_user("li_hua")
    publish(user, "图书馆占座 #期末复习#")
    publish(user, "食堂新菜 #美食#")
    response = client.get(reverse("topic", args=["期末复习"]))
    assert response.status_code == 200
    page = text_of(response)
    assert "#期末复习#" in page and "图书馆占座" in page and "食堂新菜" not in page
    assert client.get(reverse("topic", args=["没有的话题"])).status_code == 404


def test_a_topic_with_a_slash_still_links(client):
    publish(make_user("li_hua"), "#C/C++# 指针好难")
    response = client.get(reverse("topic", args=["C/C++"]))
    assert response.status_code == 200 and "指针好难" in text_of(response)


def test_html_in_a_post_is_shown_escaped(client):
    publish(make_user("li_hua"), "<script>alert(1)</script> 试试")
    page = text_of(client.get(reverse("profile", args=["li_hua"])))
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_timeline_more_link_follows_the_cursor(client):
    user = make_user("li_hua")
    for i in range(22):
        publish(user, f"第{i}条")
    client.force_login(user)
    response = client.get(reverse("home"))
    more = response.context["more"]
    assert more and "after=" in more
    page = text_of(client.get(reverse("home") + more))
    assert "第0条" in page and "第21条" not in page
