import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from resources import boards, files, selectors, services
from resources.models import Blob, Download, Rating, Resource, ResourceVersion, Visibility
from tests.factories import actor_for, make_interest_group, make_school, make_user, verify
from yiban_core.credits.selectors import balance
from yiban_core.errors import Conflict, Invalid, NotFound, PermissionDenied
from yiban_core.groups import services as group_services

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + b"0" * 200
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 300
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 300


def upload(name="高等数学期末复习.pdf", content=PDF, content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def publish(user, **kwargs):
    data = {"title": "高等数学期末复习资料", "subject": "mathematics", "upload": upload()}
    data.update(kwargs)
    return services.publish_resource(actor=actor_for(user), **data)


def test_publish_a_file_with_course_and_tags():
    school = make_school()
    author = make_user(school=school)
    course = services.course_for(school=school, code="ma101", name="高等数学")
    resource = publish(author, tags=["期末", "高数", "期末"], course=course,
                       description="第一到第六章")
    assert resource.current.number == 1
    assert resource.current.blob.content_type == "application/pdf"
    assert resource.current.filename == "高等数学期末复习资料.pdf"
    assert sorted(resource.tags.values_list("name", flat=True)) == ["期末", "高数"]
    assert course.code == "MA101" and resource.course == course
    assert balance(actor=actor_for(author)) == 10


@pytest.mark.parametrize(
    ("name", "content"),
    [("setup.pdf", EXE), ("notes.pdf", ELF), ("课件.pptx", b"\x00\x01\x02binary" * 50)],
)
def test_types_are_told_by_content_not_by_name(name, content):
    author = make_user()
    with pytest.raises(Invalid) as error:
        publish(author, upload=upload(name, content))
    assert error.value.field == "file"
    assert not Resource.objects.exists() and not Blob.objects.exists()


def test_a_file_over_the_limit_is_refused_and_nothing_is_stored(settings):
    settings.RESOURCE_MAX_BYTES = 100
    with pytest.raises(Invalid) as error:
        publish(make_user())
    assert error.value.field == "file"
    assert not Resource.objects.exists() and not Blob.objects.exists()


def test_path_in_a_file_name_never_reaches_storage_or_downloads():
    resource = publish(make_user(), title="../../etc/passwd", upload=upload("../../x.pdf"))
    assert resource.current.filename == "etc_passwd.pdf"
    assert resource.current.blob.file.name.startswith("private/blobs/")
    assert ".." not in resource.current.blob.file.name


def test_the_same_bytes_are_stored_once():
    a, b = make_user(), make_user()
    first = publish(a)
    second = publish(b, title="同一份资料", upload=upload("copy.pdf"))
    assert first.current.blob == second.current.blob
    assert Blob.objects.count() == 1


def test_text_and_image_files_are_allowed():
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, "PNG")
    image = publish(make_user(), upload=upload("x.png", buffer.getvalue(), "image/png"))
    assert image.current.filename.endswith(".png")
    notes = publish(make_user(), upload=upload("笔记.md", "# 第一章 极限\n".encode(), "text/plain"))
    assert notes.current.blob.content_type == "text/plain"


def test_links_need_http_and_one_of_file_or_link():
    author = make_user()
    with pytest.raises(Invalid):
        publish(author, upload=None, url="javascript:alert(1)")
    with pytest.raises(Invalid):
        publish(author, upload=upload(), url="https://example.edu.cn/a")
    link = publish(author, upload=None, url="https://www.icourse163.org/course/PKU-1001")
    assert link.kind == "link" and link.current.url == link.url


def test_new_versions_keep_the_history():
    author = make_user()
    resource = publish(author)
    with pytest.raises(PermissionDenied):
        services.add_version(actor=actor_for(make_user()), resource_id=resource.pk,
                             upload=upload(content=PDF + b"v2"))
    services.add_version(actor=actor_for(author), resource_id=resource.pk,
                         upload=upload(content=PDF + b"v2"), note="修正第三章")
    resource.refresh_from_db()
    assert resource.current.number == 2
    assert list(ResourceVersion.objects.filter(resource=resource)
                .values_list("number", flat=True).order_by("number")) == [1, 2]


def test_downloads_count_once_per_user_per_day_and_pay_the_owner():
    owner, reader = make_user(), make_user()
    resource = publish(owner)
    for _ in range(3):
        version = services.record_download(actor=actor_for(reader), resource_id=resource.pk)
    services.record_download(actor=actor_for(owner), resource_id=resource.pk)
    assert version.blob.file.read().startswith(b"%PDF")
    resource.refresh_from_db()
    assert resource.download_count == 2
    assert Download.objects.count() == 2
    assert balance(actor=actor_for(owner)) == 10 + 1  # shared, and one download by another


def test_download_of_a_resource_you_may_not_see_is_not_found():
    owner, outsider = make_user(), make_user()
    group = make_interest_group(owner, is_private=True, join_policy="approval")
    resource = publish(owner, group=group)
    assert resource.visibility == Visibility.GROUP
    with pytest.raises(NotFound):
        services.record_download(actor=actor_for(outsider), resource_id=resource.pk)
    school_only = publish(verify(make_user(school=make_school())), visibility=Visibility.SCHOOL)
    with pytest.raises(NotFound):
        services.record_download(actor=actor_for(outsider), resource_id=school_only.pk)
    assert not Download.objects.exists()


@pytest.mark.parametrize("stars", [0, 6, -1, "5", 4.5, None, True])
def test_ratings_are_one_to_five_whole_stars(stars):
    resource = publish(make_user())
    with pytest.raises(Invalid):
        services.rate_resource(actor=actor_for(make_user()), resource_id=resource.pk,
                               stars=stars)
    assert not Rating.objects.exists()


