package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// runCmd runs the binary's entry point with a test environment.
func runCmd(t *testing.T, vars map[string]string, args ...string) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(k string) string { return vars[k] }}
	err := dispatch(context.Background(), e, args)
	return out.String(), err
}

func TestSeedUnitsExport(t *testing.T) {
	dir := t.TempDir()
	vars := map[string]string{"PROGRESSBOT_DB": filepath.Join(dir, "pb.db")}
	out, err := runCmd(t, vars, "seed")
	if err != nil || !strings.Contains(out, "jiujiang-2023") {
		t.Fatalf("seed: %q %v", out, err)
	}
	out, err = runCmd(t, vars, "seed", "--lang", "en")
	if err != nil || !strings.Contains(out, "already matches") {
		t.Fatalf("second seed: %q %v", out, err)
	}
	out, err = runCmd(t, vars, "units")
	if err != nil || !strings.Contains(out, "湖口县") || !strings.Contains(out, "工信局") {
		t.Fatalf("units: %v\n%s", err, out)
	}

	csvPath := filepath.Join(dir, "t.csv")
	if _, err := runCmd(t, vars, "export", "targets", "--format", "csv", "--out", csvPath); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range recs {
		// 附件3（一）: 湖口县 规模以上工业企业户数 2025 = 198.
		if r[1] == "above-scale-enterprises" && r[2] == "湖口县" && r[3] == "2025" && r[4] == "198" {
			found = true
		}
	}
	if !found {
		t.Error("csv lacks 湖口县's 2025 target of 198 above-scale enterprises")
	}

	xlsxPath := filepath.Join(dir, "t.xlsx")
	if _, err := runCmd(t, vars, "export", "--lang", "en", "targets", "--format", "xlsx", "--out", xlsxPath); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(xlsxPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("Targets")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(recs) {
		t.Errorf("xlsx has %d rows, csv %d", len(rows), len(recs))
	}
	if rows[0][0] != "Indicator" {
		t.Errorf("xlsx header: %v", rows[0])
	}
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	vars := map[string]string{"PROGRESSBOT_DB": filepath.Join(dir, "pb.db")}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown command", []string{"frobnicate"}, "unknown command"},
		{"export without subject", []string{"export"}, "export targets"},
		{"export bad format", []string{"export", "targets", "--format", "pdf"}, "want xlsx or csv"},
		{"seed from a missing folder", []string{"seed", "--dir", filepath.Join(dir, "nope")}, "missing file"},
		{"unknown flag", []string{"units", "--colour"}, "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := runCmd(t, vars, tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestSeedFromDir(t *testing.T) {
	// A plan folder on disk loads like the bundled one; a broken one changes nothing.
	dir := t.TempDir()
	vars := map[string]string{"PROGRESSBOT_DB": filepath.Join(dir, "pb.db")}
	planDir := filepath.Join(dir, "myplan")
	if err := os.MkdirAll(planDir, 0o755); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join("..", "..", "seeds", "jiujiang-2023")
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, en := range entries {
		b, _ := os.ReadFile(filepath.Join(src, en.Name()))
		os.WriteFile(filepath.Join(planDir, en.Name()), b, 0o644)
	}
	if _, err := runCmd(t, vars, "seed", "--dir", planDir); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(vars["PROGRESSBOT_DB"])
	os.WriteFile(filepath.Join(planDir, "units.yaml"), []byte("units:\n  - id: Bad Id\n"), 0o644)
	_, err = runCmd(t, vars, "seed", "--dir", planDir)
	if err == nil || !strings.Contains(err.Error(), "units.yaml:") {
		t.Errorf("broken seed: %v", err)
	}
	after, _ := os.ReadFile(vars["PROGRESSBOT_DB"])
	if !bytes.Equal(before, after) {
		t.Error("a broken seed changed the database")
	}
}

func TestChat(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		script string
		want   []string
	}{
		{"liaison walks in", []string{"chat"}, "/report\n1\n198\n2\n开展调研\n1\n7\n/quit\n",
			[]string{"湖口县", "开始填报", "〔1/", "✓ 已保存", "需要协调", "已暂停"}},
		{"liaison in English by short name", []string{"chat", "--lang", "en", "--unit", "工信局"}, "/report\n",
			[]string{"Bureau of Industry", "Start"}},
		{"bad number is explained", []string{"chat"}, "/report\n1\nabc\n", []string{"没有识别出数字"}},
		{"unknown unit", []string{"chat", "--unit", "湖口镇"}, "", []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vars := map[string]string{"PROGRESSBOT_DB": filepath.Join(t.TempDir(), "pb.db")}
			var out, errb bytes.Buffer
			e := &env{stdin: strings.NewReader(tt.script), stdout: &out, stderr: &errb, getenv: func(k string) string { return vars[k] }}
			err := dispatch(context.Background(), e, tt.args)
			if tt.name == "unknown unit" {
				if err == nil || !strings.Contains(err.Error(), "湖口镇") {
					t.Errorf("err = %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
		})
	}
}
