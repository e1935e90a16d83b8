"""A realistic campus network for the feed benchmark, planned in memory and written with COPY.

Shape, at the default 10,000 users and 200,000 posts:

- schools of very different sizes (55 %, 22 %, 14 % and 9 % of the users), so
  the official group of the largest school has 5,000+ members and the others
  from several hundred to a few thousand; 96 % of the students are verified
  (学号) and so members of their school's official group, with the teachers;
- class groups (班级群, private, join code) of 30 to 60 students each; interest
  groups per school and a few national ones, one to three per student; and per
  school a campus wall (校园墙, public) that 96 % of its students join: the
  largest is a 5,000+ member group that is fanned out on write (a school's
  official group is merged at read time instead);
- follows with heavy tails on both sides: how many people a user follows is
  log-normal (median about 12, a few follow hundreds), how many follow a user
  comes from a Pareto popularity, so a few students, teachers and the school
  staff gather thousands of followers while most have a handful;
- posts over the last 120 days, ids in time order, with Chinese text (topics
  #话题# in about a quarter, links now and then), heavy-tailed authorship,
  about 30 % in groups (class groups most), the rest public, school or
  followers only; 4 % of the public ones are reposts; likes are real rows and
  every counter (likes, reposts, followers, members, topic posts) is computed
  from the rows, so the data satisfies the same invariants as the services keep.

Everything is deterministic for a given seed. It writes the models' tables
directly (COPY), not through the services: a data loader is not a user action.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
import string
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone
from psycopg import sql

from feeds.models import Post, PostLike, PostTopic, Topic, Visibility
from feeds.text import normalize_topic
from yiban_core.accounts.models import Follow, Profile, School, User
from yiban_core.demo import data
from yiban_core.groups.models import Group, Membership

SCHOOL_SHARES = (0.55, 0.22, 0.14, 0.09)
VERIFIED_SHARE = 0.96
WALL_SHARE = 0.96  # students in their school's campus wall group
CLASS_SIZE = (30, 60)
GROUP_POST_SHARE = 0.30
GROUP_POST_KINDS = {"class": 0.55, "interest": 0.40, "school": 0.05}
PUBLIC, SCHOOL, FOLLOWERS, GROUP = (str(v.value) for v in (
    Visibility.PUBLIC, Visibility.SCHOOL, Visibility.FOLLOWERS, Visibility.GROUP))
VISIBILITY_MIX = ((PUBLIC, 0.55), (SCHOOL, 0.30), (FOLLOWERS, 0.15))
REPOST_SHARE = 0.04
TOPIC_SHARE = 0.25
DAYS = 120

# --- Chinese post text ---------------------------------------------------------------

COURSES = ("高等数学", "线性代数", "大学物理", "数据结构", "操作系统", "马原", "大学英语",
           "概率论与数理统计", "C语言程序设计", "电路分析", "有机化学", "微观经济学",
           "计算机网络", "机械制图", "基础护理技术", "民法总论")
PLACES = ("图书馆三楼", "二食堂", "东区操场", "实验楼", "宿舍楼下", "通宵自习室", "南门奶茶店",
          "体育馆", "教学楼A座", "校史馆", "学生活动中心", "西门快递站")
FOODS = ("麻辣烫", "黄焖鸡米饭", "煎饼果子", "螺蛳粉", "红烧肉盖饭", "烤冷面", "酸菜鱼",
         "热干面", "兰州拉面", "杨枝甘露")
TIMES = ("早上七点", "上午十点", "中午", "下午两点", "下午四点半", "晚上七点", "晚上九点",
         "周六上午", "周日晚上", "明天")
SPORTS = ("篮球", "羽毛球", "乒乓球", "排球", "足球")
TOPICS = ("期末复习", "考研", "四六级", "校园生活", "今日打卡", "社团招新", "食堂测评",
          "毕业季", "实习求职", "运动会", "开学季", "技能大赛", "志愿服务", "读书分享",
          "摄影日常", "专升本", "宿舍日常", "保研", "军训", "图书馆占座")
TEMPLATES = (
    "今天在{place}自习了一整天，{course}终于看完第{n}章了，明天继续！",
    "有没有同学一起复习{course}？{place}占了位置，{time}见～",
    "{food}yyds！{place}附近新开的店，推荐大家去试试。",
    "{course}的作业也太难了吧，第{n}题有人会吗？求思路🙏",
    "{time}在{place}有{hobby}活动，感兴趣的同学可以来玩～",
    "早起打卡第{n}天，{time}的校园真安静。",
    "刚考完{course}，感觉还行，希望不挂科😭",
    "{city}今天下雨了，记得带伞。{place}门口积水有点深。",
    "求推荐{course}的参考书，老师推荐的那本看不太懂。",
    "{hobby}活动圆满结束，谢谢大家参与！照片稍后发群里。",
    "四六级报名开始了，大家别忘了在{time}之前报名。",
    "实验报告终于写完了，{course}实验真的要做到{time}。",
    "分享一个学习方法：每天{n}个番茄钟，坚持一个月效果明显。",
    "{place}的{food}涨价了，学生党表示压力很大。",
    "周末去{city}玩了一圈，{hobby}爱好者的天堂！",
    "宿舍停电了，只能去{place}蹭空调学{course}。",
    "班会通知：本周{time}在{place}开班会，请大家准时参加。",
    "奖学金评定材料请在本周五前交给班长，逾期不候。",
    "找到一个超好用的{course}网课，B站搜一下就有。",
    "期中成绩出来了，{course}比预想的好一点，继续加油💪",
    "运动会报名开始啦，{sport}项目还差{n}个人！",
    "今天的{course}课老师讲得特别好，终于听懂了。",
    "图书馆的座位太难抢了，{time}去都没位置了。",
    "有没有人{time}一起去{place}打{sport}？",
    "考研倒计时{n}天，{course}一轮复习完成。",
    "实习面试通过了！感谢学长学姐的内推，{city}见。",
    "食堂新菜{food}测评：{n}分，值得一试。",
    "今天参加了志愿服务活动，陪社区的老人聊天，很有意义。",
    "选课系统又崩了……{course}没抢到😢",
    "{hobby}社团本周{time}活动改到{place}，请互相转告。",
    "关于{course}期末考试安排的通知：时间{time}，地点{place}，请带好学生证。",
    "来自{hometown}的同学有吗？寒假一起拼车回家～",
)
TAILS = ("", "", "", "", " 大家加油！", " 冲冲冲！", " 有一起的吗？", " 哈哈哈",
         " 好累但是很充实。", " 详情见 https://www.example.edu.cn/notice/{n}")
REPOST_TEXTS = ("", "转发", "说得太对了", "mark一下", "转给需要的同学", "同问！", "支持👍")


class Texts:
    def __init__(self, rng: random.Random):
        self.rng = rng

    def post(self, city: str) -> tuple[str, str | None]:
        """A post's text and the topic it names, if any."""
        rng = self.rng
        n = rng.randint(1, 99)
        text = rng.choice(TEMPLATES).format(
            place=rng.choice(PLACES), course=rng.choice(COURSES), food=rng.choice(FOODS),
            time=rng.choice(TIMES), hobby=rng.choice(data.HOBBIES), sport=rng.choice(SPORTS),
            hometown=rng.choice(data.HOMETOWNS), city=city, n=n,
        ) + rng.choice(TAILS).format(n=n * 37)
        topic = None
        if rng.random() < TOPIC_SHARE:
            topic = rng.choice(TOPICS)
            text = f"#{topic}# {text}" if rng.random() < 0.5 else f"{text} #{topic}#"
        return text, topic


