"""English is a real choice: the domain's messages reach the English site in English.

Services raise their errors with gettext, so the message follows the language the
request activated (LocaleMiddleware: the django_language cookie set by
/i18n/setlang/, else Accept-Language). The English catalogue must therefore cover
every msgid, and its compiled .mo must match the .po.
"""

from __future__ import annotations

import ast
import json
import re
import struct
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from tests.factories import make_class_group, make_teacher, make_user
from yiban_core.groups.models import Membership

CATALOGUE = Path(settings.BASE_DIR) / "frontend" / "locale" / "en" / "LC_MESSAGES"
WRONG_CODE_ZH = "班级码不正确"
WRONG_CODE_EN = "That class code is not right"

JOIN_BY_CODE = """mutation($input: JoinByCodeInput!) {
  joinByCode(input: $input) { membership { role } errors { field code message } } }"""


@pytest.fixture(autouse=True)
def _back_to_the_default_language():
    """A request leaves its language active in the thread; later tests expect Chinese."""
    yield
    translation.deactivate()


@pytest.fixture
def student(db):
    make_class_group(make_teacher())
    return make_user("li_hua")


def join_by_code_via_graphql(client, **headers):
    return client.post(
        "/graphql", data=json.dumps({"query": JOIN_BY_CODE,
                                     "variables": {"input": {"code": "WRONG234"}}}),
        content_type="application/json", headers=headers,
    )


# ---- the web pages ----------------------------------------------------------------------


def test_a_wrong_class_code_is_explained_in_english_after_choosing_english(client, student):
    client.force_login(student)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"

    response = client.post(reverse("join_by_code"), {"code": "WRONG234"})
    assert response.status_code == 200
    page = response.content.decode()
    assert response.context["form"].errors["code"] == [WRONG_CODE_EN]
    assert WRONG_CODE_EN in page
    assert WRONG_CODE_ZH not in page
    assert not Membership.objects.filter(user=student).exists()


def test_without_a_choice_the_site_stays_in_chinese(client, student):
    client.force_login(student)
    response = client.post(reverse("join_by_code"), {"code": "WRONG234"})
    assert response.context["form"].errors["code"] == [WRONG_CODE_ZH]


# ---- GraphQL ----------------------------------------------------------------------------


@pytest.mark.parametrize("accept_language", ["en", "en-US,en;q=0.9"])
def test_a_graphql_error_follows_accept_language(client, student, accept_language):
    client.force_login(student)
    response = join_by_code_via_graphql(client, accept_language=accept_language)
    assert response.status_code == 200
    payload = response.json()["data"]["joinByCode"]
    assert payload["membership"] is None
    assert payload["errors"] == [{"field": "code", "code": "INVALID", "message": WRONG_CODE_EN}]


def test_a_graphql_error_follows_the_language_cookie(client, student):
    client.force_login(student)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    # The cookie wins over the browser's Accept-Language.
    response = join_by_code_via_graphql(client, accept_language="zh-CN,zh;q=0.9")
    [error] = response.json()["data"]["joinByCode"]["errors"]
    assert error["message"] == WRONG_CODE_EN


def test_a_graphql_error_is_chinese_by_default(client, student):
    client.force_login(student)
    [error] = join_by_code_via_graphql(client).json()["data"]["joinByCode"]["errors"]
    assert error["message"] == WRONG_CODE_ZH


def test_a_top_level_graphql_error_is_translated_too(client, db):
    response = client.post(
        "/graphql", data=json.dumps({"query": '{ node(id: "bm9wZQ==") { id } }'}),
        content_type="application/json", headers={"accept-language": "en"},
    )
    [error] = response.json()["errors"]
    assert error["message"] == "Not a valid ID"


# ---- the catalogue ----------------------------------------------------------------------


