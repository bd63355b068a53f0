package metrics_test

import (
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	vm "github.com/VictoriaMetrics/metrics"

	"github.com/progressbot/progressbot/bot"
	"github.com/progressbot/progressbot/metrics"
)

func scrape(t *testing.T, m *metrics.Registry) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("Content-Type %q", ct)
	}
	b, _ := io.ReadAll(rec.Body)
	return string(b)
}

// TestRegistry: what each method counts shows in the text format under its name, with
// the transport's and the database's figures read at the scrape.
func TestRegistry(t *testing.T) {
	m := metrics.New("remind", "bulletin")
	m.ReminderSent("remind")
	m.ReminderSent("remind")
	m.ReminderSent(`湖口县"} 1`) // never a name in a label
	m.TypedHeld()
	for _, d := range []time.Duration{time.Millisecond, 3 * time.Millisecond, time.Minute} {
		m.ObserveUpdate(bot.UpdateResult{Kind: "callback", Outcome: "ok", Duration: d})
	}
	m.SetBot(func() bot.Stats { return bot.Stats{Updates: 7, Errors: 1, InFlight: 2} })
	m.SetTotals(func(context.Context) (metrics.Totals, error) {
		return metrics.Totals{Answers: 40, Submissions: 3, Outbox: []metrics.OutboxCount{
			{Kind: "remind", State: "pending", N: 5},
			{Kind: "odd\"kind\\\n\x01", State: "sent", N: 1}, // a row written by hand
		}}, nil
	})
	text := scrape(t, m)
	for _, want := range []string{
		`progressbot_reminders_sent_total{kind="remind"} 2`,
		`progressbot_reminders_sent_total{kind="bulletin"} 0`,
		`progressbot_reminders_sent_total{kind="other"} 1`,
		`progressbot_typed_answers_held_total 1`,
		`progressbot_update_duration_seconds_bucket{kind="callback",outcome="ok",le="0.002"} 1`,
		`progressbot_update_duration_seconds_bucket{kind="callback",outcome="ok",le="0.005"} 2`,
		`progressbot_update_duration_seconds_bucket{kind="callback",outcome="ok",le="+Inf"} 3`,
		`progressbot_update_duration_seconds_count{kind="callback",outcome="ok"} 3`,
		`progressbot_updates_total 7`,
		`progressbot_errors_total 1`,
		`progressbot_updates_in_flight 2`,
		`progressbot_database_up 1`,
		`progressbot_answers_total 40`,
		`progressbot_submissions_total 3`,
		`progressbot_outbox_messages{kind="remind",state="pending"} 5`,
		`progressbot_outbox_messages{kind="odd\"kind\\\n` + "\x01" + `",state="sent"} 1`,
		`go_goroutines `,
		`process_resident_memory_bytes `,
	} {
		if !strings.Contains(text, "\n"+want) && !strings.HasPrefix(text, want) {
			t.Errorf("no %q in:\n%s", want, text)
		}
	}
	if strings.Contains(text, "湖口县") {
		t.Error("a label carries what was passed as a kind")
	}
	// Every sample line is well formed: name, labels quoted and escaped, a value.
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if err := vm.ValidateMetric(line[:max(i, 0)]); i < 0 || err != nil {
			t.Errorf("malformed line %q: %v", line, err)
		}
	}

	// The database not answering shows as database_up 0; sources removed show nothing.
	m.SetTotals(func(context.Context) (metrics.Totals, error) { return metrics.Totals{}, errors.New("locked") })
	m.SetBot(nil)
	text = scrape(t, m)
	if !strings.Contains(text, "\nprogressbot_database_up 0\n") || strings.Contains(text, "progressbot_answers_total") || strings.Contains(text, "progressbot_updates_total") {
		t.Errorf("after the database failed and the bot left:\n%s", text)
	}
}

// BenchmarkObserveUpdate is the cost each update pays for the latency histogram.
func BenchmarkObserveUpdate(b *testing.B) {
	m := metrics.New()
	r := bot.UpdateResult{Kind: "callback", Outcome: "ok", Duration: 3 * time.Millisecond}
	b.ReportAllocs()
	for b.Loop() {
		m.ObserveUpdate(r)
	}
}
