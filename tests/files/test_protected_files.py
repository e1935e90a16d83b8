"""Files tied to something private are read only through /files/, after the owning
app's selector said yes; refused viewers get the same 404 as for a file that does not
exist; /media/ serves avatars and app logos and nothing else."""

import importlib
import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import clear_url_caches, reverse
from PIL import Image

from feeds import services as feed_services
from feeds.models import PostImage
from resources import services as resource_services
from resources.models import Blob
from tests.factories import actor_for, make_class_group, make_school, make_teacher, make_user
from tests.graphql.conftest import GraphQLClient, gid
from yiban_core.groups import services as group_services

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + b"0" * 200


def png(name="photo.png", colour=(37, 99, 235)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def debug_urls(settings):
    """The URL map as `./bin/demo` has it (DEBUG on: /media/ is routed)."""
    import yiban_core.urls

    settings.DEBUG = True
    importlib.reload(yiban_core.urls)
    clear_url_caches()
    yield
    settings.DEBUG = False
    importlib.reload(yiban_core.urls)
    clear_url_caches()


@pytest.fixture
def class_world():
    """A private class group with a member, and a stranger from the same school."""
    school = make_school("华南理工大学")
    teacher = make_teacher("zhang_laoshi", school=school)
    group = make_class_group(teacher)
    assert group.is_private
    member = make_user("li_hua", school=school)
    group_services.join_by_code(actor=actor_for(member), code=group.join_code)
    stranger = make_user("wang_fang", school=school)
    return {"teacher": teacher, "group": group, "member": member, "stranger": stranger}


def group_post_image(world) -> PostImage:
    post = feed_services.publish_post(actor=actor_for(world["teacher"]), text="实验报告模板",
                                      group=world["group"], images=[png()])
    return post.images.get()


# ---- post images -------------------------------------------------------------------------


def test_a_private_group_posts_image_is_served_to_members_only(client, class_world):
    image = group_post_image(class_world)
    url = image.image.url
    assert url.startswith("/files/")

    client.force_login(class_world["member"])
    page = client.get(reverse("group_detail", args=[class_world["group"].pk])).content.decode()
    assert url in page  # the page links the protected URL
    response = client.get(url)
    assert response.status_code == 200
    assert body(response).startswith(b"\x89PNG")
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"].startswith("private")

    client.logout()
    assert client.get(url).status_code == 404  # anonymous
    client.force_login(class_world["stranger"])
    assert client.get(url).status_code == 404  # a stranger from the same school
    client.force_login(class_world["teacher"])
    assert client.get(url).status_code == 200


@pytest.mark.django_db(transaction=True)  # the task worker commits
def test_the_home_page_read_from_redis_links_the_protected_url(client, class_world,
                                                               redis_timelines, run_worker):
    image = group_post_image(class_world)
    run_worker()
    client.force_login(class_world["member"])
    for _read in range(2):  # cold, then warm from the cards
        page = client.get(reverse("home")).content.decode()
        assert image.image.url in page
        assert "/media/" + image.image.name not in page
    assert client.get(image.image.url).status_code == 200


def test_a_refusal_looks_like_a_missing_file(client, class_world):
    image = group_post_image(class_world)
    client.force_login(class_world["stranger"])
    refused = client.get(image.image.url)
    missing = client.get(reverse("protected_file", kwargs={"name": "private/posts/nothing.png"}))
    assert refused.status_code == missing.status_code == 404
    assert refused.content == missing.content
    for name in ("../settings.py", "private/posts/../../db.sqlite3", "private//posts/x.png"):
        assert client.get(f"/files/{name}").status_code == 404


def test_new_image_names_are_random_and_say_nothing_of_the_post(class_world):
    first = group_post_image(class_world)
    second = group_post_image(class_world)
    for image in (first, second):
        assert re.fullmatch(r"private/posts/[A-Za-z0-9_-]{24}\.png", image.image.name)
    assert first.image.name != second.image.name


def test_a_public_posts_image_is_served_to_anyone_and_cacheable(client):
    author = make_user("li_hua")
    post = feed_services.publish_post(actor=actor_for(author), text="校园的银杏黄了",
                                      images=[png()])
    response = client.get(post.images.get().image.url)
    assert response.status_code == 200
    assert body(response).startswith(b"\x89PNG")
    assert response["Cache-Control"] == "public, max-age=86400"


def test_a_narrowed_post_takes_its_image_with_it(client):
    author, stranger = make_user("li_hua"), make_user("wang_fang")
    post = feed_services.publish_post(actor=actor_for(author), text="宿舍照片", images=[png()])
    url = post.images.get().image.url
    feed_services.edit_post(actor=actor_for(author), post_id=post.pk, visibility="followers")
    client.force_login(stranger)
    assert client.get(url).status_code == 404
    client.force_login(author)
    assert client.get(url).status_code == 200


def test_media_does_not_serve_post_images_new_or_old(client, class_world, debug_urls):
    image = group_post_image(class_world)
    # An image stored before names were random, at its guessable path (MEDIA_ROOT both ways).
    legacy = f"posts/{class_world['teacher'].pk}/{image.post_id}-1.png"
    default_storage.save(legacy, png())
    PostImage.objects.create(post=image.post, position=1, image=legacy)

    client.force_login(class_world["member"])
    for name in (image.image.name, legacy):
        assert client.get(f"/media/{name}").status_code == 404
    assert client.get(reverse("protected_file", kwargs={"name": legacy})).status_code == 200
    client.force_login(class_world["stranger"])
    assert client.get(reverse("protected_file", kwargs={"name": legacy})).status_code == 404


def test_media_still_serves_avatars(client, debug_urls):
    from yiban_core.accounts.models import Profile

    user = make_user("li_hua")
    profile = Profile.objects.get(user=user)
    profile.avatar.save("face.png", png())
    response = client.get(profile.avatar.url)
    assert response.status_code == 200
    assert "public" in response["Cache-Control"]


def test_graphql_gives_the_protected_url(client, class_world):
    image = group_post_image(class_world)
    gql = GraphQLClient(client).as_user(class_world["member"])
    data = gql.data("query($id: ID!) { post(id: $id) { images } }",
                    id=gid(image.post))
    urls = data["post"]["images"]
    assert urls == [f"http://testserver{image.image.url}"]
    assert client.get(urlsplit(urls[0]).path).status_code == 200
    client.force_login(class_world["stranger"])
    assert client.get(urlsplit(urls[0]).path).status_code == 404


# ---- resource files ----------------------------------------------------------------------


def group_resource(world):
    return resource_services.publish_resource(
        actor=actor_for(world["teacher"]), title="电路实验指导书", subject="engineering",
        upload=SimpleUploadedFile("guide.pdf", PDF, content_type="application/pdf"),
        visibility="group", group=world["group"])


def test_a_private_resources_file_is_not_reachable_by_its_storage_path(client, class_world,
                                                                        debug_urls):
    resource = group_resource(class_world)
    blob = Blob.objects.get()
    assert re.fullmatch(r"private/blobs/[A-Za-z0-9_-]{24}", blob.file.name)
    assert blob.sha256 not in blob.file.name
    for who in (None, class_world["stranger"], class_world["member"]):
        if who is None:
            client.logout()
        else:
            client.force_login(who)
        assert client.get(f"/media/{blob.file.name}").status_code == 404
        assert client.get(blob.file.url).status_code == 404
    # The member downloads it through the resource's download view, counted.
    client.force_login(class_world["member"])
    response = client.get(reverse("resource_download", args=[resource.pk]))
    assert response.status_code == 200
    assert body(response) == PDF
    assert response["Content-Disposition"].startswith("attachment;")
    client.force_login(class_world["stranger"])
    assert client.get(reverse("resource_download", args=[resource.pk])).status_code == 404


def test_a_legacy_blob_path_is_not_served(client, class_world, debug_urls):
    group_resource(class_world)
    blob = Blob.objects.get()
    legacy = f"blobs/{blob.sha256[:2]}/{blob.sha256[2:4]}/{blob.sha256}"
    default_storage.save(legacy, io.BytesIO(PDF))
    Blob.objects.filter(pk=blob.pk).update(file=legacy)
    client.force_login(class_world["member"])
    assert client.get(f"/media/{legacy}").status_code == 404
    assert client.get(f"/files/{legacy}").status_code == 404
    response = client.get(reverse("resource_download", args=[blob.versions.get().resource_id]))
    assert body(response) == PDF


# ---- production: the web server sends, or the object store ------------------------------


def test_behind_nginx_the_file_is_an_internal_redirect(client, class_world, settings):
    settings.PROTECTED_MEDIA_ACCEL_PREFIX = "/_protected/"
    image = group_post_image(class_world)
    resource = group_resource(class_world)
    client.force_login(class_world["member"])
    response = client.get(image.image.url)
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/_protected/{image.image.name}"
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"].startswith("private")
    assert response.content == b""
    download = client.get(reverse("resource_download", args=[resource.pk]))
    assert download["X-Accel-Redirect"] == f"/_protected/{Blob.objects.get().file.name}"
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["Content-Type"] == "application/pdf"
    client.force_login(class_world["stranger"])
    refused = client.get(image.image.url)
    assert refused.status_code == 404 and "X-Accel-Redirect" not in refused


S3_PROTECTED = {
    "BACKEND": "yiban_core.files.s3.ProtectedS3Storage",
    "OPTIONS": {"bucket_name": "yiban-media", "access_key": "AKIAIOSFODNN7EXAMPLE",
                "secret_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                "region_name": "cn-north-1", "signature_version": "s3v4",
                "custom_domain": "cdn.example.edu.cn"},
}


def test_on_s3_the_file_is_a_short_lived_signed_url(client, class_world, settings):
    image = group_post_image(class_world)  # stored on disk; only the answer is checked
    resource = group_resource(class_world)
    settings.STORAGES = {**settings.STORAGES, "protected": S3_PROTECTED}
    settings.PROTECTED_MEDIA_URL_EXPIRY = 300
    assert image.image.url == f"/files/{image.image.name}"  # never a bucket address

    client.force_login(class_world["member"])
    response = client.get(f"/files/{image.image.name}")
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    query = parse_qs(location.query)
    assert location.hostname.startswith("yiban-media.")  # not the public CDN domain
    assert location.path.endswith(image.image.name)
    assert query["X-Amz-Expires"] == ["300"]
    assert query["X-Amz-Signature"][0]
    assert query["X-Amz-Credential"][0].startswith("AKIAIOSFODNN7EXAMPLE/")
    assert query["response-cache-control"][0].startswith("private")
    assert response["Cache-Control"] == "private, max-age=150"

    download = client.get(reverse("resource_download", args=[resource.pk]))
    assert download.status_code == 302
    query = parse_qs(urlsplit(download["Location"]).query)
    assert query["X-Amz-Signature"][0]
    assert query["response-content-disposition"][0].startswith("attachment;")

    client.force_login(class_world["stranger"])
    refused = client.get(f"/files/{image.image.name}")
    assert refused.status_code == 404 and "Location" not in refused


# ---- moving files stored before protection -----------------------------------------------


def test_protect_files_moves_legacy_names_and_keeps_them_readable(client, class_world):
    from django.core.management import call_command

    image = group_post_image(class_world)
    legacy_image = f"posts/{class_world['teacher'].pk}/{image.post_id}-1.png"
    default_storage.save(legacy_image, png())
    PostImage.objects.create(post=image.post, position=1, image=legacy_image)
    resource = group_resource(class_world)
    blob = Blob.objects.get()
    legacy_blob = f"blobs/{blob.sha256[:2]}/{blob.sha256[2:4]}/{blob.sha256}"
    default_storage.save(legacy_blob, io.BytesIO(PDF))
    Blob.objects.filter(pk=blob.pk).update(file=legacy_blob)
    untouched = image.image.name

    out = io.StringIO()
    call_command("protect_files", "--dry-run", stdout=out)
    assert "2 file(s) to move" in out.getvalue()
    assert default_storage.exists(legacy_image) and default_storage.exists(legacy_blob)

    out = io.StringIO()
    call_command("protect_files", stdout=out)
    assert "2 file(s) moved" in out.getvalue()
    moved = PostImage.objects.get(position=1).image.name
    assert re.fullmatch(r"private/posts/[A-Za-z0-9_-]{24}\.png", moved)
    assert re.fullmatch(r"private/blobs/[A-Za-z0-9_-]{24}", Blob.objects.get().file.name)
    assert PostImage.objects.get(position=0).image.name == untouched
    assert not default_storage.exists(legacy_image) and not default_storage.exists(legacy_blob)

    client.force_login(class_world["member"])
    assert body(client.get(PostImage.objects.get(position=1).image.url)).startswith(b"\x89PNG")
    assert body(client.get(reverse("resource_download", args=[resource.pk]))) == PDF

    out = io.StringIO()
    call_command("protect_files", stdout=out)  # again: nothing left to do
    assert "0 file(s) moved, 0 left" in out.getvalue()


def test_protect_files_leaves_a_row_whose_file_is_missing(class_world):
    from django.core.management import call_command

    image = group_post_image(class_world)
    PostImage.objects.create(post=image.post, position=1, image="posts/1/gone-1.png")
    out = io.StringIO()
    call_command("protect_files", stdout=out)
    assert "0 file(s) moved, 1 left as they were" in out.getvalue()
    assert PostImage.objects.get(position=1).image.name == "posts/1/gone-1.png"
