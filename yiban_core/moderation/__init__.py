"""Trust and safety (issue 19): sensitive words (item 4), reports and hiding (items 1, 3).

- models.py: SensitiveWord, the site list (school NULL) and each school's; Case (one target
  under review), Report, Sanction; ContentState, the `moderation` field of posts,
  comments, resources and reviews (anything but visible: its author's only);
- targets.py: the kinds that can be reported or held, registered by their apps
  (core_targets.py: groups and people), and set_state(), the one way a state changes;
- normalise.py: how text is folded before matching (and a word's pinyin);
- words.py: the compiled lists and check_text() -> Verdict;
- wordfile.py: reading a word file; services.py: screen() for every service that
  stores what a person wrote and hold_if_needed() acting on its review/flag verdict,
  report_content(), import_words(); rules.py: who edits the lists, who sees a state;
- schema.py: GraphQL reportContent and the moderationState field of content types;
- admin.py: the lists in the admin site; management/commands/import_sensitive_words.py.

The review queue and decisions, pre-moderation, blocks and the audit log come as their own
modules here.
"""
