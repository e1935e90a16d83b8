"""Practical-training and internship records (实训/实习) and the growth record (成长档案).

A plugin of the open platform: install it by listing `openapi_plugins.vocational`
in OPENAPI_PLUGINS. See models.py for the record's life and rules.py for who may
supervise and who may read.
"""
