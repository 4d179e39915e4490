#!/usr/bin/env python3
"""Tests of the GitHub Action's scripts and the release packaging, run by .ci/run.

- install.sh picks the right release archive for each runner, finds the repository and the
  version, downloads from a fake release (a local HTTP server on 127.0.0.1 serving archives made
  by package.py), verifies the checksum, installs once and reuses the install, and builds from
  source only when asked;
- run.sh passes the token only as the variable pm-sync reads, and for `check` renders the
  annotations and the step summary from one pm-sync run;
- render_check.py's output is byte for byte what `pm-sync check --format github|markdown`
  prints for the same reports (so the Action cannot drift from the CLI).

Needs the pm-sync binary: $PM_SYNC_BIN, else target/debug/pm-sync (cargo build first).
Usage: python3 scripts/test_action.py [-v]
"""

import http.server
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INSTALL = os.path.join(ROOT, "scripts", "action", "install.sh")
RUN = os.path.join(ROOT, "scripts", "action", "run.sh")
RENDER = os.path.join(ROOT, "scripts", "action", "render_check.py")
PACKAGE = os.path.join(ROOT, "scripts", "package.py")
PM_SYNC = os.environ.get("PM_SYNC_BIN", os.path.join(ROOT, "target", "debug", "pm-sync"))
REPO = "acme/pm-sync"


