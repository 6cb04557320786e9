"""What a provider is: settings in, one normalized result out.

A provider module defines one subclass of :class:`Provider` and is listed by one
line in ``providers/__init__.py``. ``fetch`` does the I/O; ``parse`` is pure so
tests can feed recorded payloads without HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from llmeter_bar import __version__
from llmeter_bar.models import ProviderResult, utcnow

if TYPE_CHECKING:
    import aiohttp


@dataclass(slots=True)
class ProviderSettings:
    """One configured instance of a provider (a provider, or one of its accounts)."""

    id: str
    instance: str | None = None
    interval: float = 300.0
    timeout: float = 10.0
    base_url: str | None = None
    user_agent: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    # On-demand fetches (refresh, clicks) closer together than this reuse the record.
    debounce: float = 30.0

    @property
    def key(self) -> str:
        return f"{self.id}:{self.instance}" if self.instance else self.id

    def option(self, name: str, default: Any = None) -> Any:
        return self.options.get(name, default)


@dataclass(slots=True)
class CredentialInfo:
    """Where a provider's credentials come from; never the secret itself."""

    source: str  # a path, "env:NAME", "config", "store"
    detail: str = ""  # e.g. "expired 3h ago", "plan max"
    usable: bool = True  # False: found but unreadable or corrupt; ``detail`` says why


class Provider:
    """Base class. Subclasses set the class attributes and implement fetch/parse."""

    id: ClassVar[str] = ""
    name: ClassVar[str] = ""
    kind: ClassVar[str] = "subscription"
    default_base_url: ClassVar[str] = ""
    default_interval: ClassVar[float] = 300.0
    # The floor protects endpoints that answer 429 to eager pollers.
    min_interval: ClassVar[float] = 60.0
    default_user_agent: ClassVar[str] = f"llmeter-bar/{__version__}"

    def base_url(self, settings: ProviderSettings) -> str:
        return (settings.base_url or self.default_base_url).rstrip("/")

    def user_agent(self, settings: ProviderSettings) -> str:
        return settings.user_agent or self.default_user_agent

    def credentials(self, settings: ProviderSettings) -> CredentialInfo | None:
        """Find credentials without network I/O; None when there are none."""
        return None

    def credential_paths(self, settings: ProviderSettings) -> list[str]:
        """Files whose appearance or change means a login happened (another tool's
        login file). A render stats them while the provider shows "setup"."""
        return []

    async def fetch(self, session: aiohttp.ClientSession, settings: ProviderSettings) -> ProviderResult:
        raise NotImplementedError

    def parse(self, payload: Any, settings: ProviderSettings, now: datetime | None = None) -> ProviderResult:
        raise NotImplementedError

    def result(self, settings: ProviderSettings, **fields: Any) -> ProviderResult:
        """A result stamped with this provider's identity and the current time."""
        fields.setdefault("fetched_at", utcnow())
        return ProviderResult(
            id=self.id, name=self.name, kind=self.kind, instance=settings.instance, **fields
        )
