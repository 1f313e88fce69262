"""The registry of channel adapters, keyed by kind. See docs/architecture.md#channels."""

from __future__ import annotations

import importlib
import pkgutil

from vigil.channels.base import ChannelAdapter

_ADAPTERS: dict[str, ChannelAdapter] = {}


def register(cls: type[ChannelAdapter]) -> type[ChannelAdapter]:
    if cls.kind in _ADAPTERS and type(_ADAPTERS[cls.kind]) is not cls:
        raise TypeError(f"two adapters for channel kind {cls.kind!r}")
    _ADAPTERS[cls.kind] = cls()
    return cls


def adapter_for(kind: str) -> ChannelAdapter:
    try:
        return _ADAPTERS[kind]
    except KeyError:
        raise LookupError(f"no adapter registered for channel kind {kind!r}") from None


def registered_adapter(kind: str) -> ChannelAdapter | None:
    return _ADAPTERS.get(kind)


def registered_kinds() -> list[str]:
    return sorted(_ADAPTERS)


def autodiscover() -> None:
    """Import every channel sub-package's adapter module so it registers itself."""
    import vigil.channels as package

    for info in pkgutil.iter_modules(package.__path__):
        if info.ispkg:
            try:
                importlib.import_module(f"vigil.channels.{info.name}.adapter")
            except ModuleNotFoundError as exc:
                if exc.name != f"vigil.channels.{info.name}.adapter":
                    raise
