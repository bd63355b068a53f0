package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"testing"
)

// TestMain lets the load tool start this test binary as its bot child (LOADTEST_CHILD),
// as the real tool starts itself.
func TestMain(m *testing.M) {
	if kind := os.Getenv("LOADTEST_CHILD"); kind != "" {
		if err := runChild(kind); err != nil {
			os.Stderr.WriteString("loadtest child: " + err.Error() + "\n")
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestShortLoad is the load tool's short run for CI: 50 liaisons against progressbot and
// 50 users against the echo bot, with think time and in a closed loop, a few seconds
// each. It asserts correctness, not speed: everyone started, no error replies, no reply
// lost, no call Telegram would refuse, every acknowledged answer in the database. The
// figures it prints are not comparable to the README's (see there for the long run).
func TestShortLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("a load run")
	}
	var out, errb bytes.Buffer
	err := run(context.Background(), []string{
		"-liaisons", "50", "-duration", "3s", "-warmup", "1s", "-think-min", "20ms", "-think-max", "120ms",
		"-modes", "think,max", "-bots", "echo,progressbot", "-json",
	}, &out, &errb)
	t.Log(errb.String())
	if err != nil {
		t.Fatal(err)
	}
	var scs []Scenario
	if err := json.Unmarshal(out.Bytes(), &scs); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if len(scs) != 4 {
		t.Fatalf("%d scenarios", len(scs))
	}
	for _, s := range scs {
		name := s.Bot + " " + s.Mode
		switch {
		case s.Interactions == 0: // how many is for the load run to measure, not for a test to assert
			t.Errorf("%s: only %d interactions", name, s.Interactions)
		case s.NotStarted != 0:
			t.Errorf("%s: %d people could not start", name, s.NotStarted)
		case s.Errors+s.Timeouts != 0 || s.Invalid != 0 || s.BotErrors != 0:
			t.Errorf("%s: %d error replies, %d without reply, %d refused calls, %d bot errors", name, s.Errors, s.Timeouts, s.Invalid, s.BotErrors)
		case s.ExitError != "":
			t.Errorf("%s: the bot did not stop cleanly: %s", name, s.ExitError)
		case s.PeakRSS == 0 || s.WindowRSS == 0:
			t.Errorf("%s: memory figures %d (peak), %d (in the window)", name, s.PeakRSS, s.WindowRSS)
		}
		if s.Bot == "progressbot" {
			if s.AnswersAcked == 0 || s.Lost != 0 || s.Misfiled != 0 {
				t.Errorf("%s: %s", name, s.Verify)
			}
		}
	}
}
