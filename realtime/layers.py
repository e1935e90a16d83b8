"""The embedded default's channel layer: in memory, and safe to send on from any thread.

Channels' in-memory layer keeps asyncio queues that only the event loop serving the
sockets may touch. On the embedded default the task workers are threads of the daphne
process (``manage.py serve``, yiban_core/worker_threads.py), and a task sends from its
own thread (``async_to_sync`` gives it a loop of its own): such a send is handed to the
loop the sockets receive on and awaited there, so it wakes them like any other send.
It is still one process's memory: several daphne processes need Redis.
"""

from __future__ import annotations

import asyncio

from channels.layers import InMemoryChannelLayer

# A send waits this long for the serving loop; a loop that stopped answering (the
# server is shutting down) loses the event, which the page catches up on reconnect.
HANDOVER_TIMEOUT_S = 5.0


class ProcessChannelLayer(InMemoryChannelLayer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._serving_loop: asyncio.AbstractEventLoop | None = None

    def _other_serving_loop(self) -> asyncio.AbstractEventLoop | None:
        """The loop the sockets receive on, when it is running and is not this one."""
        loop = self._serving_loop
        if loop is None or not loop.is_running():
            return None
        try:
            current = asyncio.get_running_loop()
        except RuntimeError:
            current = None
        return None if loop is current else loop

    async def _on_serving_loop(self, method, *args):
        loop = self._other_serving_loop()
        if loop is None:
            return await method(*args)
        future = asyncio.run_coroutine_threadsafe(method(*args), loop)
        return await asyncio.wait_for(asyncio.wrap_future(future), HANDOVER_TIMEOUT_S)

    # The sockets' side (the hub, consumers) makes channels and receives on the serving loop.
    async def new_channel(self, prefix="specific."):
        self._serving_loop = asyncio.get_running_loop()
        return await super().new_channel(prefix)

    async def receive(self, channel):
        self._serving_loop = asyncio.get_running_loop()
        return await super().receive(channel)

    async def send(self, channel, message):
        return await self._on_serving_loop(super().send, channel, message)

    async def group_send(self, group, message):
        return await self._on_serving_loop(super().group_send, group, message)

    async def group_add(self, group, channel):
        return await self._on_serving_loop(super().group_add, group, channel)

    async def group_discard(self, group, channel):
        return await self._on_serving_loop(super().group_discard, group, channel)

    async def flush(self):
        return await self._on_serving_loop(super().flush)