def write_exe(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


class FakeRelease:
    """GitHub's release URLs, served from a folder on 127.0.0.1:
    /OWNER/NAME/releases/latest redirects to /OWNER/NAME/releases/tag/vLATEST, and
    /OWNER/NAME/releases/download/vX/FILE serves FILE from the folder vX."""

    def __init__(self, root, latest):
        self.root, self.latest, self.requests = root, latest, []
        release = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                release.requests.append(self.path)
                prefix = f"/{REPO}/releases/"
                if self.path == prefix + "latest":
                    self.send_response(302)
                    self.send_header("Location", f"{prefix}tag/v{release.latest}")
                    self.end_headers()
                    return
                if self.path.startswith(prefix + "tag/"):
                    self.send_response(200)
                    self.end_headers()
                    return
                if self.path.startswith(prefix + "download/"):
                    rel = self.path[len(prefix + "download/"):]
                    file = os.path.join(release.root, *rel.split("/"))
                    if ".." not in rel and os.path.isfile(file):
                        with open(file, "rb") as f:
                            data = f.read()
                        self.send_response(200)
                        self.send_header("Content-Length", str(len(data)))
                        self.end_headers()
                        self.wfile.write(data)
                        return
                self.send_response(404)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def downloads(self):
        return [p for p in self.requests if "/download/" in p]


def fake_binary(folder, version):
    """A stand-in pm-sync that reports its version, as the real one does."""
    path = os.path.join(folder, f"pm-sync-{version}")
    write_exe(path, f'#!/bin/sh\necho "pm-sync {version} (0123456789)"\n')
    return path


def publish(release_root, version, target):
    """Packs a fake binary with package.py into the release folder vVERSION."""
    out = os.path.join(release_root, f"v{version}")
    binary = fake_binary(release_root, version)
    subprocess.run(
        [sys.executable, PACKAGE, version, target, binary, out],
        check=True, capture_output=True,
    )
    ext = "zip" if "windows" in target else "tar.gz"
    return os.path.join(out, f"pm-sync-v{version}-{target}.{ext}")


class InstallBase(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="pm-sync-action-")
        self.releases = os.path.join(self.tmp, "releases")
        os.makedirs(self.releases)
        self.release = FakeRelease(self.releases, "0.3.0")
        self.addCleanup(self.release.close)
        self.addCleanup(shutil.rmtree, self.tmp)
        self.tool_cache = os.path.join(self.tmp, "toolcache")
        self.github_path = os.path.join(self.tmp, "github_path")
        self.github_output = os.path.join(self.tmp, "github_output")
        self.bin = os.path.join(self.tmp, "bin")
        os.makedirs(self.bin)

    def run_install(self, *args, **env):
        full = {
            "PATH": self.bin + os.pathsep + os.environ["PATH"],
            "HOME": self.tmp,
            "TMPDIR": self.tmp,
            "RUNNER_OS": "Linux",
            "RUNNER_ARCH": "X64",
            "RUNNER_TOOL_CACHE": self.tool_cache,
            "GITHUB_PATH": self.github_path,
            "GITHUB_OUTPUT": self.github_output,
            # A major tag: neither a release nor a commit, so the latest release.
            "ACTION_PATH": f"/home/runner/work/_actions/{REPO}/v1",
            "PM_SYNC_SERVER": self.release.url,
        }
        full.update(env)
        return subprocess.run(
            ["bash", INSTALL, *args], env=full, capture_output=True, text=True, timeout=60
        )

    def outputs(self):
        with open(self.github_output, encoding="utf-8") as f:
            return dict(line.rstrip("\n").split("=", 1) for line in f if line.strip())



class Install(InstallBase):
    def test_each_runner_gets_its_release_target(self):
        expected = {
            ("Linux", "X64"): "x86_64-unknown-linux-musl",
            ("Linux", "ARM64"): "aarch64-unknown-linux-musl",
            ("macOS", "X64"): "x86_64-apple-darwin",
            ("macOS", "ARM64"): "aarch64-apple-darwin",
            ("Windows", "X64"): "x86_64-pc-windows-msvc",
            ("Windows", "ARM64"): "x86_64-pc-windows-msvc",
        }
        for (os_name, arch), target in expected.items():
            done = self.run_install("target", RUNNER_OS=os_name, RUNNER_ARCH=arch)
            self.assertEqual((done.returncode, done.stdout.strip()), (0, target), (os_name, arch))
        done = self.run_install("target", RUNNER_OS="Linux", RUNNER_ARCH="ARM")
        self.assertNotEqual(done.returncode, 0)
        self.assertIn("no pm-sync release for Linux/ARM", done.stderr)

    def test_resolve_names_the_archive_of_each_platform(self):
        done = self.run_install("resolve", PM_SYNC_VERSION="v0.2.0", RUNNER_OS="Windows")
        self.assertEqual(done.returncode, 0, done.stderr)
        version, target, asset, folder = done.stdout.split()
        self.assertEqual(
            (version, target, asset),
            ("0.2.0", "x86_64-pc-windows-msvc", "pm-sync-v0.2.0-x86_64-pc-windows-msvc.zip"),
        )
        self.assertEqual(folder, os.path.join(self.tool_cache, "pm-sync", "0.2.0", target))
        self.assertEqual(self.outputs()["dir"], folder)
        done = self.run_install("resolve", PM_SYNC_VERSION="0.2.0", RUNNER_OS="macOS",
                                RUNNER_ARCH="ARM64")
        self.assertEqual(done.stdout.split()[2], "pm-sync-v0.2.0-aarch64-apple-darwin.tar.gz")

    def test_version_defaults_to_the_action_tag_else_the_latest_release(self):
        tagged = f"/home/runner/work/_actions/{REPO}/v0.2.1"
        done = self.run_install("resolve", ACTION_PATH=tagged)
        self.assertEqual(done.stdout.split()[0], "0.2.1", done.stderr)
        # A major tag is not a release: ask for the latest one.
        done = self.run_install("resolve", ACTION_PATH=f"/r/_actions/{REPO}/v1")
        self.assertEqual(done.stdout.split()[0], "0.3.0", done.stderr)
        done = self.run_install("resolve", PM_SYNC_VERSION="latest")
        self.assertEqual(done.stdout.split()[0], "0.3.0", done.stderr)
        done = self.run_install("resolve", PM_SYNC_VERSION="0.2")
        self.assertEqual(done.returncode, 2)
        self.assertIn("version '0.2' is not a release version", done.stderr)

    def test_repository_comes_from_the_input_or_the_action_path(self):
        windows = f"D:\\a\\_actions\\{REPO.replace('/', chr(92))}\\v0.2.0"
        done = self.run_install("resolve", ACTION_PATH=windows)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(done.stdout.split()[0], "0.2.0")
        # A local action (uses: ./) has no owner in its path: the input must say.
        done = self.run_install("resolve", ACTION_PATH="/home/runner/work/repo/repo")
        self.assertEqual(done.returncode, 2)
        self.assertIn("set the action's 'repository' input", done.stderr)
        done = self.run_install("resolve", ACTION_PATH="/home/runner/work/repo/repo",
                                PM_SYNC_REPOSITORY=REPO)
        self.assertEqual((done.returncode, done.stdout.split()[0]), (0, "0.3.0"), done.stderr)

    def test_installs_the_verified_binary_once_and_puts_it_on_path(self):
        publish(self.releases, "0.3.0", "x86_64-unknown-linux-musl")
        done = self.run_install("install")
        self.assertEqual(done.returncode, 0, done.stderr)
        folder = os.path.join(self.tool_cache, "pm-sync", "0.3.0", "x86_64-unknown-linux-musl")
        with open(self.github_path, encoding="utf-8") as f:
            self.assertEqual(f.read(), folder + "\n")
        self.assertEqual(self.outputs(), {"version": "0.3.0", "dir": folder})
        ran = subprocess.run([os.path.join(folder, "pm-sync"), "--version"],
                             capture_output=True, text=True)
        self.assertEqual(ran.stdout, "pm-sync 0.3.0 (0123456789)\n")
        self.assertEqual(
            self.release.downloads(),
            [f"/{REPO}/releases/download/v0.3.0/pm-sync-v0.3.0-x86_64-unknown-linux-musl.tar.gz",
             f"/{REPO}/releases/download/v0.3.0/pm-sync-v0.3.0-x86_64-unknown-linux-musl.tar.gz.sha256"],
        )
        # A runner that keeps its tool cache (self-hosted) does not download again.
        again = self.run_install("install", PM_SYNC_VERSION="0.3.0")
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertIn("0.3.0 already in", again.stderr)
        self.assertEqual(len(self.release.downloads()), 2)

    def test_a_tampered_archive_is_refused_and_nothing_is_installed(self):
        archive = publish(self.releases, "0.3.0", "x86_64-unknown-linux-musl")
        with open(archive, "ab") as f:
            f.write(b"tampered")
        done = self.run_install("install", PM_SYNC_FROM_SOURCE="true")
        self.assertEqual(done.returncode, 2)
        self.assertIn("checksum mismatch for pm-sync-v0.3.0-x86_64-unknown-linux-musl.tar.gz",
                      done.stderr)
        folder = os.path.join(self.tool_cache, "pm-sync", "0.3.0", "x86_64-unknown-linux-musl")
        self.assertFalse(os.path.exists(os.path.join(folder, "pm-sync")))
        self.assertFalse(os.path.exists(self.github_path))

    def test_an_archive_without_checksum_is_refused(self):
        archive = publish(self.releases, "0.3.0", "x86_64-unknown-linux-musl")
        os.remove(archive + ".sha256")
        done = self.run_install("install")
        self.assertEqual(done.returncode, 2)
        self.assertIn("refusing an unverified binary", done.stderr)

    def test_a_missing_archive_fails_clearly_unless_building_from_source_is_asked(self):
        publish(self.releases, "0.3.0", "x86_64-unknown-linux-musl")
        done = self.run_install("install", RUNNER_ARCH="ARM64")
        self.assertEqual(done.returncode, 2)
        self.assertIn(
            f"release v0.3.0 of {REPO} has no pm-sync-v0.3.0-aarch64-unknown-linux-musl.tar.gz",
            done.stderr,
        )
        self.assertIn("from-source: true", done.stderr)
        # With from-source, cargo install builds the tag (a fake cargo records what it was asked).
        record = os.path.join(self.tmp, "cargo-args")
        write_exe(os.path.join(self.bin, "cargo"), f"""#!/bin/sh
printf '%s\\n' "$@" > '{record}'
while [ "$1" != --root ]; do shift; done
mkdir -p "$2/bin" && cp '{fake_binary(self.tmp, "0.3.0")}' "$2/bin/pm-sync"
""")
        done = self.run_install("install", RUNNER_ARCH="ARM64", PM_SYNC_FROM_SOURCE="true")
        self.assertEqual(done.returncode, 0, done.stderr)
        with open(record, encoding="utf-8") as f:
            args = f.read().split("\n")
        self.assertEqual(args[:2], ["install", "--locked"])
        self.assertIn(f"{self.release.url}/{REPO}", args)
        self.assertEqual(args[args.index("--tag") + 1], "v0.3.0")
        self.assertIn("pm-sync 0.3.0", done.stderr)


class InstallFromTheActionsCommit(InstallBase):
    """uses: OWNER/pm-sync@<sha> (or a branch) before any release: the action builds the exact
    checkout the runner fetched, with cargo, once per source tree."""

    def setUp(self):
        super().setUp()
        self.sha = "0123456789abcdef0123456789abcdef01234567"
        self.checkout = os.path.join(self.tmp, "_actions", *REPO.split("/"), self.sha)
        os.makedirs(os.path.join(self.checkout, "src"))
        self.write_source('[package]\nname = "pm-sync"\nversion = "0.4.0"\n', "fn main() {}\n")
        with open(os.path.join(self.checkout, "Cargo.lock"), "w", encoding="utf-8") as f:
            f.write("# lock\n")
        self.record = os.path.join(self.tmp, "cargo-calls")
        write_exe(os.path.join(self.bin, "cargo"), f"""#!/bin/sh
printf '%s\\n' "$*" >> '{self.record}'
while [ "$1" != --root ]; do shift; done
mkdir -p "$2/bin" && cp '{fake_binary(self.tmp, "0.4.0")}' "$2/bin/pm-sync"
""")

    def write_source(self, manifest, main):
        with open(os.path.join(self.checkout, "Cargo.toml"), "w", encoding="utf-8") as f:
            f.write(manifest)
        with open(os.path.join(self.checkout, "src", "main.rs"), "w", encoding="utf-8") as f:
            f.write(main)

    def cargo_calls(self):
        if not os.path.exists(self.record):
            return []
        with open(self.record, encoding="utf-8") as f:
            return f.read().splitlines()

    def test_a_commit_pin_builds_that_checkout_once_and_downloads_nothing(self):
        done = self.run_install("resolve", ACTION_PATH=self.checkout)
        self.assertEqual(done.returncode, 0, done.stderr)
        version, target, asset, folder = done.stdout.split()
        self.assertRegex(version, r"^0\.4\.0\+source\.[0-9a-f]{16}$")
        self.assertEqual((target, asset), ("source", "-"))
        self.assertEqual(self.outputs()["version"], version)
        done = self.run_install("install", ACTION_PATH=self.checkout)
        self.assertEqual(done.returncode, 0, done.stderr)
        [call] = self.cargo_calls()
        self.assertTrue(call.startswith("install --locked --root "), call)
        self.assertTrue(call.endswith(f"--path {self.checkout} pm-sync"), call)
        with open(self.github_path, encoding="utf-8") as f:
            self.assertEqual(f.read(), folder + "\n")
        self.assertEqual(self.release.requests, [])
        # The same commit again (a kept tool cache, or actions/cache restoring the folder): no build.
        again = self.run_install("install", ACTION_PATH=self.checkout)
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertIn("this commit's build is already in", again.stderr)
        self.assertEqual(len(self.cargo_calls()), 1)
        # Another commit's sources get their own build and cache key.
        self.write_source('[package]\nname = "pm-sync"\nversion = "0.4.0"\n', "fn main() { }\n")
        other = self.run_install("resolve", ACTION_PATH=self.checkout)
        self.assertNotEqual(other.stdout.split()[0], version)
        self.run_install("install", ACTION_PATH=self.checkout)
        self.assertEqual(len(self.cargo_calls()), 2)

    def test_a_branch_pin_builds_too_and_version_source_asks_for_it_explicitly(self):
        branch = os.path.join(self.tmp, "_actions", *REPO.split("/"), "main")
        shutil.copytree(self.checkout, branch)
        done = self.run_install("resolve", ACTION_PATH=branch)
        self.assertEqual(done.stdout.split()[1], "source", done.stderr)
        # A local action (uses: ./) is a checkout too: version: source builds it.
        local = os.path.join(self.tmp, "work", "repo")
        shutil.copytree(self.checkout, local)
        done = self.run_install("install", ACTION_PATH=local, PM_SYNC_VERSION="source")
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertTrue(self.cargo_calls()[0].endswith(f"--path {local} pm-sync"))
        # A pinned release still wins over building.
        done = self.run_install("resolve", ACTION_PATH=self.checkout, PM_SYNC_VERSION="0.3.0")
        self.assertEqual(done.stdout.split()[:2], ["0.3.0", "x86_64-unknown-linux-musl"])

    def test_without_cargo_it_says_how_to_get_it_or_pin_a_release(self):
        os.remove(os.path.join(self.bin, "cargo"))
        done = self.run_install("install", ACTION_PATH=self.checkout,
                                PATH=self.bin + os.pathsep + "/usr/bin:/bin")
        self.assertEqual(done.returncode, 2)
        self.assertIn("needs cargo", done.stderr)
        self.assertIn("uses: OWNER/pm-sync@vX.Y.Z", done.stderr)


class Release(unittest.TestCase):
    """The archive names agree across package.py, install.sh and cargo-binstall's metadata, and
    release_notes.py refuses a tag the sources do not agree with."""

    TARGETS = ["x86_64-unknown-linux-musl", "aarch64-unknown-linux-musl", "x86_64-apple-darwin",
               "aarch64-apple-darwin", "x86_64-pc-windows-msvc"]

    def test_binstall_finds_the_binary_in_every_archive(self):
        import tarfile
        import tomllib
        import zipfile

        with open(os.path.join(ROOT, "Cargo.toml"), "rb") as f:
            package = tomllib.load(f)["package"]
        meta = package["metadata"]["binstall"]
        # The release workflow builds exactly the targets the Action selects from.
        with open(os.path.join(ROOT, ".github", "workflows", "release.yml"), encoding="utf-8") as f:
            workflow = f.read()
        for target in self.TARGETS:
            self.assertIn(f"target: {target},", workflow)
        tmp = tempfile.mkdtemp(prefix="pm-sync-package-")
        self.addCleanup(shutil.rmtree, tmp)
        for target in self.TARGETS:
            fmt = meta.get("overrides", {}).get(target, {}).get("pkg-fmt", meta["pkg-fmt"])
            suffix = {"tgz": ".tar.gz", "zip": ".zip"}[fmt]
            windows = "windows" in target
            values = {"repo": package["repository"], "version": "0.3.0", "name": "pm-sync",
                      "target": target, "archive-suffix": suffix, "bin": "pm-sync",
                      "binary-ext": ".exe" if windows else ""}
            url, bin_dir = (
                re.sub(r"\{ ([a-z-]+) \}", lambda m: values[m.group(1)], meta[k])
                for k in ["pkg-url", "bin-dir"])
            archive = publish(tmp, "0.3.0", target)
            self.assertEqual(url, f"{package['repository']}/releases/download/v0.3.0/"
                             + os.path.basename(archive))
            if windows:
                names = zipfile.ZipFile(archive).namelist()
            else:
                names = tarfile.open(archive).getnames()
            self.assertIn(bin_dir, names)
            for doc in ["README.md", "CHANGELOG.md", "LICENSE-MIT", "LICENSE-APACHE"]:
                self.assertIn(f"pm-sync-v0.3.0-{target}/{doc}", names)

    def test_release_notes_need_a_matching_version_and_changelog_section(self):
        sys.path.insert(0, os.path.join(ROOT, "scripts"))
        import release_notes

        tmp = tempfile.mkdtemp(prefix="pm-sync-notes-")
        self.addCleanup(shutil.rmtree, tmp)
        with open(os.path.join(tmp, "Cargo.toml"), "w", encoding="utf-8") as f:
            f.write('[package]\nname = "pm-sync"\nversion = "0.3.0"\n')
        with open(os.path.join(tmp, "CHANGELOG.md"), "w", encoding="utf-8") as f:
            f.write("# Changelog\n\n## [Unreleased]\n\n## [0.3.0] - 2026-12-01\n\n### Fixed\n\n"
                    "- A thing.\n\n## [0.2.0] - 2026-11-01\n\n- Older.\n\n"
                    "[0.3.0]: https://example.com\n")
        self.assertEqual(release_notes.notes("v0.3.0", tmp), "### Fixed\n\n- A thing.\n")
        with self.assertRaisesRegex(ValueError, 'Cargo.toml says version = "0.3.0"'):
            release_notes.notes("v0.2.0", tmp)
        with self.assertRaisesRegex(ValueError, "not a release tag"):
            release_notes.notes("0.3.0", tmp)
        with open(os.path.join(tmp, "Cargo.toml"), "w", encoding="utf-8") as f:
            f.write('[package]\nname = "pm-sync"\nversion = "0.4.0"\n')
        with self.assertRaisesRegex(ValueError, r"no '## \[0.4.0\] - YYYY-MM-DD' section"):
            release_notes.notes("v0.4.0", tmp)


class Render(unittest.TestCase):
    """render_check.py against the CLI's own renderers, on the same reports."""

    def setUp(self):
        if not os.path.isfile(PM_SYNC):
            self.fail(f"{PM_SYNC} is missing: run `cargo build` first (or set PM_SYNC_BIN)")
        self.tmp = tempfile.mkdtemp(prefix="pm-sync-render-")
        self.addCleanup(shutil.rmtree, self.tmp)
        fixtures = os.path.join(ROOT, "tests", "fixtures", "check")
        for name in ["mixed.md", "no-items.md", "resolved-html.md"]:
            shutil.copy(os.path.join(fixtures, name), self.tmp)
        # Characters that each format must escape: % , : | < > * and a backtick in the path.
        with open(os.path.join(self.tmp, "odd `name`, 50%.md"), "w", encoding="utf-8") as f:
            f.write(
                "# Odd\n\n## Action Items\n\n| Action Item | Status | Ticket |\n|---|---|---|\n"
                "| Cap retries: 50% *less* \\| <fast> & [now] | Won't Do | OPS-7 |\n"
                "| Page on `lag`, #ops ~now | In: Review | OPS-8 |\n"
                "| Nothing filed yet | | |\n"
            )
        with open(os.path.join(self.tmp, "pm-sync.toml"), "w", encoding="utf-8") as f:
            f.write('[status]\nwaived = ["Won\'t Do"]\n')

    def check(self, *args):
        return subprocess.run(
            [PM_SYNC, "check", "--offline", *args, "."],
            cwd=self.tmp, capture_output=True, env={**os.environ, "NO_COLOR": "1"},
        )

    def test_annotations_and_summary_match_the_cli(self):
        for extra in [[], ["--require-items"]]:
            doc = self.check("--format", "json", *extra)
            self.assertEqual(doc.returncode, 1, doc.stderr)
            result = os.path.join(self.tmp, "result.json")
            with open(result, "wb") as f:
                f.write(doc.stdout)
            self.assertGreater(json.loads(doc.stdout)["totals"]["items"], 5)
            for fmt in ["github", "markdown"]:
                cli = self.check("--format", fmt, *extra)
                ours = subprocess.run([sys.executable, RENDER, result, f"--{fmt}"],
                                      capture_output=True, check=True)
                self.assertEqual(ours.stdout.decode(), cli.stdout.decode(), (fmt, extra))


class Run(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="pm-sync-run-")
        self.addCleanup(shutil.rmtree, self.tmp)
        self.bin = os.path.join(self.tmp, "bin")
        os.makedirs(self.bin)
        self.summary = os.path.join(self.tmp, "summary.md")
        self.output = os.path.join(self.tmp, "output")

    def run_action(self, **env):
        full = {
            "PATH": self.bin + os.pathsep + os.environ["PATH"],
            "HOME": self.tmp,
            "GITHUB_STEP_SUMMARY": self.summary,
            "GITHUB_OUTPUT": self.output,
        }
        full.update(env)
        return subprocess.run(["bash", RUN], env=full, cwd=self.tmp, capture_output=True,
                              text=True, timeout=60)

    def fake_pm_sync(self):
        """Records its arguments and environment, prints a JSON verdict, exits 1."""
        write_exe(os.path.join(self.bin, "pm-sync"), f"""#!/bin/sh
printf '%s\\n' "$@" > '{self.tmp}/args'
env > '{self.tmp}/env'
cat '{self.tmp}/result.json'
exit 1
""")

    def test_the_check_asks_once_and_writes_annotations_and_the_summary(self):
        shutil.copy(os.path.join(ROOT, "tests", "fixtures", "check", "mixed.md"), self.tmp)
        os.symlink(PM_SYNC, os.path.join(self.bin, "pm-sync"))
        done = self.run_action(PM_SYNC_OFFLINE="true", PM_SYNC_PATHS="mixed.md")
        self.assertEqual(done.returncode, 1, done.stderr)
        cli = subprocess.run([PM_SYNC, "check", "--offline", "--format", "github", "mixed.md"],
                             cwd=self.tmp, capture_output=True, text=True)
        self.assertEqual(done.stdout, cli.stdout)
        self.assertIn("::error file=mixed.md,line=", done.stdout)
        with open(self.summary, encoding="utf-8") as f:
            self.assertIn("### ❌ Post-mortem action items:", f.read())
        with open(self.output, encoding="utf-8") as f:
            self.assertEqual(f.read(), "exit-code=1\n")

    def test_the_token_reaches_pm_sync_only_under_its_own_name(self):
        with open(os.path.join(self.tmp, "result.json"), "w", encoding="utf-8") as f:
            json.dump({"passed": False, "source": "jira", "require_items": True,
                       "totals": {"reports": 0, "reports_without_items": 0, "items": 0,
                                  "resolved": 0, "waived": 0, "unresolved": 0,
                                  "no_ticket": 0, "missing": 0},
                       "reports": [], "warnings": [{"path": None, "message": "no report"}]}, f)
        self.fake_pm_sync()
        done = self.run_action(PM_SYNC_TOKEN="s3cret-token", PM_SYNC_TOKEN_ENV="JIRA_PAT",
                               PM_SYNC_CONFIG="ci.toml", PM_SYNC_PATHS="a.md  b/",
                               PM_SYNC_ARGS="--require-items")
        self.assertEqual(done.returncode, 1, done.stderr)
        with open(os.path.join(self.tmp, "args"), encoding="utf-8") as f:
            self.assertEqual(f.read().split("\n")[:-1],
                             ["-c", "ci.toml", "check", "--format", "json", "--require-items",
                              "--", "a.md", "b/"])
        with open(os.path.join(self.tmp, "env"), encoding="utf-8") as f:
            env = f.read()
        self.assertIn("JIRA_PAT=s3cret-token\n", env)
        self.assertNotIn("PM_SYNC_TOKEN=", env)
        self.assertNotIn("s3cret-token", done.stdout + done.stderr)
        self.assertIn("::error::no report", done.stdout)

    def test_a_token_pasted_into_token_env_is_never_echoed(self):
        self.fake_pm_sync()
        pasted = "ATATT3xFfGF0+pasted/token="
        done = self.run_action(PM_SYNC_TOKEN="t", PM_SYNC_TOKEN_ENV=pasted)
        self.assertEqual(done.returncode, 2)
        self.assertIn("token-env is not a variable name", done.stdout)
        self.assertNotIn(pasted, done.stdout + done.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "args")))

    def test_without_a_token_it_says_how_to_pass_one(self):
        self.fake_pm_sync()
        done = self.run_action(PM_SYNC_COMMAND="refresh")
        self.assertEqual(done.returncode, 2)
        self.assertIn("::error title=pm-sync::no Jira token", done.stdout)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "args")))

    def test_refresh_runs_with_its_own_format(self):
        write_exe(os.path.join(self.bin, "pm-sync"),
                  f"#!/bin/sh\nprintf '%s\\n' \"$@\" > '{self.tmp}/args'\nexit 3\n")
        done = self.run_action(PM_SYNC_COMMAND="refresh", PM_SYNC_TOKEN="t")
        self.assertEqual(done.returncode, 3)
        with open(os.path.join(self.tmp, "args"), encoding="utf-8") as f:
            self.assertEqual(f.read().split(), ["refresh", "--format", "text", "--",
                                                "postmortems/"])
        done = self.run_action(PM_SYNC_COMMAND="sync", PM_SYNC_OFFLINE="true")
        self.assertEqual(done.returncode, 2)
        self.assertIn("offline: true only works with command: check", done.stdout)