def parse_po(text: str) -> list[dict]:
    """Entries of a .po file: msgid, msgid_plural, msgstr (list), flags, obsolete.

    Just enough of the format for Django's makemessages output: comments,
    `#, flags`, and keywords followed by one or more quoted string lines.
    """
    entries, entry, key = [], None, None

    def finish():
        if entry is not None and "msgid" in entry:
            entries.append(entry)

    for raw in text.splitlines():
        line = raw.strip()
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
        if not line:
            finish()
            entry, key = None, None
            continue
        if entry is None:
            entry = {"flags": set(), "msgstr": {}, "obsolete": False}
        if line.startswith("#,"):
            entry["flags"].update(f.strip() for f in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            value = ast.literal_eval(line)
            if isinstance(key, int):
                entry["msgstr"][key] += value
            else:
                entry[key] += value
        else:
            keyword, _, rest = line.partition(" ")
            value = ast.literal_eval(rest)
            entry["obsolete"] = entry["obsolete"] or obsolete
            if keyword == "msgstr":
                key = 0
                entry["msgstr"][0] = value
            elif keyword.startswith("msgstr["):
                key = int(keyword[len("msgstr["):-1])
                entry["msgstr"][key] = value
            else:
                key = keyword
                entry[key] = value
    finish()
    return [e for e in entries if not e["obsolete"]]


def read_mo(data: bytes) -> dict[str, str]:
    """The msgid -> msgstr table of a GNU .mo file (plural forms joined by NUL)."""
    magic = struct.unpack("<I", data[:4])[0]
    order = "<" if magic == 0x950412DE else ">"
    _rev, count, ids_at, strs_at = struct.unpack(order + "4I", data[4:20])
    table = {}
    for i in range(count):
        id_len, id_off = struct.unpack(order + "2I", data[ids_at + 8 * i:ids_at + 8 * i + 8])
        str_len, str_off = struct.unpack(order + "2I", data[strs_at + 8 * i:strs_at + 8 * i + 8])
        msgid = data[id_off:id_off + id_len].decode()
        table[msgid] = data[str_off:str_off + str_len].decode()
    return table


def mo_key(entry: dict) -> str:
    # A message with a context (`{% translate "通知" context "nav" %}`) is "context\x04msgid".
    context = entry["msgctxt"] + "\x04" if "msgctxt" in entry else ""
    plural = "\0" + entry["msgid_plural"] if "msgid_plural" in entry else ""
    return context + entry["msgid"] + plural


def mo_value(entry: dict) -> str:
    return "\0".join(entry["msgstr"][i] for i in sorted(entry["msgstr"]))


PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")


@pytest.fixture(scope="module")
def po_entries() -> list[dict]:
    return [e for e in parse_po((CATALOGUE / "django.po").read_text(encoding="utf-8"))
            if e["msgid"]]


def test_the_po_parser_reads_plurals_and_continuations():
    entries = parse_po('msgid ""\nmsgstr ""\n"Language: en\\n"\n\n'
                       '#, fuzzy, python-format\nmsgid "a %(n)d"\nmsgid_plural "b"\n'
                       'msgstr[0] "one"\nmsgstr[1] ""\n"two"\n\n#~ msgid "gone"\n#~ msgstr ""\n')
    assert [e["msgid"] for e in entries] == ["", "a %(n)d"]
    assert entries[1]["msgstr"] == {0: "one", 1: "two"}
    assert entries[1]["flags"] == {"fuzzy", "python-format"}


def test_every_message_has_an_english_translation(po_entries):
    assert len(po_entries) > 250, "the catalogue looks truncated"
    untranslated = [e["msgid"] for e in po_entries
                    if not all(e["msgstr"].values()) or not e["msgstr"]]
    fuzzy = [e["msgid"] for e in po_entries if "fuzzy" in e["flags"]]
    assert not untranslated, (
        "untranslated in frontend/locale/en/LC_MESSAGES/django.po (run makemessages, "
        "translate, compilemessages):\n" + "\n".join(untranslated))
    assert not fuzzy, "fuzzy (check and drop the flag):\n" + "\n".join(fuzzy)


def test_translations_keep_the_placeholders(po_entries):
    broken = [
        e["msgid"] for e in po_entries
        if any(sorted(PLACEHOLDER.findall(s)) != sorted(PLACEHOLDER.findall(e["msgid"]))
               for s in e["msgstr"].values())
    ]
    assert not broken, "placeholders differ from the msgid:\n" + "\n".join(broken)


def test_the_compiled_catalogue_matches_the_po(po_entries):
    compiled = read_mo((CATALOGUE / "django.mo").read_bytes())
    stale = [e["msgid"] for e in po_entries if compiled.get(mo_key(e)) != mo_value(e)]
    assert not stale, ("django.mo is out of date; run `cd frontend && ../.venv/bin/python "
                       "../manage.py compilemessages -l en`:\n" + "\n".join(stale))
