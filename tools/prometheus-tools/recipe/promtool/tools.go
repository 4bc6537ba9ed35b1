//go:build tools

// Package tools pins promtool's command so `go mod tidy` keeps its requirements.
package tools

import _ "github.com/prometheus/prometheus/cmd/promtool"
