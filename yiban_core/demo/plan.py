"""A deterministic plan of the demo network, built in memory before any write.

build_plan(students=N, seed=S) returns the same people, groups, memberships and
follows for the same (N, S), and is prefix-stable in N: the first N students of
a larger plan are exactly the students of the smaller one, with the same class,
clubs and follows. So seeding 600 users and later 10,000 tops the demo up
instead of reshuffling it.

How students are laid out: an endless sequence of class slots, round-robin over
the schools, each with a size drawn between 32 and 56. Students fill the slots
in order; a slot becomes a class group (计算机科学与技术2023级1班) once it has 30
students (the very first slot always does, since demo_student sits in it). The
学号 is year + major code + class number + seat, e.g. 2023010123.
"""

import bisect
import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from yiban_core.demo import data
from yiban_core.demo.data import SCHOOLS, ClubSpec, SchoolSpec

TEACHERS_PER_SCHOOL = 12
STAFF_PER_SCHOOL = 2
CLASS_SIZE = (32, 56)
MIN_CLASS_MEMBERS = 30
VERIFIED_SHARE = 0.88
PENDING_REQUEST_SHARE = 0.08


@dataclass
class PlannedUser:
    username: str
    display_name: str
    surname: str
    given_name: str
    role: str  # User.Role value
    school: str | None  # SchoolSpec.code
    member_number: str | None  # set only when verified
    date_joined: datetime
    verified_at: datetime | None = None
    bio: str = ""
    major: str = ""
    enrolment_year: int | None = None
    is_site_admin: bool = False


@dataclass
class PlannedGroup:
    kind: str  # Group.Kind value
    school: str | None
    name: str
    description: str
    owner: str  # username
    is_private: bool = False
    join_policy: str = "open"

    @property
    def key(self) -> tuple[str, str | None, str]:
        # A school has one official group whatever its name, so its key ignores the name.
        return (self.kind, self.school, "" if self.kind == "school" else self.name)


@dataclass
class Plan:
    students: int
    seed: int
    users: list[PlannedUser] = field(default_factory=list)
    school_admins: dict[str, list[str]] = field(default_factory=dict)
    groups: list[PlannedGroup] = field(default_factory=list)
    # (group key, username, role)
    memberships: list[tuple[tuple, str, str]] = field(default_factory=list)
    # (group key, username, message)
    join_requests: list[tuple[tuple, str, str]] = field(default_factory=list)
    # (follower username, followee username)
    follows: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class _Slot:
    school: SchoolSpec
    major_index: int
    year: int
    number: int
    size: int
    seats: list[str] = field(default_factory=list)  # usernames, seat 1 first

    @property
    def major(self) -> str:
        return self.school.majors[self.major_index][0]

    @property
    def name(self) -> str:
        return f"{self.major}{self.year}级{self.number}班"

    def member_number(self, seat: int) -> str:
        return f"{self.year}{self.major_index + 1:02d}{self.number:02d}{seat:02d}"


def _aware(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 9, 0, tzinfo=UTC)


class _Names:
    """Chinese names: a frequency-weighted surname and a one- or two-character given name."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.surnames = [s for s, _ in data.SURNAMES]
        self.cum = list(itertools.accumulate(w for _, w in data.SURNAMES))

    def __call__(self) -> tuple[str, str]:
        rng = self.rng
        surname = self.surnames[bisect.bisect(self.cum, rng.random() * self.cum[-1])]
        male = rng.random() < 0.5
        roll = rng.random()
        if roll < 0.55:
            given = rng.choice(data.GIVEN_NAMES_MALE if male else data.GIVEN_NAMES_FEMALE)
        else:
            chars = data.GIVEN_CHARS_MALE if male else data.GIVEN_CHARS_FEMALE
            given = rng.choice(chars) + (rng.choice(chars) if roll < 0.85 else "")
        return surname, given


def _school_slots(school: SchoolSpec, seed: int, first: bool) -> Iterator[tuple[int, int, int]]:
    """(major index, year, class number) for one school's classes, forever."""
    rng = random.Random(f"{seed}:cohorts:{school.code}")
    cohorts = [(m, y) for y in school.years for m in range(len(school.majors))]
    rng.shuffle(cohorts)
    if first:  # the demo class: 计算机科学与技术2023级1班
        cohorts.remove((0, 2023))
        cohorts.insert(0, (0, 2023))
    per_cohort = [rng.randint(2, 4) for _ in cohorts]
    for (major, year), count in zip(cohorts, per_cohort, strict=True):
        for number in range(1, count + 1):
            yield major, year, number
    for extra in itertools.count(1):
        for (major, year), count in zip(cohorts, per_cohort, strict=True):
            yield major, year, count + extra


def _slots(seed: int) -> Iterator[_Slot]:
    rng = random.Random(f"{seed}:slots")
    streams = [_school_slots(s, seed, i == 0) for i, s in enumerate(SCHOOLS)]
    for k in itertools.count():
        school = SCHOOLS[k % len(SCHOOLS)]
        major, year, number = next(streams[k % len(SCHOOLS)])
        yield _Slot(school, major, year, number, rng.randint(*CLASS_SIZE))


