#!/usr/bin/env bash
# Builds promtool and amtool, Prometheus' and Alertmanager's own checkers, from the Go module proxy
# only, for the alerting tests (test/observability/promtool.test.ts, amtool.test.ts).
#
# The recipe is committed under tools/prometheus-tools/recipe/<tool>/ (a wrapper go.mod, go.sum
# and tools.go each); binaries go to a cache directory outside the repository, keyed by the
# versions and a hash of the recipe and this script, so a changed recipe never reuses stale
# binaries and an unchanged one is never rebuilt. Go's own caches make an interrupted build resume
# where it stopped. The same conventions as the e2e toolchain (tools/e2e/toolchain.sh).
#
# usage: tools/prometheus-tools/build.sh [--max-minutes N] [--print-bin]
#   --max-minutes N  stop with exit code 3 when the build has not finished after N minutes
#                    (what is compiled so far stays in Go's cache; the next run resumes)
#   --print-bin      print the bin directory of this recipe's tools and exit: 0 when both are
#                    built, 1 when they still have to be built
# environment:
#   AI_PLATFORM_PROMETHEUS_TOOLS  cache root (default: ~/.cache/ai-platform/prometheus-tools)
# exit codes: 0 built (or already built), 1 a build failed, 2 usage or prerequisites, 3 time cap hit
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
script="$repo/tools/prometheus-tools/build.sh"
recipe="$repo/tools/prometheus-tools/recipe"
cache_root="${AI_PLATFORM_PROMETHEUS_TOOLS:-$HOME/.cache/ai-platform/prometheus-tools}"

max_minutes=""
print_bin=false
while [ $# -gt 0 ]; do
  case "$1" in
    --max-minutes) max_minutes="${2:?--max-minutes needs a number of minutes}"; shift 2 ;;
    --max-minutes=*) max_minutes="${1#*=}"; shift ;;
    --print-bin) print_bin=true; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "prometheus-tools: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
if [ -n "$max_minutes" ] && ! [[ "$max_minutes" =~ ^[0-9]+$ ]]; then
  echo "prometheus-tools: --max-minutes must be a whole number of minutes, got '$max_minutes'" >&2; exit 2
fi

# --- versions: read from the recipe and the npm lock file, never typed twice -------------------
gomod_version() { # version a recipe's go.mod requires for a module
  awk -v m="$2" '$1==m && $2 ~ /^v/ {print $2; exit} $1=="require" && $2==m {print $3; exit}' "$recipe/$1/go.mod"
}
command -v go >/dev/null || PATH="/usr/local/go/bin:$PATH"
command -v go >/dev/null || { echo "prometheus-tools: Go is not installed (need Go 1.26 or later on PATH or in /usr/local/go)" >&2; exit 2; }

prometheus_module=github.com/prometheus/prometheus
alertmanager_module=github.com/prometheus/alertmanager
prometheus_version=$(gomod_version promtool "$prometheus_module")
alertmanager_version=$(gomod_version amtool "$alertmanager_module")
# The PromQL grammar the tests parse with and the promtool that evaluates the rules are one release,
# so a query the parser accepts is one promtool accepts.
lezer_version=$(node -e 'const p=require(process.argv[1]).packages["node_modules/@prometheus-io/lezer-promql"]; console.log(p ? p.version : "")' "$repo/package-lock.json")
if [ "v$lezer_version" != "$prometheus_version" ]; then
  echo "prometheus-tools: tools/prometheus-tools/recipe/promtool/go.mod builds promtool at $prometheus_version but package-lock.json has @prometheus-io/lezer-promql '${lezer_version}'; keep them equal" >&2
  exit 2
fi

recipe_hash=$( (cd "$recipe" && find . -type f \( -name go.mod -o -name go.sum -o -name '*.go' \) | LC_ALL=C sort | xargs sha256sum; sha256sum < "$script") | sha256sum | cut -c1-10)
key="prometheus-${prometheus_version#v}-alertmanager-${alertmanager_version#v}-${recipe_hash}"
root="$cache_root/$key"
bin="$root/bin"

if $print_bin; then
  echo "$bin"
  [ -x "$bin/promtool" ] && [ -x "$bin/amtool" ] && exit 0 || exit 1
fi

