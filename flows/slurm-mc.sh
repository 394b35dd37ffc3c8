#!/usr/bin/env bash
# Monte Carlo of a KirchhoffNet chip over a Slurm job array, then one merge job.
#
#   flows/slurm-mc.sh [options] MODEL.knm SAMPLES SEED SHARDS OUTDIR [-- more `kn-map mc` options]
#
# Submits a job array of SHARDS tasks; task i runs
#   kn-map mc MODEL --samples SAMPLES --seed SEED --shard i/SHARDS --resume -o OUTDIR/shard-i.json …
# and a job that starts when all of them succeeded runs
#   kn-map mc merge OUTDIR/shard-0.json … -o OUTDIR/mc.json
# Sample k of the run depends only on (SEED, k), so the merged result is byte for byte the result of one
# unsharded run with the same options. Tasks are submitted with --requeue: a preempted task restarts, and
# --resume continues from its checkpoint (OUTDIR/shard-i.checkpoint.jsonl) instead of starting over.
#
# Options (before MODEL):
#   --local            run the shards here, one after another, and merge (no Slurm; for testing and small runs)
#   --partition NAME   Slurm partition (default: the cluster's default)
#   --time HH:MM:SS    time limit per shard (default 01:00:00)
#   --cpus N           cores per shard (default 4; each shard uses all cores it is given)
# Environment:
#   KN_MAP             the kn-map binary (default: .build/release/kn-map of this checkout)
#
# Example:
#   flows/slurm-mc.sh --cpus 8 twomoon.knm 100000 1 50 mc-twomoon -- --spec max-error<=0.1 --noise
#   # when the merge job has finished: mc-twomoon/mc.json, mc.csv, mc-*.svg
set -euo pipefail

local_run=0 partition="" time_limit="01:00:00" cpus=4
while [[ $# -gt 0 && "$1" == --* ]]; do
    case "$1" in
        --local) local_run=1; shift ;;
        --partition) partition="$2"; shift 2 ;;
        --time) time_limit="$2"; shift 2 ;;
        --cpus) cpus="$2"; shift 2 ;;
        *) echo "slurm-mc.sh: unknown option $1 (see the header of $0)" >&2; exit 2 ;;
    esac
done
if [[ $# -lt 5 ]]; then
    echo "usage: $0 [--local] [--partition P] [--time T] [--cpus N] MODEL.knm SAMPLES SEED SHARDS OUTDIR [-- kn-map mc options]" >&2
    exit 2
fi
model="$1" samples="$2" seed="$3" shards="$4" outdir="$5"
shift 5
if [[ $# -gt 0 && "$1" == "--" ]]; then shift; fi
extra=("$@")

root="$(cd "$(dirname "$0")/.." && pwd)"
kn_map="${KN_MAP:-$root/.build/release/kn-map}"
if [[ ! -x "$kn_map" ]]; then
    echo "slurm-mc.sh: no kn-map at $kn_map; build it (swift build -c release) or set KN_MAP" >&2
    exit 1
fi
if [[ ! -f "$model" ]]; then echo "slurm-mc.sh: model $model not found" >&2; exit 1; fi
if ! [[ "$samples" =~ ^[0-9]+$ && "$shards" =~ ^[0-9]+$ && "$shards" -ge 1 && "$samples" -ge 1 ]]; then
    echo "slurm-mc.sh: SAMPLES and SHARDS must be positive integers (got '$samples', '$shards')" >&2
    exit 2
fi
mkdir -p "$outdir/logs"
model="$(cd "$(dirname "$model")" && pwd)/$(basename "$model")"
outdir="$(cd "$outdir" && pwd)"

parts=()
for ((i = 0; i < shards; i++)); do parts+=("$outdir/shard-$i.json"); done

if [[ $local_run -eq 1 ]]; then
    for ((i = 0; i < shards; i++)); do
        "$kn_map" mc "$model" --samples "$samples" --seed "$seed" --shard "$i/$shards" --resume \
            -o "$outdir/shard-$i.json" "${extra[@]}" 2> "$outdir/logs/shard-$i.log"
    done
    "$kn_map" mc merge "${parts[@]}" -o "$outdir/mc.json"
    exit 0
fi

command -v sbatch > /dev/null || { echo "slurm-mc.sh: sbatch not found; run on a Slurm login node or use --local" >&2; exit 1; }
quoted_extra=""
for a in "${extra[@]}"; do quoted_extra+=" $(printf '%q' "$a")"; done
common=(--parsable --time="$time_limit")
[[ -n "$partition" ]] && common+=(--partition="$partition")

array_job=$(sbatch "${common[@]}" --job-name=kn-mc --array="0-$((shards - 1))" --cpus-per-task="$cpus" --requeue \
    --output="$outdir/logs/shard-%a.log" \
    --wrap="$(printf '%q' "$kn_map") mc $(printf '%q' "$model") --samples $samples --seed $seed --shard \${SLURM_ARRAY_TASK_ID}/$shards --resume -o $(printf '%q' "$outdir")/shard-\${SLURM_ARRAY_TASK_ID}.json$quoted_extra")
merge_parts=""
for p in "${parts[@]}"; do merge_parts+=" $(printf '%q' "$p")"; done
merge_job=$(sbatch "${common[@]}" --job-name=kn-mc-merge --dependency="afterok:${array_job%%;*}" --cpus-per-task=1 \
    --output="$outdir/logs/merge.log" \
    --wrap="$(printf '%q' "$kn_map") mc merge$merge_parts -o $(printf '%q' "$outdir")/mc.json")
echo "submitted shards as job array $array_job and the merge as job $merge_job; result: $outdir/mc.json"
