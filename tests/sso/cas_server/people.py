"""The test CAS server's authentication class: the people of directory.py."""

from cas_server.auth import AuthUser
from directory import PASSWORD, PEOPLE


class PeopleAuth(AuthUser):
    def test_password(self, password):
        return self.username in PEOPLE and password == PASSWORD

    def attributs(self):
        return dict(PEOPLE.get(self.username, {}))
