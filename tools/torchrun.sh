#!/usr/bin/env bash
# torchrun for dareg's tools: tools/torchrun.sh NPROC SCRIPT [script arguments...] (adds --launcher pytorch).
# Multi-node: set NNODES, NODE_RANK, MASTER_ADDR and PORT as for torchrun.
# Signals: the launcher runs in a session of its own, and this script hands it each stop signal exactly once:
# SIGTERM, SIGINT and SIGHUP go to torchrun, which passes them on to the workers and SIGKILLs them
# TORCH_ELASTIC_SHUTDOWN_TIMEOUT seconds later (120 here unless set; a torch without that variable waits 30 s).
# torchrun does not pass SIGUSR1 (Slurm's early warning, --signal=USR1@120) on: this script sends it
# to each worker itself, whose PreemptionHook then checkpoints and stops (exit code 138).
set -euo pipefail
NPROC=$1
SCRIPT=$2
shift 2
DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export TORCH_ELASTIC_SHUTDOWN_TIMEOUT="${TORCH_ELASTIC_SHUTDOWN_TIMEOUT:-120}"
LAUNCHER=""

workers() { # the launcher's children: the worker processes (each in a session of its own)
    pgrep -P "$LAUNCHER" 2>/dev/null || cat /proc/"$LAUNCHER"/task/*/children 2>/dev/null || true
}
forward() { # SIGUSR1 to every worker, anything else to torchrun; before the launch: stop here
    [[ -n $LAUNCHER ]] || exit $((128 + $(kill -l "$1")))
    if [[ $1 == USR1 ]]; then
        for pid in $(workers); do kill -USR1 "$pid" 2>/dev/null || true; done
    else
        kill -"$1" "$LAUNCHER" 2>/dev/null || true
    fi
}
for SIGNAL in USR1 TERM INT HUP; do
    trap "forward $SIGNAL" "$SIGNAL"
done
# setsid: group signals (Ctrl-C, kill -- -PGID) reach this script only, never torchrun a second time
SETSID=$(command -v setsid || true)
PYTHONPATH="$DIR/..:${PYTHONPATH:-}" $SETSID python -m torch.distributed.run \
    --nnodes="${NNODES:-1}" --node_rank="${NODE_RANK:-0}" --master_addr="${MASTER_ADDR:-127.0.0.1}" \
    --nproc_per_node="$NPROC" --master_port="${PORT:-29500}" \
    "$SCRIPT" "$@" --launcher pytorch &
LAUNCHER=$!
# a trapped signal interrupts `wait`: wait again until the launcher has really ended, and return its status
while true; do
    STATUS=0
    wait "$LAUNCHER" || STATUS=$?
    kill -0 "$LAUNCHER" 2>/dev/null || break
done
exit "$STATUS"
