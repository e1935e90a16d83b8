"""The 下载我的数据 archive: one zip with a JSON file per declaration (`feeds.json` ...),
the person's uploads under `files/`, and `index.html`, a page in Chinese that reads
without the site (no script, no external asset).

Written in one pass: each declaration's rows are read a chunk at a time, written to its
JSON file and to the index's section (kept in a spooled temporary file until the counts
for the summary are known), so a heavy user's archive never holds all rows in memory.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from datetime import datetime
from html import escape
from typing import IO, BinaryIO
from zipfile import ZIP_DEFLATED, ZipFile

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import override

from yiban_core.privacy import registry

# The headings of the index for the keys the declarations use; a key not here is shown
# as it is.
SECTION_LABELS = {
    "account": "账号", "profile": "个人资料", "following": "我关注的人", "followers": "关注我的人",
    "blocked": "黑名单", "schools_administered": "我管理的学校",
    "memberships": "加入的群组", "groups_owned": "创建的群组", "join_requests": "入群申请",
    "invitations_received": "收到的入群邀请", "invitations_sent": "发出的入群邀请",
    "bans": "被禁止参与的群", "notifications": "通知", "balance": "网薪余额",
    "ledger": "网薪明细", "cases_about_my_content": "我的内容的审核记录", "sanctions": "处罚记录",
    "reports_filed": "我的举报", "security_log": "安全日志", "admin_actions": "管理后台操作",
    "school_sign_in": "学校统一身份认证", "requests": "认证申请", "activation_codes": "激活码",
    "consents": "同意记录", "access_log": "访问记录", "exports": "数据导出",
    "account_closures": "账号注销", "apps_authorized": "已授权的应用",
    "apps_registered": "我创建的应用", "two_factor": "两步验证已开启", "devices": "两步验证设备",
    "posts": "动态", "comments": "评论", "post_likes": "赞过的动态", "comment_likes": "赞过的评论",
    "mentions": "提到我的动态", "poll_votes": "投票", "announcements_read": "已读的公告",
    "reminders_sent": "发出的公告提醒", "resources": "分享的资源", "ratings": "评分与评价",
    "downloads": "下载记录", "helpful_votes": "认为有用的评价", "shares": "资源分享",
    "attendance": "签到记录", "checkins_started": "发起的签到", "conversations": "会话",
    "messages_sent": "发出的消息", "school_installs": "学校应用安装",
    "training_records": "实训与实习记录", "records_supervised": "指导与签字的记录",
    "roster_links": "教务名单中的我", "enrolments": "选课", "syncs_run": "执行的名单同步",
    "imports_run": "执行的名单导入",
}

# The same for the fields of an item.
FIELD_LABELS = {
    "id": "编号", "username": "用户名", "display_name": "昵称", "email": "邮箱", "role": "身份",
    "school": "学校", "member_number": "学号/工号", "verified_at": "认证时间",
    "date_joined": "注册时间", "last_login": "最近登录", "is_active": "账号可用", "bio": "简介",
    "major": "专业", "enrolment_year": "入学年份", "birth_date": "出生日期",
    "minor_by_school": "学校标记为未成年人", "avatar": "头像", "since": "开始时间",
    "text": "内容", "title": "标题", "description": "简介", "visibility": "可见范围",
    "group": "群组", "kind": "类型", "status": "状态", "created_at": "时间", "at": "时间",
    "updated_at": "修改时间", "edited_at": "编辑时间", "images": "图片", "file": "文件",
    "post": "动态编号", "comment": "评论编号", "likes": "点赞数", "comments": "评论数",
    "reposts": "转发数", "moderation": "审核状态", "published": "已发出", "poll": "投票",
    "repost_of": "转发自", "announcement": "群公告", "reply_to_comment": "回复的评论",
    "resource": "资源编号", "stars": "星级", "review": "评价", "helpful": "有用数",
    "versions": "版本", "number": "版本号", "filename": "文件名", "note": "说明", "url": "链接",
    "amount": "数额", "rule": "规则", "balance": "余额", "joined_at": "加入时间",
    "left_at": "离开时间", "with": "对方", "sent_at": "发送时间", "recalled_at": "撤回时间",
    "attachment": "附件", "attachment_name": "附件名", "conversation": "会话编号",
    "checkin": "签到", "opens_at": "开始时间", "closes_at": "截止时间",
    "checked_in_at": "签到时间", "latitude": "纬度", "longitude": "经度",
    "accuracy_m": "定位精度（米）", "distance_m": "距离（米）", "app": "应用",
    "scopes": "权限范围", "action": "事项", "outcome": "结果", "ip": "IP 地址",
    "reason": "理由", "workplace": "实习单位/实训车间", "hours": "学时", "tasks": "完成的任务",
    "reflection": "心得体会", "supervisor": "指导教师", "signed_by": "签字教师",
    "signed_at": "签字时间", "teacher_comment": "教师评语", "attachments": "附件",
    "start_date": "开始日期", "end_date": "结束日期", "by": "操作人", "place": "地点",
    "device": "设备", "purpose": "用途", "version": "版本", "granted_at": "同意时间",
    "withdrawn_at": "撤回时间", "requested_at": "申请时间", "ready_at": "完成时间",
    "name": "名称", "confirmed": "已启用", "message": "留言", "decided_at": "处理时间",
    "from": "邀请人", "to": "被邀请人", "read_at": "已读时间", "day": "日期",
}

FILES_DIR = "files/"
_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")


def _plain(value):
    """A value as JSON has it: lazy translations read, everything else as Django encodes."""
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _dumps(value) -> str:
    return json.dumps(_plain(value), ensure_ascii=False, cls=DjangoJSONEncoder)


def _is_many(value) -> bool:
    return isinstance(value, list | tuple) or isinstance(value, Iterator)


def _html_value(value) -> str:
    value = _plain(value)
    if value is None or value == "" or value == []:
        return '<span class="none">—</span>'
    if value is True:
        return "是"
    if value is False:
        return "否"
    if isinstance(value, dict | list):
        return f"<code>{escape(_dumps(value))}</code>"
    if isinstance(value, str) and _ISO_TIME.match(value):
        try:  # a time as the person reads it: local, to the minute
            return escape(timezone.localtime(datetime.fromisoformat(value))
                          .strftime("%Y-%m-%d %H:%M"))
        except ValueError:
            pass
    return escape(str(value))


def _html_item(item) -> str:
    if not isinstance(item, dict):
        return f"<li>{_html_value(item)}</li>"
    cells = "".join(f"<dt>{escape(FIELD_LABELS.get(key, str(key)))}</dt>"
                    f"<dd>{_html_value(value)}</dd>"
                    for key, value in item.items())
    return f"<li><dl>{cells}</dl></li>"


class _Section:
    """One declaration's JSON file and its part of the index, written as the rows come."""

    def __init__(self, declaration: registry.Declaration, json_out: IO[str], html: IO[str]):
        self.declaration = declaration
        self.json_out = json_out
        self.html = html
        self.counts: dict[str, int] = {}  # of each list: the index's summary says them

    def write(self, data: dict) -> None:
        title = escape(str(self.declaration.title))
        self.html.write(f'<section id="{escape(self.declaration.app)}"><h2>{title}</h2>'
                        f'<p class="file">{escape(self.declaration.app)}.json</p>')
        self.json_out.write("{")
        for position, (key, value) in enumerate(data.items()):
            self.json_out.write(("," if position else "") + f"\n{_dumps(str(key))}: ")
            self.html.write(f'<div class="part"><h3>{escape(SECTION_LABELS.get(key, key))}'
                            "</h3><ol>")
            if _is_many(value):
                count = self._many(value)
                self.counts[key] = count
                self.html.write(f'</ol><p class="count">共 {count} 项</p></div>')
            else:
                self.json_out.write(_dumps(value))
                self.html.write(f"{_html_item(value)}</ol></div>")
        self.json_out.write("\n}\n")
        self.html.write("</section>")

    def _many(self, items: Iterable) -> int:
        count = 0
        self.json_out.write("[")
        for item in items:
            self.json_out.write(("," if count else "") + "\n  " + _dumps(item))
            self.html.write(_html_item(item))
            count += 1
        self.json_out.write("\n]" if count else "]")
        return count


