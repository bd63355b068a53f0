// Command seedcheck decodes seed files strictly (unknown keys are errors) so that a
// person transcribing a plan sees syntax and key mistakes at once:
//
//	go run ./seeds/internal/seedcheck seeds/jiujiang-2023/tasks.yaml
package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/progressbot/progressbot/seeds"
	"go.yaml.in/yaml/v3"
)

func main() {
	failed := false
	for _, path := range os.Args[1:] {
		if err := check(path); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", path, err)
			failed = true
			continue
		}
		fmt.Printf("%s: ok\n", path)
	}
	if failed {
		os.Exit(1)
	}
}

func check(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var v any
	switch filepath.Base(path) {
	case "plan.yaml":
		v = &seeds.PlanFile{}
	case "units.yaml":
		v = &seeds.UnitsFile{}
	case "chains.yaml":
		v = &seeds.ChainsFile{}
	case "tasks.yaml":
		v = &seeds.TasksFile{}
	case "workitems.yaml":
		v = &seeds.WorkItemsFile{}
	case "indicators.yaml":
		v = &seeds.IndicatorsFile{}
	case "county-targets.yaml":
		v = &seeds.CountyTablesFile{}
	case "projects.yaml":
		v = &seeds.ProjectsFile{}
	default:
		return fmt.Errorf("unknown seed file name")
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	return dec.Decode(v)
}
