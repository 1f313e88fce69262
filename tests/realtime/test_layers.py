"""The channel layers behind live events: thread safety in-memory, isolation on Redis."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer
from django.conf import settings
from django.utils.module_loading import import_string

from vigil.realtime.layers import DeskInMemoryChannelLayer, channel_layers_config


def _layer(config: dict[str, Any]) -> Any:
    default = config["default"]
    return import_string(default["BACKEND"])(**default["CONFIG"])


def _publish_from_thread(layer: Any, delay: float) -> threading.Thread:
    """group_send from a plain thread, as the embedded task worker does (async_to_sync)."""

    def publish() -> None:
        async_to_sync(layer.group_send)("vigil.stream.desk", {"type": "stream.event", "seq": 1})

    thread = threading.Timer(delay, publish)
    thread.start()
    return thread


def _receive_elapsed(layer: Any) -> tuple[dict[str, Any] | None, float]:
    async def scenario() -> tuple[dict[str, Any] | None, float]:
        channel = await layer.new_channel()
        await layer.group_add("vigil.stream.desk", channel)
        loop = asyncio.get_running_loop()
        started = loop.time()
        thread = _publish_from_thread(layer, 0.1)
        try:
            message = await asyncio.wait_for(layer.receive(channel), 3)
        except TimeoutError:
            message = None
        await asyncio.to_thread(thread.join, 5)
        return message, loop.time() - started

    return asyncio.run(scenario())


def test_in_memory_layer_wakes_the_serving_loop_when_another_thread_publishes() -> None:
    message, elapsed = _receive_elapsed(DeskInMemoryChannelLayer(capacity=10))
    assert message == {"type": "stream.event", "seq": 1}
    assert elapsed < 1.0


def test_channels_plain_in_memory_layer_does_not_which_is_why_ours_exists() -> None:
    message, elapsed = _receive_elapsed(InMemoryChannelLayer(capacity=10))
    assert message is None or elapsed >= 2.5  # woken only by its own timeout


def test_in_memory_layer_still_works_once_the_serving_loop_is_gone() -> None:
    layer = DeskInMemoryChannelLayer(capacity=10)

    async def subscribe() -> str:
        channel = await layer.new_channel()
        await layer.group_add("g", channel)
        return channel

    channel = asyncio.run(subscribe())  # that loop is closed now
    async_to_sync(layer.group_send)("g", {"type": "x"})
    assert async_to_sync(layer.receive)(channel) == {"type": "x"}


def test_settings_use_the_tuned_configuration() -> None:
    assert (
        channel_layers_config(redis_url=settings.CONFIG.redis_url, secret_key=settings.SECRET_KEY)
        == settings.CHANNEL_LAYERS
    )
    memory = channel_layers_config(redis_url=None, secret_key="k" * 40)["default"]
    assert memory["BACKEND"] == "vigil.realtime.layers.DeskInMemoryChannelLayer"
    assert memory["CONFIG"]["capacity"] >= 1000  # channels' default of 100 drops in a burst
    assert memory["CONFIG"]["group_expiry"] > 30 * 24 * 3600  # sockets outlive a day
    redis = channel_layers_config(redis_url="redis://h:6379/1", secret_key="k" * 40)["default"]
    assert redis["BACKEND"] == "channels_redis.pubsub.RedisPubSubChannelLayer"
    (host,) = redis["CONFIG"]["hosts"]
    assert host["address"] == "redis://h:6379/1" and host["max_connections"] > 100


@pytest.mark.redis
def test_desks_sharing_a_redis_do_not_hear_each_other(redis_url: str) -> None:
    ours = _layer(channel_layers_config(redis_url=redis_url, secret_key="a" * 40))
    same_desk = _layer(channel_layers_config(redis_url=redis_url, secret_key="a" * 40))
    other_desk = _layer(channel_layers_config(redis_url=redis_url, secret_key="b" * 40))

    async def scenario() -> list[dict[str, Any]]:
        channel = await ours.new_channel()
        await ours.group_add("vigil.stream.desk", channel)
        await asyncio.sleep(0.2)  # let Redis register the subscription
        await other_desk.group_send("vigil.stream.desk", {"type": "stream.event", "seq": 99})
        await same_desk.group_send("vigil.stream.desk", {"type": "stream.event", "seq": 1})
        received = [await asyncio.wait_for(ours.receive(channel), 5)]
        with contextlib.suppress(TimeoutError):
            received.append(await asyncio.wait_for(ours.receive(channel), 0.5))
        for layer in (ours, same_desk, other_desk):
            await layer.flush()
        return received

    assert asyncio.run(scenario()) == [{"type": "stream.event", "seq": 1}]
