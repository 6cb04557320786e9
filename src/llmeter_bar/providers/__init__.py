"""The provider registry: one line per provider.

Entries name the module lazily ("module:Class") so that rendering from the cache
never imports a provider module or aiohttp. A provider outside this package can
be added from config with ``[provider.ID] module = "package.module:Class"``, or
published as its own package under the entry-point group ``llmeter_bar.providers``
(``ID = "package.module:Class"``, see docs/providers/writing-a-provider.md).
Entry points are read (about 15 ms: importlib.metadata scans every installed
distribution) only for an id that is not built in, for detection and for the
``providers`` listing, never to render a cached figure.
Providers import models, errors, logs, paths and store/credstore.py; never
render/, format/ or fetch/ (the fetch side calls them, not the reverse).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from llmeter_bar.providers.base import Provider


@dataclass(frozen=True, slots=True)
class Entry:
    target: str  # "package.module:Class"
    name: str
    kind: str = "subscription"
    # The least time between two on-demand fetches (refresh, clicks) the endpoint
    # tolerates; a smaller refresh_debounce is raised to it. Here, not on the
    # class, so a click in a watcher never imports the provider module.
    on_demand_floor: float = 10.0


REGISTRY: dict[str, Entry] = {
    # Add a provider: one file in this package and one line here.
    "claude": Entry("llmeter_bar.providers.claude:Claude", "Claude", "subscription", 30.0),  # 429s bursts
    "codex": Entry("llmeter_bar.providers.codex:Codex", "Codex", "subscription"),
    "gemini": Entry("llmeter_bar.providers.gemini:Gemini", "Gemini", "subscription"),
    "cursor": Entry("llmeter_bar.providers.cursor:Cursor", "Cursor", "subscription"),
    "copilot": Entry("llmeter_bar.providers.copilot:Copilot", "Copilot", "subscription"),
    "anthropic-api": Entry("llmeter_bar.providers.anthropic_api:AnthropicApi", "Anthropic API", "api"),
    "openai-api": Entry("llmeter_bar.providers.openai_api:OpenAIApi", "OpenAI API", "api"),
    "openrouter": Entry("llmeter_bar.providers.openrouter:OpenRouter", "OpenRouter", "api"),
    "azure-openai": Entry("llmeter_bar.providers.azure_openai:AzureOpenAI", "Azure OpenAI", "api"),
    "opencode-zen": Entry("llmeter_bar.providers.opencode:OpenCodeZen", "OpenCode Zen", "api"),
    "opencode-go": Entry("llmeter_bar.providers.opencode_go:OpenCodeGo", "OpenCode Go", "subscription"),
    "zai": Entry("llmeter_bar.providers.zai:Zai", "Z.ai", "subscription"),
    "kimi": Entry("llmeter_bar.providers.kimi:Kimi", "Kimi", "subscription"),
    "minimax": Entry("llmeter_bar.providers.minimax:MiniMax", "MiniMax", "subscription"),
    "grok": Entry("llmeter_bar.providers.grok:Grok", "Grok", "subscription"),
    "ollama": Entry("llmeter_bar.providers.ollama:Ollama", "Ollama", "subscription"),
    "deepseek": Entry("llmeter_bar.providers.deepseek:DeepSeek", "DeepSeek", "api"),
    "factory": Entry("llmeter_bar.providers.factory:Factory", "Factory", "subscription"),
    "synthetic": Entry("llmeter_bar.providers.synthetic:Synthetic", "Synthetic", "subscription"),
    "antigravity": Entry("llmeter_bar.providers.antigravity:Antigravity", "Antigravity", "subscription"),
}


GROUP = "llmeter_bar.providers"
_plugins: dict[str, Entry] | None = None


def plugins() -> dict[str, Entry]:
    """Installed third-party providers by id; a built-in id always wins over a plugin's."""
    global _plugins
    if _plugins is None:
        from importlib.metadata import entry_points

        found: dict[str, Entry] = {}
        try:
            points = list(entry_points(group=GROUP))
        except Exception:  # a broken distribution must not take the built-in providers down
            points = []
        for point in points:
            if point.name not in REGISTRY and point.name not in found and ":" in point.value:
                # The display name comes from the class once loaded; the id until then.
                found[point.name] = Entry(point.value, point.name, "subscription", on_demand_floor=0.0)
        _plugins = found
    return _plugins


def known() -> dict[str, Entry]:
    """Every provider that can be enabled: built in, then installed plugins."""
    return {**REGISTRY, **plugins()}


def entry_for(provider_id: str, options: dict[str, Any] | None = None) -> Entry | None:
    """The registry entry, or one built from a ``module`` key in the provider's config."""
    options = options or {}
    module = options.get("module")
    if isinstance(module, str) and module:
        return Entry(
            target=module,
            name=str(options.get("name") or provider_id),
            kind=str(options.get("kind") or "subscription"),
            on_demand_floor=0.0,  # your own module: refresh_debounce alone decides
        )
    return REGISTRY.get(provider_id) or plugins().get(provider_id)


def display_name(provider_id: str, options: dict[str, Any] | None = None) -> str:
    found = entry_for(provider_id, options)
    return found.name if found else provider_id


_loaded: dict[str, Provider] = {}


def load(provider_id: str, options: dict[str, Any] | None = None) -> Provider:
    """Import and instantiate a provider; raises KeyError for unknown ids."""
    found = entry_for(provider_id, options)
    if found is None:
        raise KeyError(provider_id)
    if found.target not in _loaded:
        module_name, _, attr = found.target.partition(":")
        cls = getattr(importlib.import_module(module_name), attr or "PROVIDER")
        provider = cls() if isinstance(cls, type) else cls
        _loaded[found.target] = provider
    return _loaded[found.target]
