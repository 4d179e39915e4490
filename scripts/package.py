#!/usr/bin/env python3
"""Packs a built pm-sync binary as a release archive, the way the Action and cargo-binstall
expect it (release.yml runs this on every target).

Usage: package.py VERSION TARGET BINARY OUTDIR

Writes OUTDIR/pm-sync-vVERSION-TARGET.tar.gz (.zip for Windows) holding the folder
pm-sync-vVERSION-TARGET/ with the binary, README.md, CHANGELOG.md and both licence files, and
OUTDIR/<archive>.sha256 ("HASH  NAME", as sha256sum prints it). Standard library only, so it
runs the same on the Linux, macOS and Windows runners.
"""

import hashlib
import io
import os
import sys
import tarfile
import zipfile

DOCS = ["README.md", "CHANGELOG.md", "LICENSE-MIT", "LICENSE-APACHE"]


def main(argv):
    if len(argv) != 5:
        sys.stderr.write(__doc__)
        return 2
    version, target, binary, outdir = argv[1:]
    version = version.removeprefix("v")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    folder = f"pm-sync-v{version}-{target}"
    windows = "windows" in target
    exe = "pm-sync.exe" if windows else "pm-sync"
    members = [(os.path.join(root, doc), f"{folder}/{doc}", 0o644) for doc in DOCS]
    members.insert(0, (binary, f"{folder}/{exe}", 0o755))
    for path, _, _ in members:
        if not os.path.isfile(path):
            sys.stderr.write(f"package.py: {path} does not exist\n")
            return 1
    os.makedirs(outdir, exist_ok=True)
    name = folder + (".zip" if windows else ".tar.gz")
    archive = os.path.join(outdir, name)
    if windows:
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
            for path, arcname, mode in members:
                info = zipfile.ZipInfo(arcname, date_time=(2000, 1, 1, 0, 0, 0))
                info.external_attr = (0o100000 | mode) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                with open(path, "rb") as f:
                    z.writestr(info, f.read())
    else:
        with tarfile.open(archive, "w:gz") as t:
            for path, arcname, mode in members:
                with open(path, "rb") as f:
                    data = f.read()
                info = tarfile.TarInfo(arcname)
                info.size, info.mode, info.mtime = len(data), mode, 946684800
                info.uname = info.gname = "root"
                t.addfile(info, io.BytesIO(data))
    with open(archive, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    with open(archive + ".sha256", "w", encoding="ascii", newline="\n") as f:
        f.write(f"{digest}  {name}\n")
    print(archive)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
