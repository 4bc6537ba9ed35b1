// A Node.js language host for the Pulumi CLI, written for the e2e toolchain.
//
// The upstream host lives in its own module (sdk/nodejs/cmd/pulumi-language-nodejs) that the Go
// module proxy does not serve, so the toolchain cannot build it. The CLI only needs a small part of
// it to deploy this project: run the program through the SDK's own `cmd/run` entry point, start a
// policy pack through the SDK's `cmd/run-policy-pack`, and report which resource plugins the
// installed npm packages need. Everything that executes user code is the npm SDK's; this host only
// launches it with the arguments and environment the SDK documents.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// version is set at link time to the Pulumi release whose SDK this host launches.
var version = "0.0.0-dev"

// exitCodeErrorAlreadyLogged is what the SDK's run script exits with when it has already shown
// the user the error; the engine must then bail without printing a generic failure on top.
const exitCodeErrorAlreadyLogged = 32

func main() {
	// The engine passes its own flags before the engine address, which always comes last.
	var engineAddress string
	for _, arg := range os.Args[1:] {
		if !strings.HasPrefix(arg, "-") {
			engineAddress = arg
		}
	}
	nodeBin, err := exec.LookPath("node")
	if err != nil {
		fmt.Fprintln(os.Stderr, "pulumi-language-nodejs: node is not on PATH:", err)
		os.Exit(1)
	}
	host := &languageHost{nodeBin: nodeBin, engineAddress: engineAddress}
	// A host whose engine died (killed CLI, crashed CI job) must not outlive it.
	stop := make(chan bool)
	var stopOnce sync.Once
	if engineAddress != "" {
		if err := rpcutil.Healthcheck(context.Background(), engineAddress, 5*time.Minute, func() { stopOnce.Do(func() { close(stop) }) }); err != nil {
			fmt.Fprintln(os.Stderr, "pulumi-language-nodejs: cannot watch the engine:", err)
			os.Exit(1)
		}
	}
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: stop,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "pulumi-language-nodejs: cannot serve:", err)
		os.Exit(1)
	}
	// The engine reads the port from our first line of output.
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintln(os.Stderr, "pulumi-language-nodejs: stopped serving:", err)
		os.Exit(1)
	}
}

type languageHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	nodeBin       string
	engineAddress string

	mu      sync.Mutex
	running []*os.Process
}

