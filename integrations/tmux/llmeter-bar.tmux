#!/usr/bin/env bash
# llmeter-bar TPM-style plugin: replaces #{llmeter} in status-left and
# status-right with #(llmeter-bar --format tmux), binds prefix + U to a
# refresh and prefix + L to the dashboard in a popup (tmux 3.2+). Run it after those options are set (TPM runs it for you).
#
# Options (tmux set -g @llmeter_... before the plugin runs):
#   @llmeter_command       the command (default: the path `init` filled in, else
#                          llmeter-bar from the server's PATH, else ~/.local/bin)
#   @llmeter_args          its arguments (default: --format tmux)
#   @llmeter_refresh_key   prefix key that fetches now (default: U; "none" for no binding)
#   @llmeter_mouse         "on": a click on the right status area fetches now too
#   @llmeter_dashboard_key prefix key that opens the dashboard in a popup (default: L,
#                          replacing tmux's "last session"; "none" for no binding)
#   @llmeter_dashboard_mouse "on" (default): a right click on the right status area
#                          opens the dashboard popup too (needs `set -g mouse on`)
#   @llmeter_interpolate   options to edit (default: "status-left status-right")

option() {
    local value
    value="$(tmux show-option -gqv "$1")"
    printf '%s' "${value:-$2}"
}

default_command() {
    # `llmeter-bar init tmux --file llmeter-bar.tmux` fills in its own path here;
    # a copy from the repository (or TPM) looks on the tmux server's PATH.
    local filled=(@LLMETER_BAR@) found quoted
    if [ "${filled[*]}" != "@LLMETER""_BAR@" ]; then
        quoted="$(printf '%q ' "${filled[@]}")"
        printf '%s' "${quoted% }"
        return
    fi
    # pipx and `pip install --user` put it in ~/.local/bin, which a tmux server
    # started from a display manager's session may not have on its PATH.
    found="$(command -v llmeter-bar)" || found="$HOME/.local/bin/llmeter-bar"
    [ -x "$found" ] || found=llmeter-bar
    printf '%q' "$found"
}

main() {
    local command args key run opt value refresh dashboard
    local -a popup
    command="$(option @llmeter_command "$(default_command)")"
    args="$(option @llmeter_args "--format tmux")"
    key="$(option @llmeter_refresh_key U)"
    # status-left/right are strftime-expanded before #() runs: protect any %.
    run="#(${command//%/%%} ${args//%/%%})"
    for opt in $(option @llmeter_interpolate "status-left status-right"); do
        value="$(tmux show-option -gqv "$opt")"
        # Quoted replacement: bash 5.2 would otherwise expand & in it.
        tmux set-option -gq "$opt" "${value//\#\{llmeter\}/"$run"}"
    done
    refresh="$command refresh >/dev/null 2>&1; tmux refresh-client -S"
    if [ "$key" != none ]; then
        tmux bind-key "$key" run-shell -b "$refresh"
    fi
    if [ "$(option @llmeter_mouse off)" = on ]; then
        tmux bind-key -n MouseDown1StatusRight run-shell -b "$refresh"
    fi
    # display-popup came with tmux 3.2; older servers keep their keys untouched.
    if tmux list-commands display-popup >/dev/null 2>&1; then
        dashboard="$(option @llmeter_dashboard_key L)"
        popup=(display-popup -E -w 90% -h 90% "$command dashboard")
        if [ "$dashboard" != none ]; then
            tmux bind-key "$dashboard" "${popup[@]}"
        fi
        if [ "$(option @llmeter_dashboard_mouse on)" = on ]; then
            tmux bind-key -n MouseDown3StatusRight "${popup[@]}"
        fi
    fi
}

main
