"""manage.py import_sensitive_words: a good file loads, any bad line loads nothing."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.factories import agree_to_policies, make_school, make_user
from yiban_core.accounts.models import User
from yiban_core.actor import Actor
from yiban_core.errors import PermissionDenied
from yiban_core.moderation.models import SensitiveWord
from yiban_core.moderation.services import import_words
from yiban_core.moderation.words import check_text

pytestmark = pytest.mark.django_db

GOOD = """# 站点敏感词
代考
作弊\treplace
ＶＰＮ\tFLAG

枪支弹药\treview
"""


@pytest.fixture(autouse=True)
def superuser():
    return agree_to_policies(
        User.objects.create_superuser("root", "root@example.edu.cn", "Xuexi-2026-ok"))


def run(tmp_path, content: bytes | str, *args) -> str:
    path = tmp_path / "words.txt"
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    out = StringIO()
    call_command("import_sensitive_words", str(path), *args, stdout=out)
    return out.getvalue()


def listed() -> dict[str, str]:
    return dict(SensitiveWord.objects.values_list("word", "action"))


def test_a_good_file_loads_the_site_list(tmp_path):
    out = run(tmp_path, GOOD)
    assert "created 4, updated 0, unchanged 0" in out
    assert listed() == {"代考": "block", "作弊": "replace", "ＶＰＮ": "flag",
                        "枪支弹药": "review"}
    assert not SensitiveWord.objects.exclude(school=None).exists()
    assert check_text("dai kao").action == "block"  # the pinyin came with it
    assert check_text("用vpn").action == "flag"


def test_importing_again_changes_only_the_actions(tmp_path):
    run(tmp_path, GOOD)
    out = run(tmp_path, "代考\tflag\n作弊\treplace\n代  考\tflag\n新词\n")
    assert "created 1, updated 1, unchanged 1" in out
    assert listed()["代考"] == "flag" and listed()["新词"] == "block"
    assert SensitiveWord.objects.count() == 5
    assert check_text("代考").action == "flag"


@pytest.mark.parametrize(("content", "message"), [
    ("代考\n作弊\tdelete\n", "第 2 行：未知的处理方式"),
    ("代考\n\n" + "长" * 51 + "\n", "第 3 行：词太长"),
    ("代考\n★★\n", "第 2 行：“★★”只有空格或符号"),
    ("代考\n作\x00弊\n", "第 2 行：含有空字符"),
    ("代考\ta\tb\n", "第 1 行：一行只能有一个词"),
    ("代考\n".encode() + "作弊\n".encode("gbk"), "第 2 行：不是 UTF-8"),
])
def test_a_bad_line_is_named_and_nothing_is_imported(tmp_path, content, message):
    with pytest.raises(CommandError) as refused:
        run(tmp_path, content)
    assert message in str(refused.value) and "nothing imported" in str(refused.value)
    assert not SensitiveWord.objects.exists()


def test_a_file_too_big_or_too_long_is_refused(tmp_path, settings):
    settings.MODERATION_WORD_FILE_MAX_LINES = 3
    with pytest.raises(CommandError, match="最多 3 行"):
        run(tmp_path, "一一\n二二\n三三\n四四\n")
    settings.MODERATION_WORD_FILE_MAX_BYTES = 1024 * 1024
    with pytest.raises(CommandError, match="文件太大"):
        run(tmp_path, "代考\n" * 200_000)
    assert not SensitiveWord.objects.exists()


def test_school_loads_that_schools_list(tmp_path):
    school, other = make_school(), make_school()
    run(tmp_path, GOOD)
    out = run(tmp_path, "挂科\treplace\n代考\tflag\n", "--school", str(school.pk))
    assert f"{school.name}: created 2" in out
    assert SensitiveWord.objects.filter(school=school).count() == 2
    assert check_text("挂科", school=school).text == "**"
    assert check_text("挂科", school=other).action is None
    assert check_text("代考", school=school).action == "block"  # the site list still holds
    with pytest.raises(CommandError, match="no school"):
        run(tmp_path, GOOD, "--school", "999999")


def test_only_admins_edit_the_lists_and_never_with_a_token():
    school = make_school()
    student, staff = make_user("li_hua", school=school), make_user("zhang", school=school)
    school.administrators.add(staff)
    with pytest.raises(PermissionDenied):
        import_words(actor=Actor(user=student), data="代考".encode())
    with pytest.raises(PermissionDenied):
        import_words(actor=Actor(user=staff), data="代考".encode())  # the site list
    import_words(actor=Actor(user=staff), data="代考".encode(), school=school)
    with pytest.raises(PermissionDenied):
        import_words(actor=Actor(user=staff, scopes=frozenset()), data=b"x", school=school)
    assert SensitiveWord.objects.get().school == school
