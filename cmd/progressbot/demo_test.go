package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestDemoDataBadInput(t *testing.T) {
	vars := map[string]string{"PROGRESSBOT_DB": filepath.Join(t.TempDir(), "pb.db")}
	checkRefusals(t, vars, "demo-data", []refusal{
		{name: "bad --from", args: []string{"--from", "2023-13"}, want: m("cli.demo.err.period", "Flag", "--from", "Value", "2023-13"), mention: []string{"--from", "2023-13", "YYYY-MM"}},
		{name: "bad --to", args: []string{"--to", "soon"}, want: m("cli.demo.err.period", "Flag", "--to", "Value", "soon"), mention: []string{"--to", "soon"}},
		{name: "--to in the future", args: []string{"--to", "2199-12"}, want: m("cli.demo.err.to_future", "To", "2199-12", "Current", currentPeriod().String()), mention: []string{"2199-12"}},
		{name: "--to before --from", args: []string{"--from", "2025-05", "--to", "2025-01"}, want: m("cli.demo.err.to_before_from", "To", "2025-01", "From", "2025-05"), mention: []string{"--to 2025-01", "--from 2025-05"}},
	})
	if _, err := os.Stat(vars["PROGRESSBOT_DB"]); err == nil {
		t.Error("a bad flag made a database")
	}
}