class ServerRecipe(unittest.TestCase):
    """examples/ci/pm-sync-refresh.sh against real git repositories: a push that cannot
    fast-forward is replayed once, a conflicting one is left for the next run, which recovers."""

    SCRIPT = os.path.join(ROOT, "examples", "ci", "pm-sync-refresh.sh")
    REPORT = "| Action Item | Status |\n|---|---|\n| OPS-1 Add an alert | {} |\n"

    def git(self, cwd, *args):
        return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                              text=True, env={**os.environ, **self.env}).stdout

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="pm-sync-server-")
        self.addCleanup(shutil.rmtree, self.tmp)
        self.env = {"PATH": os.path.join(self.tmp, "bin") + os.pathsep + os.environ["PATH"],
                    "HOME": self.tmp, "GIT_CONFIG_NOSYSTEM": "1",
                    "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z"}
        os.makedirs(os.path.join(self.tmp, "bin"))
        with open(os.path.join(self.tmp, ".gitconfig"), "w", encoding="utf-8") as f:
            f.write("[user]\n\tname = Someone\n\temail = someone@example.com\n"
                    "[init]\n\tdefaultBranch = main\n")
        self.remote = os.path.join(self.tmp, "remote.git")
        self.git(self.tmp, "init", "-q", "--bare", self.remote)
        self.person = os.path.join(self.tmp, "person")
        self.git(self.tmp, "clone", "-q", self.remote, self.person)
        os.makedirs(os.path.join(self.person, "postmortems"))
        self.write(self.person, "postmortems/a.md", self.REPORT.format("To Do"))
        self.write(self.person, "postmortems/b.md", self.REPORT.format("To Do"))
        self.git(self.person, "add", ".")
        self.git(self.person, "commit", "-qm", "reports")
        self.git(self.person, "push", "-q", "origin", "HEAD:main")
        self.server = os.path.join(self.tmp, "server")
        self.git(self.tmp, "clone", "-q", self.remote, self.server)

    def write(self, repo, path, text):
        with open(os.path.join(repo, path), "w", encoding="utf-8") as f:
            f.write(text)

    def fake_refresh(self, status, meanwhile=""):
        """A pm-sync that writes `status` into a.md; `meanwhile` runs first (another push)."""
        write_exe(os.path.join(self.tmp, "bin", "pm-sync"), f"""#!/bin/sh
[ "$*" = "--quiet refresh postmortems/" ] || {{ echo "unexpected: $*" >&2; exit 9; }}
{meanwhile}
printf '{self.REPORT.format(status)}' > postmortems/a.md
""")

    def person_pushes(self, path, status):
        return (f"(cd '{self.person}' && git pull -q --rebase origin main && "
                f"printf '{self.REPORT.format(status)}' > {path} && "
                f"git commit -qam edit && git push -q origin HEAD:main)")

    def refresh(self):
        return subprocess.run(["bash", self.SCRIPT, self.server], env={**os.environ, **self.env},
                              capture_output=True, text=True, timeout=60)

    def remote_file(self, path):
        self.git(self.person, "fetch", "-q")
        return self.git(self.person, "show", f"origin/main:{path}")

    def test_a_push_that_cannot_fast_forward_is_replayed_on_top(self):
        self.fake_refresh("Done", meanwhile=self.person_pushes("postmortems/b.md", "Closed"))
        done = self.refresh()
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(self.remote_file("postmortems/a.md"), self.REPORT.format("Done"))
        self.assertEqual(self.remote_file("postmortems/b.md"), self.REPORT.format("Closed"))
        log = self.git(self.person, "log", "--format=%an|%s", "origin/main")
        self.assertTrue(log.startswith(
            "pm-sync|postmortems: refresh action item statuses from Jira\n"), log)

    def test_a_conflicting_push_is_left_for_the_next_run_which_recovers(self):
        self.fake_refresh("Done", meanwhile=self.person_pushes("postmortems/a.md", "Blocked"))
        done = self.refresh()
        self.assertEqual(done.returncode, 75, done.stderr)
        self.assertIn("nothing pushed", done.stderr)
        self.assertEqual(self.remote_file("postmortems/a.md"), self.REPORT.format("Blocked"))
        # The next run starts from the remote's version and pushes without help.
        self.fake_refresh("Done")
        done = self.refresh()
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(self.remote_file("postmortems/a.md"), self.REPORT.format("Done"))


