package bot_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/bot/bottest"
	"github.com/progressbot/progressbot/store"
)

// BenchmarkReportStep measures one report step end to end — an update into the real
// go-telegram/bot library from the fake Bot API, the engine with its Redis session and
// SQLite answer, and the reply back out — with 200 liaisons' chats at once. Each liaison
// edits an indicator from the review screen and types its value, over and over: the typed
// value is the step that stores an answer; the button press that opens the item is a step
// too. ns/op is wall time per step with 200 chats in flight; p50/p99 are per step, from
// the update being queued to its reply arriving. Allocations count the whole process,
// the fake server included.
func BenchmarkReportStep(b *testing.B) {
	const chats = 200
	inbox := make(map[int64]chan bottest.Call, chats)
	for i := range chats {
		inbox[int64(100000+i)] = make(chan bottest.Call, 64)
	}
	srv := bottest.Start(bottest.Options{NoLog: true, OnCall: func(c bottest.Call) {
		if (c.Method == "sendMessage" || c.Method == "editMessageText") && c.OK() {
			if ch := inbox[c.ChatID]; ch != nil {
				ch <- c
			}
		}
	}})
	b.Cleanup(srv.Close)
	r := newRigWith(b, srv)
	// gxj (市工信局) owes mostly indicators; take the first one on the review's first page.
	due := r.plan.Due("gxj", progressbot.Period{Year: 2026, Month: 11})
	k := slices.IndexFunc(due, func(ref progressbot.ItemRef) bool { return ref.Kind == progressbot.ItemIndicator })
	if k < 0 || k >= 8 {
		b.Fatalf("no indicator on the review's first page: %d", k)
	}
	edit := fmt.Sprintf("改%d", k+1)

	type chat struct {
		id  int64
		msg bottest.Call // the bot's latest message in this chat
	}
	wait := func(c *chat) bottest.Call {
		select {
		case m := <-inbox[c.id]:
			c.msg = m
			return m
		case <-time.After(10 * time.Second):
			b.Fatalf("chat %d: no reply", c.id)
		}
		return bottest.Call{}
	}
	button := func(c *chat, label string) string {
		for _, row := range c.msg.Buttons {
			for _, bt := range row {
				if strings.Contains(bt.Text, label) {
					return bt.Data
				}
			}
		}
		b.Fatalf("chat %d: no button %q in %q", c.id, label, c.msg.Text)
		return ""
	}
	all := make([]*chat, chats)
	var setup sync.WaitGroup
	for i := range chats {
		c := &chat{id: int64(100000 + i)}
		all[i] = c
		code := r.invite(store.RoleLiaison, "gxj")
		setup.Add(1)
		go func() {
			defer setup.Done()
			srv.SendText(c.id, c.id, "/start "+code, "zh")
			wait(c)
			srv.SendText(c.id, c.id, "/report", "zh")
			wait(c)
			srv.Press(c.id, c.id, c.msg.MessageID, button(c, "核对全部"))
			wait(c)
		}()
	}
	setup.Wait()

	var (
		next     atomic.Int64
		mu       sync.Mutex
		lat      = make([]time.Duration, 0, b.N)
		valueLat = make([]time.Duration, 0, b.N/2+1)
	)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for _, c := range all {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ; n++ {
				if next.Add(1) > int64(b.N) {
					return
				}
				t0 := time.Now()
				typed := n%2 == 1
				if typed {
					srv.SendText(c.id, c.id, fmt.Sprint(100+n%7), "zh")
				} else {
					srv.Press(c.id, c.id, c.msg.MessageID, button(c, edit))
				}
				wait(c)
				d := time.Since(t0)
				mu.Lock()
				lat = append(lat, d)
				if typed {
					valueLat = append(valueLat, d)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	slices.Sort(lat)
	slices.Sort(valueLat)
	pct := func(xs []time.Duration, p float64) float64 {
		if len(xs) == 0 {
			return 0
		}
		return float64(xs[min(len(xs)-1, int(float64(len(xs))*p))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(lat, 0.50), "p50-ms")
	b.ReportMetric(pct(lat, 0.99), "p99-ms")
	b.ReportMetric(pct(valueLat, 0.99), "p99-answer-ms")
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "steps/s")
}
