import pytest

from yiban_core.moderation import words
from yiban_core.moderation.models import SensitiveWord
from yiban_core.moderation.services import derive


@pytest.fixture(autouse=True)
def _fresh_word_lists():
    """A test's words roll back with its transaction, which sends no signal: forget the
    compiled lists on both sides so no word leaks into the next test."""
    words.forget()
    yield
    words.forget()


@pytest.fixture
def listed(db):
    """listed("代考", "replace", school=...) puts a word on a list."""

    def add(word: str, action: str = "block", *, school=None) -> SensitiveWord:
        normalised, pinyin = derive(word)
        return SensitiveWord.objects.create(word=word, normalised=normalised, pinyin=pinyin,
                                            action=action, school=school)

    return add
