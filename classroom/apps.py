from django.apps import AppConfig


class ClassroomConfig(AppConfig):
    name = "classroom"
    verbose_name = "课堂工具"

    def ready(self) -> None:
        from classroom import tasks
        from yiban_core import periodic

        periodic.register(tasks.close_due_checkins, every=tasks.SWEEP_EVERY)
        from classroom import demo
        from yiban_core.demo.contributors import CONTRIBUTORS

        CONTRIBUTORS.append(demo.contribute)
