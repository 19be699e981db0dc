# Shared by the launchers in examples/*/ (sourced, not run).
#
# A launcher runs `scour plan INPUT... -o OUTPUT [options] --work WORK`, then
# every task of every stage of the plan (`scour stage NAME --work WORK --task
# I`) on some cluster, stage after stage. What differs between Spark, Ray and
# Slurm is only how the tasks are started; the helpers here are the rest.
# shellcheck shell=bash

scour_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# die MESSAGE: print "NAME: error: MESSAGE" and exit 2 (scour's usage/failure code).
die() {
    echo "${0##*/}: error: $*" >&2
    exit 2
}

# abspath PATH: PATH made absolute against the current folder (need not exist).
# Tasks run in other processes, maybe on other machines, whose working
# folder is not ours: every path handed to them is absolute.
abspath() {
    case $1 in
        /*) printf '%s\n' "$1" ;;
        *) printf '%s\n' "$PWD/$1" ;;
    esac
}

# scour_bin: the scour binary to run: $SCOUR (a path, or a command on PATH),
# else the release build, target/release/scour under $CARGO_TARGET_DIR or
# the repository root.
scour_bin() {
    local bin=${SCOUR:-${CARGO_TARGET_DIR:-$scour_root/target}/release/scour}
    if [[ $bin != */* ]]; then
        bin=$(command -v "$bin") || die "SCOUR=$SCOUR is not a command on PATH"
    fi
    [[ -x $bin && -f $bin ]] ||
        die "no scour binary at $bin: build it with 'cargo build --release' or set SCOUR"
    abspath "$bin"
}

# has_opt OPTION ARG...: whether ARG... holds OPTION, as "--opt" or "--opt=value".
has_opt() {
    local opt=$1 arg
    shift
    for arg; do
        [[ $arg == "$opt" || $arg == "$opt="* ]] && return 0
    done
    return 1
}

# cpu_count: processors of this machine.
cpu_count() {
    getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2
}

# work_begin local|shared: sets `work` (absolute) and `work_tmp`.
# $SCOUR_WORK is used when set, and kept afterwards. Otherwise, for a
# cluster that lives on this machine (`local`), a temporary folder is made
# and `work_tmp` names it, to be removed after a successful run; a real
# cluster (`shared`) needs a folder that every worker sees, which only the
# user can name.
work_begin() {
    work_tmp=
    if [[ -n ${SCOUR_WORK:-} ]]; then
        work=$(abspath "$SCOUR_WORK")
    elif [[ $1 == local ]]; then
        work_tmp=$(mktemp -d "${TMPDIR:-/tmp}/scour-work.XXXXXX")
        # scour plan makes the folder itself; an empty one would do too,
        # but a fresh name leaves no doubt that nothing is being resumed.
        work=$work_tmp/work
    else
        die "set SCOUR_WORK to a folder on storage that every worker sees (the inputs and the output must be there too)"
    fi
}

# work_end CODE: after the run. 0 and 1 are scour's "done" codes (1: some
# documents were rejected); a temporary work folder goes then. Anything else
# leaves the folder for a resumed run: completed tasks are skipped.
work_end() {
    if [[ $1 == 0 || $1 == 1 ]]; then
        [[ -z $work_tmp ]] || rm -rf "$work_tmp"
    else
        echo "${0##*/}: work folder kept: $work" >&2
        echo "${0##*/}: to resume, rerun the same command with SCOUR_WORK=$work" >&2
    fi
}

# plan_args DEFAULT_SHARDS ARG...: prints, one per line, the options that
# `scour plan` gets besides the user's ARG... and --work: --shards from
# $SCOUR_SHARDS or DEFAULT_SHARDS, --band-parts from $SCOUR_BAND_PARTS;
# an option the user gave on the command line wins.
plan_args() {
    local shards=${SCOUR_SHARDS:-$1}
    shift
    if ! has_opt --shards "$@"; then
        printf '%s\n' --shards "$shards"
    fi
    if [[ -n ${SCOUR_BAND_PARTS:-} ]] && ! has_opt --band-parts "$@"; then
        printf '%s\n' --band-parts "$SCOUR_BAND_PARTS"
    fi
}

# usage_if_needed ARG...: print the usage block at the top of the calling
# script (its comment lines up to the first blank one) for no arguments or -h.
usage_if_needed() {
    if [[ $# == 0 ]]; then
        sed -n '2,/^$/s/^# \{0,1\}//p' "$0" >&2
        exit 2
    elif [[ $1 == -h || $1 == --help ]]; then
        sed -n '2,/^$/s/^# \{0,1\}//p' "$0"
        exit 0
    fi
}
