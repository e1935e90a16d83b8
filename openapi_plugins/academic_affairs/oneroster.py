"""Reading OneRoster 1.1 and 1.2 bulk CSV exports (a folder, or a zip of the CSV files).

Files read: manifest.csv (optional), orgs.csv, academicSessions.csv, courses.csv,
classes.csv, users.csv, enrollments.csv, and for 1.2 roles.csv. Others
(demographics, resources, results ...) are ignored.

Version: manifest.csv's `oneroster.version`; without a manifest, 1.2 is recognised
by its users.csv (no `role` column; `primaryOrgSourcedId`, `userMasterIdentifier`).
- 1.1: users.csv has `role` and `orgSourcedIds` (a comma-separated list).
- 1.2: users.csv has `primaryOrgSourcedId` and no role; a person's roles per org
  are rows of roles.csv (`userSourcedId`, `roleType` primary/secondary, `role`,
  `orgSourcedId`). The role at the chosen school is used, a primary one first;
  without roles.csv, a user has no role and is rejected with that reason.

Tolerated, as real exports have them: a UTF-8 byte-order mark, a missing final
newline, empty lines, an empty status (= active), a row with more fields than
the header when the extra fields are empty (a trailing comma). A row with
non-empty extra fields, or too few fields, is rejected with its file and line.

One school per import: the administrator names the org (a school-type org of
orgs.csv) that is their school. Classes and enrollments of other schools, and
users not in that school, are rejected; courses may belong to the school or to
an org above it (a district's course catalogue).
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from yiban_core.errors import Invalid

FILES = ("manifest", "orgs", "academicSessions", "courses", "classes", "users", "enrollments",
         "roles")
MAX_FILE_BYTES = 20 * 1024 * 1024  # per CSV inside a zip: a roster, not a zip bomb
MAX_FILES_BYTES = 60 * 1024 * 1024


@dataclass
class CsvRow:
    file: str
    line: int
    data: dict[str, str]


@dataclass
class Roster:
    version: str
    files: dict[str, list[CsvRow]] = field(default_factory=dict)
    manifest: dict[str, str] = field(default_factory=dict)
    problems: list[dict[str, Any]] = field(default_factory=list)  # rows that could not be read

    def rows(self, name: str) -> list[CsvRow]:
        return self.files.get(name, [])

    def is_bulk(self, name: str) -> bool:
        """Does the manifest say `file.<name>=bulk` (the whole truth)? Without a manifest
        a file is read as a delta: nothing is removed on a guess."""
        return name in self.files and self.manifest.get(f"file.{name}", "").strip() == "bulk"


@dataclass
class SchoolBatches:
    rows: dict[str, list[dict]]  # service kind -> rows for the services
    rejected: list[dict[str, Any]]
    skipped: list[dict[str, Any]] = field(default_factory=list)  # other schools' rows


def _parse_csv(name: str, raw: bytes) -> tuple[list[CsvRow], list[dict]]:
    filename = f"{name}.csv"
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid(_("%(file)s 不是 UTF-8 编码") % {"file": filename}) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        return _rows_of(filename, reader)
    except csv.Error as error:
        raise Invalid(_("%(file)s 第 %(line)d 行不是有效的 CSV：%(error)s")
                      % {"file": filename, "line": reader.line_num, "error": error},
                      field="file") from None


def _rows_of(filename: str, reader) -> tuple[list[CsvRow], list[dict]]:
    header = next(reader, None)
    if not header:
        return [], []
    header = [column.strip() for column in header]
    rows, problems = [], []
    for values in reader:
        line = reader.line_num
        if not any(value.strip() for value in values):
            continue  # an empty line
        if len(values) > len(header):
            extra = values[len(header):]
            if any(value.strip() for value in extra):
                problems.append({"file": filename, "line": line,
                                 "sourcedId": values[0].strip() if values else "",
                                 "reason": _("比表头多 %(n)d 列，且多出的列不为空")
                                 % {"n": len(extra)}})
                continue
            values = values[:len(header)]  # a trailing comma: harmless
        elif len(values) < len(header):
            problems.append({"file": filename, "line": line,
                             "sourcedId": values[0].strip() if values else "",
                             "reason": _("比表头少 %(n)d 列") % {"n": len(header) - len(values)}})
            continue
        data = {key: value.strip() for key, value in zip(header, values, strict=True)}
        rows.append(CsvRow(file=filename, line=line, data=data))
    return rows, problems


def _read_members(source) -> dict[str, bytes]:
    """The CSV files of a folder or a zip (path or file object), by their name without .csv."""
    found: dict[str, bytes] = {}
    if isinstance(source, (str, Path)) and Path(source).is_dir():
        for name in FILES:
            path = Path(source) / f"{name}.csv"
            if path.is_file():
                found[name] = path.read_bytes()
        return found
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError):
        raise Invalid(_("请上传 OneRoster CSV 文件的 zip 压缩包"), field="file") from None
    total = 0
    with archive:
        for info in archive.infolist():
            stem = Path(info.filename).name.removesuffix(".csv")
            if info.is_dir() or not info.filename.endswith(".csv") or stem not in FILES:
                continue
            if stem in found:
                raise Invalid(_("压缩包里有两个 %(file)s") % {"file": f"{stem}.csv"}, field="file")
            if info.file_size > MAX_FILE_BYTES:
                raise Invalid(_("压缩包里的文件太大"), field="file")
            try:
                with archive.open(info) as member:  # the sizes a zip declares may lie: count
                    data = member.read(MAX_FILE_BYTES + 1)
            except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, EOFError):
                # damaged, encrypted, or compressed in a way zipfile cannot read
                raise Invalid(_("无法读取压缩包里的 %(file)s") % {"file": f"{stem}.csv"},
                              field="file") from None
            total += len(data)
            if len(data) > MAX_FILE_BYTES or total > MAX_FILES_BYTES:
                raise Invalid(_("压缩包里的文件太大"), field="file")
            found[stem] = data
    return found


def read_roster(source) -> Roster:
    """Parse an export; Invalid when it is not a OneRoster export at all."""
    members = _read_members(source)
    if not members:
        raise Invalid(_("没有找到 OneRoster 的 CSV 文件（orgs.csv、users.csv ……）"), field="file")
    roster = Roster(version="")
    for name, raw in members.items():
        rows, problems = _parse_csv(name, raw)
        roster.problems.extend(problems)
        if name == "manifest":
            roster.manifest = {row.data.get("propertyName", ""): row.data.get("value", "")
                               for row in rows}
        else:
            roster.files[name] = rows
    for name in list(roster.files):  # the manifest may declare a file absent
        if roster.manifest.get(f"file.{name}") == "absent":
            del roster.files[name]
    version = roster.manifest.get("oneroster.version", "")
    if not version:
        users = roster.rows("users")
        columns = set(users[0].data) if users else set()
        version = "1.2" if ("roles" in roster.files or "primaryOrgSourcedId" in columns
                            or (users and "role" not in columns)) else "1.1"
    if version not in ("1.1", "1.2"):
        raise Invalid(_("不支持 OneRoster %(v)s，只支持 1.1 和 1.2") % {"v": version}, field="file")
    roster.version = version
    return roster


def _reject(row: CsvRow, reason: str) -> dict[str, Any]:
    return {"file": row.file, "line": row.line, "sourcedId": row.data.get("sourcedId", ""),
            "reason": reason}


def _base(row: CsvRow) -> dict[str, Any]:
    return {"sourced_id": row.data.get("sourcedId", ""), "status": row.data.get("status", ""),
            "file": row.file, "line": row.line}


def _split(value: str) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def schools_in(roster: Roster) -> list[tuple[str, str]]:
    """The school-type orgs of an export: (sourcedId, name), for the administrator to pick."""
    return [(row.data.get("sourcedId", ""), row.data.get("name", ""))
            for row in roster.rows("orgs") if row.data.get("type") == "school"]


def _user_roles_12(roster: Roster, org_ids: set[str], school_org: str) -> dict[str, str]:
    """1.2: user sourcedId -> role at the school (a primary role first)."""
    roles: dict[str, tuple[bool, str]] = {}
    for row in roster.rows("roles"):
        data = row.data
        if data.get("status") == "tobedeleted" or data.get("orgSourcedId") not in org_ids:
            continue
        rank = (data.get("roleType") == "primary", data.get("orgSourcedId") == school_org)
        user_id = data.get("userSourcedId", "")
        if user_id not in roles or rank > roles[user_id][0]:
            roles[user_id] = (rank, data.get("role", ""))
    return {user_id: role for user_id, (_rank, role) in roles.items()}


def rows_for_school(roster: Roster, org_sourced_id: str) -> SchoolBatches:
    """The rows of one school, shaped for the services; other schools' rows skipped."""
    orgs = {row.data.get("sourcedId"): row.data for row in roster.rows("orgs")}
    org = orgs.get(org_sourced_id)
    if org is None or org.get("type") != "school":
        raise Invalid(_("orgs.csv 里没有 sourcedId 为 %(id)s 的学校（type=school）")
                      % {"id": org_sourced_id}, field="org")
    above, parent = set(), org.get("parentSourcedId")
    while parent and parent in orgs and parent not in above:  # the district, and up
        above.add(parent)
        parent = orgs[parent].get("parentSourcedId")
    own = {org_sourced_id, *above}
    rejected = list(roster.problems)
    skipped: list[dict[str, Any]] = []  # other schools' rows: not errors, reported apart
    rows: dict[str, list[dict]] = {kind: [] for kind in
                                   ("terms", "courses", "sections", "users", "enrolments")}
    other_school = _("属于其他机构 %(org)s，不是所选学校")

    for row in roster.rows("academicSessions"):
        d = row.data
        rows["terms"].append({**_base(row), "title": d.get("title"), "kind": d.get("type"),
                              "start_date": d.get("startDate"), "end_date": d.get("endDate"),
                              "parent_sourced_id": d.get("parentSourcedId"),
                              "school_year": d.get("schoolYear")})
    for row in roster.rows("courses"):
        d = row.data
        if d.get("orgSourcedId") and d["orgSourcedId"] not in own:
            skipped.append(_reject(row, other_school % {"org": d["orgSourcedId"]}))
            continue
        rows["courses"].append({**_base(row), "title": d.get("title"),
                                "code": d.get("courseCode")})
    for row in roster.rows("classes"):
        d = row.data
        if d.get("schoolSourcedId") != org_sourced_id:
            skipped.append(_reject(row, other_school % {"org": d.get("schoolSourcedId")}))
            continue
        rows["sections"].append({**_base(row), "title": d.get("title"),
                                 "course_sourced_id": d.get("courseSourcedId"),
                                 "term_sourced_ids": _split(d.get("termSourcedIds", "")),
                                 "class_code": d.get("classCode")})
    roles_12 = _user_roles_12(roster, own, org_sourced_id) if roster.version == "1.2" else {}
    for row in roster.rows("users"):
        d = row.data
        if roster.version == "1.2":
            user_orgs = {d.get("primaryOrgSourcedId", "")} | {
                r.data.get("orgSourcedId") for r in roster.rows("roles")
                if r.data.get("userSourcedId") == d.get("sourcedId")}
            role = roles_12.get(d.get("sourcedId", ""), "")
        else:
            user_orgs, role = set(_split(d.get("orgSourcedIds", ""))), d.get("role", "")
        if not user_orgs & own:
            skipped.append(_reject(row, _("不属于所选学校 %(org)s") % {"org": org_sourced_id}))
            continue
        if not role:
            rejected.append(_reject(row, _("在所选学校没有身份（roles.csv）")))
            continue
        rows["users"].append({**_base(row), "role": role, "given_name": d.get("givenName"),
                              "family_name": d.get("familyName"),
                              "identifier": d.get("identifier"),
                              "username": d.get("username"),
                              "enabled_user": d.get("enabledUser")})
    for row in roster.rows("enrollments"):
        d = row.data
        if d.get("schoolSourcedId") != org_sourced_id:
            skipped.append(_reject(row, other_school % {"org": d.get("schoolSourcedId")}))
            continue
        rows["enrolments"].append({**_base(row), "section_sourced_id": d.get("classSourcedId"),
                                   "user_sourced_id": d.get("userSourcedId"),
                                   "role": d.get("role"), "primary": d.get("primary"),
                                   "end_date": d.get("endDate")})
    return SchoolBatches(rows=rows, rejected=rejected, skipped=skipped)


SAMPLE = Path(__file__).parent / "sample"


def sample_zip() -> bytes:
    """A small valid OneRoster 1.1 export (one school, one class, a teacher and three
    students with 学号 and usernames), zipped as the import page accepts it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(SAMPLE.glob("*.csv")):
            archive.write(path, path.name)
    return buffer.getvalue()
