#!/usr/bin/env bash
# Refreshes the post-mortems of a git checkout on a plain server (run by the systemd timer or
# cron): pull, write each ticket's current status into the reports, commit and push.
#
# Usage: pm-sync-refresh.sh /srv/postmortems
# Reads JIRA_URL, JIRA_PROJECT, JIRA_EMAIL (Cloud) and JIRA_API_TOKEN from the environment,
# which the systemd unit fills from /etc/pm-sync/env (mode 0600, owned by the service user).
set -euo pipefail

checkout="${1:?usage: pm-sync-refresh.sh CHECKOUT}"
cd "$checkout"

git pull --quiet --ff-only

# Exit 3: some items could not be read; what was read is still written, so commit it and
# report the failure at the end.
status=0
pm-sync --quiet refresh postmortems/ || status=$?

git add --update postmortems/   # reports only: never the .*.pm-sync.lock sidecars
if ! git diff --cached --quiet; then
  git commit --quiet -m "postmortems: refresh action item statuses from Jira"
  git push --quiet
fi
exit "$status"
