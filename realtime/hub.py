"""One channel-layer subscriber per process, fanning events out to its sockets.

Channels' usual pattern gives every socket its own layer channel and adds that
channel to each group it follows. A broadcast to 1,000 sockets on one process
then costs 1,000 queue wake-ups, 1,000 message decodes and 1,000 consumer
dispatches: on daphne's one core that was most of a broadcast. Here the process
joins each stream once, with one channel of its own; the hub reads that channel
and hands every event straight to the local sockets on the stream, so the event
is decoded once and each socket costs one send.

Every layer message names its stream (``events.asend`` adds it). The hub of a
process lives on its event loop, for its channel layer (tests make new ones).
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from typing import Protocol

from channels.layers import get_channel_layer

log = logging.getLogger(__name__)


class Listener(Protocol):
    async def deliver(self, message: dict) -> None: ...


class Hub:
    def __init__(self, layer):
        self.layer = layer
        self.streams: dict[str, set[Listener]] = {}
        self.channel: str | None = None
        # Subscribing and unsubscribing in turn keeps a stream's set and the
        # layer's subscription in step when joins and leaves interleave.
        self._lock = asyncio.Lock()
        self._task: asyncio.Task | None = None

    async def join(self, stream: str, listener: Listener) -> None:
        members = self.streams.get(stream)
        if members is None:
            async with self._lock:
                if self.channel is None:
                    self.channel = await self.layer.new_channel("hub.")
                    self._task = asyncio.get_running_loop().create_task(self._run())
                members = self.streams.get(stream)
                if members is None:
                    # The set exists only once the layer has subscribed: a listener in
                    # it receives every event sent after join() returns.
                    await self.layer.group_add(stream, self.channel)
                    members = self.streams[stream] = set()
        members.add(listener)

    async def leave(self, stream: str, listener: Listener) -> None:
        members = self.streams.get(stream)
        if not members or listener not in members:
            return
        members.discard(listener)
        if not members:
            async with self._lock:
                if not self.streams.get(stream):  # nobody joined while we waited
                    self.streams.pop(stream, None)
                    await self.layer.group_discard(stream, self.channel)

    async def _run(self) -> None:
        while True:
            try:
                message = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:  # the layer reconnects; keep serving
                log.warning("channel layer receive failed", exc_info=True)
                await asyncio.sleep(1)
                continue
            for listener in tuple(self.streams.get(message.get("stream"), ())):
                try:
                    await listener.deliver(message)
                except Exception:  # one broken socket must not stop the others
                    log.warning("live event not delivered", exc_info=True)


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = weakref.WeakKeyDictionary()


def get_hub() -> Hub | None:
    layer = get_channel_layer()
    if layer is None:
        return None
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None or hub.layer is not layer:
        if hub is not None and hub._task is not None:
            hub._task.cancel()  # its layer was replaced
        hub = _hubs[loop] = Hub(layer)
    return hub
