"""`python -m ksqldb_kernel ARGS`: runs the `ksqldb-kernel` binary of this environment with ARGS.

kernel.json starts the kernel through this launcher ("python" in its argv, which
jupyter_client replaces with its own sys.executable) rather than naming the binary: the
binary is in the environment's scripts folder, which is not on PATH when the environment is
not activated, and kernel.json cannot hold an absolute path that pip chose at install time."""
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

BINARY = "ksqldb-kernel" + (".exe" if os.name == "nt" else "")


def _recorded():
    """The binary as pip recorded it for this distribution (right for --user and --prefix
    installs too, whose scripts folder is not the interpreter's)."""
    try:
        from importlib.metadata import PackageNotFoundError, distribution

        files = distribution("ksqldb-kernel").files or []
    except (ImportError, PackageNotFoundError):
        return []
    return [Path(os.path.normpath(f.locate())) for f in files if f.name == BINARY]


def candidates():
    """Where to look, in order: the installed distribution's record, this interpreter's
    scripts folders, the folder of sys.executable, then PATH."""
    found = _recorded()
    schemes = [None] + ([f"{os.name}_user"] if f"{os.name}_user" in sysconfig.get_scheme_names() else [])
    for scheme in schemes:
        scripts = sysconfig.get_path("scripts", scheme) if scheme else sysconfig.get_path("scripts")
        if scripts:
            found.append(Path(scripts) / BINARY)
    found.append(Path(sys.executable).parent / BINARY)
    on_path = shutil.which(BINARY)
    if on_path:
        found.append(Path(on_path))
    return found


def find_binary():
    for path in candidates():
        if path.is_file() and os.access(path, os.X_OK):
            return path
    return None


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    binary = find_binary()
    if binary is None:
        looked = ", ".join(dict.fromkeys(str(p.parent) for p in candidates()))
        sys.stderr.write(f"ksqldb_kernel: cannot find the {BINARY} binary (looked in: {looked}); "
                         "reinstall the ksqldb-kernel wheel\n")
        return 127
    if os.name == "posix":
        # Same process: Jupyter's interrupt and shutdown signals reach the kernel itself.
        os.execv(binary, [str(binary), *argv])
    return subprocess.call([str(binary), *argv])


if __name__ == "__main__":
    sys.exit(main())