func (h *languageHost) Handshake(_ context.Context, req *pulumirpc.LanguageHandshakeRequest) (*pulumirpc.LanguageHandshakeResponse, error) {
	if req.GetEngineAddress() != "" {
		h.engineAddress = req.GetEngineAddress()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *languageHost) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

// GetRequiredPlugins lists the resource plugins the installed npm packages declare
// (`"pulumi": {"resource": true}` in their package.json), so the engine checks they are installed
// before the program starts instead of failing halfway through a deployment.
func (h *languageHost) GetRequiredPlugins(_ context.Context, req *pulumirpc.GetRequiredPluginsRequest) (*pulumirpc.GetRequiredPluginsResponse, error) {
	dir := req.GetInfo().GetProgramDirectory()
	if dir == "" {
		dir = req.GetProgram()
	}
	plugins, err := resourcePluginsOf(dir)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.GetRequiredPluginsResponse{Plugins: plugins}, nil
}

func (h *languageHost) GetRequiredPackages(ctx context.Context, req *pulumirpc.GetRequiredPackagesRequest) (*pulumirpc.GetRequiredPackagesResponse, error) {
	plugins, err := resourcePluginsOf(req.GetInfo().GetProgramDirectory())
	if err != nil {
		return nil, err
	}
	packages := make([]*pulumirpc.PackageDependency, 0, len(plugins))
	for _, p := range plugins {
		packages = append(packages, &pulumirpc.PackageDependency{Name: p.Name, Kind: p.Kind, Version: p.Version, Server: p.Server})
	}
	return &pulumirpc.GetRequiredPackagesResponse{Packages: packages}, nil
}

func (h *languageHost) InstallDependencies(*pulumirpc.InstallDependenciesRequest, pulumirpc.LanguageRuntime_InstallDependenciesServer) error {
	return status.Error(codes.Unimplemented, "this host does not install dependencies: run `npm ci` first")
}

// Run executes the Pulumi program with the SDK's run script, the way `pulumi up` expects a
// Node.js host to: config and secret keys in the environment, everything else as flags.
func (h *languageHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	info := req.GetInfo()
	programDir := info.GetProgramDirectory()
	if programDir == "" {
		programDir = req.GetPwd()
	}
	runScript, err := sdkScript(programDir, "run")
	if err != nil {
		return nil, err
	}
	options := info.GetOptions().AsMap()

	args := append(nodeArgs(options), runScript)
	flag := func(name, value string) {
		if value != "" {
			args = append(args, "--"+name, value)
		}
	}
	flag("monitor", req.GetMonitorAddress())
	flag("engine", h.engineAddress)
	flag("organization", req.GetOrganization())
	flag("project", req.GetProject())
	flag("stack", req.GetStack())
	flag("root-directory", info.GetRootDirectory())
	flag("pwd", req.GetPwd())
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	if req.GetParallel() > 0 {
		flag("parallel", strconv.Itoa(int(req.GetParallel())))
	}
	entry := info.GetEntryPoint()
	if entry == "" {
		entry = "."
	}
	args = append(args, filepath.Join(programDir, entry))
	args = append(args, req.GetArgs()...)

	configJSON, err := json.Marshal(req.GetConfig())
	if err != nil {
		return nil, fmt.Errorf("serializing config: %w", err)
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secretKeysJSON, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, fmt.Errorf("serializing secret config keys: %w", err)
	}
	env := append(os.Environ(),
		"PULUMI_CONFIG="+string(configJSON),
		"PULUMI_CONFIG_SECRET_KEYS="+string(secretKeysJSON),
		"PULUMI_NODEJS_TYPESCRIPT="+strconv.FormatBool(optionBool(options, "typescript", true)),
	)
	if tsconfig, ok := options["tsconfig"].(string); ok && tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+tsconfig)
	}

	cmd := exec.CommandContext(ctx, h.nodeBin, args...)
	cmd.Dir = req.GetPwd()
	cmd.Env = env
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	if err := h.runTracked(cmd); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			if exitErr.ExitCode() == exitCodeErrorAlreadyLogged {
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exitErr.ExitCode())}, nil
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not run the program with %s: %v", h.nodeBin, err)}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

// RunPlugin starts a plugin written in Node.js; the engine uses it for policy packs, whose
// directory holds PulumiPolicy.yaml. The SDK's run-policy-pack prints the analyzer's port, which
// the engine reads from the stdout we stream back.
func (h *languageHost) RunPlugin(req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer) error {
	pluginDir := req.GetInfo().GetProgramDirectory()
	if pluginDir == "" {
		return status.Error(codes.InvalidArgument, "RunPlugin needs the plugin's program directory")
	}
	var entry string
	switch req.GetKind() {
	case "analyzer":
		entry = "run-policy-pack"
	case "resource":
		entry = "run-plugin"
	default:
		return status.Errorf(codes.Unimplemented, "plugins of kind %q are not supported by this host", req.GetKind())
	}
	script, err := sdkScript(pluginDir, entry)
	if err != nil {
		return err
	}
	args := append(nodeArgs(req.GetInfo().GetOptions().AsMap()), script)
	args = append(args, req.GetArgs()...)
	args = append(args, pluginDir)

	cmd := exec.CommandContext(server.Context(), h.nodeBin, args...)
	cmd.Dir = pluginDir
	cmd.Env = append(os.Environ(), req.GetEnv()...)
	stdout := &streamWriter{send: func(b []byte) error {
		return server.Send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stdout{Stdout: b}})
	}}
	stderr := &streamWriter{send: func(b []byte) error {
		return server.Send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stderr{Stderr: b}})
	}}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	code := int32(0)
	if err := h.runTracked(cmd); err != nil {
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) {
			return fmt.Errorf("could not start %s: %w", script, err)
		}
		code = int32(exitErr.ExitCode())
	}
	return server.Send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: code}})
}

