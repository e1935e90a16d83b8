"""How a person becomes a verified member of their school without single sign-on.

- Activation codes: a school administrator issues one-time codes for the accounts its
  roster created and nobody ever signed in to; a student claims theirs at /claim/
  (school, 学号, code), picks a username and password and is signed in, verified.
- Verification requests: a student who registered by hand asks the school to verify
  them (学号, a note, a photo of the student card); the school's administrators
  approve (accounts.services.verify_member) or reject with a reason.
"""