def _fill(template: str, rng: random.Random, **values) -> str:
    return template.format(
        hobby=rng.choice(data.HOBBIES), hometown=rng.choice(data.HOMETOWNS),
        target=rng.choice(data.KAOYAN_TARGETS), **values,
    )


def _clubs_for(school: SchoolSpec) -> list[ClubSpec]:
    return [c for c in data.CLUBS if not c.vocational_only or school.kind == "vocational"]


def build_plan(*, students: int, seed: int = 2026) -> Plan:
    plan = Plan(students=students, seed=seed)
    names = _Names(random.Random(f"{seed}:names"))
    teachers: dict[str, list[str]] = {}

    # --- staff and teachers: a fixed number per school, whatever N is -----------------
    for si, school in enumerate(SCHOOLS):
        rng = random.Random(f"{seed}:staff:{school.code}")
        admins = []
        for a in range(STAFF_PER_SCHOOL):
            surname, given = names()
            username = f"{school.code}_admin{a + 1}"
            joined = _aware(2023, 6, 1) + timedelta(days=rng.randint(0, 60))
            plan.users.append(PlannedUser(
                username=username, display_name=f"{surname}{given}", surname=surname,
                given_name=given, role="staff", school=school.code,
                member_number=f"{rng.randint(1995, 2020)}9{a:02d}", date_joined=joined,
                verified_at=joined, bio=data.STAFF_BIO.format(school=school.name),
            ))
            admins.append(username)
        plan.school_admins[school.code] = admins
        teachers[school.code] = []
        for t in range(TEACHERS_PER_SCHOOL):
            surname, given = names()
            major, department, course = school.majors[t % len(school.majors)]
            username = data.DEMO_TEACHER if (si, t) == (0, 0) else f"{school.code}_t{t + 1:02d}"
            joined = _aware(2023, 7, 1) + timedelta(days=rng.randint(0, 90))
            plan.users.append(PlannedUser(
                username=username, display_name=f"{surname}{given}", surname=surname,
                given_name=given, role="teacher", school=school.code,
                member_number=f"{rng.randint(1998, 2023)}{t:03d}", date_joined=joined,
                verified_at=joined + timedelta(days=1), major=major,
                bio=_fill(rng.choice(data.TEACHER_BIOS), rng, school=school.name,
                          department=department, course=course,
                          year=rng.choice(school.years)),
            ))
            teachers[school.code].append(username)
    plan.users.append(PlannedUser(
        username=data.DEMO_ADMIN, display_name="易班站点管理员", surname="", given_name="",
        role="admin", school=None, member_number=None, date_joined=_aware(2023, 5, 20),
        bio="演示站点的管理员账号。", is_site_admin=True,
    ))

    # --- groups whose existence does not depend on N ---------------------------------
    club_groups: dict[str, list[tuple[PlannedGroup, ClubSpec]]] = {}
    for school in SCHOOLS:
        admins = plan.school_admins[school.code]
        plan.groups.append(PlannedGroup(
            kind="school", school=school.code, name=f"{school.name}官方群",
            description=(f"{school.name}易班官方群：通知公告、校园活动和认证服务。"
                         "本校认证师生自动加入。"),
            owner=admins[0],
        ))
        key = plan.groups[-1].key
        plan.memberships.append((key, admins[0], "owner"))
        plan.memberships += [(key, a, "admin") for a in admins[1:]]
        plan.memberships += [(key, t, "member") for t in teachers[school.code]]
        club_groups[school.code] = []
        for ci, club in enumerate(_clubs_for(school)):
            owner = teachers[school.code][((ci - 1) * 5) % TEACHERS_PER_SCHOOL]
            group = PlannedGroup(
                kind="interest", school=school.code, name=f"{school.short_name}{club.name}",
                description=club.description, owner=owner, is_private=club.is_private,
                join_policy=club.join_policy,
            )
            plan.groups.append(group)
            plan.memberships.append((group.key, owner, "owner"))
            club_groups[school.code].append((group, club))
    national: list[tuple[PlannedGroup, ClubSpec]] = []
    for ni, club in enumerate(data.NATIONAL_CLUBS):
        owner = teachers[SCHOOLS[ni % len(SCHOOLS)].code][TEACHERS_PER_SCHOOL - 1]
        group = PlannedGroup(kind="interest", school=None, name=club.name,
                             description=club.description, owner=owner,
                             is_private=club.is_private, join_policy=club.join_policy)
        plan.groups.append(group)
        plan.memberships.append((group.key, owner, "owner"))
        national.append((group, club))

    # Teachers follow a few colleagues.
    rng = random.Random(f"{seed}:colleagues")
    for school in SCHOOLS:
        staff = teachers[school.code]
        for t in staff:
            for other in rng.sample([x for x in staff if x != t], 3):
                plan.follows.append((t, other))

    # --- students, in order --------------------------------------------------------
    people = random.Random(f"{seed}:people")
    social = random.Random(f"{seed}:social")
    slots = _slots(seed)
    slot: _Slot | None = None
    all_slots: list[_Slot] = []
    member_counts: dict[tuple, int] = {}
    # Followable students so far, with a heavy-tailed popularity weight each.
    pop_all: list[str] = []
    cum_all: list[float] = []
    pop_school: dict[str, tuple[list[str], list[float]]] = {s.code: ([], []) for s in SCHOOLS}

    for i in range(students):
        if slot is None or len(slot.seats) >= slot.size:
            slot = next(slots)
            all_slots.append(slot)
        school = slot.school
        seat = len(slot.seats) + 1
        number = slot.member_number(seat)
        username = data.DEMO_STUDENT if i == 0 else f"{school.code}{number}"
        slot.seats.append(username)
        surname, given = names()
        verified = i == 0 or people.random() < VERIFIED_SHARE
        joined = _aware(slot.year, 8, 25) + timedelta(days=people.randint(0, 30),
                                                      minutes=people.randint(0, 1439))
        bios = data.STUDENT_BIOS + (data.VOCATIONAL_BIOS if school.kind == "vocational"
                                    else data.UNIVERSITY_BIOS)
        bio = _fill(people.choice(bios), people, major=slot.major,
                    year=slot.year, city=school.city, short=school.short_name)
        plan.users.append(PlannedUser(
            username=username, display_name=f"{surname}{given}", surname=surname,
            given_name=given, role="student", school=school.code,
            member_number=number if verified else None, date_joined=joined,
            verified_at=joined + timedelta(days=people.randint(0, 7)) if verified else None,
            bio=bio, major=slot.major, enrolment_year=slot.year,
        ))
        if verified:
            plan.memberships.append(
                (("school", school.code, ""), username, "member"))

        # Clubs: most students are in one to three.
        clubs = club_groups[school.code]
        if i == 0:
            chosen = [g for g, c in clubs if c.name in ("摄影社", "考研交流群", "编程爱好者")]
        else:
            how_many = social.choices((0, 1, 2, 3), weights=(25, 35, 25, 15))[0]
            weights = [c.popularity for _, c in clubs]
            chosen = {g.key: g for g in social.choices([g for g, _ in clubs], weights,
                                                        k=how_many)}.values()
            chosen = list(chosen)
            for group, club in national:
                if (not club.vocational_only or school.kind == "vocational") and \
                        social.random() < 0.04 * club.popularity:
                    chosen.append(group)
        for group in chosen:
            if i != 0 and group.join_policy == "approval" and \
                    social.random() < PENDING_REQUEST_SHARE:
                plan.join_requests.append((group.key, username, "你好，想加入学习交流，谢谢！"))
                continue
            count = member_counts.get(group.key, 0)
            member_counts[group.key] = count + 1
            plan.memberships.append((group.key, username, "admin" if count < 2 else "member"))

        # Follows: heavy-tailed. A few students get a large popularity weight (Pareto),
        # early students have been around longer, so a few gather many followers.
        wanted = min(int(2 * social.paretovariate(1.5)), 80)
        followed: set[str] = set()
        if i == 0:
            followed.add(data.DEMO_TEACHER)
        names_s, cum_s = pop_school[school.code]
        for _ in range(wanted * 2):
            if len(followed) >= wanted:
                break
            roll = social.random()
            if roll < 0.10:
                target = social.choice(teachers[school.code])
            elif roll < 0.14:
                target = plan.school_admins[school.code][0]
            elif roll < 0.80 and names_s:
                target = names_s[bisect.bisect(cum_s, social.random() * cum_s[-1])]
            elif pop_all:
                target = pop_all[bisect.bisect(cum_all, social.random() * cum_all[-1])]
            else:
                continue
            followed.add(target)
        plan.follows += [(username, target) for target in sorted(followed)]
        weight = social.paretovariate(1.2)
        pop_all.append(username)
        cum_all.append((cum_all[-1] if cum_all else 0.0) + weight)
        names_s.append(username)
        cum_s.append((cum_s[-1] if cum_s else 0.0) + weight)

    # --- class groups: slots with enough students -----------------------------------
    for k, slot in enumerate(all_slots):
        if k > 0 and len(slot.seats) < MIN_CLASS_MEMBERS:
            continue
        school = slot.school
        owner = teachers[school.code][slot.major_index + 6 * ((slot.number - 1) % 2)]
        group = PlannedGroup(
            kind="class", school=school.code, name=slot.name,
            description=f"{school.name}{slot.major}专业{slot.year}级{slot.number}班班级群。"
                        "作业、通知和课表都在这里，入群请使用班级码。",
            owner=owner, is_private=True, join_policy="code",
        )
        plan.groups.append(group)
        plan.memberships.append((group.key, owner, "owner"))
        plan.memberships += [(group.key, s, "admin" if n == 0 else "member")
                             for n, s in enumerate(slot.seats)]
    return plan
