from tests.classroom.conftest import klass  # noqa: F401 (a class group with its students)
