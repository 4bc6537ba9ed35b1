#!/usr/bin/env bash
# Builds the e2e toolchain from the Go module proxy only: the Pulumi CLI, a Node.js language host,
# the kubernetes and random resource plugins, and a Kubernetes control plane (with kubectl), KWOK
# and etcd.
#
# The recipe is committed under tools/e2e/toolchain/<piece>/ (a wrapper go.mod and go.sum, and a
# main.go of our own where the upstream main cannot be built from its module zip); binaries go to a
# cache directory outside the repository, keyed by the versions and a hash of the recipe, so a
# changed recipe never reuses stale binaries and an unchanged one is never rebuilt. Go's own caches
# make an interrupted build resume where it stopped.
#
# usage: tools/e2e/toolchain.sh [--max-minutes N] [--print-bin] [--quiet]
#   --max-minutes N  stop with exit code 3 when the build has not finished after N minutes
#                    (what is compiled so far stays in Go's cache; the next run resumes)
#   --print-bin      print the bin directory of this recipe's toolchain and exit: 0 when it is
#                    complete, 1 when it still has to be built
# environment:
#   AI_PLATFORM_TOOLCHAIN  cache root (default: ~/.cache/ai-platform/toolchain)
# exit codes: 0 built (or already built), 1 a build failed, 2 usage or prerequisites, 3 time cap hit
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
script="$repo/tools/e2e/toolchain.sh"
recipe="$repo/tools/e2e/toolchain"
cache_root="${AI_PLATFORM_TOOLCHAIN:-$HOME/.cache/ai-platform/toolchain}"

max_minutes=""
print_bin=false
while [ $# -gt 0 ]; do
  case "$1" in
    --max-minutes) max_minutes="${2:?--max-minutes needs a number of minutes}"; shift 2 ;;
    --max-minutes=*) max_minutes="${1#*=}"; shift ;;
    --print-bin) print_bin=true; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "toolchain: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
if [ -n "$max_minutes" ] && ! [[ "$max_minutes" =~ ^[0-9]+$ ]]; then
  echo "toolchain: --max-minutes must be a whole number of minutes, got '$max_minutes'" >&2; exit 2
fi

# --- versions: read from the recipe and the npm lock file, never typed twice -------------------
npm_version() { # version of an npm package as package-lock.json resolves it
  node -e 'const l=require(process.argv[1]); const p=l.packages["node_modules/"+process.argv[2]]; if(!p){process.exit(1)} console.log(p.version)' \
    "$repo/package-lock.json" "$1" || { echo "toolchain: $1 is not in package-lock.json" >&2; exit 2; }
}
gomod_version() { # version a recipe's go.mod requires for a module
  awk -v m="$2" '$1==m && $2 ~ /^v/ {print $2; exit} $1=="require" && $2==m {print $3; exit}' "$recipe/$1/go.mod"
}
command -v go >/dev/null || PATH="/usr/local/go/bin:$PATH"
command -v go >/dev/null || { echo "toolchain: Go is not installed (need Go 1.26 or later on PATH or in /usr/local/go)" >&2; exit 2; }
command -v node >/dev/null || { echo "toolchain: node is not on PATH" >&2; exit 2; }

pulumi_version=$(gomod_version pulumi github.com/pulumi/pulumi/pkg/v3)
sdk_version=$(npm_version @pulumi/pulumi)
if [ "v$sdk_version" != "$pulumi_version" ]; then
  echo "toolchain: tools/e2e/toolchain/pulumi/go.mod builds the CLI at $pulumi_version but package-lock.json has @pulumi/pulumi $sdk_version; keep them equal" >&2
  exit 2
fi
kubernetes_plugin_version=$(npm_version @pulumi/kubernetes)
random_plugin_version=$(npm_version @pulumi/random)
kube_version=$(gomod_version kubernetes k8s.io/kubernetes)
kwok_version=$(gomod_version kwok sigs.k8s.io/kwok)
etcd_version=$(gomod_version etcd go.etcd.io/etcd/server/v3)
provider_module=github.com/pulumi/pulumi-kubernetes/provider/v4
provider_module_version=$(gomod_version pulumi-resource-kubernetes "$provider_module")