# --- the plan --------------------------------------------------------------------------


@dataclass
class Network:
    """What the benchmark needs to know about the data it built (ids are database ids)."""

    users: int = 0
    posts: int = 0
    school_of: list[int | None] = field(default_factory=lambda: [None])  # by user id
    role_of: list[str] = field(default_factory=lambda: [""])
    following: list[int] = field(default_factory=lambda: [0])  # by user id
    followers: list[int] = field(default_factory=lambda: [0])
    groups_of: dict[int, list[int]] = field(default_factory=dict)  # user -> groups
    members_of: dict[int, list[int]] = field(default_factory=dict)  # group -> users
    managers_of: dict[int, list[int]] = field(default_factory=dict)
    kind_of: dict[int, str] = field(default_factory=dict)  # group -> kind
    school_group_of: dict[int, int] = field(default_factory=dict)  # school -> group
    stats: dict[str, object] = field(default_factory=dict)


def _names(rng: random.Random):
    surnames = [s for s, _ in data.SURNAMES]
    cum = list(itertools.accumulate(w for _, w in data.SURNAMES))

    def name() -> tuple[str, str]:
        surname = surnames[bisect.bisect(cum, rng.random() * cum[-1])]
        male = rng.random() < 0.5
        roll = rng.random()
        if roll < 0.55:
            given = rng.choice(data.GIVEN_NAMES_MALE if male else data.GIVEN_NAMES_FEMALE)
        else:
            chars = data.GIVEN_CHARS_MALE if male else data.GIVEN_CHARS_FEMALE
            given = rng.choice(chars) + (rng.choice(chars) if roll < 0.85 else "")
        return surname, given

    return name