def write_section(declaration: registry.Declaration, data: dict, json_out, html_out
                  ) -> dict[str, int]:
    """Write one declaration's export as JSON text to `json_out` and as the index's section
    to `html_out` (both take str); the count of each list."""
    section = _Section(declaration, json_out, html_out)
    section.write(data)
    return section.counts


def _unique(name: str, taken: set[str]) -> str:
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        stem, dot, suffix = name.rpartition(".")
        candidate = f"{stem}-{n}.{suffix}" if dot else f"{name}-{n}"
    taken.add(candidate)
    return candidate


def write_archive(user, out: BinaryIO, *, now: datetime | None = None) -> dict[str, dict]:
    """Write `user`'s archive as a zip into `out`; the counts per declaration and key."""
    now = now or timezone.now()
    summary: dict[str, dict] = {}
    missing: list[str] = []
    with ZipFile(out, "w", ZIP_DEFLATED) as archive, \
            tempfile.SpooledTemporaryFile(max_size=1 << 20, mode="w+", encoding="utf-8") as body, \
            override("zh-hans"):
        taken: set[str] = set()
        for declaration in registry.declarations():
            with archive.open(f"{declaration.app}.json", "w") as raw:
                json_out = _TextOut(raw)
                summary[declaration.app] = write_section(declaration, declaration.export(user),
                                                         json_out, body)
                json_out.flush()
            if declaration.files is None:
                continue
            for name, field_file in declaration.files(user):
                inside = _unique(FILES_DIR + name, taken)
                try:
                    with field_file.open("rb") as source, archive.open(inside, "w") as target:
                        shutil.copyfileobj(source, target, 1 << 16)
                except (FileNotFoundError, OSError, ValueError):
                    missing.append(name)  # the row outlived its file: said in the index
        body.seek(0)
        with archive.open("index.html", "w") as raw:
            page = _TextOut(raw)
            _write_index(page, user, now, summary, missing, body)
            page.flush()
    return summary