# --- progress and time cap ---------------------------------------------------------------------
start_epoch=$(date +%s)
deadline=""
[ -n "$max_minutes" ] && deadline=$((start_epoch + max_minutes * 60))
fmt_secs() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

# build TOOL MODULE VERSION: builds MODULE/cmd/TOOL in a copy of its recipe inside the cache, so
# generated files never land in the repository and a failed build leaves no half-written binary.
build() {
  local tool="$1" module="$2" version="$3"
  if [ -x "$bin/$tool" ]; then echo "$tool: already built"; return; fi
  local src="$root/src/$tool" log="$root/logs/$tool.log" t0 t1 rc=0 remaining=""
  rm -rf "$src"; mkdir -p "$src" "$root/logs"
  cp -R "$recipe/$tool/." "$src/"
  t0=$(date +%s)
  if [ -n "$deadline" ]; then
    remaining=$((deadline - t0))
    if [ "$remaining" -le 0 ]; then
      echo "prometheus-tools: time cap of ${max_minutes} minutes reached before building $tool; run again to resume" >&2
      exit 3
    fi
  fi
  echo "$tool: $module/cmd/$tool $version"
  # Version stamped as upstream's Makefile does, so `--version` names the release under test.
  local cmd=(go build -ldflags "-s -w -X github.com/prometheus/common/version.Version=${version#v}" -o "$bin/.$tool.tmp" "$module/cmd/$tool")
  if [ -n "$remaining" ]; then
    (cd "$src" && timeout --kill-after=10 "$remaining" "${cmd[@]}") >"$log" 2>&1 &
  else
    (cd "$src" && "${cmd[@]}") >"$log" 2>&1 &
  fi
  local pid=$!
  # A heartbeat: a line a minute, so a long cold build in CI is visibly alive.
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    local el=$(( $(date +%s) - t0 ))
    if [ $((el % 60)) -eq 0 ] && [ "$el" -ge 60 ] && kill -0 "$pid" 2>/dev/null; then
      printf '      still building %s (%s)\n' "$tool" "$(fmt_secs "$el")"
    fi
  done
  wait "$pid" || rc=$?
  t1=$(date +%s)
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    echo "prometheus-tools: time cap of ${max_minutes} minutes reached while building $tool ($(fmt_secs $((t1 - t0))) spent on it); run again to resume" >&2
    exit 3
  fi
  if [ "$rc" -ne 0 ]; then
    echo "prometheus-tools: building $tool ($module $version) failed (exit $rc); last lines of $log:" >&2
    tail -n 25 "$log" >&2
    # Name what could not be fetched: Go prints module@version before the proxy's answer.
    local refused
    refused=$(grep -Eo '[a-zA-Z0-9./_-]+@v[0-9][^: ]*: (reading|verifying|invalid|unknown revision)[^"]*' "$log" | sort -u || true)
    if [ -n "$refused" ]; then
      echo "$refused" | sed 's/^/prometheus-tools: cannot get /' >&2
    elif grep -Eq 'module lookup disabled|dial tcp|proxyconnect|no such host|i/o timeout|TLS handshake' "$log"; then
      # The proxy could not be reached at all: name the module Go was downloading last.
      local last
      last=$(grep -E '^go: downloading ' "$log" | tail -n 1 | awk '{print $3"@"$4}' || true)
      echo "prometheus-tools: cannot get ${last:-$module@$version} (for $tool): $(grep -Eo 'module lookup disabled[^"]*|dial tcp[^"]*|proxyconnect[^"]*|no such host|i/o timeout|TLS handshake[^"]*' "$log" | head -n 1)" >&2
    fi
    exit 1
  fi
  mv "$bin/.$tool.tmp" "$bin/$tool"
  printf '      done in %s\n' "$(fmt_secs $((t1 - t0)))"
}

export GOTOOLCHAIN=local GOFLAGS="-buildvcs=false -mod=readonly" CGO_ENABLED=0
mkdir -p "$bin"
echo "prometheus-tools $key"
echo "  into $bin"
build amtool "$alertmanager_module" "$alertmanager_version"
build promtool "$prometheus_module" "$prometheus_version"
echo "prometheus-tools ready in $(fmt_secs $(( $(date +%s) - start_epoch ))): $bin"
