"""The web UI: server-rendered pages, no build step.

- views/ call the same selectors and services as GraphQL; a DomainError becomes
  a form error, a flash message or an error page in one place (frontend/errors.py).
- static/frontend/site.css is written by hand; no CDN, no web fonts (system CJK
  font stack).
- Strings are Simplified Chinese in the source and translated to English in
  locale/en/LC_MESSAGES/django.po. The compiled django.mo is committed, so no
  build step is needed. After changing strings, from the project root:
    .venv/bin/python manage.py makemessages -l en --no-location --no-wrap \
        --ignore=.venv --ignore=tests --ignore=bench --ignore=staticfiles --ignore=media
    (fill in the new msgstr lines)
    cd frontend && ../.venv/bin/python ../manage.py compilemessages -l en
  makemessages runs over the whole project so that model labels and choices
  (群主, 班级群, ...) are translated too; compilemessages runs inside frontend/
  so that it does not touch the virtualenv's catalogues.
"""
