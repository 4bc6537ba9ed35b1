// The kubernetes resource plugin, built from the provider module with the two generated files its
// own main embeds. The module zip omits them (they are produced by `go generate` upstream), so the
// toolchain script writes schema-embed.json and terraform-mapping-embed.json next to this file in
// its build directory before compiling; they are never committed.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema-embed.json
var pulumiSchema []byte

//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, pulumiSchema, terraformMapping)
}