def load_yaml(*path):
    try:
        from ruamel.yaml import YAML
    except ImportError:
        raise unittest.SkipTest("needs ruamel.yaml: run with target/ci-tools/bin/python (.ci/run does)")
    with open(os.path.join(ROOT, *path), encoding="utf-8") as f:
        return YAML(typ="safe").load(f)


def expand(text, context):
    """`${{ a.b || c.d }}` in a workflow, with GitHub's values for one event (missing: "")."""
    def one(match):
        for alternative in match.group(1).split("||"):
            value = context.get(alternative.strip(), "")
            if value:
                return value
        return ""
    return re.sub(r"\$\{\{\s*(.*?)\s*\}\}", one, text)


class GitHubRecipes(unittest.TestCase):
    """examples/ci/postmortem-refresh.yml's paths and links, checked with real git and with the
    values GitHub gives a scheduled run."""

    def git(self, cwd, *args):
        return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                              text=True).stdout

    def test_the_refresh_pull_request_takes_reports_at_every_depth_and_nothing_else(self):
        steps = load_yaml("examples", "ci", "postmortem-refresh.yml")["jobs"]["refresh"]["steps"]
        [pr] = [s for s in steps if s.get("uses", "").startswith("peter-evans/create-pull-request")]
        paths = pr["with"]["add-paths"].replace(",", "\n").split("\n")
        repo = tempfile.mkdtemp(prefix="pm-sync-paths-")
        self.addCleanup(shutil.rmtree, repo)
        files = ["postmortems/top.md", "postmortems/2026/deep.md", "postmortems/a/b/deeper.md",
                 "postmortems/.top.md.pm-sync-journal.json", "README.md", "notes/other.md"]
        self.git(repo, "init", "-q")
        for name in files:
            os.makedirs(os.path.dirname(os.path.join(repo, name)) or repo, exist_ok=True)
            with open(os.path.join(repo, name), "w", encoding="utf-8") as f:
                f.write("changed\n")
        # create-pull-request stages its add-paths with `git add <path>...`.
        self.git(repo, "add", "--", *[p.strip() for p in paths if p.strip()])
        staged = self.git(repo, "diff", "--cached", "--name-only").split()
        self.assertEqual(sorted(staged), sorted(files[:3]))

    def test_the_scheduled_dashboard_links_reports_on_the_branch_it_read(self):
        job = load_yaml("examples", "ci", "postmortem-refresh.yml")["jobs"]["dashboard"]
        # A `schedule` event's payload has no repository, so github.event.* is empty there.
        schedule = {"github.server_url": "https://github.com", "github.repository": "acme/sre",
                    "github.ref_name": "trunk", "github.event_name": "schedule"}
        self.assertEqual(expand(job["env"]["PM_SYNC_REPORT_URL"], schedule),
                         "https://github.com/acme/sre/blob/trunk/{path}")

    def test_recipes_pin_the_action_to_a_ref_that_installs_without_a_release(self):
        for name in ["postmortem-gate.yml", "postmortem-refresh.yml"]:
            workflow = load_yaml("examples", "ci", name)
            for job in workflow["jobs"].values():
                for step in job["steps"]:
                    uses = step.get("uses", "")
                    if not uses.startswith("OWNER/pm-sync@"):
                        continue
                    ref = uses.split("@", 1)[1]
                    with tempfile.TemporaryDirectory() as tmp:
                        done = subprocess.run(
                            ["bash", INSTALL, "resolve"], capture_output=True, text=True,
                            env={"PATH": os.environ["PATH"], "ACTION_PATH": os.path.join(
                                tmp, "_actions", "OWNER", "pm-sync", ref)})
                    # No release exists: the ref must be one the action builds from its checkout.
                    self.assertIn("needs the action's checkout", done.stderr, (name, uses))