def _class_sizes(students: int, rng: random.Random) -> list[int]:
    sizes, remaining = [], students
    lo, hi = CLASS_SIZE
    while remaining > 0:
        size = rng.randint(lo, hi)
        if remaining <= hi or remaining - size < lo:
            # The last class (or the last two) must stay within 30..60 too.
            size = remaining if remaining <= hi else remaining - lo
        sizes.append(size)
        remaining -= size
    return sizes


def _pick(rng: random.Random, items: list[int], cum: list[float]) -> int:
    return items[bisect.bisect(cum, rng.random() * cum[-1])]


class _Builder:
    def __init__(self, users: int, posts: int, seed: int):
        self.n_users, self.n_posts, self.seed = users, posts, seed
        self.net = Network()
        self.now = timezone.now().replace(microsecond=0)
        self.rows: dict[str, list[tuple]] = {k: [] for k in (
            "school", "user", "profile", "admin", "group", "member", "follow", "topic",
            "post", "like", "post_topic")}
        self.memberships: list[tuple[int, int, str]] = []  # group, user, role
        self.group_rows: list[dict] = []
        self.popularity: list[float] = [0.0]
        self.activity: list[float] = [0.0]
        self.classmates: dict[int, list[int]] = {}
        self.join_codes: set[str] = set()

    # users, schools and groups ----------------------------------------------------------

    def _user(self, *, username, display, surname, given, role, school_id, number, verified,
              joined, bio, major="", year=None, popularity=1.0, activity=1.0) -> int:
        uid = len(self.net.school_of)
        self.rows["user"].append(dict(
            id=uid, username=username, display_name=display, last_name=surname,
            first_name=given, role=role, school_id=school_id,
            member_number=number if verified else None,
            verified_at=joined + timedelta(days=2) if verified else None, date_joined=joined))
        self.rows["profile"].append((uid, uid, bio, major, year))
        self.net.school_of.append(school_id)
        self.net.role_of.append(role)
        self.popularity.append(popularity)
        self.activity.append(activity)
        return uid

    def _group(self, *, kind, school_id, name, description, owner, private=False,
               policy="open") -> int:
        gid = len(self.group_rows) + 1
        code = None
        if kind == "class":
            while code is None or code in self.join_codes:
                code = "".join(self.rng.choices(string.ascii_uppercase + string.digits, k=8))
            self.join_codes.add(code)
        self.group_rows.append(dict(id=gid, kind=kind, school_id=school_id, name=name,
                                    description=description, is_private=private,
                                    join_policy=policy, join_code=code, owner_id=owner))
        self.net.kind_of[gid] = kind
        self.net.members_of[gid] = []
        self.net.managers_of[gid] = []
        self._join(gid, owner, "owner")
        return gid

    def _join(self, gid: int, uid: int, role: str = "member") -> None:
        self.memberships.append((gid, uid, role))
        self.net.members_of[gid].append(uid)
        self.net.groups_of.setdefault(uid, []).append(gid)
        if role != "member":
            self.net.managers_of[gid].append(uid)

    def people_and_groups(self) -> None:
        rng = self.rng = random.Random(f"{self.seed}:people")
        name = _names(rng)
        shares = SCHOOL_SHARES
        left = self.n_users
        national_owner_pool: list[int] = []
        clubs_by_school: dict[int, list[tuple[int, data.ClubSpec]]] = {}
        for si, share in enumerate(shares):
            spec = data.SCHOOLS[si]
            sid = si + 1
            self.rows["school"].append((sid, spec.name, spec.short_name, spec.kind, spec.city,
                                        self.now))
            size = left if si == len(shares) - 1 else round(self.n_users * share)
            left -= size
            teachers_n = max(6, size // 60)
            students = size - 2 - teachers_n
            joined = self.now - timedelta(days=800)
            staff = []
            for k in range(2):
                s, g = name()
                staff.append(self._user(
                    username=f"{spec.code}_admin{k + 1}", display=f"{s}{g}", surname=s,
                    given=g, role="staff", school_id=sid, number=f"9{k:04d}", verified=True,
                    joined=joined, bio=data.STAFF_BIO.format(school=spec.name),
                    popularity=40.0, activity=3.0))
                self.rows["admin"].append((sid, staff[-1]))
            teachers = []
            for k in range(teachers_n):
                s, g = name()
                major, department, course = spec.majors[k % len(spec.majors)]
                teachers.append(self._user(
                    username=f"{spec.code}_t{k + 1:03d}", display=f"{s}{g}老师", surname=s,
                    given=g, role="teacher", school_id=sid, number=f"T{k:04d}", verified=True,
                    joined=joined, major=major,
                    bio=rng.choice(data.TEACHER_BIOS).format(
                        school=spec.name, department=department, course=course,
                        year=rng.choice(spec.years)),
                    popularity=6.0 * rng.paretovariate(1.3), activity=2.0))
            national_owner_pool.append(teachers[-1])
            official = self._group(
                kind="school", school_id=sid, name=f"{spec.name}官方群",
                description=f"{spec.name}易班官方群：通知公告、校园活动和认证服务。",
                owner=staff[0])
            self.net.school_group_of[sid] = official
            self._join(official, staff[1], "admin")
            for t in teachers:
                self._join(official, t)
            clubs = []
            for ci, club in enumerate(c for c in data.CLUBS
                                      if not c.vocational_only or spec.kind == "vocational"):
                gid = self._group(kind="interest", school_id=sid,
                                  name=f"{spec.short_name}{club.name}",
                                  description=club.description, owner=teachers[ci % teachers_n],
                                  private=club.is_private, policy=club.join_policy)
                clubs.append((gid, club))
            clubs_by_school[sid] = clubs
            # The campus wall (校园墙): nearly every student of the school is in it.
            wall = self._group(kind="interest", school_id=sid, name=f"{spec.short_name}校园墙",
                               description="失物招领、二手交易、表白和吐槽，全校同学都在这里。",
                               owner=staff[1])
            cohorts = [(m, y) for y in spec.years for m in range(len(spec.majors))]
            rng.shuffle(cohorts)
            numbers: Counter = Counter()
            bios = data.STUDENT_BIOS + (data.VOCATIONAL_BIOS if spec.kind == "vocational"
                                        else data.UNIVERSITY_BIOS)
            for ci, class_size in enumerate(_class_sizes(students, rng)):
                major_i, year = cohorts[ci % len(cohorts)]
                numbers[(major_i, year)] += 1
                number = numbers[(major_i, year)]
                major = spec.majors[major_i][0]
                seats = []
                for seat in range(1, class_size + 1):
                    s, g = name()
                    xh = f"{year}{major_i + 1:02d}{number:02d}{seat:02d}"
                    seats.append(self._user(
                        username=f"{spec.code}{xh}", display=f"{s}{g}", surname=s, given=g,
                        role="student", school_id=sid, number=xh,
                        verified=rng.random() < VERIFIED_SHARE,
                        joined=self.now - timedelta(days=rng.randint(30, 700)),
                        bio=rng.choice(bios).format(
                            major=major, year=year, city=spec.city, short=spec.short_name,
                            hobby=rng.choice(data.HOBBIES),
                            hometown=rng.choice(data.HOMETOWNS),
                            target=rng.choice(data.KAOYAN_TARGETS)),
                        major=major, year=year, popularity=rng.paretovariate(1.3),
                        activity=rng.paretovariate(1.5)))
                gid = self._group(
                    kind="class", school_id=sid, name=f"{major}{year}级{number}班",
                    description=f"{spec.name}{major}专业{year}级{number}班班级群。",
                    owner=teachers[(ci * 7) % teachers_n], private=True, policy="code")
                for k, uid in enumerate(seats):
                    self._join(gid, uid, "admin" if k == 0 else "member")
                    self.classmates[uid] = seats
                    if self.rows["user"][uid - 1]["verified_at"] is not None:
                        self._join(official, uid)
                    if rng.random() < WALL_SHARE:
                        self._join(wall, uid, "admin" if len(self.net.members_of[wall]) < 4
                                   else "member")
                    how_many = rng.choices((0, 1, 2, 3), weights=(20, 35, 30, 15))[0]
                    chosen = {g for g, _ in rng.choices(
                        clubs, weights=[c.popularity for _, c in clubs], k=how_many)}
                    for g in sorted(chosen):
                        self._join(g, uid, "admin" if len(self.net.members_of[g]) < 3
                                   else "member")
        for ni, club in enumerate(data.NATIONAL_CLUBS):
            gid = self._group(kind="interest", school_id=None, name=club.name,
                              description=club.description,
                              owner=national_owner_pool[ni % len(national_owner_pool)],
                              private=club.is_private, policy=club.join_policy)
            for uid in range(1, len(self.net.school_of)):
                if self.net.role_of[uid] == "student" and rng.random() < 0.03 * club.popularity:
                    self._join(gid, uid)
        self.net.users = len(self.net.school_of) - 1

    def follows(self) -> None:
        rng = random.Random(f"{self.seed}:follows")
        n = self.net.users
        ids = list(range(1, n + 1))
        cum_all = list(itertools.accumulate(self.popularity[1:]))
        by_school: dict[int, tuple[list[int], list[float]]] = {}
        for uid in ids:
            items, weights = by_school.setdefault(self.net.school_of[uid], ([], []))
            items.append(uid)
            weights.append(self.popularity[uid])
        by_school = {s: (items, list(itertools.accumulate(w)))
                     for s, (items, w) in by_school.items()}
        following = [0] * (n + 1)
        followers = [0] * (n + 1)
        created = self.now - timedelta(days=DAYS + 30)
        rows = self.rows["follow"]
        for uid in ids:
            role = self.net.role_of[uid]
            if role == "student":
                wanted = min(500, max(1, int(rng.lognormvariate(math.log(12), 0.9))))
            elif role == "teacher":
                wanted = rng.randint(3, 25)
            else:
                wanted = rng.randint(0, 5)
            wanted = min(wanted, n - 1)
            items, cum = by_school[self.net.school_of[uid]]
            mates = self.classmates.get(uid, ())
            chosen: set[int] = set()
            for _ in range(wanted * 3):
                if len(chosen) >= wanted:
                    break
                roll = rng.random()
                if roll < 0.25 and mates:
                    target = rng.choice(mates)
                elif roll < 0.85:
                    target = _pick(rng, items, cum)
                else:
                    target = _pick(rng, ids, cum_all)
                if target != uid:
                    chosen.add(target)
            for target in sorted(chosen):
                rows.append((uid, target, created + timedelta(minutes=rng.randint(0, 40000))))
                followers[target] += 1
            following[uid] = len(chosen)
        self.net.following, self.net.followers = following, followers

    # posts ---------------------------------------------------------------------------------

    def posts(self) -> None:
        rng = random.Random(f"{self.seed}:posts")
        texts = Texts(rng)
        net = self.net
        n = self.n_posts
        authors = list(range(1, net.users + 1))
        cum_activity = list(itertools.accumulate(self.activity[1:]))
        by_kind: dict[str, tuple[list[int], list[float]]] = {}
        for kind in GROUP_POST_KINDS:
            gids = [g for g, k in net.kind_of.items() if k == kind and net.members_of[g]]
            by_kind[kind] = (gids, list(itertools.accumulate(
                len(net.members_of[g]) ** 0.7 for g in gids)))
        kinds, kind_weights = zip(*GROUP_POST_KINDS.items(), strict=True)
        visibilities, vis_weights = zip(*VISIBILITY_MIX, strict=True)
        city = {i + 1: s.city for i, s in enumerate(data.SCHOOLS)}
        topic_ids = {name: i + 1 for i, name in enumerate(TOPICS)}
        topic_posts: Counter = Counter()
        like_count = [0] * (n + 1)
        repost_count = [0] * (n + 1)
        recent_public: list[int] = []
        start = self.now - timedelta(days=DAYS)
        step = timedelta(days=DAYS) / max(n, 1)
        rows, likes, post_topics = self.rows["post"], self.rows["like"], self.rows["post_topic"]
        group_posts = reposts = 0
        for pid in range(1, n + 1):
            created = start + step * pid
            group_id = repost_of = None
            if rng.random() < GROUP_POST_SHARE:
                kind = rng.choices(kinds, kind_weights)[0]
                gids, cum = by_kind[kind]
                group_id = _pick(rng, gids, cum)
                pool = net.managers_of[group_id] if kind == "school" else net.members_of[group_id]
                author = rng.choice(pool)
                visibility = GROUP
                group_posts += 1
            else:
                author = _pick(rng, authors, cum_activity)
                visibility = rng.choices(visibilities, vis_weights)[0]
            school = net.school_of[author]
            text, topic = texts.post(city.get(school, "北京"))
            if visibility == PUBLIC:
                if recent_public and rng.random() < REPOST_SHARE:
                    repost_of = rng.choice(recent_public)
                    repost_count[repost_of] += 1
                    text, topic = rng.choice(REPOST_TEXTS), None
                    reposts += 1
                else:
                    recent_public.append(pid)
                    if len(recent_public) > 3000:
                        del recent_public[:1000]
            if topic is not None:
                post_topics.append((pid, topic_ids[topic], created))
                topic_posts[topic] += 1
            likers = min(int(rng.paretovariate(1.6)) - 1, 300)
            for liker in rng.sample(authors, likers) if likers else ():
                likes.append((pid, liker, created + timedelta(minutes=rng.randint(1, 600))))
            like_count[pid] = likers
            rows.append([pid, author, text, visibility, group_id, school, repost_of, created])
        for row in rows:
            row += [like_count[row[0]], repost_count[row[0]]]
        self.rows["topic"] = [(topic_ids[t], t, normalize_topic(t), topic_posts[t], start)
                              for t in TOPICS]
        net.posts = n
        net.stats.update(group_posts=group_posts, reposts=reposts, likes=len(likes),
                         post_topics=len(post_topics))

    # writing -------------------------------------------------------------------------------

    def write(self) -> None:
        password = make_password(data.DEMO_PASSWORD)
        net = self.net
        with transaction.atomic():
            copy_rows(School, ["id", "name", "short_name", "kind", "city", "created_at"],
                      self.rows["school"])
            copy_rows(User, ["id", "password", "username", "display_name", "last_name",
                             "first_name", "email", "role", "school", "member_number",
                             "verified_at", "date_joined", "follower_count", "following_count",
                             "is_active", "is_staff", "is_superuser"],
                      ((u["id"], password, u["username"], u["display_name"], u["last_name"],
                        u["first_name"], "", u["role"], u["school_id"], u["member_number"],
                        u["verified_at"], u["date_joined"], net.followers[u["id"]],
                        net.following[u["id"]], True, False, False)
                       for u in self.rows["user"]))
            copy_rows(Profile, ["id", "user", "bio", "major", "enrolment_year"],
                      self.rows["profile"])
            copy_rows(School.administrators.through, ["school", "user"], self.rows["admin"])
            counts = Counter(g for g, _, _ in self.memberships)
            copy_rows(Group, ["id", "kind", "school", "name", "description", "is_private",
                              "join_policy", "join_code", "owner", "member_count", "created_at"],
                      ((g["id"], g["kind"], g["school_id"], g["name"], g["description"],
                        g["is_private"], g["join_policy"], g["join_code"], g["owner_id"],
                        counts[g["id"]], self.now - timedelta(days=700))
                       for g in self.group_rows))
            joined = self.now - timedelta(days=DAYS + 60)
            copy_rows(Membership, ["group", "user", "role", "joined_at"],
                      ((g, u, r, joined) for g, u, r in self.memberships))
            copy_rows(Follow, ["follower", "followee", "created_at"], self.rows["follow"])
            copy_rows(Topic, ["id", "name", "normalized", "post_count", "created_at"],
                      self.rows["topic"])
            copy_rows(Post, ["id", "author", "text", "visibility", "group", "school",
                             "repost_of", "created_at", "like_count", "repost_count"],
                      (tuple(r) for r in self.rows["post"]))
            copy_rows(PostLike, ["post", "user", "created_at"], self.rows["like"])
            copy_rows(PostTopic, ["post", "topic", "created_at"], self.rows["post_topic"])
            models = [School, User, Profile, School.administrators.through, Group, Membership,
                      Follow, Topic, Post, PostLike, PostTopic]
            with connection.cursor() as cursor:
                for statement in connection.ops.sequence_reset_sql(no_style(), models):
                    cursor.execute(statement)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        kinds = Counter(self.net.kind_of.values())
        school_sizes = sorted((counts[g] for g in net.school_group_of.values()), reverse=True)
        class_sizes = [counts[g] for g, k in net.kind_of.items() if k == "class"]
        net.stats.update(
            schools=len(self.rows["school"]), follows=len(self.rows["follow"]),
            memberships=len(self.memberships), class_groups=kinds["class"],
            interest_groups=kinds["interest"], school_group_sizes=school_sizes,
            class_group_size_range=(min(class_sizes), max(class_sizes)) if class_sizes else None,
        )


def _default(field):
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return timezone.now()
    return field.get_db_prep_save(field.get_default(), connection)


def copy_rows(model, fields: list[str], rows) -> int:
    """COPY `rows` (tuples in `fields` order) into the model's table.

    Other NOT NULL columns get their model default, so a field added later does
    not break the loader.
    """
    meta = model._meta
    given = [meta.get_field(name) for name in fields]
    extra = [f for f in meta.concrete_fields
             if f not in given and not f.primary_key and not f.null]
    tail = tuple(_default(f) for f in extra)
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(meta.db_table),
        sql.SQL(", ").join(sql.Identifier(f.column) for f in given + extra))
    count = 0
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(tuple(row) + tail)
            count += 1
    return count


def build(*, users: int, posts: int, seed: int, log) -> Network:
    builder = _Builder(users, posts, seed)
    steps = (("people and groups", builder.people_and_groups), ("follows", builder.follows),
             ("posts", builder.posts), ("COPY and ANALYZE", builder.write))
    for label, step in steps:
        started = time.perf_counter()
        step()
        log(f"  {label}: {time.perf_counter() - started:.1f}s")
    return builder.net
