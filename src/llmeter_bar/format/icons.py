"""Provider icons in four sets, each overridable per provider.

``[icons]`` ``set = "unicode"`` (default; BMP symbols most fonts carry),
``"nerd"`` (Nerd Font private-use glyphs), ``"ascii"`` (letters, safe
everywhere) or ``"none"``. ``[icons.provider]`` maps a provider id (or
``id:instance``) to any string, e.g. ``claude = "CC"``.
"""

from __future__ import annotations

from typing import Any

from llmeter_bar.errors import ConfigError, did_you_mean

SETS: dict[str, dict[str, str]] = {
    "unicode": {
        "claude": "✻", "codex": "◎", "copilot": "◈", "gemini": "✦", "cursor": "▸",
        "anthropic-api": "✳", "openai-api": "○", "openrouter": "⇄", "azure-openai": "◇",
        "zai": "Ⓩ", "kimi": "☾", "minimax": "◭", "grok": "⊘", "ollama": "◉",
        "deepseek": "≋", "factory": "⚙", "synthetic": "◬", "antigravity": "⇡",
    },
    "nerd": {
        "claude": "\U000f06a9", "codex": "\uf120", "copilot": "\uf4b8", "gemini": "\uf005",
        "cursor": "\uf245", "anthropic-api": "\uf155", "openai-api": "\uf0e7", "openrouter": "\uf0e8",
        "azure-openai": "\uf0c2", "zai": "\uf1d0", "kimi": "\uf186", "minimax": "\uf1b2", "grok": "\uf05e",
        "ollama": "\uf1b0",
        "deepseek": "\uf21a", "factory": "\uf275", "synthetic": "\uf0c3", "antigravity": "\uf135",
    },
    "ascii": {
        "claude": "C", "codex": "X", "copilot": "GH", "gemini": "G", "cursor": "Cu",
        "anthropic-api": "A", "openai-api": "O", "openrouter": "OR", "azure-openai": "Az",
        "zai": "Z", "kimi": "K", "minimax": "MM", "grok": "Gk", "ollama": "Ol",
        "deepseek": "DS", "factory": "F", "synthetic": "Sy", "antigravity": "AG",
    },
    "none": {},
}
# Aliases: provider ids without the -api suffix share the icon.
_ALIASES = {"anthropic": "anthropic-api", "openai": "openai-api"}
FALLBACK = {"unicode": "•", "nerd": "\uf0e7"}


def icon_set(section: dict[str, Any]) -> str:
    name = section.get("set", "unicode")
    if name not in SETS:
        raise ConfigError(f"icons.set must be one of {', '.join(SETS)}, got {name!r}")
    return name


def validate(section: Any) -> None:
    if not isinstance(section, dict):
        raise ConfigError("[icons] must be a table")
    unknown = set(section) - {"set", "provider"}
    if unknown:
        word = sorted(unknown)[0]
        raise ConfigError(f"icons: unknown key '{word}'{did_you_mean(word, ('set', 'provider')) or ' (expected set, provider)'}")
    icon_set(section)
    overrides = section.get("provider", {})
    if not isinstance(overrides, dict):
        raise ConfigError("icons.provider must be a table of provider = \"icon\"")
    for key, value in overrides.items():
        if not isinstance(value, str):
            raise ConfigError(f"icons.provider.{key} must be a string, got {type(value).__name__}")


def icon_for(section: dict[str, Any], provider_id: str, instance: str | None, name: str) -> str:
    """The icon for one provider instance: override, then set, then a letter."""
    overrides = section.get("provider", {})
    for key in (f"{provider_id}:{instance}" if instance else None, provider_id):
        if key and key in overrides:
            return str(overrides[key])
    chosen = icon_set(section)
    if chosen == "none":
        return ""
    table = SETS[chosen]
    found = table.get(provider_id) or table.get(_ALIASES.get(provider_id, ""))
    if found:
        return found
    if chosen == "ascii":
        return (name[:1] or "?").upper()
    return FALLBACK[chosen]
