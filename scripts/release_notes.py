#!/usr/bin/env python3
"""Checks a release tag against Cargo.toml and CHANGELOG.md, and prints the changelog section
of that version (the release notes). release.yml runs it before building anything.

Usage: release_notes.py vX.Y.Z
Exits 1 naming the file to fix when the tag is not Cargo.toml's version or the changelog has
no `## [X.Y.Z]` section.
"""

import os
import re
import sys
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def notes(tag, root=ROOT):
    if not re.fullmatch(r"v\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?", tag):
        raise ValueError(f"tag '{tag}' is not a release tag like v1.2.3")
    version = tag[1:]
    with open(os.path.join(root, "Cargo.toml"), "rb") as f:
        cargo = tomllib.load(f)["package"]["version"]
    if cargo != version:
        raise ValueError(
            f"tag {tag} but Cargo.toml says version = \"{cargo}\": set it to \"{version}\" "
            "(and commit Cargo.lock), then tag that commit"
        )
    with open(os.path.join(root, "CHANGELOG.md"), encoding="utf-8") as f:
        text = f.read()
    heading = re.search(rf"^## \[{re.escape(version)}\][^\n]*\n", text, re.M)
    if heading is None:
        raise ValueError(
            f"CHANGELOG.md has no '## [{version}] - YYYY-MM-DD' section: move the "
            "[Unreleased] entries under one"
        )
    end = re.search(r"^(## |\[[^\]]+\]: )", text[heading.end():], re.M)
    body = text[heading.end(): heading.end() + end.start() if end else None]
    return body.strip() + "\n"


def main(argv):
    if len(argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    try:
        sys.stdout.write(notes(argv[1]))
    except ValueError as e:
        sys.stderr.write(f"release_notes.py: {e}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
