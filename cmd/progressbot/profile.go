//go:build profile

package main

// Built only with `-tags profile`: serve then writes a CPU profile of its life to
// $CPUPROFILE and, at shutdown, the allocations since start to $CPUPROFILE.allocs, for
// measuring the real binary under an outside harness (../shared/bench/compare.sh passes
// no PROGRESSBOT_* variable on, hence the bare name). A production build has none of it.

import (
	"context"
	"fmt"
	"os"
	"runtime/pprof"
)

func init() {
	components = append(components, component{"profile", startProfile})
}

func startProfile(_ context.Context, a *app) (func(context.Context) error, error) {
	path := os.Getenv("CPUPROFILE")
	if path == "" {
		return nil, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	a.Log.Info("writing a CPU profile", "path", path)
	return func(context.Context) error {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			return err
		}
		af, err := os.Create(path + ".allocs")
		if err != nil {
			return err
		}
		defer af.Close()
		return pprof.Lookup("allocs").WriteTo(af, 0)
	}, nil
}
