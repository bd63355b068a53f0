package bot_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/alicebob/miniredis/v2"

	"github.com/progressbot/progressbot/bot/bottest"
	"github.com/progressbot/progressbot/store"
	"github.com/progressbot/progressbot/store/sessions"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestE2ENoTypedTextOrTokenInLogs runs whole conversations — an invite redeemed, a report
// with typed numbers and texts, wrong invite codes, a stranger's free text, a Redis
// outage and a Bot API error — with the engine and the transport logging JSON at debug
// level into a buffer, and finds in it neither the bot token, nor an invite code, nor
// anything a person typed.
func TestE2ENoTypedTextOrTokenInLogs(t *testing.T) {
	logs := &lockedBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	mr := miniredis.RunT(t)
	sess, err := sessions.Open(t.Context(), "redis://"+mr.Addr()+"/0", sessions.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	srv := bottest.New(t)
	r := newRigCustom(t, srv, sess, log, nil)

	secrets := []string{srv.Token(), strings.SplitN(srv.Token(), ":", 2)[1]}
	u := r.user(9501, "zh")
	code := r.invite(store.RoleLiaison, "gxj")
	secrets = append(secrets, code)
	u.say("/start " + code)
	u.say("/report")
	u.press("开始填报")
	typed := 0
	for n := 0; ; n++ {
		s := u.last()
		if i := strings.Index(s, "\n"); strings.HasPrefix(s, "✓") && i > 0 {
			s = s[i+1:]
		}
		if !strings.HasPrefix(s, "〔") {
			break
		}
		title := strings.SplitN(s, "\n", 3)[1]
		switch {
		case strings.HasPrefix(title, "指标："):
			v := []string{"3.14159", "2.71828", "1.41421", "1.73205"}[n%4]
			secrets = append(secrets, `"`+v+`"`) // a number could be inside a timestamp; as a value it is quoted
			u.say(v)
			if strings.Contains(u.last(), "确认无误") {
				u.press("确认")
			}
		case strings.HasPrefix(title, "重大项目"):
			u.press("开工")
		default:
			done, coord := "绝密进展甲乙丙"+string(rune('A'+n%26)), "需协调的机密事项丁戊己"+string(rune('A'+n%26))
			secrets = append(secrets, done, coord)
			u.press("需协调事项")
			u.say(coord)
			u.press("滞后")
			u.say(done)
		}
		typed++
	}
	u.press("提交")
	u.press("确认提交")
	u.sees("提交成功")

	// A stranger types free text and wrong codes.
	s := r.user(9502, "zh")
	for _, text := range []string{"湖口县怎么样 秘密问题", "/start WRONGCODE-secret-1", "/start WRONGCODE-secret-2"} {
		s.say(text)
	}
	secrets = append(secrets, "秘密问题", "WRONGCODE-secret")
	// Redis away while the liaison types; a Bot API error on the reply.
	u.say("/report")
	mr.Close()
	u.say("机密的内容在Redis停止时输入")
	secrets = append(secrets, "机密的内容在Redis停止时输入")
	if err := mr.Restart(); err != nil {
		t.Fatal(err)
	}
	srv.FailNextWith("sendMessage", 400, "Bad Request: can't parse entities")
	u.say("/help")

	out := logs.String()
	if typed < 10 || !strings.Contains(out, `"msg":"answer saved"`) {
		t.Fatalf("the conversation did not happen: %d items, log:\n%.2000s", typed, out)
	}
	for _, sec := range secrets {
		if strings.Contains(out, sec) {
			i := strings.Index(out, sec)
			t.Errorf("the log holds %q: …%s…", sec, out[max(0, i-200):min(len(out), i+100)])
		}
	}
	// Every line is JSON (structured), and every update has its line.
	lines := 0
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("not JSON: %q", line)
		}
		if m["msg"] == "update" {
			lines++
		}
	}
	if st := r.b.Stats(); int64(lines) != st.Updates-st.Duplicates-st.Ignored {
		t.Errorf("%d update lines for %d updates", lines, st.Updates)
	}
}
