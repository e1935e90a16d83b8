"""Demo content for the feeds, registered with yiban_core.demo.contributors.

Two weeks of campus life, played through the real services (publish_post,
add_comment, like_post, repost, set_pinned, daily_checkin) in time order under
a simulated clock: topics, mentions, counters, notifications and points are all
right by construction, and ids grow with created_at, so timelines (ordered by
id) read as the clock did.

The plan is drawn from random.Random(f"{seed}:feeds:..."), so the same seed
gives the same content. Idempotent: the demo teacher's pinned exam
announcement (MARKER) is written last; when it is there, nothing is added.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from feeds import cards, demo_polls, poll_services, services
from feeds.models import Poll, PollOption, Post, PostLike, Visibility
from feeds.poll_services import PollSpec
from yiban_core.accounts.models import Follow, School, User
from yiban_core.actor import Actor
from yiban_core.credits.services import daily_checkin
from yiban_core.demo import data
from yiban_core.demo.contributors import simulated_time
from yiban_core.errors import DomainError
from yiban_core.groups.models import Group, Membership

BASE_POSTS = 300
BASE_COMMENTS = 600
BASE_LIKES = 1500
BASE_COMMENT_LIKES = 150
BASE_CHECKINS = 40  # people who check in most days
LOUD_LIKES = 2  # per post, the first likes go through the service; the others in bulk
DAYS = 14
FULL_DEMO_STUDENTS = 600  # the default demo: full volume; fewer students, less content
MIN_SHARE = 0.2
CIRCLE_SHARE = 0.35  # of the posts: in demo_student's home timeline
MIN_CIRCLE_POSTS = 30
MAX_POSTS_PER_AUTHOR = 12  # far below the 60-an-hour rate limit

MARKER = ("【班级公告】本学期期末考试安排：数据结构 1 月 8 日上午 9:00—11:00，三教 301。"
          "请带学生证和 2B 铅笔，提前 15 分钟入场，诚信应考。#期末复习#")

PLACES = ("图书馆三楼", "一教", "三教", "学生活动中心", "东区操场", "二食堂", "湖边", "自习室",
          "实验楼", "体育馆")
CANTEENS = ("一食堂", "二食堂", "三食堂", "清真食堂", "风味餐厅")
COMPANIES = ("字节跳动", "腾讯", "阿里巴巴", "华为", "美团", "网易", "京东", "百度", "小米",
             "中国银行", "国家电网", "比亚迪")
CITIES = ("北京", "上海", "杭州", "深圳", "武汉", "成都", "南京", "广州")
GENERAL_COURSES = ("高等数学", "线性代数", "大学英语", "大学物理", "概率论与数理统计",
                   "马克思主义基本原理", "C 语言程序设计")

# (theme, template). Placeholders: course, place, canteen, company, city, target, n, club.
POSTS = (
    ("exam", "图书馆三楼又是一座难求，七点去就没位置了 #期末复习# #图书馆#"),
    ("exam", "{course}的复习提纲终于整理完了，需要的同学评论区说一声，我发群里 #期末复习#"),
    ("exam", "距离{course}考试还有 {n} 天，今天刷完两套往年题，错题本又厚了一页 #期末复习#"),
    ("exam", "期末周作息：7:00 起床，7:30 图书馆，23:00 回宿舍。谁来监督我 #期末复习# #学习打卡#"),
    ("exam", "有没有一起复习{course}的搭子？每天晚上在{place}，互相提问 #期末复习#"),
    ("exam", "{course}老师划的重点比书还厚……#期末复习# #校园生活#"),
    ("exam", "通宵是不可能通宵的，只能早起这样子 #期末复习#"),
    ("cet", "今天背了 120 个单词，六级冲冲冲 #四六级# #学习打卡#"),
    ("cet", "四级听力真的是玄学，同一套题做两遍，对的完全不一样 #四六级#"),
    ("cet", "分享一个练听力的方法：精听一篇，跟读三遍，再盲听一遍。坚持两周明显有进步 #四六级#"),
    ("cet", "六级作文模板背了也不敢直接用，大家都怎么准备的？#四六级#"),
    ("cet", "四六级准考证可以打印了，别忘了 #四六级#"),
    ("kaoyan", "考研倒计时 {n} 天，数学一轮复习终于过完了 #考研#"),
    ("kaoyan", "想考{target}，专业课参考书有学长学姐推荐吗 #考研# #择校#"),
    ("kaoyan", "今天政治刷了 200 道选择题，正确率 78%，继续 #考研#"),
    ("kaoyan", "早上六点半的自习室，全是考研人 #考研# #图书馆#"),
    ("kaoyan", "英语一真题第三遍，阅读终于稳定在 30 分以上了 #考研#"),
    ("intern", "收到了{company}的实习 offer！暑假去{city}，有同去的吗 #实习# #求职#"),
    ("intern", "简历投了二十多份，终于有面试了，求{company}面经 #实习#"),
    ("intern", "实习第一周：每天写周报、跑测试，学到的比想象中多 #实习#"),
    ("intern", "投递{company}的时间线：网申→笔试→两轮技术面→HR 面，前后三周 #实习# #求职#"),
    ("club", "{club}本周六下午招新，地点{place}，欢迎大家来玩 #社团活动#"),
    ("club", "昨晚{club}的活动太好玩了，下次还来 #社团活动# #校园生活#"),
    ("club", "{club}外出活动的照片整理好了，已经传到群相册 #社团活动#"),
    ("food", "{canteen}新出的麻辣香锅绝了，排队二十分钟也值 #食堂# #校园生活#"),
    ("food", "求推荐学校里最好吃的早餐窗口 #食堂#"),
    ("food", "今天{canteen}阿姨手不抖，幸福感拉满 #食堂#"),
    ("library", "图书馆新到了一批专业书，{course}相关的在三楼 B 区 #图书馆#"),
    ("library", "在图书馆捡到一张校园卡，已交到一楼服务台 #图书馆# #失物招领#"),
    ("library", "图书馆期末延长开放到 23:30，太好了 #图书馆# #期末复习#"),
    ("contest", "数学建模校赛报名开始了，找队友：会 MATLAB 或 Python 优先 #竞赛# #数学建模#"),
    ("contest", "蓝桥杯省赛拿了二等奖，感谢队友带飞 #竞赛#"),
    ("contest", "ACM 集训第三周，今天又被动态规划教做人 #竞赛# #编程#"),
    ("contest", "挑战杯项目申报书终于交了，熬了三个晚上 #竞赛#"),
    ("life", "今天的晚霞太好看了，{place}拍的 #校园生活# #随手拍#"),
    ("life", "运动会报了 1500 米，现在开始练还来得及吗 #校园生活# #运动会#"),
    ("life", "宿舍楼下的橘猫又胖了 #校园生活#"),
    ("life", "下雨天的{place}，适合发呆 #校园生活#"),
    ("life", "番茄钟学习法第 {n} 天：今天 8 个番茄 #学习打卡#"),
)
TEACHER_POSTS = (
    ("teacher", "{course}课程的答疑时间调整为每周三下午 2 点，地点{place}，欢迎带问题来 #答疑#"),
    ("teacher", "期末复习建议：先把课后习题做一遍，再看往年题，不要只背结论 #期末复习#"),
    ("teacher", "推荐中国大学MOOC上的{course}公开课，讲得很清楚，适合复习 #学习资源#"),
)
CLASS_POSTS = (
    ("class", "有人拍了今天{course}的板书吗？求分享"),
    ("class", "班费收支明细已经发在群里了，大家看一下，有问题找我"),
    ("class", "下周的{course}实验报告模板谁有？"),
    ("class", "今晚班级团日活动，七点{place}，别忘了签到"),
)
CLUB_POSTS = (
    ("club", "本周{club}例会改到周四晚 7 点，{place}，大家别迟到"),
    ("club", "{club}新学期活动计划投票，大家在评论区说说想去哪 #社团活动#"),
    ("club", "上周活动的总结已经写好，感谢每一位参与的同学 #社团活动#"),
)
TEACHER_CLASS_POSTS = (
    "【通知】本周五下午的数据结构实验课改到机房 4-203，请带好实验报告。",
    "【作业】第 6 章课后习题 3、5、7 下周一前交到学习委员处，收齐后统一交给我。",
    "【提醒】明天上午班会，讨论期末评优和寒假安全事项，请准时参加。",
)
OFFICIAL_POSTS = (
    "【{school}官方】关于做好本学期期末考试工作的通知：请同学们遵守考场纪律，诚信应考。#期末复习#",
    "【{school}官方】图书馆期末延长开放至 23:30，请同学们合理安排作息。#图书馆#",
    "【{school}官方】第十届校园歌手大赛报名开始，截止本周日。#社团活动# #校园生活#",
)
COMMENTS = {
    "exam": ("求提纲！", "一起一起，我也在三楼", "加油，考完就解放了", "同求往年题",
             "重点应该在后三章", "求带！"),
    "cet": ("同感，听力全靠蒙", "求背单词 app 推荐", "上次差 5 分，这次一定要过",
            "作文多练几篇就好了", "一起打卡！"),
    "kaoyan": ("一起上岸！", "同目标院校，互相加油", "专业课先看历年真题", "太自律了",
               "求资料分享"),
    "intern": ("恭喜恭喜！", "求内推", "面经可以分享一下吗", "羡慕了", "简历怎么改的？"),
    "club": ("想去！需要报名吗？", "上次活动的照片什么时候发", "好耶", "收到", "我带朋友一起"),
    "food": ("哪个窗口？", "明天就去试试", "二食堂的早餐才是最好的", "饿了", "价格怎么样？"),
    "library": ("谢谢提醒", "终于不用赶闭馆了", "三楼靠窗的位置最好", "好人一生平安"),
    "contest": ("组我一个！", "大佬带带", "恭喜！", "动态规划真的难", "辛苦了"),
    "life": ("好看！", "太真实了", "哈哈哈哈哈", "在哪拍的？", "我也想去"),
    "teacher": ("收到，谢谢老师", "老师辛苦了", "老师，第三题的条件是不是写错了？", "好的老师"),
    "class": ("我有，等下发你", "收到", "好的", "谢谢班长", "+1"),
    "announce": ("收到", "收到，谢谢老师", "好的老师", "明白"),
    "official": ("收到", "支持", "太好了", "什么时候开始？"),
}
GENERIC_COMMENTS = ("说得太对了", "mark 一下", "学到了，谢谢分享", "赞同", "+1", "加油！",
                    "哈哈哈", "确实")
REPLIES = ("谢谢！", "对对对", "我也是这么想的", "已私信你", "好的，收到", "哈哈同感",
           "明天一起", "可以可以")
REPOST_TEXTS = ("转发给需要的同学", "说得太好了", "", "mark", "有用，转了", "大家看看")
# Two people never post the same words: a text already used gets a personal opener and/or
# closer (before its trailing #topics#), the way people word the same news differently.
OPENERS = ("", "打卡：", "记录一下：", "碎碎念：", "分享一下：", "冒个泡，", "说个事：", "今日份：",
           "emmm，", "插播一条：", "来了来了，", "小声说：")
CLOSERS = ("", "～", "！", "，有同感的吗", "，记录一下", "，冲！", "，大家怎么看？", " [捂脸]",
           "，太难了", "，开心", " [doge]", "，求扩散", "，懂的都懂", "……", "，先到这儿")
TRAILING_TOPICS = re.compile(r"((?:\s*#[^#\s]+#)*)\s*$")
MENTIONS_OF_STUDENT = ("@{student} 明天一起去图书馆占座吗？#期末复习#",
                       "@{student} 你上次说的那本{course}参考书叫什么来着？",
                       "和 @{student} 组队报了数学建模校赛，冲！#竞赛#")


@dataclass
class _Event:
    at: datetime
    kind: str  # post, pin, comment, like, comment_like, checkin; vote, read, close_poll
    actor_id: int
    post: int | None = None  # index into the planned posts
    comment: int | None = None  # index into the planned comments
    text: str = ""
    group_id: int | None = None
    visibility: str = Visibility.PUBLIC
    repost_of: int | None = None  # a post: the original of a repost
    parent: int | None = None  # a comment: the comment it replies to
    theme: str = ""
    heat: float = 1.0  # a post: how much attention it gets
    quiet: bool = False  # a like written in bulk, without the service (see _play)
    poll: PollSpec | None = None  # a post: its poll (feeds/demo_polls.py)
    announce: bool = False  # a post: published as the group's announcement
    options: tuple[int, ...] = ()  # a vote: the positions of the options chosen


class _Planner:
    """The events, in memory: who does what, when, and to which post."""

    def __init__(self, seed: int, volume: float, end: datetime):
        self.seed = seed
        self.rng = random.Random(f"{seed}:feeds")
        self.volume = volume
        self.wording = random.Random(f"{seed}:feeds:wording")  # apart: the plan stays as it was
        self.texts: set[str] = set()
        self.end = end
        self.start = end - timedelta(days=DAYS)
        self.events: list[_Event] = []
        self.posts: list[_Event] = []
        self.comments: list[_Event] = []
        self.posts_by: dict[int, int] = defaultdict(int)
        self._load()

    # --- the population ------------------------------------------------------------

    def _load(self):
        specs = {s.name: s for s in data.SCHOOLS}
        schools = list(School.objects.filter(name__in=specs))
        self.courses = {s.pk: [c for _, _, c in specs[s.name].majors] for s in schools}
        self.school_names = {s.pk: s.name for s in schools}
        self.users = {u.pk: u for u in User.objects.filter(
            Q(school__in=schools) | Q(username__in=data.DEMO_LOGINS), is_active=True)}
        by_name = {u.username: u for u in self.users.values()
                   if u.username in data.DEMO_LOGINS}
        self.student, self.teacher = by_name[data.DEMO_STUDENT], by_name[data.DEMO_TEACHER]
        self.members: dict[int, list[int]] = defaultdict(list)
        self.groups_of: dict[int, list[int]] = defaultdict(list)
        self.managers: dict[int, set[int]] = defaultdict(set)
        for group_id, user_id, role in Membership.objects.filter(
                user_id__in=self.users).values_list("group_id", "user_id", "role"):
            self.members[group_id].append(user_id)
            self.groups_of[user_id].append(group_id)
            if role in Membership.MANAGER_ROLES:
                self.managers[group_id].add(user_id)
        self.groups = Group.objects.in_bulk(list(self.members))
        self.followers: dict[int, list[int]] = defaultdict(list)
        self.followees: dict[int, list[int]] = defaultdict(list)
        for follower, followee in Follow.objects.filter(follower_id__in=self.users).values_list(
                "follower_id", "followee_id"):
            if followee in self.users:
                self.followers[followee].append(follower)
                self.followees[follower].append(followee)
        self.by_school: dict[int, list[int]] = defaultdict(list)
        for user in self.users.values():
            if user.school_id:
                self.by_school[user.school_id].append(user.pk)
        for ids in (*self.members.values(), *self.followers.values(), *self.by_school.values()):
            ids.sort()
        self.class_group = next(
            (self.groups[g] for g in sorted(self.groups_of[self.student.pk])
             if self.groups[g].kind == Group.Kind.CLASS and self.groups[g].owner_id
             == self.teacher.pk), None)

    # --- helpers -------------------------------------------------------------------

    def _moment(self, start: datetime, end: datetime) -> datetime:
        """A moment in [start, end], mostly in waking hours (Beijing time)."""
        at = start + (end - start) * self.rng.random()
        hour = timezone.localtime(at).hour
        if hour < 7:
            at += timedelta(hours=7 - hour, minutes=self.rng.randint(0, 90))
        return min(at, end)

    def _later(self, at: datetime, mean_minutes: float) -> datetime:
        later = at + timedelta(minutes=1 + self.rng.expovariate(1 / mean_minutes))
        if later >= self.end:
            later = at + (self.end - at) * self.rng.random()
        return later

    def _fill(self, template: str, author: User) -> str:
        rng = self.rng
        clubs = [self.groups[g].name for g in self.groups_of[author.pk]
                 if self.groups[g].kind == Group.Kind.INTEREST] or ["摄影社", "吉他社"]
        return template.format(
            course=rng.choice(self.courses.get(author.school_id, []) + list(GENERAL_COURSES)),
            place=rng.choice(PLACES), canteen=rng.choice(CANTEENS),
            company=rng.choice(COMPANIES), city=rng.choice(CITIES),
            target=rng.choice(data.KAOYAN_TARGETS), n=rng.randint(3, 120),
            club=rng.choice(clubs), school=self.school_names.get(author.school_id, ""),
            student=self.student.username,
        )

    def _audience(self, post: _Event) -> list[int]:
        """Who may see the post (and so like or comment on it), author aside."""
        if post.group_id is not None:
            pool = self.members[post.group_id]
        else:
            author = self.users[post.actor_id]
            school = self.by_school.get(author.school_id, [])
            pool = self.followers[author.pk] + self.rng.sample(school, min(len(school), 40))
            if post.visibility == Visibility.SCHOOL:
                pool = [u for u in pool if self.users[u].school_id == author.school_id]
        return [u for u in dict.fromkeys(pool) if u != post.actor_id]

    def _post(self, *, at, author: User, text: str, theme: str, group_id=None,
              visibility=Visibility.PUBLIC, repost_of=None, heat=1.0, poll=None,
              announce=False) -> _Event:
        text = self._reword(text)
        event = _Event(at=at, kind="post", actor_id=author.pk, post=len(self.posts), text=text,
                       group_id=group_id, visibility=visibility if group_id is None
                       else Visibility.GROUP, repost_of=repost_of, theme=theme, poll=poll,
                       announce=announce)
        event.heat = heat * self.rng.paretovariate(1.6)
        self.posts.append(event)
        self.events.append(event)
        self.posts_by[author.pk] += 1
        return event

    # For feeds/demo_polls.py, which plans into this plan.
    add_post = _post

    def add(self, **fields) -> _Event:
        event = _Event(**fields)
        self.events.append(event)
        return event

    def _reword(self, text: str) -> str:
        """The text, or a personal wording of it when someone already posted it."""
        if not text or text not in self.texts:
            self.texts.add(text)  # an empty repost says nothing: it is never a repeat
            return text
        tags = TRAILING_TOPICS.search(text)
        body, topics = text[:tags.start()], text[tags.start():]
        wordings = [(o, c) for o in OPENERS for c in CLOSERS if o or c]
        self.wording.shuffle(wordings)
        for opener, closer in wordings:
            if body.rstrip()[-1:] in "？！。…～?!" and closer.startswith("，"):
                closer = closer[1:]  # "怎么准备的？大家怎么看？", not "的？，大家"
            candidate = f"{opener}{body}{closer}{topics}"
            if candidate not in self.texts:
                self.texts.add(candidate)
                return candidate
        n = 2  # every wording taken (only at many times the default volume)
        while f"{body}（{n}）{topics}" in self.texts:
            n += 1
        self.texts.add(f"{body}（{n}）{topics}")
        return f"{body}（{n}）{topics}"

    def _can_post(self, user_id: int) -> bool:
        return self.posts_by[user_id] < MAX_POSTS_PER_AUTHOR

    # --- the plan ------------------------------------------------------------------

    def plan(self):
        rng = self.rng
        n_posts = max(int(BASE_POSTS * self.volume), MIN_CIRCLE_POSTS + 10)
        student, teacher = self.student, self.teacher

        # The demo teacher: class notices (the exam one pinned, at the very end), public tips.
        if self.class_group is not None:
            for k, text in enumerate(TEACHER_CLASS_POSTS):
                at = self.start + timedelta(days=2 + 4 * k, hours=rng.randint(1, 10))
                self._post(at=self._moment(at, at + timedelta(hours=4)), author=teacher,
                           text=text, theme="announce", group_id=self.class_group.pk, heat=2)
        for theme, template in TEACHER_POSTS:
            self._post(at=self._moment(self.start, self.end - timedelta(hours=6)),
                       author=teacher, text=self._fill(template, teacher), theme=theme, heat=2)
        # Each school's official channel: notices by its administrators, one pinned.
        for school_id in sorted(self.by_school):
            official = next((g for g, group in sorted(self.groups.items())
                             if group.kind == Group.Kind.SCHOOL and group.school_id == school_id),
                            None)
            if official is None or not self.managers[official]:
                continue
            admin = self.users[min(self.managers[official])]
            for k, template in enumerate(OFFICIAL_POSTS):
                at = self._moment(self.start + timedelta(days=4 * k),
                                  self.start + timedelta(days=4 * k + 3))
                event = self._post(at=at, author=admin, text=self._fill(template, admin),
                                   theme="official", group_id=official)
                if k == 0:
                    self.events.append(_Event(at=self._later(at, 10), kind="pin",
                                              actor_id=admin.pk, post=event.post))
        # demo_student's own posts: friends react, so there are notifications to read.
        for _ in range(4):
            theme, template = rng.choice(POSTS)
            self._post(at=self._moment(self.start, self.end - timedelta(hours=3)),
                       author=student, text=self._fill(template, student), theme=theme, heat=3)

        # demo_student's circle: people they follow, and their groups.
        circle_people = [u for u in self.followees[student.pk] if u != teacher.pk]
        circle_groups = [g for g in self.groups_of[student.pk]
                         if self.groups[g].kind != Group.Kind.SCHOOL]
        classmates = self.members[self.class_group.pk] if self.class_group else []
        n_circle = max(MIN_CIRCLE_POSTS, int(n_posts * CIRCLE_SHARE))
        for _ in range(n_circle):
            at = self._moment(self.start, self.end - timedelta(minutes=10))
            if circle_people and rng.random() < 0.45:
                author = self.users[rng.choice(circle_people)]
                if not self._can_post(author.pk):
                    continue
                theme, template = rng.choice(POSTS)
                self._post(at=at, author=author, text=self._fill(template, author), theme=theme)
            elif circle_groups:
                group = self.groups[rng.choice(circle_groups)]
                authors = [u for u in self.members[group.pk] if u not in (student.pk, teacher.pk)
                           and self._can_post(u)]
                if not authors:
                    continue
                author = self.users[rng.choice(authors)]
                theme, template = rng.choice(CLASS_POSTS if group.kind == Group.Kind.CLASS
                                             else CLUB_POSTS + POSTS)
                self._post(at=at, author=author, text=self._fill(template, author),
                           theme=theme, group_id=group.pk)
        mentioners = [u for u in classmates if u not in (student.pk, teacher.pk)]
        for template in MENTIONS_OF_STUDENT:
            if mentioners:
                author = self.users[rng.choice(mentioners)]
                self._post(at=self._moment(self.start, self.end - timedelta(hours=1)),
                           author=author, text=self._fill(template, author), theme="exam")

        # Everyone else: a heavy-tailed few post most.
        everyone = sorted(u for u, user in self.users.items()
                          if user.role in (User.Role.STUDENT, User.Role.TEACHER))
        weights = [rng.paretovariate(1.3) for _ in everyone]
        for _ in range(max(0, n_posts - len(self.posts)) * 10):
            if len(self.posts) >= n_posts:
                break
            author = self.users[rng.choices(everyone, weights)[0]]
            if not self._can_post(author.pk):
                continue
            at = self._moment(self.start, self.end - timedelta(minutes=5))
            roll = rng.random()
            own_groups = [g for g in self.groups_of[author.pk]
                          if self.groups[g].kind != Group.Kind.SCHOOL]
            text_theme = rng.choice(POSTS)
            if roll < 0.2 and own_groups:
                group = self.groups[rng.choice(own_groups)]
                theme, template = rng.choice(CLASS_POSTS if group.kind == Group.Kind.CLASS
                                             else CLUB_POSTS)
                self._post(at=at, author=author, text=self._fill(template, author), theme=theme,
                           group_id=group.pk)
                continue
            theme, template = text_theme
            text = self._fill(template, author)
            if rng.random() < 0.12 and self.followees[author.pk]:
                mentioned = self.users[rng.choice(self.followees[author.pk])]
                text += f" @{mentioned.username}"
            visibility = (Visibility.SCHOOL if roll < 0.3 and author.verified_school_id
                          else Visibility.PUBLIC)
            self._post(at=at, author=author, text=text, theme=theme, visibility=visibility)

        self._reposts(int(n_posts * 0.06) + 2)
        self._reactions()
        self._checkins(everyone)
        if self.class_group is not None:  # last: the marker of a finished run
            at = self.end - timedelta(minutes=30)
            event = self._post(at=at, author=teacher, text=MARKER, theme="announce",
                               group_id=self.class_group.pk, heat=3)
            self.events.append(_Event(at=at + timedelta(minutes=1), kind="pin",
                                      actor_id=teacher.pk, post=event.post))
            demo_polls.plan(self, event)
        self.events.sort(key=lambda e: (e.at, e.kind != "post"))
        return self

    def _reposts(self, count: int):
        public = [p for p in self.posts if p.visibility == Visibility.PUBLIC
                  and p.repost_of is None and p.at < self.end - timedelta(hours=2)]
        for original in self.rng.sample(public, min(count, len(public))):
            audience = [u for u in self._audience(original) if self._can_post(u)]
            if not audience:
                continue
            author = self.users[self.rng.choice(audience)]
            self._post(at=self._later(original.at, 240), author=author,
                       text=self.rng.choice(REPOST_TEXTS), theme=original.theme,
                       repost_of=original.post)

    def _reactions(self):
        rng = self.rng
        total_heat = sum(p.heat for p in self.posts)
        student = self.student.pk
        for post in list(self.posts):
            audience = self._audience(post)
            if not audience:
                continue
            share = post.heat / total_heat
            # Likes: distinct people who can see the post; demo_student likes what they see.
            n_likes = min(len(audience), round(BASE_LIKES * self.volume * share * 1.1))
            likers = rng.sample(audience, n_likes)
            if student in audience and student not in likers and rng.random() < 0.35:
                likers.append(student)
            demo = {self.student.pk, self.teacher.pk}
            moments = sorted(self._later(post.at, 120) for _ in likers)
            for k, (user_id, at) in enumerate(zip(likers, moments, strict=True)):
                self.events.append(_Event(
                    at=at, kind="like", actor_id=user_id, post=post.post,
                    quiet=k >= LOUD_LIKES and not demo & {user_id, post.actor_id}))
            # Comments, a third of them replies to an earlier comment on the same post.
            n_comments = round(BASE_COMMENTS * self.volume * share)
            if post.actor_id == student:
                n_comments += 2
            thread: list[_Event] = []
            moments = sorted(self._later(post.at, 180) for _ in range(n_comments))
            for at in moments:
                author = rng.choice([*audience, post.actor_id])
                parent = rng.choice(thread) if thread and rng.random() < 0.33 else None
                if parent is not None and parent.actor_id == author:
                    parent = None
                if parent is not None:
                    text = rng.choice(REPLIES)
                else:
                    text = rng.choice(COMMENTS.get(post.theme, ()) + GENERIC_COMMENTS)
                    sees = post.group_id is None or student in self.members[post.group_id]
                    if sees and rng.random() < 0.05:
                        text = f"@{self.student.username} 快来看 " + text
                event = _Event(at=at, kind="comment", actor_id=author, post=post.post,
                               comment=len(self.comments), text=text,
                               parent=parent.comment if parent else None)
                self.comments.append(event)
                self.events.append(event)
                thread.append(event)
                if rng.random() < BASE_COMMENT_LIKES / BASE_COMMENTS:
                    likers = [u for u in audience if u != author]
                    if likers:
                        self.events.append(_Event(at=self._later(at, 60), kind="comment_like",
                                                  actor_id=rng.choice(likers), post=post.post,
                                                  comment=event.comment))

    def _checkins(self, everyone: list[int]):
        rng = self.rng
        regulars = {self.student.pk, self.teacher.pk} | set(
            rng.sample(everyone, min(len(everyone), int(BASE_CHECKINS * self.volume))))
        for day in range(DAYS + 1):
            morning = timezone.localtime(self.start + timedelta(days=day)).replace(
                hour=7, minute=0, second=0, microsecond=0)
            for user_id in sorted(regulars):
                if user_id == self.student.pk or rng.random() < 0.7:
                    at = morning + timedelta(minutes=rng.randint(0, 14 * 60))
                    if self.start < at < self.end:
                        self.events.append(_Event(at=at, kind="checkin", actor_id=user_id))


def _play(planner: _Planner, clock) -> dict[str, int]:
    """Every event through its service, in time order; but most likes in bulk.

    A like through like_post costs about ten queries (the visibility check, the
    row, the counter, the points, the notification): 1,500 of them took most of
    the run. So the first LOUD_LIKES likes of each post (and every like to or from
    a demo login) go through the service, paying points and notifying; the rest
    are inserted in bulk, a day at a time, and like_count is recomputed from the
    rows at the end, so it is exact. Those likes pay no points and notify nobody:
    the daily cap on like_received would have stopped most of the points anyway.
    """
    users = planner.users
    posts: dict[int, int] = {}  # planned index -> post id
    comments: dict[int, int] = {}
    done: dict[str, int] = defaultdict(int)
    quiet: list[PostLike] = []

    def flush():
        PostLike.objects.bulk_create(quiet, ignore_conflicts=True)
        done["like"] += len(quiet)
        quiet.clear()

    for event in planner.events:
        if quiet and timezone.localdate(event.at) != timezone.localdate(clock.now):
            flush()  # created_at: the day's last like
        clock.set(event.at)
        if event.kind == "like" and event.quiet:
            if event.post in posts:
                quiet.append(PostLike(post_id=posts[event.post], user_id=event.actor_id))
            continue
        actor = Actor.for_user(users[event.actor_id])
        try:
            if event.kind == "post":
                if event.repost_of is not None:
                    if event.repost_of not in posts:
                        continue
                    post = services.repost(actor=actor, post_id=posts[event.repost_of],
                                           text=event.text)
                else:
                    post = services.publish_post(
                        actor=actor, text=event.text, visibility=event.visibility,
                        group=planner.groups.get(event.group_id), poll=event.poll,
                        announce=event.announce)
                posts[event.post] = post.pk
                done["poll"] += event.poll is not None
            elif event.kind == "checkin":
                daily_checkin(actor=actor)
            elif event.post not in posts:
                continue
            elif event.kind == "pin":
                services.set_pinned(actor=actor, post_id=posts[event.post], pinned=True)
            elif event.kind == "like":
                services.like_post(actor=actor, post_id=posts[event.post])
            elif event.kind == "comment":
                parent = comments.get(event.parent) if event.parent is not None else None
                comment = services.add_comment(actor=actor, post_id=posts[event.post],
                                               text=event.text, parent_id=parent)
                comments[event.comment] = comment.pk
            elif event.kind == "vote":
                options = PollOption.objects.filter(poll__post_id=posts[event.post],
                                                    position__in=event.options)
                poll_services.vote(actor=actor, post_id=posts[event.post],
                                   option_ids=list(options.values_list("pk", flat=True)))
            elif event.kind == "read":
                poll_services.mark_announcement_read(actor=actor, post_id=posts[event.post])
            elif event.kind == "close_poll":
                poll_services.close_if_due(Poll.objects.get(post_id=posts[event.post]))
            elif event.kind == "comment_like":
                if event.comment not in comments:
                    continue
                services.like_comment(actor=actor, comment_id=comments[event.comment])
            done[event.kind] += 1
        except DomainError:
            done["skipped"] += 1
    flush()
    ids = list(posts.values())
    liked = PostLike.objects.filter(post=OuterRef("pk")).order_by().values("post")
    Post.objects.filter(pk__in=ids).update(
        like_count=Coalesce(Subquery(liked.annotate(n=Count("pk")).values("n")), 0))
    cards.forget_after_commit(cards.POST, ids)
    return done


def contribute(*, stdout, seed: int, students: int, scale: float) -> str | None:
    """Two weeks of posts, comments, likes, reposts, announcements and check-ins."""
    teacher = User.objects.filter(username=data.DEMO_TEACHER).first()
    if teacher is None:
        return None
    if Post.objects.filter(author=teacher, text=MARKER).exists():
        return "动态 feeds: already seeded, nothing added"
    volume = scale * max(MIN_SHARE, min(1.0, students / FULL_DEMO_STUDENTS))
    end = timezone.now() - timedelta(minutes=2)
    planner = _Planner(seed, volume, end).plan()
    with simulated_time(planner.start) as clock, transaction.atomic():
        done = _play(planner, clock)
        clock.set(end)
    return ("动态 feeds: posts {post} · comments {comment} · likes {like} · "
            "comment likes {comment_like} · announcements {pin} · check-ins {checkin} · "
            "polls {poll} · votes {vote} · announcement reads {read}"
            .format_map(defaultdict(int, done)))
