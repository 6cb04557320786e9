"""Every provider of the REGISTRY set up at once with fake credentials, for tests
that run the real command against a local server.

Credentials come from where a user's would: Claude Code's and Codex's files,
the Gemini CLI's file, Cursor's app database, and environment variables. The
secrets are distinctive strings so a scan of any output or file finds a leak.
"""

from __future__ import annotations

import base64
import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

SECRETS = {
    "ANTHROPIC_ADMIN_KEY": "sk-ant-admin01-SCRUBME-aaaa1111",
    "OPENAI_ADMIN_KEY": "sk-admin-SCRUBME-bbbb2222",
    "OPENROUTER_API_KEY": "sk-or-v1-SCRUBME-cccc3333",
    "COPILOT_TOKEN": "ghu_SCRUBME_dddd4444",
    "AZURE_OPENAI_API_KEY": "azkey-SCRUBME-eeee5555",
    "ZAI_API_KEY": "zai.SCRUBME-mmmm1313",
    "MINIMAX_CODING_API_KEY": "sk-cp-SCRUBME-nnnn1414",
    "OLLAMA_API_KEY": "ollama-SCRUBME-oooo1515",
    "DEEPSEEK_API_KEY": "sk-SCRUBME-deepseek-mmmm5656",
    "SYNTHETIC_API_KEY": "syn_SCRUBME_synthetic_nnnn7878",
    "FACTORY_API_KEY": "fk-SCRUBME-factory-oooo9090",
}
CLAUDE_TOKEN = "sk-ant-oat01-SCRUBME-ffff6666"
CLAUDE_REFRESH = "sk-ant-ort01-SCRUBME-refresh"
CODEX_SIGNATURE = "SCRUBMEgggg7777sig"
GEMINI_TOKEN = "ya29.SCRUBME-hhhh8888"
GEMINI_REFRESH = "1//SCRUBME-iiii9999"
CURSOR_SIGNATURE = "SCRUBMEjjjj0000sig"
OPENCODE_COOKIE = "Fe26.2**SCRUBME-kkkk1212"
KIMI_TOKEN = "kimi-oauth-SCRUBME-pppp1616"
KIMI_REFRESH = "kimi-refresh-SCRUBME-qqqq1717"
GROK_TOKEN = "grok-oidc-SCRUBME-rrrr1818"
GROK_REFRESH = "grok-refresh-SCRUBME-ssss1919"
ANTIGRAVITY_TOKEN = "SCRUBME-antigravity-csrf-pppp1313"
LANGUAGE_SERVER = Path(__file__).resolve().parent / "antigravity" / "language_server_linux_x64"
ENV = dict(SECRETS, AZURE_OPENAI_RESOURCE="res", OPENCODE_AUTH_COOKIE=f"auth={OPENCODE_COOKIE}")
PROVIDERS = ("claude", "codex", "gemini", "cursor", "copilot", "anthropic-api", "openai-api", "openrouter",
             "azure-openai", "opencode-zen", "opencode-go", "zai", "kimi", "minimax", "grok", "ollama",
             "deepseek", "factory", "synthetic", "antigravity")


