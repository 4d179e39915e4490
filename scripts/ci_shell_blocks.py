#!/usr/bin/env python3
"""Writes the shell embedded in CI YAML files as scripts for shellcheck (scripts/lint-ci).

Usage: ci_shell_blocks.py OUTDIR FILE.yml...
GitHub `run:` blocks become bash scripts (how the runners run them); a GitLab job's
before_script/script/after_script lines become one sh script each (how GitLab runs them).
`${{ … }}` expressions become a plain word. Needs ruamel.yaml (check-jsonschema brings it).
"""

import os
import re
import sys

from ruamel.yaml import YAML


def main(argv):
    out, files = argv[1], argv[2:]
    yaml = YAML(typ="safe")
    count = 0

    def emit(name, shell, text):
        nonlocal count
        count += 1
        text = re.sub(r"\$\{\{.*?\}\}", "EXPR", text, flags=re.S)
        slug = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-")
        path = os.path.join(out, f"{count:03d}-{slug}.sh")
        with open(path, "w", encoding="utf-8") as f:
            # -e: GitHub's bash and GitLab's shell both stop at the first failing command.
            f.write(f"#!/usr/bin/env {shell}\n# {name}\nset -e\n{text}\n")

    for file in files:
        with open(file, encoding="utf-8") as f:
            doc = yaml.load(f)
        if "runs" in doc:  # an action
            for i, step in enumerate(doc["runs"].get("steps", [])):
                if "run" in step:
                    emit(f"{file} step {i}", "bash", step["run"])
        elif "jobs" in doc:  # a workflow
            for job_name, job in doc["jobs"].items():
                for i, step in enumerate(job.get("steps", [])):
                    if "run" in step:
                        shell = step.get("shell", "bash")
                        emit(f"{file} {job_name} step {i}", "bash" if shell == "bash" else "sh",
                             step["run"])
        else:  # GitLab CI
            for job_name, job in doc.items():
                if not isinstance(job, dict):
                    continue
                lines = []
                for key in ["before_script", "script", "after_script"]:
                    lines.extend(job.get(key) or [])
                if lines:
                    emit(f"{file} {job_name}", "sh", "\n".join(lines))
    print(f"{count} shell blocks", file=sys.stderr)
    return 0 if count else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