def test_one_rating_per_person_updated_in_place_and_none_on_your_own():
    owner, rater = make_user(), make_user()
    resource = publish(owner)
    with pytest.raises(PermissionDenied):
        services.rate_resource(actor=actor_for(owner), resource_id=resource.pk, stars=5)
    services.rate_resource(actor=actor_for(rater), resource_id=resource.pk, stars=2)
    services.rate_resource(actor=actor_for(rater), resource_id=resource.pk, stars=4,
                           review="讲得很清楚")
    resource.refresh_from_db()
    assert (resource.rating_count, resource.rating_sum, resource.rating_average) == (1, 4, 4.0)
    assert Rating.objects.get().review == "讲得很清楚"
    assert balance(actor=actor_for(owner)) == 10 + 2  # rated once, however often it changes


def test_group_resources_are_rated_by_members_only():
    owner, member, visitor = make_user(), make_user(), make_user()
    group = make_interest_group(owner)  # public group: visitors can see, not rate
    group_services.join_group(actor=actor_for(member), group=group)
    resource = publish(owner, group=group)
    with pytest.raises(PermissionDenied):
        services.rate_resource(actor=actor_for(visitor), resource_id=resource.pk, stars=5)
    services.rate_resource(actor=actor_for(member), resource_id=resource.pk, stars=5)


def test_bayesian_score_prefers_many_good_ratings_to_one_perfect_one():
    one_vote, many_votes = publish(make_user(), title="A"), publish(make_user(), title="B")
    services.rate_resource(actor=actor_for(make_user()), resource_id=one_vote.pk, stars=5)
    for _ in range(12):
        services.rate_resource(actor=actor_for(make_user()), resource_id=many_votes.pk, stars=5)
    weak = publish(make_user(), title="C", upload=upload(content=PDF + b"c"))
    for _ in range(12):  # the site mean is now well below 5
        services.rate_resource(actor=actor_for(make_user()), resource_id=weak.pk, stars=2)
    services.recompute_scores()
    one_vote.refresh_from_db()
    many_votes.refresh_from_db()
    assert many_votes.bayesian_score > one_vote.bayesian_score
    best = list(selectors.browse(actor=actor_for(make_user()), sort="best"))
    assert best == [many_votes, one_vote, weak]


def test_helpful_marks_once_and_not_on_your_own_review():
    resource = publish(make_user())
    author, reader = make_user(), make_user()
    rating = services.rate_resource(actor=actor_for(author), resource_id=resource.pk, stars=4,
                                    review="例题很多")
    with pytest.raises(Invalid):
        services.mark_helpful(actor=actor_for(author), rating_id=rating.pk)
    services.mark_helpful(actor=actor_for(reader), rating_id=rating.pk)
    with pytest.raises(Conflict):
        services.mark_helpful(actor=actor_for(reader), rating_id=rating.pk)
    rating.refresh_from_db()
    assert rating.helpful_count == 1


def test_sharing_never_widens_the_audience():
    school = make_school()
    owner = verify(make_user(school=school))
    group = make_interest_group(owner, is_private=True, join_policy="approval")
    in_group = publish(owner, group=group)
    with pytest.raises(Invalid):
        services.share_resource(actor=actor_for(owner), resource_id=in_group.pk)
    share = services.share_resource(actor=actor_for(owner), resource_id=in_group.pk, group=group)
    assert share.post.group == group
    school_only = publish(owner, visibility=Visibility.SCHOOL)
    share = services.share_resource(actor=actor_for(owner), resource_id=school_only.pk)
    assert share.post.visibility == "school"


def test_deleting_a_resource_takes_back_its_points():
    owner = make_user()
    resource = publish(owner)
    services.rate_resource(actor=actor_for(make_user()), resource_id=resource.pk, stars=5)
    services.delete_resource(actor=actor_for(owner), resource_id=resource.pk)
    assert balance(actor=actor_for(owner)) == 0
    assert Blob.objects.count() == 1  # bytes may be shared by other resources


def test_browse_filters_and_sorts():
    school = make_school()
    user = make_user(school=school)
    course = services.course_for(school=school, code="CS201", name="数据结构")
    a = publish(user, title="数据结构笔记", subject="computing", course=course, tags=["笔记"])
    b = publish(user, title="英语四级真题", subject="exams", upload=upload(content=PDF + b"b"))
    viewer = actor_for(make_user())
    assert list(selectors.browse(actor=viewer, subject="computing")) == [a]
    assert list(selectors.browse(actor=viewer, course_id=course.pk)) == [a]
    assert list(selectors.browse(actor=viewer, tag="笔记")) == [a]
    assert list(selectors.browse(actor=viewer, query="四级")) == [b]
    assert list(selectors.browse(actor=viewer)) == [b, a]
    with pytest.raises(Invalid):
        selectors.browse(actor=viewer, sort="random")


def test_safe_filename_keeps_chinese_and_drops_the_rest():
    name = files.safe_filename('线性代数:第1章<"复习">', "application/pdf")
    assert name == "线性代数_第1章_复习.pdf"
    assert files.safe_filename("...", "text/plain") == "resource.txt"


def test_boards_rank_public_resources_only(no_redis):
    owner = verify(make_user(school=make_school()))
    public = publish(owner)
    hidden = publish(owner, visibility=Visibility.SCHOOL, upload=upload(content=PDF + b"h"))
    for resource in (public, hidden):
        rater = verify(make_user(school=owner.school))
        services.rate_resource(actor=actor_for(rater), resource_id=resource.pk, stars=5)
    assert [pk for pk, _ in boards.top(metric="score")] == [public.pk]
