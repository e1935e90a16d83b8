"""Demo content for messages (私信 and 群聊), registered with yiban_core.demo.contributors.

A week of chat, played through the real services (open_direct, open_group_chat,
send_message, mark_read) in time order under a simulated clock, so unread counts,
the inbox order and message requests are right by construction:

- demo_student talks with a few classmates (作业, 复习, 约自习, 借笔记, 社团); two
  of those conversations end with messages she has not read yet (the 私信 badge);
- a student of another school she does not know sends her a message request;
- the class group's 群聊 has a few lively days, demo_teacher speaking too; she has
  read it up to a few hours ago;
- other students talk among themselves (a few hundred messages at full scale).

Drawn from random.Random(f"{seed}:messages"), so the same seed gives the same chat.
Idempotent: demo_teacher's last word in the class chat (MARKER) is written last; when
it is there, nothing is added.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from messages import rules, services
from messages.models import Message
from yiban_core.accounts.models import Follow, User
from yiban_core.actor import Actor
from yiban_core.demo import data
from yiban_core.demo.cast import Cast, demo_cast
from yiban_core.demo.contributors import simulated_time
from yiban_core.errors import DomainError
from yiban_core.groups.models import Group, Membership

BASE_OTHER_MESSAGES = 300  # among other students, at full scale
FULL_DEMO_STUDENTS = 600
MIN_SHARE = 0.2
DAYS = 7

MARKER = "明天上午的复习课别迟到，带上课本和错题本，有问题今晚群里问我。"

PLACES = ("图书馆三楼", "一教", "三教", "自习室", "学生活动中心", "二食堂")
GENERAL_COURSES = ("高等数学", "线性代数", "大学英语", "大学物理", "概率论")

# demo_student's conversations: (theme, days ago, hour, lines, read by her at the end).
# A line is ("them" | "me", text); "them" is the classmate. {club}: one of her clubs.
MY_CHATS = (
    ("作业", 6, 21, (
        ("them", "数据结构第六章的作业你写完了吗？"),
        ("me", "写了一半，第 5 题二叉树的非递归遍历有点绕"),
        ("them", "我也卡在第 5 题了😭"),
        ("me", "用栈模拟一下就好，我晚上整理好思路发你"),
        ("them", "好嘞，谢谢！明天请你喝奶茶"),
        ("me", "哈哈一言为定"),
    ), True),
    ("约自习", 3, 20, (
        ("me", "明天去图书馆三楼自习吗？"),
        ("them", "去！几点？"),
        ("me", "七点半吧，去晚了就没位置了"),
        ("them", "行，我早点到帮你占个靠窗的"),
        ("me", "爱你，我带早饭"),
    ), True),
    ("社团", 2, 12, (
        ("them", "周六{club}外出活动去湖边，你来吗？"),
        ("me", "来！要带什么吗？"),
        ("them", "带手机或者相机都行，下午两点活动中心门口集合"),
        ("them", "记得穿运动鞋，要走挺远"),
    ), True),
    ("借笔记", 0, 0, (
        ("them", "上周四的线代课我请假了，能借一下你的笔记吗？"),
        ("me", "可以呀，我拍照发你"),
        ("me", "第三章的都在这几页了，字有点乱，看不懂问我"),
        ("them", "收到！字好好看"),
        ("them", "特征值那部分我再看看，下次请你吃饭～"),
    ), False),
    ("复习", 0, 0, (
        ("me", "高数复习到哪了？"),
        ("them", "第三章，中值定理的证明题好难"),
        ("them", "老师说必考一道证明，泰勒公式和洛必达也是重点"),
        ("them", "明天要不要一起刷往年题？"),
    ), False),
)
REQUEST_TEXT = ("你好，我是{school}的，刷到你发的复习动态，想问问数据结构期末的复习提纲"
                "方便分享一下吗？谢谢！")

# Threads of the class chat: ("teacher" | "student", text); a student line is said by a
# classmate (now and then by demo_student).
CLASS_THREADS = (
    (("student", "明天的数据结构实验课在哪个机房？"), ("student", "4-203，老师周五发了通知"),
     ("student", "谢谢～")),
    (("teacher", "第 6 章的作业下周一前交给学习委员，别忘了。"), ("student", "收到"),
     ("student", "收到老师"), ("student", "好的老师")),
    (("student", "有人有上次课的 PPT 吗"), ("student", "群文件里有，第 7 章那个"),
     ("student", "找到了，感谢")),
    (("student", "今晚谁去图书馆？帮我占个座🙏"), ("student", "我在三楼，旁边还有空位"),
     ("student", "冲了")),
    (("student", "班费还没交的同学今天找我一下哈"), ("student", "我晚上转你"),
     ("student", "我也还没，马上转")),
    (("student", "考试范围是到第几章？"), ("teacher", "到第 8 章，第 9 章不考。"),
     ("student", "太好了"), ("student", "谢谢老师！")),
    (("student", "二食堂今天的糖醋里脊绝了"), ("student", "哪个窗口？"),
     ("student", "二楼最里面那个"), ("student", "明天就去")),
    (("student", "运动会 4×100 还差一个人，有人报吗"), ("student", "我来！"),
     ("student", "好耶，周四下午操场练习")),
    (("teacher", "期末复习课的时间投票已经发在群里了，大家记得投一下。"), ("student", "收到"),
     ("student", "已投")),
    (("student", "第 5 题的答案是 O(n log n) 吗"), ("student", "我算的也是"),
     ("student", "最坏情况是 O(n²) 吧，要看基准怎么选"), ("student", "有道理")),
    (("student", "下周三体测，记得带校园卡"), ("student", "1000 米我已经开始怕了")),
    (("student", "有没有人一起组队数学建模校赛"), ("student", "我我我，会 Python"),
     ("student", "私聊你")),
    (("teacher", "这周四下午两点到四点我在实验楼 305 答疑，有问题可以来。"),
     ("student", "谢谢老师"), ("student", "老师，红黑树的删除会考吗？"),
     ("teacher", "会考思路，不要求写完整代码。")),
    (("student", "复习提纲我整理好了，发群文件了"), ("student", "班长太强了"),
     ("student", "救命稻草")),
)
RECENT_THREADS = 2  # the last threads: after demo_student last read the chat

# Other students' conversations: (first speaker, second) alternate, "a" opens.
OTHER_CHATS = (
    ("明天{course}课要交作业吗？", "要，周三晚上之前交电子版", "好的，谢谢提醒"),
    ("在吗？借一下你的{course}笔记", "在的，拍给你", "收到，感谢！", "客气啥"),
    ("晚上去{place}自习吗", "去，几点", "七点", "好，我帮你占座"),
    ("你四级报名了吗", "报了，你呢", "还没，今天截止吗？", "明天中午截止，抓紧"),
    ("周末回家吗", "不回，要复习", "那一起去{place}吧", "可以"),
    ("快递帮我拿一下呗，菜鸟驿站", "取件码发我", "3-2-1057", "拿到了，放你桌上了",
     "爱你"),
    ("{course}的实验报告怎么写啊", "照着模板来，数据记得附上", "懂了，谢谢"),
    ("今天的课点名了吗", "点了，我帮你说你去医务室了", "救命，下次请你吃饭"),
    ("社团招新的海报做好了吗", "还差一点，今晚发你", "好，明天要打印"),
    ("一起去食堂吗", "走，二食堂", "五分钟后楼下见"),
)


@dataclass
class _Event:
    at: datetime
    kind: str  # send, read
    actor_id: int
    key: tuple  # ("direct", low, high) or ("group", group_id)
    text: str = ""


class _Planner:
    def __init__(self, cast: Cast, seed: int, volume: float, end: datetime):
        self.cast = cast
        self.rng = random.Random(f"{seed}:messages")
        self.volume = volume
        self.end = end
        self.start = end - timedelta(days=DAYS)
        self.events: list[_Event] = []
        self.users: dict[int, User] = {}

    def _user(self, pk: int) -> User:
        if pk not in self.users:
            self.users[pk] = User.objects.get(pk=pk)
        return self.users[pk]

    def _at(self, days_ago: int, hour: int) -> datetime:
        day = timezone.localtime(self.end) - timedelta(days=days_ago)
        at = day.replace(hour=hour, minute=self.rng.randint(0, 40), second=0, microsecond=0)
        return min(at, self.end - timedelta(hours=3))

    def _conversation(self, key: tuple, speakers: list[int], lines, at: datetime) -> datetime:
        for speaker, text in zip(speakers, lines, strict=True):
            self.events.append(_Event(at=at, kind="send", actor_id=speaker, key=key, text=text))
            at += timedelta(minutes=self.rng.randint(1, 6), seconds=self.rng.randint(0, 59))
        return at

    def plan(self) -> _Planner:
        self._mine()
        self._class_chat()
        self._others()
        self.events.sort(key=lambda e: e.at)
        return self

    def _mine(self):
        cast, rng = self.cast, self.rng
        me = cast.student.pk
        friends = rng.sample(cast.classmates, min(len(cast.classmates), len(MY_CHATS)))
        clubs = list(Membership.objects.filter(user=cast.student,
                                               group__kind=Group.Kind.INTEREST)
                     .order_by("group_id").values_list("group_id", "group__name"))
        recent = self.end - timedelta(hours=2, minutes=10)
        for (theme, days_ago, hour, lines, read), friend in zip(MY_CHATS, friends, strict=False):
            if theme == "社团" and clubs:
                club_id, club = clubs[0]
                mates = list(Membership.objects.filter(group_id=club_id, user__is_active=True)
                             .exclude(user=cast.student).order_by("user_id")
                             .values_list("user_id", flat=True))
                friend = rng.choice(mates) if mates else friend
            else:
                club = "摄影社"
            if days_ago:
                at = self._at(days_ago, hour)
            else:  # today's, an hour apart, over before the seed's "now"
                at, recent = recent, recent + timedelta(hours=1)
            key = ("direct", *sorted((me, friend)))
            speakers = [friend if who == "them" else me for who, _ in lines]
            at = self._conversation(key, speakers, [t.format(club=club) for _, t in lines], at)
            if read:
                self.events.append(_Event(at=at + timedelta(minutes=5), kind="read",
                                          actor_id=me, key=key))
        stranger = self._stranger()
        if stranger is not None:
            school = stranger.school.name if stranger.school_id else ""
            self.events.append(_Event(
                at=self.end - timedelta(hours=5, minutes=rng.randint(0, 60)), kind="send",
                actor_id=stranger.pk, key=("direct", *sorted((me, stranger.pk))),
                text=REQUEST_TEXT.format(school=school)))

    def _stranger(self) -> User | None:
        """A student she does not follow, who shares no group with her: a message request."""
        student = self.cast.student
        shared = Membership.objects.filter(group__memberships__user=student).values("user_id")
        follows = Follow.objects.filter(follower=student).values("followee_id")
        candidates = list(User.objects.filter(role=User.Role.STUDENT, is_active=True)
                          .exclude(pk=student.pk).exclude(pk__in=shared)
                          .exclude(pk__in=follows).exclude(school=student.school_id)
                          .exclude(school__isnull=True).select_related("school")
                          .order_by("pk")[:200])
        self.rng.shuffle(candidates)
        for person in candidates[:20]:
            if rules.contact_route(person, student) == rules.REQUEST:
                return person
        return None

    def _class_chat(self):
        cast, rng = self.cast, self.rng
        key = ("group", cast.class_group.pk)
        if not cast.classmates:
            return
        n = len(CLASS_THREADS)
        recent_from = self.end - timedelta(hours=2)
        for i, thread in enumerate(CLASS_THREADS):
            if i < n - RECENT_THREADS:  # spread over the past three days, in waking hours
                day = (n - RECENT_THREADS - i - 1) * 3 // (n - RECENT_THREADS)
                at = self._at(day + 1, rng.choice((9, 12, 13, 18, 20, 21, 22)))
            else:
                at = recent_from + timedelta(minutes=20 * (i - (n - RECENT_THREADS)))
            speakers: list[int] = []
            for k, (who, _) in enumerate(thread):
                if who == "teacher":
                    speaker = cast.teacher.pk
                elif (k and i < n - RECENT_THREADS and cast.student.pk not in speakers
                      and rng.random() < 0.15):
                    speaker = cast.student.pk  # she answers now and then, never opens
                else:  # someone who has not spoken in the thread yet
                    speaker = rng.choice([u for u in cast.classmates if u not in speakers]
                                         or cast.classmates)
                speakers.append(speaker)
            self._conversation(key, speakers, [t for _, t in thread], at)
        # She read the chat a little before its latest threads.
        self.events.append(_Event(at=recent_from - timedelta(minutes=10), kind="read",
                                  actor_id=cast.student.pk, key=key))
        # Last: the marker of a finished run.
        self.events.append(_Event(at=self.end - timedelta(minutes=3), kind="send",
                                  actor_id=cast.teacher.pk, key=key, text=MARKER))

    def _others(self):
        rng = self.rng
        target = round(BASE_OTHER_MESSAGES * self.volume)
        demo = set(User.objects.filter(username__in=data.DEMO_LOGINS).values_list("pk", flat=True))
        by_group: dict[int, list[int]] = defaultdict(list)
        for group_id, user_id in (Membership.objects
                                  .filter(group__kind__in=(Group.Kind.CLASS, Group.Kind.INTEREST),
                                          user__role=User.Role.STUDENT, user__is_active=True)
                                  .order_by("group_id", "user_id")
                                  .values_list("group_id", "user_id")):
            if user_id not in demo:
                by_group[group_id].append(user_id)
        groups = sorted(g for g, members in by_group.items() if len(members) >= 2)
        if not groups:
            return
        courses = [c for spec in data.SCHOOLS for _, _, c in spec.majors]
        pairs: set[tuple[int, int]] = set()
        sent = 0
        for _ in range(target):  # at most this many tries
            if sent >= target:
                break
            a, b = rng.sample(by_group[rng.choice(groups)], 2)
            if tuple(sorted((a, b))) in pairs:
                continue
            pairs.add(tuple(sorted((a, b))))
            lines = [line.format(course=rng.choice(courses + list(GENERAL_COURSES)),
                                 place=rng.choice(PLACES)) for line in rng.choice(OTHER_CHATS)]
            at = self.start + (self.end - self.start - timedelta(hours=1)) * rng.random()
            hour = timezone.localtime(at).hour
            if hour < 7:  # in waking hours
                at += timedelta(hours=8 - hour)
            self._conversation(("direct", *sorted((a, b))),
                               [(a, b)[k % 2] for k in range(len(lines))], lines, at)
            sent += len(lines)


def _play(planner: _Planner, clock) -> dict[str, int]:
    conversations: dict[tuple, int] = {}
    done: dict[str, int] = defaultdict(int)
    for event in planner.events:
        clock.set(event.at)
        user = planner._user(event.actor_id)
        actor = Actor.for_user(user)
        try:
            if event.key not in conversations:
                if event.key[0] == "group":
                    chat = services.open_group_chat(actor=actor, group_id=event.key[1])
                else:
                    other = next(pk for pk in event.key[1:] if pk != user.pk)
                    chat = services.open_direct(actor=actor,
                                                username=planner._user(other).username)
                conversations[event.key] = chat.pk
            if event.kind == "send":
                services.send_message(actor=actor, conversation_id=conversations[event.key],
                                      text=event.text)
            else:
                services.mark_read(actor=actor, conversation_id=conversations[event.key])
            done[event.kind] += 1
        except DomainError:
            done["skipped"] += 1
    done["conversations"] = len(conversations)
    return done


def contribute(*, stdout, seed: int, students: int, scale: float) -> str | None:
    """A week of 私信 and 群聊 around demo_student, and among other students."""
    cast = demo_cast()
    if cast is None:
        return None
    if Message.objects.filter(sender=cast.teacher, text=MARKER,
                              conversation__group=cast.class_group).exists():
        return "私信 messages: already seeded, nothing added"
    volume = scale * max(MIN_SHARE, min(1.0, students / FULL_DEMO_STUDENTS))
    end = timezone.now() - timedelta(minutes=1)
    planner = _Planner(cast, seed, volume, end).plan()
    with simulated_time(planner.start) as clock, transaction.atomic():
        done = _play(planner, clock)
        clock.set(end)
    return ("私信 messages: conversations {conversations} · messages {send} · read {read} · "
            "skipped {skipped}".format_map(defaultdict(int, done)))

