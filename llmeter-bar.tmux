#!/usr/bin/env bash
# The TPM entry point. `set -g @plugin '…/llmeter-bar'` clones this repository
# into ~/.tmux/plugins/ and runs every *.tmux file at its top level; the plugin
# itself lives with the other hosts' files, in integrations/tmux/.
# llmeter-bar must be installed on its own; it is not on PyPI:
# pipx install git+https://github.com/OWNER/llmeter-bar (or a clone's path).
exec bash "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/integrations/tmux/llmeter-bar.tmux"
