"""Hints from the config files of waybar, polybar, i3blocks, i3/sway and starship."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from llmeter_bar.diagnose.checks import Check, Context
from llmeter_bar.diagnose.host_commands import AREA, command_hints, config_home, mentions_us, self_path
from llmeter_bar.providers.credfile import Unreadable, read_text_bounded

MIN_INTERVAL = 5.0
_STATUS_COMMAND = re.compile(r"^\s*status_command\s+(.+?)\s*$")
_INLINE_COMMENT = re.compile(r"\s#")


def _first(*candidates: Path) -> Path | None:
    return next((p for p in candidates if p.is_file()), None)


def _text(path: Path, errors: str = "strict") -> str:
    """A host's config file, read bounded and non-blocking (it is the host's, not ours)."""
    text = read_text_bounded(path, errors=errors)
    if text is None:
        raise Unreadable(2, "vanished while being read", str(path))
    return text


def _not_used(host: str, exe: str, where: Path | None) -> list[Check]:
    place = f"llmeter-bar is not in {where}" if where else "no config file found"
    return [Check(AREA, host, "ok", f"{exe} ({place})")]


def _interval(host: str, where: str, value: Any) -> list[Check]:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return []
    if 0 < seconds < MIN_INTERVAL:
        return [Check(AREA, host, "warn", f"{where}: interval {seconds:g} s starts llmeter-bar "
                      f"{60 / seconds:.0f} times a minute", "30 or 60 is plenty: figures change every few minutes, "
                      "and a click can refresh at once")]
    return []


def _watching(command: str) -> bool:
    return "--watch" in command.split()


def strip_jsonc(text: str) -> str:
    """JSON with comments and trailing commas (waybar's config) to plain JSON."""
    out: list[str] = []
    i, n, in_string = 0, len(text), False
    while i < n:
        c = text[i]
        if in_string:
            out.append(text[i:i + 2] if c == "\\" else c)
            i += 2 if c == "\\" else 1
            in_string = c != '"'
            continue
        if text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
        else:
            in_string = c == '"'
            out.append(c)
            i += 1
    return re.sub(r",(\s*[}\]])", r"\1", "".join(out))


def waybar(ctx: Context, exe: str) -> list[Check]:
    import json

    base = config_home() / "waybar"
    path = _first(base / "config.jsonc", base / "config", base / "config.json")
    if path is None:
        return _not_used("waybar", exe, None)
    try:
        data = json.loads(strip_jsonc(_text(path)))
    except (OSError, ValueError, RecursionError) as exc:
        return [Check(AREA, "waybar", "warn", f"{path} could not be read as JSON: {exc}")]
    bars = data if isinstance(data, list) else [data]
    checks: list[Check] = []
    used = False
    for bar in (b for b in bars if isinstance(b, dict)):
        for name, module in bar.items():
            if not (name.startswith("custom/") and isinstance(module, dict) and mentions_us(module.get("exec"))):
                continue
            used = True
            where, command = f"{path} {name}", str(module["exec"])
            checks += command_hints("waybar", where, command, ("waybar",))
            checks += _interval("waybar", where, module.get("interval"))
            streaming = "interval" not in module and "signal" not in module
            if streaming and not _watching(command):
                checks.append(Check(AREA, "waybar", "warn", f"{where}: no \"interval\" or \"signal\", so waybar "
                                    "expects a never-ending stream, but the command prints once and exits",
                                    "add \"interval\": 60, or add --watch to the command"))
            elif _watching(command) and "interval" in module:
                checks.append(Check(AREA, "waybar", "warn", f"{where}: --watch never exits, but \"interval\" makes "
                                    "waybar wait for the command to end", "drop \"interval\" for --watch"))
            if "--format waybar" in command and module.get("return-type") != "json":
                checks.append(Check(AREA, "waybar", "warn", f"{where}: prints JSON but \"return-type\" is not "
                                    "\"json\"", "add \"return-type\": \"json\""))
    if not used:
        return _not_used("waybar", exe, path)
    return checks or [Check(AREA, "waybar", "ok", f"{exe} ({path}: llmeter-bar module looks right)")]


def polybar(ctx: Context, exe: str) -> list[Check]:
    import configparser

    base = config_home() / "polybar"
    path = _first(base / "config.ini", base / "config", Path.home() / ".config" / "polybar" / "config.ini")
    if path is None:
        return _not_used("polybar", exe, None)
    parser = configparser.ConfigParser(strict=False, interpolation=None, comment_prefixes=(";", "#"))
    try:
        parser.read_string(_text(path))
    except (OSError, configparser.Error) as exc:
        return [Check(AREA, "polybar", "warn", f"{path} could not be parsed: {exc}")]
    checks: list[Check] = []
    used = False
    for section in parser.sections():
        command = parser.get(section, "exec", fallback="")
        if not mentions_us(command):
            continue
        used = True
        where = f"{path} [{section}]"
        checks += command_hints("polybar", where, command, ("polybar",))
        tail = parser.get(section, "tail", fallback="false").strip().lower() in ("true", "yes", "on", "1")
        if tail and not _watching(command):
            checks.append(Check(AREA, "polybar", "warn", f"{where}: tail = true restarts a command that exits at "
                                "once, so llmeter-bar runs in a loop", "drop tail, or add --watch to exec"))
        elif _watching(command) and not tail:
            checks.append(Check(AREA, "polybar", "warn", f"{where}: --watch never exits, but without tail = true "
                                "polybar waits for it to end", "set tail = true"))
        if not tail:
            checks += _interval("polybar", where, parser.get(section, "interval", fallback=None))
    if not used:
        return _not_used("polybar", exe, path)
    return checks or [Check(AREA, "polybar", "ok", f"{exe} ({path}: llmeter-bar module looks right)")]


def _i3blocks_sections(text: str) -> list[tuple[str, dict[str, tuple[int, str]]]]:
    blocks: list[tuple[str, dict[str, tuple[int, str]]]] = [("(global)", {})]
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            blocks.append((line, {}))
        elif "=" in line:
            key, _, value = line.partition("=")
            blocks[-1][1][key.strip()] = (number, value)
    return blocks


def i3blocks(ctx: Context, exe: str) -> list[Check]:
    path = _first(config_home() / "i3blocks" / "config", Path.home() / ".i3blocks.conf")
    if path is None:
        return _not_used("i3blocks", exe, None)
    checks: list[Check] = []
    used = False
    for name, props in _i3blocks_sections(_text(path, "replace")):
        for key, (number, value) in props.items():
            if _INLINE_COMMENT.search(value):
                checks.append(Check(AREA, "i3blocks", "warn", f"{path} line {number}: {key}={value.strip()} "
                                    "- i3blocks keeps inline comments as part of the value",
                                    "move the comment to a line of its own"))
        command = props.get("command", (0, ""))[1]
        if not mentions_us(command):
            continue
        used = True
        where = f"{path} {name}"
        checks += command_hints("i3blocks", where, command, ("i3blocks", "i3blocks-json"))
        interval = props.get("interval", (0, ""))[1].strip()
        persist = interval in ("persist", "-3")
        if interval in ("", "0") and "signal" not in props:
            checks.append(Check(AREA, "i3blocks", "warn", f"{where}: no interval, so the block never runs "
                                "(not even at startup)", "add interval=60"))
        elif persist != _watching(command):
            checks.append(Check(AREA, "i3blocks", "warn", f"{where}: interval={interval} "
                                f"{'expects a long-running command' if persist else 'runs a one-shot command'}, "
                                f"but the command {'prints once' if persist else 'has --watch'}",
                                "use --watch with interval=persist only"))
        else:
            checks += _interval("i3blocks", where, interval)
        if "--format i3blocks-json" in command and props.get("format", (0, ""))[1].strip() != "json":
            checks.append(Check(AREA, "i3blocks", "warn", f"{where}: JSON output needs format=json", "add format=json"))
    if not used and not checks:
        return _not_used("i3blocks", exe, path)
    return checks or [Check(AREA, "i3blocks", "ok", f"{exe} ({path}: llmeter-bar block looks right)")]


def i3bar(ctx: Context, exe: str) -> list[Check]:
    home = Path.home()
    paths = [p for p in (config_home() / "sway" / "config", home / ".sway" / "config",
                         config_home() / "i3" / "config", home / ".i3" / "config") if p.is_file()]
    checks: list[Check] = []
    used = False
    for path in paths:
        for number, line in enumerate(_text(path, "replace").splitlines(), 1):
            match = _STATUS_COMMAND.match(line)
            if not match or not mentions_us(match.group(1)):
                continue
            used = True
            where, command = f"{path} line {number}", match.group(1)
            if command.split()[0].endswith("i3blocks"):
                continue
            checks += command_hints("i3bar/sway", where, command, ("i3bar",))
            if not _watching(command):
                checks.append(Check(AREA, "i3bar/sway", "warn", f"{where}: status_command must keep running, but "
                                    "llmeter-bar prints once and exits", f"status_command {self_path()} "
                                    "--format i3bar --watch"))
    if not used:
        return _not_used("i3bar/sway", exe, paths[0] if paths else None)
    return checks or [Check(AREA, "i3bar/sway", "ok", f"{exe} (status_command runs llmeter-bar)")]


def starship(ctx: Context, exe: str) -> list[Check]:
    import tomllib

    path = Path(os.environ.get("STARSHIP_CONFIG") or config_home() / "starship.toml")
    if not path.is_file():
        return _not_used("starship", exe, None)
    try:
        data = tomllib.loads(_text(path))
    except (OSError, ValueError, RecursionError) as exc:
        return [Check(AREA, "starship", "warn", f"{path} could not be parsed: {exc}")]
    checks: list[Check] = []
    used = False
    custom = data.get("custom") if isinstance(data.get("custom"), dict) else {}
    for name, module in custom.items():
        if not (isinstance(module, dict) and mentions_us(module.get("command"))):
            continue
        used = True
        where = f"{path} [custom.{name}]"
        checks += command_hints("starship", where, str(module["command"]), ("starship", "plain"), path_check=False)
        if "when" not in module and not any(module.get(k) for k in ("detect_files", "detect_folders",
                                                                     "detect_extensions")):
            checks.append(Check(AREA, "starship", "warn", f"{where} has no `when`: starship hides custom modules "
                                "unless `when` (or a detect_* match) says otherwise", "add when = true"))
        top = data.get("format")
        if isinstance(top, str) and "$custom" not in top and f"${{custom.{name}}}" not in top:
            checks.append(Check(AREA, "starship", "warn", f"{path}: the top-level format places neither $custom "
                                f"nor ${{custom.{name}}}", f"add ${{custom.{name}}} to format"))
    if not used:
        return _not_used("starship", exe, path)
    return checks or [Check(AREA, "starship", "ok", f"{exe} ({path}: [custom] module looks right)")]