recipe_hash=$( (cd "$recipe" && find . -type f \( -name go.mod -o -name go.sum -o -name '*.go' \) | LC_ALL=C sort | xargs sha256sum; sha256sum < "$script") | sha256sum | cut -c1-10)
key="pulumi-${pulumi_version#v}-k8s-${kube_version#v}-${recipe_hash}"
root="$cache_root/$key"
bin="$root/bin"
complete_marker="$root/complete"

if $print_bin; then
  echo "$bin"
  [ -f "$complete_marker" ] && exit 0 || exit 1
fi

# --- progress and time cap ---------------------------------------------------------------------
start_epoch=$(date +%s)
deadline=""
[ -n "$max_minutes" ] && deadline=$((start_epoch + max_minutes * 60))
steps_total=8
step_no=0
fmt_secs() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

# run_step NAME DESCRIPTION COMMAND...: runs COMMAND with a live progress line, under the cap.
run_step() {
  local name="$1" what="$2"; shift 2
  step_no=$((step_no + 1))
  local log="$root/logs/$name.log" t0 t1 rc=0 remaining=""
  mkdir -p "$root/logs"
  t0=$(date +%s)
  if [ -n "$deadline" ]; then
    remaining=$((deadline - t0))
    if [ "$remaining" -le 0 ]; then
      echo "toolchain: time cap of ${max_minutes} minutes reached before building $name; run again to resume" >&2
      exit 3
    fi
  fi
  printf '[%d/%d] %s: %s\n' "$step_no" "$steps_total" "$name" "$what"
  if [ -n "$remaining" ]; then
    timeout --kill-after=10 "$remaining" "$@" >"$log" 2>&1 &
  else
    "$@" >"$log" 2>&1 &
  fi
  local pid=$!
  # A heartbeat: a rewritten line on a terminal, a line a minute in CI logs.
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    kill -0 "$pid" 2>/dev/null || break
    local el=$(( $(date +%s) - t0 ))
    if [ -t 1 ]; then
      printf '\r      building %s … %s ' "$name" "$(fmt_secs "$el")"
    elif [ $((el % 60)) -eq 0 ] && [ "$el" -ge 60 ]; then
      printf '      still building %s (%s)\n' "$name" "$(fmt_secs "$el")"
    fi
  done
  wait "$pid" || rc=$?
  t1=$(date +%s)
  [ -t 1 ] && printf '\r\033[K'
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    echo "toolchain: time cap of ${max_minutes} minutes reached while building $name ($(fmt_secs $((t1 - t0))) spent on it); run again to resume" >&2
    exit 3
  fi
  if [ "$rc" -ne 0 ]; then
    echo "toolchain: building $name failed (exit $rc); last lines of $log:" >&2
    tail -n 25 "$log" >&2
    # Name what could not be fetched: Go prints module@version before the proxy's answer, or, when
    # the proxy cannot be reached at all, the module it was downloading last.
    local refused
    refused=$(grep -Eo '[a-zA-Z0-9./_-]+@v[0-9][^: ]*: (reading|verifying|invalid|unknown revision)[^"]*' "$log" | sort -u || true)
    if [ -n "$refused" ]; then
      echo "$refused" | sed 's/^/toolchain: cannot get /' >&2
    elif grep -Eq 'module lookup disabled|dial tcp|proxyconnect|no such host|i/o timeout|TLS handshake' "$log"; then
      local last
      last=$(grep -E '^go: downloading ' "$log" | tail -n 1 | awk '{print $3"@"$4}' || true)
      echo "toolchain: cannot get ${last:-a module}: $(grep -Eo 'module lookup disabled[^"]*|dial tcp[^"]*|proxyconnect[^"]*|no such host|i/o timeout|TLS handshake[^"]*' "$log" | head -n 1)" >&2
    fi
    exit 1
  fi
  printf '      done in %s\n' "$(fmt_secs $((t1 - t0)))"
}