// Cancel stops what this host started, so an interrupted `pulumi up` leaves no node behind.
func (h *languageHost) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, p := range h.running {
		_ = p.Signal(syscall.SIGINT)
	}
	return &emptypb.Empty{}, nil
}

func (h *languageHost) runTracked(cmd *exec.Cmd) error {
	if err := cmd.Start(); err != nil {
		return err
	}
	h.mu.Lock()
	h.running = append(h.running, cmd.Process)
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		for i, p := range h.running {
			if p == cmd.Process {
				h.running = append(h.running[:i], h.running[i+1:]...)
				break
			}
		}
	}()
	return cmd.Wait()
}

// streamWriter forwards a child's output to the engine as it arrives; the engine waits for the
// port line before anything else happens, so buffering it would deadlock the start-up.
type streamWriter struct {
	mu   sync.Mutex
	send func([]byte) error
}

func (w *streamWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	chunk := append([]byte(nil), p...)
	if err := w.send(chunk); err != nil {
		return 0, err
	}
	return len(p), nil
}

var _ io.Writer = (*streamWriter)(nil)

// sdkScript finds @pulumi/pulumi/cmd/<name> the way Node resolves a package: in the nearest
// node_modules at or above dir (npm workspaces hoist the SDK to the repository root).
func sdkScript(dir, name string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := abs; ; d = filepath.Dir(d) {
		candidate := filepath.Join(d, "node_modules", "@pulumi", "pulumi", "cmd", name)
		if _, err := os.Stat(candidate); err == nil {
			return candidate, nil
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	return "", fmt.Errorf("@pulumi/pulumi/cmd/%s is not installed in or above %s: run `npm ci` first", name, abs)
}

func nodeArgs(options map[string]any) []string {
	if raw, ok := options["nodeargs"].(string); ok {
		return strings.Fields(raw)
	}
	return nil
}

func optionBool(options map[string]any, key string, fallback bool) bool {
	switch v := options[key].(type) {
	case bool:
		return v
	case string:
		if b, err := strconv.ParseBool(v); err == nil {
			return b
		}
	}
	return fallback
}

type packageJSON struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Pulumi  struct {
		Resource bool   `json:"resource"`
		Name     string `json:"name"`
		Version  string `json:"version"`
		Server   string `json:"server"`
	} `json:"pulumi"`
}

// resourcePluginsOf reads the package.json of every package in the node_modules directories at
// or above dir (one level of scope), keeping those that declare a resource plugin.
func resourcePluginsOf(dir string) ([]*pulumirpc.PluginDependency, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	seen := map[string]*pulumirpc.PluginDependency{}
	for d := abs; ; d = filepath.Dir(d) {
		manifests, _ := filepath.Glob(filepath.Join(d, "node_modules", "*", "package.json"))
		scoped, _ := filepath.Glob(filepath.Join(d, "node_modules", "@*", "*", "package.json"))
		for _, manifest := range append(manifests, scoped...) {
			raw, err := os.ReadFile(manifest)
			if err != nil {
				return nil, err
			}
			var pkg packageJSON
			if err := json.Unmarshal(raw, &pkg); err != nil {
				return nil, fmt.Errorf("reading %s: %w", manifest, err)
			}
			if !pkg.Pulumi.Resource {
				continue
			}
			name := pkg.Pulumi.Name
			if name == "" {
				name = strings.TrimPrefix(strings.TrimPrefix(pkg.Name, "@pulumi/"), "@")
			}
			v := pkg.Pulumi.Version
			if v == "" {
				v = pkg.Version
			}
			if _, dup := seen[name]; !dup {
				seen[name] = &pulumirpc.PluginDependency{Name: name, Kind: "resource", Version: "v" + strings.TrimPrefix(v, "v"), Server: pkg.Pulumi.Server}
			}
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]*pulumirpc.PluginDependency, 0, len(names))
	for _, n := range names {
		out = append(out, seen[n])
	}
	return out, nil
}
