"""What a renderer is: results in, exactly one host segment out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from llmeter_bar.config import Config
    from llmeter_bar.models import ProviderResult


@dataclass(slots=True)
class RenderContext:
    """Everything a renderer may look at besides the results."""

    now: datetime
    config: Config
    no_color: bool = False
    long: bool = False
    tty: bool = False
    show_account: bool = False
    demo: bool = False
    stdin_payload: dict[str, Any] | None = None  # claude-code: the session JSON
    history: dict[str, Any] = field(default_factory=dict)  # key -> history.History, long views only
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Rendered:
    text: str
    exit_code: int = 0


class Renderer:
    """Base class. ``bar`` renderers always exit 0 (i3blocks: 33 when asked) and
    never write to stderr: polybar shows stderr as bar text."""

    name: ClassVar[str] = ""
    bar: ClassVar[bool] = True
    reads_stdin: ClassVar[bool] = False
    cacheable: ClassVar[bool] = True  # False: never replay the output from fastpath's cache

    def render(self, results: list[ProviderResult], ctx: RenderContext) -> Rendered:
        raise NotImplementedError

    def fallback(self, marker: str) -> Rendered:
        """The segment printed when rendering itself failed: plain, escaped-safe text."""
        return Rendered(marker)
