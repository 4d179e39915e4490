#!/usr/bin/env bash
# Runs pm-sync for the GitHub Action (the only step that sees the Jira token).
#
# Inputs (environment, from action.yml):
#   PM_SYNC_COMMAND  check | refresh | sync | dashboard
#   PM_SYNC_PATHS    reports or folders, separated by whitespace
#   PM_SYNC_FORMAT   check: github (default: annotations + step summary from one Jira query),
#                    text, json, junit, markdown; refresh/sync: text (default) or json
#   PM_SYNC_CONFIG   a config file (-c), optional
#   PM_SYNC_OFFLINE  "true": check --offline (the reports' own Status cells, no Jira, no token)
#   PM_SYNC_ARGS     more arguments for the command, separated by whitespace (e.g. --require-items)
#   PM_SYNC_TOKEN    the Jira token; exported as $PM_SYNC_TOKEN_ENV (default JIRA_API_TOKEN)
#   GITHUB_STEP_SUMMARY, GITHUB_OUTPUT (set by the runner)
# Exits with pm-sync's exit code (docs/src/exit-codes.md).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
command="${PM_SYNC_COMMAND:-check}"
format="${PM_SYNC_FORMAT:-}"
offline="${PM_SYNC_OFFLINE:-false}"

fail() {
  printf '::error title=pm-sync::%s\n' "$*"
  exit 2
}

case "$command" in
  check) format="${format:-github}" ;;
  refresh | sync) format="${format:-text}" ;;
  dashboard) format="${format:-markdown}" ;;
  *) fail "command '$command' is not one of check, refresh, sync, dashboard" ;;
esac
case "$offline" in
  true | false) ;;
  *) fail "offline is '$offline'; use true or false" ;;
esac
if [ "$offline" = true ] && [ "$command" != check ]; then
  fail "offline: true only works with command: check ($command needs Jira)"
fi

# The token goes into the variable pm-sync reads, for this process only.
token_env="${PM_SYNC_TOKEN_ENV:-JIRA_API_TOKEN}"
# Never echoed: what is not a variable name may be a token pasted where its name belongs.
[[ "$token_env" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] ||
  fail "token-env is not a variable name (letters, digits, _): it names the variable that holds the token (default JIRA_API_TOKEN), never the token itself"
if [ -n "${PM_SYNC_TOKEN:-}" ]; then
  export "$token_env=$PM_SYNC_TOKEN"
elif [ "$offline" = false ] && [ -z "${!token_env:-}" ]; then
  fail "no Jira token: pass it as 'token: \${{ secrets.JIRA_API_TOKEN }}'. Pull requests from forks get no secrets: use 'offline: \${{ github.event.pull_request.head.repo.fork }}' to check them from the reports' Status cells"
fi
unset PM_SYNC_TOKEN

argv=()
if [ -n "${PM_SYNC_CONFIG:-}" ]; then
  argv+=(-c "$PM_SYNC_CONFIG")
fi
argv+=("$command")
if [ "$offline" = true ]; then
  argv+=(--offline)
fi
# Word splitting on purpose: both inputs are whitespace-separated lists.
# shellcheck disable=SC2206
extra=(${PM_SYNC_ARGS:-})
# shellcheck disable=SC2206
paths=(${PM_SYNC_PATHS:-postmortems/})
[ "${#paths[@]}" -gt 0 ] || fail "paths is empty"

status=0
if [ "$command" = check ] && [ "$format" = github ]; then
  # One Jira query; the annotations and the step summary are both rendered from its JSON.
  # (Windows runners name Python `python`.)
  python="$(command -v python3 || command -v python)" ||
    fail "format github needs Python 3 on the runner (every GitHub-hosted runner has it); set format: text on this runner"
  result="$(mktemp)"
  trap 'rm -f "$result"' EXIT
  pm-sync "${argv[@]}" --format json ${extra[@]+"${extra[@]}"} -- "${paths[@]}" >"$result" || status=$?
  if [ "$status" -le 1 ] && [ -s "$result" ]; then
    "$python" "$here/render_check.py" "$result" --github
    if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
      "$python" "$here/render_check.py" "$result" --markdown >>"$GITHUB_STEP_SUMMARY"
    fi
  elif [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
    printf '### ⚠️ pm-sync check could not decide (exit %s)\n\nSee the log of the pm-sync step.\n' \
      "$status" >>"$GITHUB_STEP_SUMMARY"
  fi
elif [ "$command" = dashboard ] && [ "$format" = markdown ] && [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  # The dashboard's Markdown summary goes to the log and to the run's summary page.
  summary="$(mktemp)"
  trap 'rm -f "$summary"' EXIT
  pm-sync "${argv[@]}" --format "$format" ${extra[@]+"${extra[@]}"} -- "${paths[@]}" >"$summary" || status=$?
  cat "$summary"
  cat "$summary" >>"$GITHUB_STEP_SUMMARY"
else
  pm-sync "${argv[@]}" --format "$format" ${extra[@]+"${extra[@]}"} -- "${paths[@]}" || status=$?
fi
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  echo "exit-code=$status" >>"$GITHUB_OUTPUT"
fi
exit "$status"
