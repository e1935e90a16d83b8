"""Password hashing sized for a class logging in at once.

Django's default, PBKDF2 with 1,000,000 rounds, costs ~0.4 s of CPU per login:
80 students at 8:00 on a 2-core host is 16 s of hashing, while each request
holds a database connection. Argon2id with OWASP's minimum profile (19 MiB,
2 passes, 1 lane) costs ~25 ms and resists GPU cracking better. Older PBKDF2
hashes still verify and are rehashed to Argon2id at the next login.
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class ClassroomArgon2PasswordHasher(Argon2PasswordHasher):
    # Same algorithm name as Django's, so raising these later only rehashes at login.
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
