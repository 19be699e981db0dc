"""Run the stages of a scour plan as Spark tasks, stage after stage.

Started by run.sh after `scour plan`; see run.sh for the environment.

Each stage of N tasks is one Spark job over `spark.range(N, numPartitions=N)`:
one row per partition, so one Spark task per scour task, and a Python UDF
that runs `scour stage NAME --work WORK --task I` and returns its exit code
and the tail of its output. Only the DataFrame API is used (no RDDs), so
the same driver works with Spark Connect. The `finish` stage (one task, it
writes the output) runs on the driver after Spark is stopped.

Tasks are idempotent: a task whose completion marker exists exits at once,
so a Spark retry, a speculative copy or a rerun of the whole job costs
little. A failed task fails the run (exit 2) with its output shown.

Usage: driver.py --scour BIN --work WORK --plan JSON [--master URL]
"""

import argparse
import json
import os
import subprocess
import sys
import time
import warnings

# Characters of a task's output sent back to the driver: enough for scour's
# error message, small enough for thousands of tasks.
TAIL_CHARS = 2000


def log(message):
    print(f"spark driver: {message}", file=sys.stderr, flush=True)


def task_command(scour, work, stage, task, threads):
    """The command line of one task (quiet: the driver reports)."""
    cmd = [scour, "stage", stage, "--work", work, "--task", str(task), "-q"]
    if threads:
        cmd += ["--threads", str(threads)]
    return cmd


def task_udf(scour, work, stage, threads, cwd):
    """A UDF: task index -> (task, exit code, output tail).

    Defined here, in the driver's `__main__`, so that Spark pickles the
    function by value and the executors need nothing but pyspark.
    """
    from pyspark.sql.functions import udf
    from pyspark.sql.types import IntegerType, StringType, StructField, StructType

    def run(task):
        task = int(task)
        cmd = task_command(scour, work, stage, task, threads)
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
            return (task, 127, f"cannot run {scour}: {e}")
        tail = done.stdout.decode("utf-8", "replace")[-TAIL_CHARS:]
        return (task, done.returncode, tail)

    schema = StructType(
        [
            StructField("task", IntegerType(), False),
            StructField("code", IntegerType(), False),
            StructField("tail", StringType(), True),
        ]
    )
    try:
        # Plain pickled UDF: the Arrow one needs pandas and pyarrow for nothing.
        f = udf(run, schema, useArrow=False)
    except TypeError:  # pyspark before 3.5 has no useArrow
        f = udf(run, schema)
    # Nondeterministic: the optimizer must neither repeat nor drop the call.
    return f.asNondeterministic()


def spark_session(master):
    """Classic session on `master`, or Spark Connect when SPARK_REMOTE is set."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("scour")
    remote = os.environ.get("SPARK_REMOTE", "")
    connect = bool(remote)
    if not connect:
        builder = builder.master(master)
    if not connect or remote.startswith("local"):
        # Static settings: only a session that starts its own Spark may set
        # them (a classic one, or a local Spark Connect server).
        builder = builder.config("spark.ui.enabled", "false").config(
            "spark.ui.showConsoleProgress", "false"
        )
    with warnings.catch_warnings():
        # A local Connect server starts with them, then the client tries
        # to set them again at run time, which Spark refuses with a warning.
        warnings.filterwarnings("ignore", message="Failed to set spark.ui")
        spark = builder.getOrCreate()
    if not connect:
        spark.sparkContext.setLogLevel(os.environ.get("SCOUR_SPARK_LOG_LEVEL", "ERROR"))
    return spark


def task_threads(spark):
    """--threads for a task of a sharded stage: SCOUR_TASK_THREADS, else the
    cores Spark gives each task, so parallel tasks do not oversubscribe."""
    threads = os.environ.get("SCOUR_TASK_THREADS")
    if threads:
        return int(threads)
    try:
        return int(spark.conf.get("spark.task.cpus", "1"))
    except Exception:  # not readable over Spark Connect on every version
        return 1


def run_stage(spark, args, stage, tasks, threads):
    """Run the `tasks` tasks of one stage as one Spark job; True when all
    exited 0, else the failures are printed."""
    from pyspark.sql.functions import col

    # A single-task stage (learn, cluster) has the cluster to itself: no
    # --threads, so scour uses every core of the executor's machine.
    f = task_udf(args.scour, args.work, stage, threads if tasks > 1 else None, os.getcwd())
    # One row per partition: Spark runs the partitions, thus the tasks, in parallel.
    df = spark.range(tasks, numPartitions=tasks).select(f(col("id")).alias("r"))
    # Collect the struct whole: selecting its fields one by one would make
    # Spark call the UDF once per field.
    rows = [row["r"] for row in df.collect()]
    failed = [r for r in rows if r["code"] != 0]
    missing = set(range(tasks)) - {r["task"] for r in rows}
    for r in sorted(failed, key=lambda r: r["task"]):
        log(f"stage {stage} task {r['task']} failed (exit {r['code']}):")
        print(r["tail"].rstrip(), file=sys.stderr)
    if missing:
        log(f"stage {stage}: no result from tasks {sorted(missing)}")
    return not failed and not missing


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
    parser.add_argument("--master", default="local[2]", help="Spark master URL")
    args = parser.parse_args()

    stages = json.loads(args.plan)["stages"]
    # finish writes the output: it runs on the driver, which sees the output path.
    on_driver = [s for s in stages if s["name"] == "finish" and int(s["tasks"]) == 1]
    on_spark = [s for s in stages if s not in on_driver]

    spark = spark_session(args.master)
    try:
        threads = task_threads(spark)
        for s in on_spark:
            name, tasks = s["name"], int(s["tasks"])
            start = time.monotonic()
            try:
                ok = run_stage(spark, args, name, tasks, threads)
            except Exception as e:  # the Spark job itself failed
                log(f"stage {name}: Spark job failed: {e}")
                ok = False
            if not ok:
                log(f"stage {name} failed; later stages not run")
                return 2
            log(f"stage {name}: {tasks} task(s) in {time.monotonic() - start:.1f} s")
    finally:
        spark.stop()

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
