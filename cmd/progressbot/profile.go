//go:build profile

package main

// Built only with `-tags profile`: serve then writes a CPU profile of its life to
// $CPUPROFILE and, at shutdown, the allocations since start to $CPUPROFILE.allocs and the
// live heap after a collection to $CPUPROFILE.heap, for
// measuring the real binary under an outside harness (../shared/bench/compare.sh passes
// no PROGRESSBOT_* variable on, hence the bare name). A production build has none of it.

import (
	"context"
	"fmt"
	"os"
	"runtime"
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
		for _, p := range []struct{ name, suffix string }{{"allocs", ".allocs"}, {"heap", ".heap"}} {
			if p.name == "heap" {
				runtime.GC() // the heap profile is as of the last collection
			}
			f, err := os.Create(path + p.suffix)
			if err != nil {
				return err
			}
			err = pprof.Lookup(p.name).WriteTo(f, 0)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
		}
		return nil
	}, nil
}