class _TextOut:
    """UTF-8 text into a binary stream of the zip, without closing it."""

    def __init__(self, raw: BinaryIO):
        self.raw = raw

    def write(self, text: str) -> None:
        self.raw.write(text.encode("utf-8"))

    def flush(self) -> None:
        self.raw.flush()


STYLE = """
body{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;margin:2rem auto;
max-width:60rem;padding:0 1rem;color:#222;line-height:1.5}
h1{font-size:1.6rem}h2{border-bottom:2px solid #1565c0;padding-bottom:.2rem;margin-top:2.5rem}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2rem .6rem;text-align:left}
ol{padding-left:1.5rem}li{margin:.4rem 0}dl{display:grid;grid-template-columns:max-content 1fr;
gap:0 .8rem;margin:0}dt{color:#666}dd{margin:0;white-space:pre-wrap;word-break:break-all}
.none{color:#aaa}.count,.file{color:#666;font-size:.9rem}code{font-size:.85rem}
"""


def _write_index(page: _TextOut, user, now: datetime, summary: dict[str, dict],
                 missing: list[str], body: IO[str]) -> None:
    titles = {d.app: str(d.title) for d in registry.declarations()}
    page.write('<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
               '<meta name="viewport" content="width=device-width, initial-scale=1">'
               f"<title>{escape(_('我的易班数据'))}</title><style>{STYLE}</style></head><body>")
    page.write(f"<h1>{escape(_('我的易班数据'))}</h1>")
    page.write("<p>" + escape(_("账号 %(username)s 的数据，导出于 %(time)s。") % {
        "username": user.username,
        "time": timezone.localtime(now).strftime("%Y-%m-%d %H:%M")}) + "</p>")
    page.write("<p>" + escape(
        _("每一部分的数据另有一个 JSON 文件，上传的图片和文件在 files 文件夹里。")) + "</p>")
    page.write(f"<h2>{escape(_('概览'))}</h2><table><tr><th>{escape(_('部分'))}</th>"
               f"<th>{escape(_('内容'))}</th></tr>")
    for app, counts in summary.items():
        parts = "、".join(f"{SECTION_LABELS.get(key, key)} {count}"
                         for key, count in counts.items())
        page.write(f'<tr><td><a href="#{escape(app)}">{escape(titles.get(app, app))}</a></td>'
                   f"<td>{escape(parts)}</td></tr>")
    page.write("</table>")
    if missing:
        page.write("<p>" + escape(_("以下文件已不在存储中，未能放入：")) + "</p><ul>"
                   + "".join(f"<li>{escape(name)}</li>" for name in missing) + "</ul>")
    while chunk := body.read(1 << 16):
        page.write(chunk)
    page.write("</body></html>")
