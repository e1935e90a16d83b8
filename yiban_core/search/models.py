"""The search index in the database: one narrow row per searchable thing.

Kept narrow on purpose (DESIGN.md section 7): ranking reads whole matching rows,
so the wide tables (posts, resources) stay out of it. `tokens` is the text
segmented into words (Chinese by rjieba in search mode, course abbreviations,
pinyin of titles: text.index_tokens),
indexed by a GIN expression index on PostgreSQL and an FTS5 table on SQLite
(both created in migrations). Who may see a hit is decided by the owning app's
selector at query time, so the index holds no visibility rules.
"""

from django.db import models


class SearchDocument(models.Model):
    kind = models.CharField(max_length=20)
    object_id = models.PositiveBigIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)  # the text snippets are cut from
    tokens = models.TextField()
    school_id = models.PositiveBigIntegerField(null=True, blank=True)
    # Who wrote it (a post's author, a resource's owner): searches leave out the people
    # the searcher blocked (拉黑). NULL for what nobody wrote (people, groups, topics).
    author_id = models.PositiveBigIntegerField(null=True, blank=True)
    subject = models.CharField(max_length=20, blank=True)
    course_id = models.PositiveBigIntegerField(null=True, blank=True)
    rating = models.FloatField(default=0)
    downloads = models.PositiveIntegerField(default=0)  # with rating: a resource's quality
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="one_document_per_object")
        ]
        indexes = [models.Index(fields=["kind", "-id"], name="search_kind_newest")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id} {self.title[:30]}"
