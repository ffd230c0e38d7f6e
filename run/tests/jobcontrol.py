#!/usr/bin/env python3
"""Job control through vdso-run in an interactive shell on a pseudo-terminal.

Usage: jobcontrol.py [VDSO_RUN] (default: the build tree's, as lib.sh finds
it: $VDSO_BUILD_DIR/bin/vdso-run, else build/ at the top of the sources). Drives `bash -i` like a user: Ctrl-Z stops
the whole job (vdso-run and its program) and the shell says so, `fg`
resumes it where it was, Ctrl-C ends it with status 130, and a background
job finishes normally. Prints PASS/FAIL lines; exits 1 on any failure.
"""
import os
import pty
import re
import select
import sys
import time

if len(sys.argv) > 1:
    vdso_run = os.path.realpath(sys.argv[1])
else:
    build = os.environ.get("VDSO_BUILD_DIR") or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "build")
    vdso_run = os.path.realpath(os.path.join(build, "bin", "vdso-run"))
if not os.access(vdso_run, os.X_OK):
    sys.exit(f"{sys.argv[0]}: no vdso-run at {vdso_run}: build first (make build), "
             "set VDSO_BUILD_DIR, or pass VDSO_RUN")
print(__doc__.strip().splitlines()[0])
failures = 0
transcript = b""


def check(name, ok, detail=""):
    global failures
    print(("PASS: " if ok else "FAIL: ") + name + (f" ({detail})" if detail else ""))
    if not ok:
        failures += 1


pid, fd = pty.fork()
if pid == 0:
    env = dict(os.environ, PS1="prompt> ", TERM="dumb")
    os.execvpe("bash", ["bash", "--norc", "--noprofile", "-i"], env)


def send(text):
    os.write(fd, text.encode())


pending = b""  # output read but not yet matched


def read_until(pattern, timeout=5.0):
    """Reads until `pattern` appears in unmatched output; consumes through
    the match and returns (found, the consumed text)."""
    global transcript, pending
    regex = re.compile(pattern.encode())
    deadline = time.monotonic() + timeout
    while True:
        match = regex.search(pending)
        if match:
            seen, pending = pending[: match.end()], pending[match.end() :]
            return True, seen.decode(errors="replace")
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            break
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        pending += chunk
        transcript += chunk
    return False, pending.decode(errors="replace")


read_until("prompt> ")
send(f"{vdso_run} sh -c 'echo started; sleep 1; echo finished'\n")
ok, _ = read_until(r"\nstarted")
check("job started", ok)
time.sleep(0.2)
send("\x1a")  # Ctrl-Z
ok, text = read_until(r"Stopped")
check("Ctrl-Z: the shell reports the job stopped", ok, text.strip()[-60:])
read_until("prompt> ")
ok, text = read_until(r"\nfinished", timeout=1.5)
check("stopped job does not run on", not ok)
send("fg\n")
ok, _ = read_until(r"\nfinished", timeout=5)
check("fg: the job resumes and completes", ok)
read_until("prompt> ")
send("echo status=$?\n")
ok, text = read_until(r"status=\d+")
check("fg: exit status 0", "status=0" in text, text.strip()[-20:])
read_until("prompt> ")

send(f"{vdso_run} sleep 10\n")
time.sleep(0.5)
send("\x03")  # Ctrl-C
ok, _ = read_until("prompt> ", timeout=5)
check("Ctrl-C ends the job", ok)
send("echo status=$?\n")
ok, text = read_until(r"status=\d+")
check("Ctrl-C: exit status 130", "status=130" in text, text.strip()[-20:])
read_until("prompt> ")

send(f"{vdso_run} sh -c 'sleep 0.2; echo bg-done' & wait $!; echo bgstatus=$?\n")
ok, text = read_until(r"bgstatus=\d+", timeout=5)
check("background job completes", "bg-done" in text and "bgstatus=0" in text, "")

send("exit\n")
time.sleep(0.2)
try:
    os.kill(pid, 9)
except ProcessLookupError:
    pass
os.waitpid(pid, 0)
if failures:
    print("transcript:\n" + transcript.decode(errors="replace"))
    print(f"{failures} check(s) failed")
    sys.exit(1)
print("all checks passed")
