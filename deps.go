//go:build tools

// This file pins modules that the project uses from packages being written, so that
// go mod tidy keeps them. It is never built.
package progressbot

import (
	_ "github.com/prometheus/client_golang/prometheus"
	_ "golang.org/x/time/rate"
	_ "gonum.org/v1/plot"
)
