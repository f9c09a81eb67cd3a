#!/usr/bin/env bash
# Ablations on one setup (same data, seed, steps): aux-loss-free balancing on
# vs off (MaxVio, averaged over the second half of training, must be lower with
# it on) and MTP on vs off (both train; each run's main-model loss reported).
set -euo pipefail
R1=${1:?usage: pretrain_ablation.sh /path/to/r1}
export OMP_WAIT_POLICY=passive
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
if [ -d /usr/share/doc ]; then "$R1" pretrain-gather --root /usr/share/doc --out "$T/docs.jsonl" --max-docs 200 > /dev/null
else for i in $(seq 1 200); do echo "{\"text\": \"sample $i: the quick brown fox jumps over the lazy dog, again and again $((i*7)).\"}"; done > "$T/docs.jsonl"; fi
STEPS=${STEPS:-120}
run() {  # name extra-args...
  local n=$1; shift
  "$R1" pretrain --model-config tests/data/train/tiny_v3.json --data "$T/docs.jsonl" --out "$T/$n" --steps $STEPS \
    --seq-len 32 --batch 8 --lr 3e-3 --warmup-steps 10 --seed 2 --threads ${THREADS:-1} "$@" > "$T/$n.out" 2> /dev/null
}
stat() {  # mean of a metric over the second half of the steps
  awk -v k="\"$2\":" -v h=$((STEPS / 2)) '{ i = index($0, k); if (i == 0) next; split(substr($0, i + length(k)), a, /[,}]/);
       n++; if (n > h) { s += a[1]; c++ } } END { printf "%.4f", s / c }' "$T/$1/metrics.jsonl"
}
run aux_on --bias-gamma 0.001
run aux_off --bias-gamma 0
run mtp_off --mtp-depth 0
on=$(stat aux_on maxvio); off=$(stat aux_off maxvio)
printf "%-28s %10s %10s %10s\n" run main_loss mtp_loss maxvio
for n in aux_on aux_off mtp_off; do
  printf "%-28s %10s %10s %10s\n" "$n" "$(stat $n main_loss)" "$( [ $n = mtp_off ] && echo - || stat $n mtp_loss)" "$(stat $n maxvio)"
done
echo "(aux_on is also the MTP-on run; losses/MaxVio are means over the second half of $STEPS steps)"
awk -v a="$on" -v b="$off" 'BEGIN { exit !(a < b) }' || { echo "FAIL: MaxVio with aux-free balancing ($on) not below without ($off)"; exit 1; }
grep -q '"mtp_loss":null' "$T/mtp_off/metrics.jsonl" || { echo "FAIL: the MTP-off run reports an MTP loss"; exit 1; }
echo "pretrain_ablation: ok"
