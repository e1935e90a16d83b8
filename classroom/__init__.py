"""Class tools (课堂工具) run inside class groups: check-in (签到) for now.

A sibling of `resources`: it knows the core (groups, points, audit, events) and feeds,
never realtime, the open platform or the pages, which sit on top of it.
"""
