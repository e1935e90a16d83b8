"""What a cancelled account leaves in search (yiban_core/privacy/closure.py): the
documents of their deleted posts and resources are removed by the services that delete
them; kept ones are indexed again (the author reads 已注销用户); their own document goes
(an inactive account is not indexed). Here: anything still indexed as theirs is
re-indexed, so nothing found names the old account."""

from __future__ import annotations

from yiban_core.privacy.registry import erasure
from yiban_core.search.models import SearchDocument
from yiban_core.search.services import index_later


@erasure("search")
def erase(user, keep_content: bool) -> None:
    for kind, object_id in SearchDocument.objects.filter(author_id=user.pk).values_list(
            "kind", "object_id"):
        index_later(kind, object_id)
    index_later("user", user.pk)