def language_server(home: Path, token: str = ANTIGRAVITY_TOKEN, serve: Path | None = None,
                    extension_port: int = 9) -> subprocess.Popen[bytes]:
    """A fake Antigravity language server running as this user with HOME=``home``
    (discovery only considers servers of our HOME). It ends by itself when the
    test process does; callers that can should terminate it."""
    args = [sys.executable, str(LANGUAGE_SERVER), "--enable_lsp", "--csrf_token", token,
            "--extension_server_port", str(extension_port), "--app_data_dir", "antigravity"]
    if serve is not None:
        args += ["--serve", str(serve)]
    env = dict(os.environ, HOME=str(home))
    return subprocess.Popen(args, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def _jwt(claims: dict, signature: str) -> str:
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"eyJhbGciOiJSUzI1NiJ9.{body}.{signature}"


def plant(home: Path) -> list[str]:
    """Write every tool's credential file under ``home``; returns all secrets, derived ones included."""
    expires = int(time.time()) + 3600
    (home / ".claude").mkdir(exist_ok=True)
    (home / ".claude" / ".credentials.json").write_text(json.dumps({"claudeAiOauth": {
        "accessToken": CLAUDE_TOKEN, "refreshToken": CLAUDE_REFRESH, "expiresAt": expires * 1000}}))
    codex_token = _jwt({"exp": expires}, CODEX_SIGNATURE)
    (home / ".codex").mkdir(exist_ok=True)
    (home / ".codex" / "auth.json").write_text(json.dumps({"tokens": {"access_token": codex_token, "account_id": "a"}}))
    (home / ".gemini").mkdir(exist_ok=True)
    (home / ".gemini" / "oauth_creds.json").write_text(json.dumps({
        "access_token": GEMINI_TOKEN, "refresh_token": GEMINI_REFRESH, "expiry_date": expires * 1000}))
    cursor_token = _jwt({"sub": "auth0|user_1", "exp": expires}, CURSOR_SIGNATURE)
    db_dir = home / ".config" / "Cursor" / "User" / "globalStorage"
    db_dir.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(db_dir / "state.vscdb") as db:
        db.execute("CREATE TABLE IF NOT EXISTS ItemTable (key TEXT UNIQUE ON CONFLICT REPLACE, value BLOB)")
        db.execute("INSERT INTO ItemTable VALUES ('cursorAuth/accessToken', ?)", (cursor_token,))
    db.close()
    # Kimi and Grok from their CLIs' own logins (zero setup), read only.
    (home / ".kimi-code" / "credentials").mkdir(parents=True, exist_ok=True)
    (home / ".kimi-code" / "credentials" / "kimi-code.json").write_text(json.dumps({
        "access_token": KIMI_TOKEN, "refresh_token": KIMI_REFRESH, "expires_at": expires, "token_type": "Bearer"}))
    (home / ".grok").mkdir(exist_ok=True)
    (home / ".grok" / "auth.json").write_text(json.dumps({"https://auth.x.ai::b1a00492-client": {
        "key": GROK_TOKEN, "refresh_token": GROK_REFRESH, "auth_mode": "oidc", "email": "grok@example.com",
        "expires_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(expires))}}))
    language_server(home)  # the credential of antigravity is a running process, not a file
    return [*SECRETS.values(), CLAUDE_TOKEN, CLAUDE_REFRESH, CODEX_SIGNATURE, codex_token, GEMINI_TOKEN,
            GEMINI_REFRESH, CURSOR_SIGNATURE, OPENCODE_COOKIE, KIMI_TOKEN, KIMI_REFRESH, GROK_TOKEN, GROK_REFRESH,
            ANTIGRAVITY_TOKEN]


def config(base_url, *, timeout: float = 1.0, interval: float = 300, providers=PROVIDERS, extra: str = "") -> str:
    """A config enabling ``providers``, each pointed at ``base_url(provider_id)``."""
    lines = ["[general]", f"providers = {json.dumps(list(providers))}", f"interval = {interval}",
             f"timeout = {timeout}"]
    for provider in providers:
        lines += [f"[provider.{provider}]", f'base_url = "{base_url(provider)}"']
        if provider == "gemini":
            lines.append(f'token_url = "{base_url(provider)}/token"')
        if provider == "azure-openai":
            lines.append("token_limit = 1000000")
    return "\n".join(lines) + "\n" + extra


def scan(texts: list[str], secrets: list[str]) -> list[str]:
    """Each leak of a secret as a short context excerpt."""
    leaks = []
    for text in texts:
        for secret in secrets:
            at = text.find(secret)
            if at >= 0:
                leaks.append(f"{secret[:10]}…: {text[max(0, at - 60): at + 60]!r}")
    return leaks