def evaluate(expression, context):
    """A GitHub Actions expression of the small kind the recipes use (`==`, `!=`, `&&`, `||`,
    `format()`, strings, github.* values), evaluated as GitHub does: `a && b || c` picks a value."""
    python = re.sub(r"\$\{\{\s*(.*?)\s*\}\}", r"\1", expression.strip())
    python = python.replace("&&", " and ").replace("||", " or ")
    python = re.sub(r"\bformat\(", "_format(", python)
    python = re.sub(r"\b(github(?:\.[A-Za-z_]+)+)", lambda m: repr(context.get(m.group(1), "")),
                    python)
    def _format(template, *args):
        return re.sub(r"\{(\d+)\}", lambda m: str(args[int(m.group(1))]), template)
    result = eval(python, {"__builtins__": {}, "_format": _format})  # noqa: S307 (test input)
    return "" if result is False else result


class GateRecipe(unittest.TestCase):
    """examples/ci/postmortem-gate.yml: pull requests are gated on the reports they change, the
    schedule on every report, and the refresh recipe's own pull request is left to the schedule."""

    def setUp(self):
        self.job = load_yaml("examples", "ci", "postmortem-gate.yml")["jobs"]["check"]
        [self.step] = [s for s in self.job["steps"] if s.get("uses", "").startswith("OWNER/")]

    def test_pull_requests_check_what_changed_and_the_schedule_everything(self):
        pull_request = {"github.event_name": "pull_request", "github.base_ref": "trunk"}
        self.assertEqual(evaluate(self.step["with"]["args"], pull_request), "--changed=origin/trunk")
        schedule = {"github.event_name": "schedule"}
        self.assertEqual(evaluate(self.step["with"]["args"], schedule), "")
        checkout = self.job["steps"][0]
        self.assertEqual(checkout["with"]["fetch-depth"], 0, "the merge base needs history")

    def test_the_refresh_bots_pull_request_is_skipped_and_others_are_not(self):
        refresh = load_yaml("examples", "ci", "postmortem-refresh.yml")["jobs"]["refresh"]
        [pr] = [s for s in refresh["steps"]
                if s.get("uses", "").startswith("peter-evans/create-pull-request")]
        bot = {"github.event_name": "pull_request", "github.head_ref": pr["with"]["branch"]}
        self.assertFalse(evaluate(self.job["if"], bot))
        person = {"github.event_name": "pull_request", "github.head_ref": "fix-typo"}
        self.assertTrue(evaluate(self.job["if"], person))
        self.assertTrue(evaluate(self.job["if"], {"github.event_name": "schedule"}))

    def test_the_gate_step_with_changed_passes_a_typo_fix_with_real_git(self):
        """run.sh with the recipe's pull-request arguments, the real pm-sync and a real clone whose
        origin's main has a report with open items; the pull request fixes a typo elsewhere."""
        tmp = tempfile.mkdtemp(prefix="pm-sync-gate-")
        self.addCleanup(shutil.rmtree, tmp)
        def git(cwd, *args):
            subprocess.run(["git", "-c", "user.name=SRE", "-c", "user.email=sre@example.com",
                            "-c", "init.defaultBranch=main", *args],
                           cwd=cwd, check=True, capture_output=True)
        origin, clone = os.path.join(tmp, "origin"), os.path.join(tmp, "clone")
        os.makedirs(os.path.join(origin, "postmortems"))
        shutil.copy(os.path.join(ROOT, "tests", "fixtures", "check", "mixed.md"),
                    os.path.join(origin, "postmortems", "open.md"))
        with open(os.path.join(origin, "postmortems", "README.md"), "w", encoding="utf-8") as f:
            f.write("# Post-mortems\n")
        git(origin, "init", "-q")
        git(origin, "add", ".")
        git(origin, "commit", "-q", "-m", "reports")
        git(tmp, "clone", "-q", origin, clone)
        git(clone, "checkout", "-q", "-b", "fix-typo")
        with open(os.path.join(clone, "postmortems", "README.md"), "a", encoding="utf-8") as f:
            f.write("One file per incident.\n")
        git(clone, "commit", "-q", "-am", "typo")
        args = evaluate(self.step["with"]["args"],
                        {"github.event_name": "pull_request", "github.base_ref": "main"})
        env = {"PATH": os.path.dirname(os.path.abspath(PM_SYNC)) + os.pathsep + os.environ["PATH"],
               "HOME": tmp, "PM_SYNC_COMMAND": "check", "PM_SYNC_PATHS": "postmortems/",
               "PM_SYNC_OFFLINE": "true", "PM_SYNC_FORMAT": "json"}
        whole = subprocess.run(["bash", RUN], cwd=clone, env=env, capture_output=True, text=True)
        self.assertEqual(whole.returncode, 1, whole.stderr)
        done = subprocess.run(["bash", RUN], cwd=clone, env={**env, "PM_SYNC_ARGS": args},
                              capture_output=True, text=True)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertEqual(json.loads(done.stdout)["reports"], [])


