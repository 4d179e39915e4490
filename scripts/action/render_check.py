#!/usr/bin/env python3
"""Renders one `pm-sync check --format json` document as GitHub annotations and a Markdown
step summary, so the GitHub Action asks Jira once and still gets both.

Usage: render_check.py RESULT.json --github            annotations + total line on stdout
       render_check.py RESULT.json --markdown          the step summary on stdout

The output matches `pm-sync check --format github` and `--format markdown` byte for byte
(scripts/test_action.py compares them on the same reports). Standard library only.
"""

import json
import sys


def plural(count, noun):
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def totals_sentence(t):
    return (
        f"{plural(t['items'], 'item')} in {plural(t['reports'], 'report')}: "
        f"{t['resolved']} resolved, {t['waived']} waived, {t['unresolved']} unresolved, "
        f"{t['no_ticket']} without a ticket, {t['missing']} missing"
    )


def items(doc):
    for report in doc["reports"]:
        for item in report["items"]:
            yield report, item


def failure_message(item):
    key = item["key"] or "?"
    summary, status, verdict = item["summary"], item["status"], item["verdict"]
    if verdict == "unresolved":
        if status is None:
            return f'{key} has no status, not resolved: "{summary}"'
        return f'{key} is "{status}", not resolved: "{summary}"'
    if verdict == "no_ticket":
        return f'no Jira ticket for "{summary}" (run `pm-sync sync` to file one)'
    if verdict == "missing":
        return (
            f'Jira does not know {key} (deleted, or not visible to this user): "{summary}"; '
            "fix or remove the key in the report"
        )
    if status is None:
        return f'{key}: "{summary}"'
    return f'{key} is "{status}": "{summary}"'


def escape_data(text):
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text):
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


TITLES = {
    "unresolved": "Unresolved action item",
    "no_ticket": "Action item without a Jira ticket",
    "missing": "Action item with an unknown Jira key",
}


def github(doc):
    out = []
    for report, item in items(doc):
        title = TITLES.get(item["verdict"])
        if title is None:
            continue
        message = failure_message(item)
        if item["url"]:
            message += "\n" + item["url"]
        out.append(
            f"::error file={escape_property(report['path'])},line={item['line']},"
            f"title={escape_property(title)}::{escape_data(message)}\n"
        )
    command = "error" if doc["require_items"] else "warning"
    for warning in doc["warnings"]:
        if warning["path"] is not None:
            out.append(
                f"::{command} file={escape_property(warning['path'])},"
                f"title={escape_property('Post-mortem without action items')}::"
                f"{escape_data(warning['message'])}\n"
            )
        else:
            out.append(f"::{command}::{escape_data(warning['message'])}\n")
    verdict = "passed" if doc["passed"] else "failed"
    out.append(f"pm-sync check {verdict}: {totals_sentence(doc['totals'])}\n")
    return "".join(out)


def escape_cell(text):
    out = []
    for c in text:
        if c in "|\\*_[]`#~":
            out.append("\\" + c)
        elif c == "<":
            out.append("&lt;")
        elif c == ">":
            out.append("&gt;")
        elif c == "&":
            out.append("&amp;")
        elif c in "\r\n":
            out.append(" ")
        else:
            out.append(c)
    return "".join(out)


ICONS = {"resolved": "✅", "waived": "⚠️"}


def markdown(doc):
    t = doc["totals"]
    failing = t["unresolved"] + t["no_ticket"] + t["missing"]
    if doc["passed"]:
        heading = "✅ Post-mortem action items: all resolved"
    elif failing > 0:
        heading = f"❌ Post-mortem action items: {failing} of {t['items']} not resolved"
    else:
        heading = "❌ Post-mortem action items: a report has no action items"
    out = [f"### {heading}\n\n"]
    if t["items"] > 0:
        out.append("| | Report | Item | Ticket | Status | Verdict |\n")
        out.append("|---|---|---|---|---|---|\n")
        for report, item in items(doc):
            icon = ICONS.get(item["verdict"], "❌")
            key, url = item["key"], item["url"]
            if key is None:
                ticket = "—"
            elif url is not None:
                ticket = f"[{key}]({url})"
            else:
                ticket = key
            if item["moved_from"] is not None:
                ticket += f" (was {item['moved_from']})"
            verdict = {"waived": "waived (dropped, not fixed)", "no_ticket": "no ticket"}.get(
                item["verdict"], item["verdict"]
            )
            status = "—" if item["status"] is None else escape_cell(item["status"])
            path = report["path"].replace("`", "'")
            out.append(
                f"| {icon} | `{path}:{item['line']}` | {escape_cell(item['summary'])} "
                f"| {ticket} | {status} | {verdict} |\n"
            )
        out.append("\n")
    for warning in doc["warnings"]:
        if warning["path"] is not None:
            path = warning["path"].replace("`", "'")
            out.append(f"> ⚠️ `{path}`: {escape_cell(warning['message'])}\n\n")
        else:
            out.append(f"> ⚠️ {escape_cell(warning['message'])}\n\n")
    source = (
        "statuses read from Jira"
        if doc["source"] == "jira"
        else "statuses as written in the reports (`--offline`)"
    )
    out.append(f"**Total:** {totals_sentence(t)}; {source}.\n")
    return "".join(out)


def main(argv):
    if len(argv) != 3 or argv[2] not in ("--github", "--markdown"):
        sys.stderr.write(__doc__)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        doc = json.load(f)
    text = github(doc) if argv[2] == "--github" else markdown(doc)
    sys.stdout.buffer.write(text.encode("utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