skip_step() { step_no=$((step_no + 1)); printf '[%d/%d] %s: already built\n' "$step_no" "$steps_total" "$1"; }

# Each piece builds in a copy of its recipe inside the cache, so generated files never land in
# the repository and a failed build leaves no half-written binary in bin/.
prepare_src() {
  local piece="$1" dst="$root/src/$1"
  rm -rf "$dst"; mkdir -p "$dst"
  cp -R "$recipe/$piece/." "$dst/"
  echo "$dst"
}

export GOTOOLCHAIN=local GOFLAGS="-buildvcs=false -mod=readonly" CGO_ENABLED=0
mkdir -p "$bin"
echo "toolchain $key"
echo "  into $bin"

# 1. Pulumi CLI, built as upstream does (static, no user/group cgo, version stamped).
if [ -x "$bin/pulumi" ]; then skip_step pulumi; else
  src=$(prepare_src pulumi)
  run_step pulumi "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi $pulumi_version" \
    bash -c "cd '$src' && go build -pgo=off -tags osusergo,grpcnotrace \
      -ldflags '-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$pulumi_version' \
      -o '$bin/.pulumi.tmp' github.com/pulumi/pulumi/pkg/v3/cmd/pulumi && mv '$bin/.pulumi.tmp' '$bin/pulumi'"
fi

# 2. Node.js language host (our own main; the upstream module is not on the proxy) and the
#    dynamic-provider host script the SDK ships, which the CLI looks for next to itself.
if [ -x "$bin/pulumi-language-nodejs" ] && [ -x "$bin/pulumi-resource-pulumi-nodejs" ]; then skip_step pulumi-language-nodejs; else
  src=$(prepare_src pulumi-language-nodejs)
  run_step pulumi-language-nodejs "own language host on github.com/pulumi/pulumi/sdk/v3 $pulumi_version" \
    bash -c "cd '$src' && go build -ldflags '-s -w -X main.version=${pulumi_version#v}' -o '$bin/.lang.tmp' . \
      && mv '$bin/.lang.tmp' '$bin/pulumi-language-nodejs' \
      && dir=\$(go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3) \
      && install -m 0755 \"\$dir/nodejs/dist/pulumi-resource-pulumi-nodejs\" '$bin/pulumi-resource-pulumi-nodejs'"
fi

# 3. kubernetes resource plugin: the provider's Serve with the schema and mapping its own main
#    would embed, generated here because the module zip omits them.
if [ -x "$bin/pulumi-resource-kubernetes" ]; then skip_step pulumi-resource-kubernetes; else
  src=$(prepare_src pulumi-resource-kubernetes)
  run_step pulumi-resource-kubernetes "$provider_module $provider_module_version, registered as $kubernetes_plugin_version" \
    bash -c "cd '$src' && go mod download $provider_module \
      && dir=\$(go list -m -f '{{.Dir}}' $provider_module)/cmd/pulumi-resource-kubernetes \
      && node -e 'const fs=require(\"fs\"); const [dir,v]=process.argv.slice(1); const s=JSON.parse(fs.readFileSync(dir+\"/schema.json\",\"utf8\")); s.version=v; fs.writeFileSync(\"schema-embed.json\", JSON.stringify(s)); fs.writeFileSync(\"terraform-mapping-embed.json\", JSON.stringify(JSON.parse(fs.readFileSync(dir+\"/terraform-mapping.json\",\"utf8\"))))' \"\$dir\" '$kubernetes_plugin_version' \
      && go build -pgo=off -ldflags '-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$kubernetes_plugin_version' -o '$bin/.k8s.tmp' . \
      && mv '$bin/.k8s.tmp' '$bin/pulumi-resource-kubernetes'"
fi

# 4. random resource plugin: our stand-in (the upstream provider module is not on the proxy).
if [ -x "$bin/pulumi-resource-random" ]; then skip_step pulumi-resource-random; else
  src=$(prepare_src pulumi-resource-random)
  # Its own tests run with every build: the stand-in is our code, and the stacks' secrets depend on it.
  run_step pulumi-resource-random "own RandomPassword/RandomBytes provider (tested), registered as $random_plugin_version" \
    bash -c "cd '$src' && go test -count=1 ./... && go build -ldflags '-s -w -X main.version=$random_plugin_version' -o '$bin/.random.tmp' . \
      && mv '$bin/.random.tmp' '$bin/pulumi-resource-random'"
