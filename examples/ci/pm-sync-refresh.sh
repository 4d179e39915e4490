#!/usr/bin/env bash
# Refreshes the post-mortems of a git checkout on a plain server (run by the systemd timer or
# cron): bring the checkout to the remote's latest commit, write each ticket's current status
# into the reports, commit and push.
#
# Usage: pm-sync-refresh.sh /srv/postmortems
# Reads JIRA_URL, JIRA_PROJECT, JIRA_EMAIL (Cloud) and JIRA_API_TOKEN from the environment,
# which the systemd unit fills from /etc/pm-sync/env (mode 0600, owned by the service user).
# pm-sync must be on PATH (/usr/local/bin/pm-sync: see docs/src/install.md).
#
# The checkout belongs to this job: it is reset to the remote branch on every run, so a commit
# that could not be pushed last time (someone pushed first) is simply made again from the
# new state, and nothing ever needs fixing by hand.
set -euo pipefail

checkout="${1:?usage: pm-sync-refresh.sh CHECKOUT}"
cd "$checkout"

git fetch --quiet
git reset --quiet --hard '@{upstream}'

# Exit 3: some items could not be read; what was read is still written, so commit it and
# report the failure at the end.
status=0
pm-sync --quiet refresh postmortems/ || status=$?

git add --update postmortems/   # reports only: never the .*.pm-sync.lock sidecars
if ! git diff --cached --quiet; then
  git -c user.name="${PM_SYNC_GIT_NAME:-pm-sync}" \
    -c user.email="${PM_SYNC_GIT_EMAIL:-pm-sync@$(hostname -f 2>/dev/null || hostname)}" \
    commit --quiet -m "postmortems: refresh action item statuses from Jira"
  if ! git push --quiet; then
    # The branch moved since the fetch: replay on top once; else the next run redoes it.
    if git pull --quiet --rebase && git push --quiet; then
      echo "pushed after replaying on top of the remote branch"
    else
      git rebase --abort 2>/dev/null || true
      echo "pm-sync-refresh: the remote branch changed the same reports; nothing pushed (the next run refreshes again)" >&2
      [ "$status" -ne 0 ] || status=75
    fi
  fi
fi
exit "$status"