class PreCommitHooks(unittest.TestCase):
    def test_the_minimum_version_knows_the_stage_names_used(self):
        hooks = load_yaml(".pre-commit-hooks.yaml")
        for hook in hooks:
            minimum = tuple(int(x) for x in hook["minimum_pre_commit_version"].split("."))
            # pre-commit 3.2.0 renamed the stages to git's hook names (pre-push, pre-commit, …).
            if any(stage.startswith("pre-") for stage in hook.get("stages", [])):
                self.assertGreaterEqual(minimum, (3, 2, 0), hook["id"])


class GitLabRecipe(unittest.TestCase):
    """The gate job of examples/ci/.gitlab-ci.yml, run as GitLab runs it (its script lines as
    one sh script, -e), with a pm-sync that answers as the real one does for these reports."""

    def test_the_gate_writes_junit_prints_the_failures_and_fails(self):
        try:
            from ruamel.yaml import YAML
        except ImportError:
            self.fail("needs ruamel.yaml: run with target/ci-tools/bin/python (.ci/run does)")
        with open(os.path.join(ROOT, "examples", "ci", ".gitlab-ci.yml"), encoding="utf-8") as f:
            job = YAML(typ="safe").load(f)["postmortem-gate"]
        tmp = tempfile.mkdtemp(prefix="pm-sync-gitlab-")
        self.addCleanup(shutil.rmtree, tmp)
        os.makedirs(os.path.join(tmp, "postmortems"))
        os.makedirs(os.path.join(tmp, "bin"))
        shutil.copy(os.path.join(ROOT, "tests", "fixtures", "check", "mixed.md"),
                    os.path.join(tmp, "postmortems"))
        # The live check cannot run here (no Jira): the stand-in prints what the real binary
        # prints offline for the same reports, with its exit code.
        junit = subprocess.run(
            [PM_SYNC, "check", "--offline", "--format", "junit", "postmortems/"],
            cwd=tmp, capture_output=True)
        self.assertEqual(junit.returncode, 1)
        with open(os.path.join(tmp, "answer.xml"), "wb") as f:
            f.write(junit.stdout)
        write_exe(os.path.join(tmp, "bin", "pm-sync"), f"""#!/bin/sh
[ "$*" = "check --changed=base0123 --format junit postmortems/" ] || exit 9
cat '{tmp}/answer.xml'
exit 1
""")
        script = "set -e\n" + "\n".join(job["script"]) + "\n"
        done = subprocess.run(
            ["sh", "-c", script], cwd=tmp, capture_output=True, text=True, timeout=60,
            env={"PATH": os.path.join(tmp, "bin") + os.pathsep + os.environ["PATH"],
                 "CI_MERGE_REQUEST_DIFF_BASE_SHA": "base0123"})
        self.assertEqual(done.returncode, 1, done.stderr)
        with open(os.path.join(tmp, job["artifacts"]["reports"]["junit"]), "rb") as f:
            self.assertEqual(f.read(), junit.stdout)
        self.assertIn('✗ OPS-2 is "In Progress", not resolved: "Cap the retry storm', done.stdout)
        # "Won't Do" is a done-category status: resolved, offline as live.
        self.assertNotIn("OPS-3", done.stdout)
        self.assertIn('✗ no Jira ticket for "Document the manual drain procedure"', done.stdout)
        self.assertIn("JIRA_API_TOKEN is not set in this pipeline", done.stderr)


if __name__ == "__main__":
    unittest.main()
