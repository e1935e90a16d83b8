"""Trust and safety (issue 19). So far: sensitive words (item 4).

- models.py: SensitiveWord, the site list (school NULL) and each school's;
- normalise.py: how text is folded before matching (and a word's pinyin);
- words.py: the compiled lists and check_text() -> Verdict;
- wordfile.py: reading a word file; services.py: screen() for every service that
  stores what a person wrote, import_words(); rules.py: who edits the lists;
- admin.py: the lists in the admin site; management/commands/import_sensitive_words.py.

Reports, the review queue (which will act on `review` and `flag` verdicts), blocks and
the audit log come as their own modules here.
"""
