from django.apps import AppConfig


class MessagesConfig(AppConfig):
    """Private messages (私信) and group chats (群聊). Its label is `conversations`:
    django.contrib.messages owns `messages`."""

    name = "messages"
    label = "conversations"
    verbose_name = "私信与群聊"

    def ready(self):
        from messages import files, moderation, receivers

        receivers.connect()
        moderation.register_targets()
        moderation.connect()
        files.register_owner()
        from messages import demo
        from yiban_core.demo.contributors import CONTRIBUTORS

        CONTRIBUTORS.append(demo.contribute)
