"""Reading a word file: UTF-8, one entry a line, `word` or `word<TAB>action`.

Blank lines and lines starting with `#` are skipped; the action defaults to `block`.
Anything wrong (not UTF-8, a NUL, an unknown action, a word too long or made only of
symbols, a file too big or with too many lines) is an Invalid naming the line, raised
before anything is stored. A word listed twice keeps its last action.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from yiban_core.errors import Invalid
from yiban_core.moderation.models import WORD_MAX_LENGTH, Action
from yiban_core.moderation.normalise import fold
from yiban_core.nul import UNSTORABLE

FIELD = "file"


@dataclass(frozen=True)
class WordLine:
    line: int
    word: str
    action: str


def _refuse(line: int, message: str) -> Invalid:
    return Invalid(_("第 %(line)d 行：%(message)s") % {"line": line, "message": message},
                   field=FIELD)


def read_word_file(data: bytes) -> list[WordLine]:
    if len(data) > settings.MODERATION_WORD_FILE_MAX_BYTES:
        raise Invalid(_("文件太大：最多 %(mb)d MB") % {
            "mb": settings.MODERATION_WORD_FILE_MAX_BYTES // (1024 * 1024)}, field=FIELD)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        raise _refuse(line, _("不是 UTF-8 编码的文字")) from None
    lines = text.split("\n")
    if len(lines) > settings.MODERATION_WORD_FILE_MAX_LINES:
        raise Invalid(_("文件太长：最多 %(n)d 行") % {
            "n": settings.MODERATION_WORD_FILE_MAX_LINES}, field=FIELD)
    entries: dict[str, WordLine] = {}
    for number, raw in enumerate(lines, start=1):
        if UNSTORABLE.search(raw):
            raise _refuse(number, _("含有空字符（NUL）"))
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        word, tab, action = line.partition("\t")
        word, action = word.strip(), action.strip().lower()
        if tab and not action:
            action = Action.BLOCK
        if "\t" in action:
            raise _refuse(number, _("一行只能有一个词和一个处理方式，用 Tab 分隔"))
        if action and action not in Action.values:
            raise _refuse(number, _("未知的处理方式“%(action)s”（可用 %(known)s）") % {
                "action": action[:20], "known": "、".join(Action.values)})
        if len(word) > WORD_MAX_LENGTH:
            raise _refuse(number, _("词太长：最多 %(n)d 个字") % {"n": WORD_MAX_LENGTH})
        normalised = fold(word)
        if not normalised:
            raise _refuse(number, _("“%(word)s”只有空格或符号") % {"word": word})
        entries[normalised] = WordLine(number, word, action or Action.BLOCK)
    return list(entries.values())
