#!/usr/bin/env bash
# Builds and runs the libFuzzer harnesses in Fuzz/Harnesses (AddressSanitizer + libFuzzer).
#
#   bash flows/fuzz.sh                      # every harness, 30 s each
#   bash flows/fuzz.sh checkpoint 1800      # one harness for 30 minutes
#   bash flows/fuzz.sh all 25               # what CI runs
#
# The library modules are built by SwiftPM with -sanitize=fuzzer,address in .build-fuzz (never in
# .build, so the normal build has no fuzzer flags); each harness is one Swift file linked against them with swiftc.
# Corpora: Fuzz/corpus/<harness> (committed seeds, from the project's own fixtures and outputs) is copied into
# .build-fuzz/corpus/<harness> (git-ignored), which the fuzzer grows; for the checkpoint and config harnesses the
# upstream files in ../shared/upstream are added there at run time when present (they are not ours to commit).
# A crash leaves .build-fuzz/crashes/<harness>/crash-*; the script exits non-zero and prints the reproducer line.
# Environment: KN_FUZZ_JOBS (parallel runs per harness, default 1), KN_FUZZ_RSS_MB (default 2048),
# KN_FUZZ_SCRATCH (another .build-fuzz-* folder, to run two sessions side by side).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
harness=${1:-all}
seconds=${2:-30}
scratch=${KN_FUZZ_SCRATCH:-.build-fuzz}
rss=${KN_FUZZ_RSS_MB:-2048}

harnesses=()
for f in Fuzz/Harnesses/*.swift; do harnesses+=("$(basename "$f" .swift)"); done
if [[ $harness != all ]]; then
    [[ -f Fuzz/Harnesses/$harness.swift ]] || { echo "fuzz.sh: no harness '$harness'; have: ${harnesses[*]}" >&2; exit 2; }
    harnesses=("$harness")
fi

# 1. The instrumented library modules (and the C code under them).
# One -sanitize=fuzzer,address: given as two flags (what --sanitize=fuzzer --sanitize=address passes), swiftc keeps
# only the last, and the modules get AddressSanitizer without libFuzzer's coverage counters.
build=(swift build -c release -Xswiftc -sanitize=fuzzer,address -Xcc -fsanitize=fuzzer-no-link,address --scratch-path "$scratch")
mkdir -p "$scratch"
for target in KNImport KNEmit KNProcess; do
    nice "${build[@]}" --target "$target" >"$scratch/build.log" 2>&1 || { tail -40 "$scratch/build.log" >&2; exit 1; }
done
bin=$("${build[@]}" --show-bin-path)
# Every Swift module must carry libFuzzer's coverage counters, or the fuzzer runs blind (an incremental rebuild has
# been seen to drop the instrumentation): check, and rebuild the modules once if they lack them.
instrumented() { for o in "$bin"/KNModel.build/*.o; do nm "$o" 2>/dev/null | grep __sanitizer_cov >/dev/null && return 0; done; return 1; }
if ! instrumented; then
    rm -rf "$scratch/$(basename "$(dirname "$bin")")" "$scratch/release" "$scratch/build.db"
    for target in KNImport KNEmit KNProcess; do
        nice "${build[@]}" --target "$target" >"$scratch/build.log" 2>&1 || { tail -40 "$scratch/build.log" >&2; exit 1; }
    done
    instrumented || { echo "fuzz.sh: the modules in $bin are not instrumented for libFuzzer" >&2; exit 1; }
fi
objects=()
for module in KNModel KNImport KNSimulate KNMap KNEmit KNProcess Yams CYaml ZIPFoundation; do
    while IFS= read -r o; do objects+=("$o"); done < <(find "$bin/$module.build" -name "*.o")
done
flags=(-O -parse-as-library -sanitize=fuzzer,address -I "$bin/Modules" -I "$bin")
# The C modules under the Swift ones (CSundials, CYaml, CZlib).
while IFS= read -r map; do flags+=(-Xcc -fmodule-map-file="$root/$map"); done \
    < <(find Sources/CSundials Sources/CLibXML2 "$scratch/checkouts/Yams/Sources/CYaml" "$scratch/checkouts/ZIPFoundation/Sources/CZLib" -name module.modulemap)
flags+=(-Xcc -I/usr/include/libxml2 -lxml2 -lz -lsundials_cvodes -lsundials_arkode -lsundials_nvecserial -lsundials_sunlinsolklu
       -lsundials_sunmatrixsparse -lklu)

status=0
for h in "${harnesses[@]}"; do
    exe=$scratch/fuzz-$h
    # (ld.gold warns about every AddressSanitizer helper symbol: the link log is kept, shown only on failure.)
    nice swiftc "${flags[@]}" -module-name "Fuzz_${h//-/_}" Fuzz/Harnesses/"$h".swift Fuzz/Support/*.swift "${objects[@]}" \
        -o "$exe" >"$scratch/link-$h.log" 2>&1 || { grep -v "Cannot export local symbol" "$scratch/link-$h.log" >&2; exit 1; }
    corpus=$scratch/corpus/$h
    crashes=$scratch/crashes/$h
    mkdir -p "$corpus" "$crashes"
    [[ -d Fuzz/corpus/$h ]] && cp -n Fuzz/corpus/"$h"/* "$corpus"/ 2>/dev/null || true
    # The project's own test fixtures seed the readers they test (copied, not duplicated in Fuzz/corpus).
    case $h in
        checkpoint) cp -n Tests/KNImportTests/Fixtures/*.pth Tests/KNImportTests/Fixtures/torch-saved/*.pth "$corpus"/ 2>/dev/null || true ;;
        config) cp -n Tests/KNImportTests/Fixtures/*.yaml "$corpus"/ 2>/dev/null || true ;;
    esac
    case $h in
        checkpoint) for e in ../shared/upstream/*/model.pth; do
                        [[ -f $e && $(stat -c %s "$e") -lt 20000000 ]] && cp -n "$e" "$corpus/upstream-$(basename "$(dirname "$e")").pth"; done ;;
        config) for e in ../shared/upstream/*/config.yaml; do
                    [[ -f $e ]] && cp -n "$e" "$corpus/upstream-$(basename "$(dirname "$e")").yaml"; done ;;
    esac
    dict=()
    [[ -f Fuzz/dict/$h.dict ]] && dict=(-dict=Fuzz/dict/"$h".dict)
    echo "== $h: $seconds s"
    log=$scratch/fuzz-$h.log
    jobs=()
    [[ ${KN_FUZZ_JOBS:-1} -gt 1 ]] && jobs=(-fork="$KN_FUZZ_JOBS")
    if SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0 nice "$exe" "${dict[@]}" "${jobs[@]}" -max_total_time="$seconds" -rss_limit_mb="$rss" \
            -timeout=20 -max_len=1048576 -artifact_prefix="$crashes/" -print_final_stats=1 "$corpus" >"$log" 2>&1; then
        grep -E '^stat::number_of_executed_units|^stat::new_units_added' "$log" | sed "s/^/   $h /"
    else
        status=1
        echo "fuzz.sh: $h FAILED; see $log. Reproduce with: $exe $crashes/<crash file>" >&2
        grep -E 'ERROR|SUMMARY|Fatal error|==ERROR' "$log" | head -5 >&2
    fi
done
exit $status
