package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/export"
	"github.com/progressbot/progressbot/store"
	"github.com/xuri/excelize/v2"
)

// exportDB is a seeded database in which 湖口县 reported 201 above-scale enterprises for
// October 2026 and task 6 lagging.
func exportDB(t *testing.T) (map[string]string, string) {
	t.Helper()
	dir := t.TempDir()
	vars := map[string]string{"PROGRESSBOT_DB": filepath.Join(dir, "pb.db")}
	if _, err := runCmd(t, vars, "seed"); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	db, err := store.Open(ctx, vars["PROGRESSBOT_DB"])
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	oct := progressbot.Period{Year: 2026, Month: 10}
	v := 201.0
	for _, a := range []progressbot.Answer{
		{Unit: "hukou", Period: oct, Item: progressbot.ItemRef{Kind: progressbot.ItemIndicator, Key: "above-scale-enterprises"}, Value: &v, Raw: "201"},
		{Unit: "hukou", Period: oct, Item: progressbot.ItemRef{Kind: progressbot.ItemTask, Key: "6"}, Status: progressbot.StatusLagging, Done: "推进土地报批", Coordination: "用地指标紧张"},
	} {
		if _, err := db.SaveAnswer(ctx, "jiujiang-2023", a); err != nil {
			t.Fatal(err)
		}
	}
	return vars, dir
}

func TestExportPeriod(t *testing.T) {
	vars, dir := exportDB(t)
	path := filepath.Join(dir, "p.xlsx")
	out, err := runCmd(t, vars, "export", "--period", "2026-10", "--out", path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, path) {
		t.Errorf("output: %q", out)
	}
	x, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	rows, err := x.GetRows("县区-规上企业")
	if err != nil {
		t.Fatalf("%v (sheets %v)", err, x.GetSheetList())
	}
	ok := false
	for _, r := range rows {
		// unit, target 2026, reported, as of, expected, ratio, pace
		if r[0] == "湖口县" && r[1] == "198" && r[2] == "201" && r[3] == "2026-10" && r[6] == "正常" {
			ok = true
		}
	}
	if !ok {
		t.Errorf("湖口县 row not as reported: %q", rows)
	}
	if got := x.GetSheetList(); !slices.Contains(got, "目标值") || !slices.Contains(got, "未报单位") || got[0] != "概况" {
		t.Errorf("sheets: %v", got)
	}

	// English headers, the counties table as CSV; flags after the subject.
	csvPath := filepath.Join(dir, "c.csv")
	if _, err := runCmd(t, vars, "export", "progress", "--period", "2026-10", "--format", "csv", "--table", "counties", "--lang", "en", "--out", csvPath); err != nil {
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
	if recs[0][0] != "Indicator" {
		t.Errorf("header %q", recs[0])
	}
	ok = false
	for _, r := range recs {
		if r[2] == "Hukou County" && r[4] == "201" && r[8] == "On track" {
			ok = true
		}
	}
	if !ok {
		t.Errorf("counties csv lacks Hukou County's 201: %q", recs[:3])
	}

	// The default csv is the tasks table; a scope limits it.
	if _, err := runCmd(t, vars, "export", "--period", "2026-10", "--format", "csv", "--scope", "湖口", "--out", csvPath); err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(csvPath)
	recs, err = csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs[1:] {
		if r[2] != "湖口县" {
			t.Fatalf("湖口县's tasks include %q", r)
		}
	}
	if !slices.ContainsFunc(recs, func(r []string) bool { return r[0] == "任务6" && r[4] == "滞后" && r[6] == "用地指标紧张" }) {
		t.Error("task 6 missing from 湖口县's tasks csv")
	}

	// export targets keeps working, and takes a scope too.
	if _, err := runCmd(t, vars, "export", "targets", "--scope", "湖口县", "--format", "csv", "--out", csvPath); err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(csvPath)
	if !bytes.Contains(b, []byte("湖口县")) || bytes.Contains(b, []byte("彭泽县")) {
		t.Errorf("湖口县's targets: %.300s", b)
	}
}

func TestExportBadInput(t *testing.T) {
	vars := map[string]string{"PROGRESSBOT_DB": filepath.Join(t.TempDir(), "pb.db")}
	howto := m("cli.export.err.howto")
	tables := strings.Join(export.TableNames, ", ")
	checkRefusals(t, vars, "export", []refusal{
		{name: "no subject", want: m("cli.export.err.need_subject", "Text", howto), mention: []string{"export targets", "--period 2026-11"}},
		{name: "unknown subject", args: []string{"everything"}, want: m("cli.export.err.subject", "Subject", "everything", "Text", howto), mention: []string{"everything", "export targets"}},
		{name: "two subjects", args: []string{"targets", "extra"}, want: m("cli.export.err.extra", "Text", "extra"), mention: []string{"extra"}},
		{name: "targets with a period", args: []string{"targets", "--period", "2026-10"}, want: m("cli.export.err.targets_flags"), mention: []string{"--period", "--table"}},
		{name: "targets with a table", args: []string{"targets", "--format", "csv", "--table", "tasks"}, want: m("cli.export.err.targets_flags"), mention: []string{"--table"}},
		{name: "month 13", args: []string{"--period", "2026-13"}, want: m("cli.export.err.period", "Period", "2026-13"), mention: []string{"2026-13", "YYYY-MM", "12"}},
		{name: "month by name", args: []string{"--period", "November"}, want: m("cli.export.err.period", "Period", "November"), mention: []string{"November", "YYYY-MM"}},
		{name: "format pdf", args: []string{"--period", "2026-11", "--format", "pdf"}, want: m("cli.export.err.format", "Format", "pdf"), mention: []string{"pdf", "--format", "xlsx", "csv"}},
		{name: "format pdf after the subject", args: []string{"targets", "--format", "pdf"}, want: m("cli.export.err.format", "Format", "pdf"), mention: []string{"pdf"}},
		{name: "unknown table", args: []string{"--period", "2026-11", "--format", "csv", "--table", "people"}, want: m("cli.export.err.table", "Table", "people", "Tables", tables), mention: []string{"people", "tasks, counties"}},
		{name: "table of a workbook", args: []string{"--period", "2026-11", "--table", "tasks"}, want: m("cli.export.err.table_xlsx"), mention: []string{"--table", "--format csv"}},
	})
	// Mistakes in the subject and the flags are found before a database is opened (or made).
	if _, err := os.Stat(vars["PROGRESSBOT_DB"]); err == nil {
		t.Error("a bad flag made a database")
	}
	checkRefusals(t, vars, "export", []refusal{
		{name: "empty database", args: []string{"--period", "2026-10"}, want: m("cli.err.no_plan"), mention: []string{"seed"}},
	})
	if _, err := runCmd(t, vars, "seed"); err != nil {
		t.Fatal(err)
	}
	checkRefusals(t, vars, "export", []refusal{
		{name: "period not opened", args: []string{"--period", "2199-12"}, want: m("cli.export.err.not_open", "Period", "2199-12", "Current", currentPeriod().String()), mention: []string{"2199-12"}},
		{name: "unknown scope", args: []string{"--period", "2026-10", "--scope", "火星"},
			want: m("cli.export.err.scope", "Text", m("invite.err.unknown_scope", "Name", "火星", "Text", "")), mention: []string{"火星", "--scope"}},
	})
}
