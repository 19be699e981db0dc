"""Run the stages of a scour plan as Ray tasks, stage after stage.

Started by run.sh after `scour plan`; see run.sh for the environment.

Each task of a stage is one `ray.remote` call that runs `scour stage NAME
--work WORK --task I` and returns its exit code and the tail of its output;
the driver waits for every task of a stage before it starts the next one.
The `finish` stage (one task, it writes the output) runs on the driver.

Tasks are idempotent: a task whose completion marker exists exits at once,
so Ray's retry of a task whose worker died, or a rerun of the whole job,
costs little. A failed task fails the run (exit 2) with its output shown.

Usage: driver.py --scour BIN --work WORK --plan JSON
"""

import argparse
import json
import logging
import os
import subprocess
import sys
import time

# Characters of a task's output sent back to the driver.
TAIL_CHARS = 2000


def log(message):
    print(f"ray driver: {message}", file=sys.stderr, flush=True)


def run_task(cmd, cwd):
    """Body of the remote task: run one scour task -> (exit code, output tail)."""
    try:
        done = subprocess.run(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            # The paths in the plan may be relative to where it was made.
            cwd=cwd if os.path.isdir(cwd) else None,
        )
    except OSError as e:
        return (127, f"cannot run {cmd[0]}: {e}")
    return (done.returncode, done.stdout.decode("utf-8", "replace")[-TAIL_CHARS:])


def task_command(scour, work, stage, task, threads):
    """The command line of one task (quiet: the driver reports)."""
    cmd = [scour, "stage", stage, "--work", work, "--task", str(task), "-q"]
    if threads:
        cmd += ["--threads", str(threads)]
    return cmd


def start_ray():
    """Connect to RAY_ADDRESS when set, else start a local Ray."""
    import ray

    if os.environ.get("RAY_ADDRESS"):
        ray.init(logging_level=logging.WARNING)
    else:
        # A local Ray for this run only; no dashboard to serve.
        ray.init(include_dashboard=False, logging_level=logging.WARNING)
    return ray


def run_stage(ray, remote, args, stage, tasks, cpus):
    """Run the `tasks` tasks of one stage; True when all exited 0, else the
    failures are printed."""
    cwd = os.getcwd()
    # A single-task stage (learn, cluster) has the cluster to itself: no
    # --threads, so scour uses every core of the machine it lands on.
    threads = cpus if tasks > 1 else None
    refs = [
        remote.options(num_cpus=cpus, name=f"scour-{stage}-{i}").remote(
            task_command(args.scour, args.work, stage, i, threads), cwd
        )
        for i in range(tasks)
    ]
    results = ray.get(refs)
    ok = True
    for i, (code, tail) in enumerate(results):
        if code != 0:
            ok = False
            log(f"stage {stage} task {i} failed (exit {code}):")
            print(tail.rstrip(), file=sys.stderr)
    return ok


def run_finish(args, stage):
    """The last stage, on the driver: its output (scour's summary) is shown.
    Returns scour's exit code."""
    cmd = [args.scour, "stage", stage, "--work", args.work, "--task", "0"]
    try:
        return subprocess.run(cmd, stdin=subprocess.DEVNULL).returncode
    except OSError as e:
        log(f"cannot run {args.scour}: {e}")
        return 2


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scour", required=True, help="scour binary (absolute path)")
    parser.add_argument("--work", required=True, help="work folder of the plan")
    parser.add_argument("--plan", required=True, help="the JSON line `scour plan` printed")
    args = parser.parse_args()

    stages = json.loads(args.plan)["stages"]
    # finish writes the output: it runs on the driver, which sees the output path.
    on_driver = [s for s in stages if s["name"] == "finish" and int(s["tasks"]) == 1]
    on_ray = [s for s in stages if s not in on_driver]
    # CPUs Ray reserves for each task, and --threads of the tasks of a sharded stage.
    cpus = int(os.environ.get("SCOUR_TASK_THREADS") or 1)

    ray = start_ray()
    try:
        remote = ray.remote(run_task)
        for s in on_ray:
            name, tasks = s["name"], int(s["tasks"])
            start = time.monotonic()
            try:
                ok = run_stage(ray, remote, args, name, tasks, cpus)
            except Exception as e:  # Ray itself failed (a task died past its retries)
                log(f"stage {name}: Ray failed: {e}")
                ok = False
            if not ok:
                log(f"stage {name} failed; later stages not run")
                return 2
            log(f"stage {name}: {tasks} task(s) in {time.monotonic() - start:.1f} s")
    finally:
        ray.shutdown()

    code = 0
    for s in on_driver:
        start = time.monotonic()
        code = run_finish(args, s["name"])
        if code not in (0, 1):
            log(f"stage {s['name']} failed (exit {code})")
            return 2
        log(f"stage {s['name']}: 1 task on the driver in {time.monotonic() - start:.1f} s")
    # 1: done, some documents were rejected (as `scour run` says it).
    return code


if __name__ == "__main__":
    sys.exit(main())
