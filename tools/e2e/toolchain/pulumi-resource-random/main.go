// Command pulumi-resource-random is a stand-in for the upstream Pulumi random provider
// (github.com/pulumi/pulumi-random), which the Go module proxy does not serve, so it cannot be built in
// this toolchain. It implements only RandomPassword and RandomBytes, the two resources this project
// uses, with the upstream property names and semantics (defaults, validation, character sets, keepers,
// replace-on-any-change, secret outputs, static "none" ID), so the real Pulumi engine can run the
// program and the state it writes has the same shape the upstream provider would give it.
//
// It is registered in place of upstream with
//
//	pulumi plugin install resource random 4.21.2 --file <this binary>
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
)

// Set with -ldflags "-X main.version=..."; it must match the version the plugin is installed under, which
// in turn matches the @pulumi/random SDK the program depends on.
var version = "4.21.2"

func main() {
	// The engine passes --tracing when tracing is on; accept it so the plugin starts, but emit no spans.
	flag.String("tracing", "", "Zipkin-compatible tracing endpoint (accepted and ignored)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, flag.Args(), os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-resource-random: %v\n", err)
		os.Exit(1)
	}
}

// run serves the provider until ctx ends or the engine goes away. The engine reads the chosen port from
// the first line of stdout; with no engine address the plugin is in attach mode and simply serves.
func run(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) > 1 {
		return fmt.Errorf("expected at most one argument (the engine address), got %d", len(args))
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if len(args) == 1 {
		// A provider left behind by a crashed engine must not live forever.
		if err := rpcutil.Healthcheck(ctx, args[0], 5*time.Minute, cancel); err != nil {
			return fmt.Errorf("starting engine health check: %w", err)
		}
	}

	stopServing := make(chan bool)
	go func() {
		<-ctx.Done()
		close(stopServing)
	}()
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: stopServing,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterResourceProviderServer(srv, newProvider(version))
			return nil
		},
	})
	if err != nil {
		return fmt.Errorf("serving: %w", err)
	}
	if _, err := fmt.Fprintf(stdout, "%d\n", handle.Port); err != nil {
		return fmt.Errorf("announcing port: %w", err)
	}
	return <-handle.Done
}
