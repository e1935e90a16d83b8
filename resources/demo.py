"""Demo content for the learning resources, registered with yiban_core.demo.contributors.

Files made in memory (a hand-written one-page PDF, UTF-8 notes, PNG charts via
Pillow) and links to MOOC course pages, published through the real services
with courses and tags, then rated, reviewed, marked helpful and downloaded over
the past two weeks under the simulated clock: aggregates, Bayesian scores and
points are right by construction.

Idempotent: the demo teacher's MARKER resource is published last; when it is
there, nothing is added.
"""

from __future__ import annotations

import io
import random
from collections import defaultdict
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from resources import services
from resources.models import Licence, Resource, Subject
from yiban_core.accounts.models import School, User
from yiban_core.actor import Actor
from yiban_core.demo import data
from yiban_core.demo.contributors import simulated_time
from yiban_core.errors import DomainError

BASE_RESOURCES = 80
BASE_RATINGS = 300
BASE_DOWNLOADS = 400
BASE_HELPFUL = 100
DAYS = 14
FULL_DEMO_STUDENTS = 600
MIN_SHARE = 0.2

MARKER = "高等数学（上）期末复习提纲"

# code, name, subject
COURSES = (
    ("MA101", "高等数学", Subject.MATHEMATICS),
    ("MA102", "线性代数", Subject.MATHEMATICS),
    ("MA201", "概率论与数理统计", Subject.MATHEMATICS),
    ("CS201", "数据结构", Subject.COMPUTING),
    ("CS101", "C 语言程序设计", Subject.COMPUTING),
    ("CS301", "操作系统", Subject.COMPUTING),
    ("EN101", "大学英语", Subject.LANGUAGES),
    ("PH101", "大学物理", Subject.PHYSICS),
    ("EC101", "微观经济学", Subject.ECONOMICS),
    ("PO101", "马克思主义基本原理", Subject.POLITICS),
)
# (kind, title template, tags); kinds: pdf, md, txt, png, link
ITEMS = (
    ("pdf", "{name}期末复习提纲", ("期末复习", "提纲")),
    ("pdf", "{name}往年试题与答案（{year}）", ("期末复习", "真题")),
    ("pdf", "{name}第{n}章课件", ("课件",)),
    ("md", "{name}重点笔记", ("笔记", "期末复习")),
    ("md", "{name}公式速查表", ("笔记", "速查")),
    ("txt", "{name}课后习题答案（第{n}章）", ("习题", "答案")),
    ("png", "{name}知识点思维导图", ("思维导图",)),
    ("link", "中国大学MOOC：{name}", ("MOOC", "公开课")),
    ("link", "{name}实验指导与在线练习", ("在线练习",)),
)
EXAM_ITEMS = (
    ("pdf", "大学英语四级高频词汇 500", ("四六级", "词汇"), Subject.EXAMS),
    ("md", "六级作文与翻译常用句型", ("四六级", "写作"), Subject.EXAMS),
    ("md", "考研数学一复习时间规划", ("考研", "规划"), Subject.EXAMS),
    ("link", "全国大学英语四、六级考试官网", ("四六级", "官网"), Subject.EXAMS),
    ("txt", "考研政治选择题易错点整理", ("考研", "政治"), Subject.EXAMS),
)
MOOC = "https://www.icourse163.org/search.htm?search={name}"
EXAM_LINKS = {"全国大学英语四、六级考试官网": "https://cet.neea.edu.cn/"}
REVIEWS = {
    5: ("整理得非常清楚，复习的时候帮了大忙，谢谢分享！", "重点全覆盖，考前过一遍很有用。",
        "质量很高，强烈推荐给同课程的同学。"),
    4: ("内容不错，个别地方有笔误，整体很实用。", "很有帮助，要是有答案解析就更好了。"),
    3: ("还可以，和老师讲的略有出入，参考着看。", "比较基础，适合入门。"),
    2: ("排版有点乱，找重点不太方便。",),
}


def _pdf(title: str, lines: list[str]) -> bytes:
    """A valid one-page PDF, by hand: header, catalog, pages, page, font, content,
    xref and trailer. The text is ASCII (the built-in Helvetica has no CJK glyphs);
    the Chinese title is in the document information as UTF-16."""
    stream = ["BT /F1 20 Tf 72 760 Td (Yiban demo resource) Tj ET"]
    for k, line in enumerate(lines):
        safe = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        stream.append(f"BT /F1 12 Tf 72 {720 - 20 * k} Td ({safe}) Tj ET")
    content = "\n".join(stream).encode("ascii")
    info_title = "FEFF" + title.encode("utf-16-be").hex().upper()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        f"<< /Title <{info_title}> /Producer (yiban seed_demo) >>".encode("ascii"),
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += (b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\nstartxref\n%d\n%%%%EOF\n"
            % (len(objects) + 1, xref))
    return bytes(out)