fi

# 5. Kubernetes control plane. The version stamp matters: clients and the provider read it.
#    kubectl comes from the same build: the deploy-identity check asks the API server with it.
if [ -x "$bin/kube-apiserver" ] && [ -x "$bin/kube-controller-manager" ] && [ -x "$bin/kube-scheduler" ] && [ -x "$bin/kubectl" ]; then skip_step kubernetes; else
  src=$(prepare_src kubernetes)
  minor=$(echo "${kube_version#v}" | cut -d. -f2)
  ver_flags="-X k8s.io/component-base/version.gitVersion=$kube_version -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
  run_step kubernetes "k8s.io/kubernetes $kube_version: kube-apiserver, kube-controller-manager, kube-scheduler, kubectl" \
    bash -c "cd '$src' && mkdir -p '$root/tmp-kube' && go build -pgo=off -ldflags '-s -w $ver_flags' -o '$root/tmp-kube/' \
      k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl \
      && mv '$root/tmp-kube/'* '$bin/'"
fi

# 6. KWOK: simulated nodes, so pods become Running/Ready without a kubelet.
if [ -x "$bin/kwok" ]; then skip_step kwok; else
  src=$(prepare_src kwok)
  run_step kwok "sigs.k8s.io/kwok $kwok_version" \
    bash -c "cd '$src' && go build -ldflags '-s -w' -o '$bin/.kwok.tmp' sigs.k8s.io/kwok/cmd/kwok && mv '$bin/.kwok.tmp' '$bin/kwok'"
fi

# 7. etcd, through the server module's etcdmain (the repository root main is not buildable from
#    outside it).
if [ -x "$bin/etcd" ]; then skip_step etcd; else
  src=$(prepare_src etcd)
  run_step etcd "go.etcd.io/etcd/server/v3 $etcd_version" \
    bash -c "cd '$src' && go build -ldflags '-s -w' -o '$bin/.etcd.tmp' . && mv '$bin/.etcd.tmp' '$bin/etcd'"
fi

# 8. Register the resource plugins with the CLI, offline, at the versions the npm SDKs ask for.
export PULUMI_HOME="$root/pulumi-home" PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
installed=$("$bin/pulumi" plugin ls --json 2>/dev/null || echo '[]')
has_plugin() { echo "$installed" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const l=JSON.parse(s||"[]");process.exit(l.some(p=>p.name===process.argv[1]&&p.version===process.argv[2])?0:1)})' "$1" "$2"; }
if has_plugin kubernetes "$kubernetes_plugin_version" && has_plugin random "$random_plugin_version"; then skip_step plugins; else
  run_step plugins "pulumi plugin install: kubernetes $kubernetes_plugin_version, random $random_plugin_version" \
    bash -c "'$bin/pulumi' plugin install resource kubernetes '$kubernetes_plugin_version' --file '$bin/pulumi-resource-kubernetes' --reinstall \
      && '$bin/pulumi' plugin install resource random '$random_plugin_version' --file '$bin/pulumi-resource-random' --reinstall"
fi

cat > "$root/versions.json" <<JSON
{
  "pulumi": "${pulumi_version#v}",
  "kubernetesPlugin": { "registeredAs": "$kubernetes_plugin_version", "module": "$provider_module", "moduleVersion": "$provider_module_version" },
  "randomPlugin": { "registeredAs": "$random_plugin_version", "implementation": "stand-in (tools/e2e/toolchain/pulumi-resource-random)" },
  "kubernetes": "${kube_version#v}",
  "kwok": "${kwok_version#v}",
  "etcd": "${etcd_version#v}"
}
JSON
touch "$complete_marker"
echo "toolchain ready in $(fmt_secs $(( $(date +%s) - start_epoch ))): $bin (PULUMI_HOME=$PULUMI_HOME)"
