//go:build tools

// Package tools pins amtool's command so `go mod tidy` keeps its requirements.
package tools

import _ "github.com/prometheus/alertmanager/cmd/amtool"