def _png(title: str, seed: str) -> bytes:
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    image = Image.new("RGB", (480, 320), (250, 250, 245))
    draw = ImageDraw.Draw(image)
    centre = (240, 160)
    draw.ellipse((190, 130, 290, 190), outline=(40, 90, 160), width=3)
    for _ in range(6):  # a mind map: a centre and six branches
        x, y = rng.randint(30, 430), rng.randint(20, 280)
        colour = (rng.randint(40, 200), rng.randint(80, 200), rng.randint(60, 220))
        draw.line((centre, (x + 20, y + 10)), fill=colour, width=2)
        draw.rectangle((x, y, x + 40, y + 20), outline=colour, width=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _note(title: str, course: str, markdown: bool, rng: random.Random) -> bytes:
    points = rng.sample([
        "概念要能用自己的话讲出来，不要只背定义。", "每章的例题至少做两遍，注意解题步骤。",
        "往年题里反复出现的题型一定要掌握。", "公式推导过程比结论更重要。",
        "错题本按章节整理，考前重点看。", "课本上的思考题经常是考试原题的变形。",
        "先梳理知识框架，再查漏补缺。", "计算题注意单位和有效数字。",
    ], 5)
    if markdown:
        body = [f"# {title}", "", f"课程：{course}", "", "## 复习要点", ""]
        body += [f"{k}. {p}" for k, p in enumerate(points, start=1)]
        body += ["", "## 备注", "", "本笔记由易班演示数据生成，欢迎补充指正。", ""]
    else:
        body = [title, "=" * 20, f"课程：{course}", ""]
        body += [f"（{k}）{p}" for k, p in enumerate(points, start=1)]
        body += ["", "仅供学习交流。", ""]
    return "\n".join(body).encode("utf-8")


def _upload(kind: str, title: str, course: str, code: str, rng: random.Random, key: str):
    if kind == "pdf":
        content = _pdf(title, [f"Course: {code}", f"Resource #{key}",
                               "1. Definitions and theorems", "2. Worked examples",
                               "3. Past exam questions", f"Generated {key}"])
        return SimpleUploadedFile(f"{key}.pdf", content, content_type="application/pdf")
    if kind == "png":
        return SimpleUploadedFile(f"{key}.png", _png(title, key), content_type="image/png")
    content = _note(title, course, kind == "md", rng) + f"\n（{key}）\n".encode()
    return SimpleUploadedFile(f"{key}.{kind}", content, content_type="text/plain")


def contribute(*, stdout, seed: int, students: int, scale: float) -> str | None:
    """Courses, resources (files and links), ratings, reviews, helpful votes, downloads."""
    teacher = User.objects.filter(username=data.DEMO_TEACHER).first()
    if teacher is None:
        return None
    if Resource.objects.filter(owner=teacher, title=MARKER).exists():
        return "资源 resources: already seeded, nothing added"
    volume = scale * max(MIN_SHARE, min(1.0, students / FULL_DEMO_STUDENTS))
    rng = random.Random(f"{seed}:resources")
    end = timezone.now() - timedelta(minutes=3)
    start = end - timedelta(days=DAYS)
    specs = {s.name: s for s in data.SCHOOLS}
    schools = list(School.objects.filter(name__in=specs).order_by("pk"))
    people = list(User.objects.filter(
        Q(school__in=schools) | Q(username=data.DEMO_STUDENT), is_active=True,
        role__in=[User.Role.STUDENT, User.Role.TEACHER]).order_by("pk"))
    student = next(u for u in people if u.username == data.DEMO_STUDENT)
    # A few active sharers, teachers first; the demo school's people most of all.
    sharers = [u for u in people if u.role == User.Role.TEACHER] + rng.sample(
        [u for u in people if u.role == User.Role.STUDENT], min(60, len(people) // 3))
    home = [u for u in people if u.school_id == teacher.school_id]

    n_resources = max(12, int(BASE_RESOURCES * volume))
    plan = []  # (at, owner, kind, title, subject, tags, course (code, name), url)
    for k in range(n_resources - 1):
        at = start + (end - start - timedelta(days=1)) * (k + rng.random()) / n_resources
        owner = teacher if k % 9 == 0 else rng.choice(sharers)
        if k % 7 == 3:
            kind, title, tags, subject = rng.choice(EXAM_ITEMS)
            course = None
            url = EXAM_LINKS.get(title, MOOC.format(name=title[:8]))
        else:
            code, name, subject = rng.choice(COURSES)
            kind, template, tags = rng.choice(ITEMS)
            title = template.format(name=name, year=rng.randint(2019, 2025), n=rng.randint(1, 9))
            course, url = (code, name), MOOC.format(name=name)
            tags = (*tags, name)
        plan.append((at, owner, kind, title, subject, tags, course, url))
    plan.append((end - timedelta(hours=20), teacher, "pdf", MARKER, Subject.MATHEMATICS,
                 ("期末复习", "提纲", "高等数学"), ("MA101", "高等数学"), ""))

    done: dict[str, int] = defaultdict(int)
    with simulated_time(start) as clock, transaction.atomic():
        published: list[Resource] = []
        for k, (at, owner, kind, title, subject, tags, course, url) in enumerate(plan):
            clock.set(at)
            course_row = services.course_for(school=owner.school, code=course[0],
                                             name=course[1]) if course else None
            description = (f"{title}。适用于{course[1]}课程的学习与期末复习，欢迎评分和评价。"
                           if course else f"{title}，备考必备，欢迎补充。")
            try:
                resource = services.publish_resource(
                    actor=Actor.for_user(owner), title=title, subject=subject,
                    upload=None if kind == "link" else _upload(
                        kind, title, course[1] if course else title,
                        course[0] if course else "EXAM", rng, f"{seed}-{k}"),
                    url=url if kind == "link" else "", description=description, tags=tags,
                    licence=rng.choice([Licence.CC_BY, Licence.CC_BY_SA, Licence.CC_BY_NC]),
                    course=course_row)
            except DomainError:
                done["skipped"] += 1
                continue
            published.append(resource)
        marker = published[-1] if published and published[-1].title == MARKER else None

        # Ratings, helpful votes and downloads, in time order after each resource.
        events = []  # (at, kind, user, resource)
        popularity = [rng.paretovariate(1.4) for _ in published]
        n_ratings = int(BASE_RATINGS * volume)
        for resource, weight in zip(published, popularity, strict=True):
            pool = [u for u in (home if resource.school_id == teacher.school_id else people)
                    if u.pk != resource.owner_id]
            share = weight / sum(popularity)
            raters = rng.sample(pool, min(len(pool), round(n_ratings * share) + 1))
            for user in raters:
                events.append((resource.created_at + (end - resource.created_at)
                               * rng.random(), "rate", user, resource))
            downloaders = rng.sample(pool, min(len(pool), round(BASE_DOWNLOADS * volume * share)))
            if resource.kind == Resource.Kind.FILE:
                for user in downloaders:
                    events.append((resource.created_at + (end - resource.created_at)
                                   * rng.random(), "download", user, resource))
        if marker is not None:  # the demo student is getting ready for the maths exam
            events.append((end - timedelta(hours=19), "download", student, marker))
        # Downloads count once per person per day: had a demo account downloaded a
        # resource today already, its own first click would leave the count unmoved.
        today = timezone.localdate(end)
        events = [e for e in events if not (e[1] == "download" and e[2].username in
                                            data.DEMO_LOGINS and timezone.localdate(e[0]) == today)]
        events.sort(key=lambda e: (e[0], e[2].pk, e[3].pk))
        reviews = []
        for at, kind, user, resource in events:
            clock.set(at)
            actor = Actor.for_user(user)
            try:
                if kind == "download":
                    services.record_download(actor=actor, resource_id=resource.pk)
                else:
                    stars = rng.choices((5, 4, 3, 2), weights=(45, 35, 15, 5))[0]
                    review = rng.choice(REVIEWS[stars]) if rng.random() < 0.5 else ""
                    rating = services.rate_resource(actor=actor, resource_id=resource.pk,
                                                    stars=stars, review=review)
                    if review:
                        reviews.append((at, rating))
                done[kind] += 1
            except DomainError:
                done["skipped"] += 1
        for at, rating in sorted(reviews, key=lambda r: (r[0], r[1].pk)):
            for user in rng.sample(people, min(len(people), 2)):
                if done["helpful"] >= BASE_HELPFUL * volume:
                    break
                if user.pk == rating.user_id:
                    continue
                clock.set(min(at + timedelta(hours=rng.randint(1, 30)), end))
                try:
                    services.mark_helpful(actor=Actor.for_user(user), rating_id=rating.pk)
                    done["helpful"] += 1
                except DomainError:
                    done["skipped"] += 1
        clock.set(end)
        services.recompute_scores()  # every score at the final site mean
    return ("资源 resources: resources {n} · ratings {rate} · downloads {download} · "
            "helpful votes {helpful}".format_map(defaultdict(int, done, n=len(published))))
