package flows_test

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/flows"
	"github.com/progressbot/progressbot/locales"
	"github.com/progressbot/progressbot/store"
)

// TestScreensRender walks every screen people of each role reach — every command, typed
// questions, and breadth first every button those screens offer — in both languages on
// the bundled plan with demo data, and fails on a raw message id, a template error, an
// empty message, or text in the other language beyond what the plan and the liaisons
// wrote in one language only.
func TestScreensRender(t *testing.T) {
	if testing.Short() {
		t.Skip("walks a demo world")
	}
	for _, lang := range locales.Languages {
		t.Run(lang, func(t *testing.T) {
			w := demoWorld(t)
			withSchedule(t, w)
			chk := newScreenCheck(t, w)
			walkScreens(t, w, lang, func(what string, r flows.Reply, typed []string) {
				chk.oneLanguage = append(chk.oneLanguage, typed...)
				chk.reply(what, r)
			})
			if chk.n < 500 {
				t.Errorf("only %d screens checked", chk.n)
			}
		})
	}
}

// screenCheck holds what a screen may show and counts the screens checked.
type screenCheck struct {
	t   *testing.T
	ids map[string]bool
	// ns are the first segments of the message ids ("leader", "report" …): a dotted
	// word starting with one of them is a message id shown raw, even one that no file
	// defines.
	ns map[string]bool
	// oneLanguage are the texts shown in the language they were written in: the plan's
	// names with no English form, its own words, and what liaisons typed.
	oneLanguage []string
	// raw are each language's messages as written, joined: a gloss in the other
	// language that a message gives on purpose ("Honour roll 红榜") is no mistake.
	raw map[string]string
	n   int
}

func newScreenCheck(t *testing.T, w *world) *screenCheck {
	t.Helper()
	c := &screenCheck{t: t, ids: map[string]bool{}, ns: map[string]bool{}, raw: map[string]string{}}
	for _, lang := range locales.Languages {
		msgs, err := locales.Messages(lang)
		if err != nil {
			t.Fatal(err)
		}
		for id, m := range msgs {
			c.raw[lang] += m + "\n"
			c.ids[id] = true
			ns, _, _ := strings.Cut(id, ".")
			c.ns[ns] = true
		}
	}
	c.oneLanguage = planTexts(w.e.Plan)
	ctx := context.Background()
	err := w.db.Read(ctx, func(tx *store.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT DISTINCT raw FROM answers UNION SELECT DISTINCT done FROM answers UNION SELECT DISTINCT coordination FROM answers`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				return err
			}
			c.oneLanguage = append(c.oneLanguage, s)
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// planTexts are the plan's texts that exist in one language only: Chinese names that
// have no English form, and the document's own words.
func planTexts(p *progressbot.Plan) []string {
	var out []string
	one := func(zh, en string) {
		if en == "" {
			out = append(out, zh)
		}
	}
	one(p.Title, p.TitleEn)
	for _, u := range p.Units {
		one(u.Name, u.En)
	}
	for _, c := range p.Chains {
		one(c.Name, c.En)
		for _, f := range c.Directions {
			out = append(out, f.Name, f.Text)
		}
	}
	for _, c := range p.Clusters {
		one(c.Name, c.En)
	}
	for _, t := range p.Tasks {
		one(t.Title, t.TitleEn)
		out = append(out, t.Text)
	}
	for _, wi := range p.WorkItems {
		out = append(out, wi.Work)
	}
	for _, pr := range p.Projects {
		one(pr.Name, pr.En)
		out = append(out, pr.Company)
	}
	for _, in := range p.Indicators {
		one(in.Name, in.En)
	}
	for _, t := range p.Targets {
		out = append(out, t.Text)
		out = append(out, t.Companies...)
	}
	return out
}

var (
	dottedWord = regexp.MustCompile(`\b[a-z][a-z0-9_]*(\.[a-z0-9_]+)+\b`)
	hanRun     = regexp.MustCompile(`[\p{Han}]+`)
	measured   = regexp.MustCompile(`\d[\d.,]*[\p{Han}]+`)
	// latinWords are two or more words of Latin letters in a row: English prose.
	latinWords = regexp.MustCompile(`[A-Za-z]{2,}(?:[ '-]+[A-Za-z]{2,})+`)
	// notProse are Latin words a Chinese screen may carry: commands, file names, links.
	notProse = regexp.MustCompile(`/[a-z_]+|[\w.-]+\.(?:xlsx|csv|png|pdf)|https?://\S+|t\.me/\S+`)
)

func (c *screenCheck) reply(what string, r flows.Reply) {
	c.t.Helper()
	if len(r.Messages) == 0 && r.Toast == "" {
		c.t.Errorf("%s: empty reply", what)
	}
	texts := []string{r.Toast}
	for i, m := range r.Messages {
		if strings.TrimSpace(m.Text) == "" && m.Document == nil && m.Photo == nil {
			c.t.Errorf("%s: message %d is empty", what, i)
		}
		texts = append(texts, m.Text)
		if m.Document != nil {
			texts = append(texts, m.Document.Name)
		}
		for _, row := range m.Keyboard {
			for _, b := range row {
				if strings.TrimSpace(b.Label) == "" {
					c.t.Errorf("%s: a button without a label (%q)", what, b.Data)
				}
				texts = append(texts, b.Label)
			}
		}
	}
	for _, s := range texts {
		c.n++
		c.text(what, s)
	}
	for _, m := range r.Messages {
		c.distinct(what, m.Text)
	}
}

// listEntry is a numbered entry of a list: "3. 🔴 Hukou County: …", "12. Commerce Bureau — …".
var listEntry = regexp.MustCompile(`(?m)^\s*\d+\.\s+(.+)$`)

// distinct fails when two entries of one list read alike: names clipped to one form.
func (c *screenCheck) distinct(what, text string) {
	c.t.Helper()
	seen := map[string]bool{}
	for _, m := range listEntry.FindAllStringSubmatch(text, -1) {
		if seen[m[1]] {
			c.t.Errorf("%s: two entries read %q:\n%s", what, m[1], text)
			return
		}
		seen[m[1]] = true
	}
}

func (c *screenCheck) text(what, s string) {
	c.t.Helper()
	lang := c.t.Name()[strings.LastIndex(c.t.Name(), "/")+1:]
	for _, bad := range []string{"<no value>", "%!", "{{", "}}", "map[", "<nil>"} {
		if strings.Contains(s, bad) {
			c.t.Errorf("%s: %q in %q", what, bad, s)
		}
	}
	for _, m := range dottedWord.FindAllString(s, -1) {
		ns, _, _ := strings.Cut(m, ".")
		if c.ids[m] || c.ns[ns] {
			c.t.Errorf("%s: message id %q shown raw in %q", what, m, s)
		}
	}
	if lang == "en" {
		// A figure with a Chinese measure ("198户") in English.
		for _, m := range measured.FindAllString(s, -1) {
			if !c.writtenInOneLanguage(m) {
				c.t.Errorf("%s: untranslated measure %q in an English screen: %q", what, m, s)
			}
		}
		for _, h := range hanRun.FindAllString(s, -1) {
			if !c.writtenInOneLanguage(h) && !strings.Contains(c.raw[lang], h) {
				c.t.Errorf("%s: Chinese %q in an English screen: %q", what, h, s)
				return
			}
		}
		return
	}
	rest := notProse.ReplaceAllString(s, "")
	if m := latinWords.FindString(rest); m != "" && !c.writtenInOneLanguage(m) && !strings.Contains(c.raw[lang], m) {
		c.t.Errorf("%s: English %q in a Chinese screen: %q", what, m, s)
	}
}

// writtenInOneLanguage reports whether a piece of text is part of something the plan or
// a liaison wrote (clipped names, quoted phrases).
func (c *screenCheck) writtenInOneLanguage(s string) bool {
	return slices.ContainsFunc(c.oneLanguage, func(o string) bool { return strings.Contains(o, s) })
}

// walkScreens shows visit every screen people of each role reach in a language: the
// replies to every command and some typed questions, then breadth first the replies to
// every button those screens offer, files included. typed is what was typed, which a
// reply may echo.
func walkScreens(t *testing.T, w *world, lang string, visit func(what string, r flows.Reply, typed []string)) {
	t.Helper()
	plan := w.e.Plan
	county := plan.Counties()[0]
	roles := []struct {
		name        string
		role        store.Role
		unit, scope string
	}{
		{"unbound", "", "", ""},
		{"liaison", store.RoleLiaison, county.ID, ""},
		{"liaison of a bureau", store.RoleLiaison, plan.Indicators[0].Owner, ""},
		{"chain leader", store.RoleLeader, "", "chain:" + plan.Chains[0].ID},
		{"county leader", store.RoleLeader, "", "unit:" + county.ID},
		{"city leader", store.RoleLeader, "", ""},
		{"admin", store.RoleAdmin, "", ""},
	}
	for _, r := range roles {
		var p *person
		if r.role == "" {
			p = w.person(lang)
		} else {
			p = w.invited(r.role, r.unit, r.scope, lang)
			visit(r.name+" /start CODE", p.last, nil)
		}
		inputs := []string{"/start", "/help", "/lang", "/cancel", "/report", "/progress",
			"/progress " + plan.Chains[0].Name, "/progress " + county.Name, "/progress " + plan.Indicators[0].Name,
			"/missing", "/board", "/export", "/invite", "/invite liaison", "/remind", "/extend", "/extend x y",
			"/dashboard", "/nosuchcommand", "hello", "新能源汽车", "little giants", "xyzzy",
			// Questions by intent (intent.go), every view.
			"/progress 哪些县滞后", "/progress lagging indicators", "/progress which units are behind", "/progress 滞后的任务",
			"/progress 哪些事项滞后", "/progress 需协调事项有哪些", "/progress 排名前五的县", "/progress bottom 3 counties on " + plan.Indicators[0].Name,
			"/progress " + plan.Indicators[0].Name + " 排名", "/progress " + county.Name + " vs " + plan.Counties()[1].Name,
			"/progress " + plan.Chains[0].Name + " 10月 vs 11月", "/progress 本月新增滞后", "/progress what changed since last month"}
		for _, in := range inputs {
			// A question is echoed as typed.
			visit(r.name+" "+in, p.do(input(in)), inputs)
		}
		// Breadth first through every button the screens offer (files included),
		// with fresh screens for each command.
		seen := map[string]bool{}
		var queue []string
		add := func(rp flows.Reply) {
			for _, d := range dataOf(rp) {
				// Choosing the other language is checked in that language's run.
				if !seen[d] && len(seen) < 400 && !strings.HasPrefix(d, "lang:") {
					seen[d] = true
					queue = append(queue, d)
				}
			}
		}
		for _, in := range []string{"/report", "/progress", "/missing", "/board", "/export", "/lang"} {
			add(p.do(input(in)))
		}
		for len(queue) > 0 {
			d := queue[0]
			queue = queue[1:]
			rp := p.do(flows.Input{Data: d})
			visit(r.name+" pressed "+d, rp, nil)
			add(rp)
			// A screen waiting for typed text (an answer, a reason) gets some.
			if strings.HasPrefix(d, "r:") || strings.HasPrefix(d, "b:") {
				visit(r.name+" typed after "+d, p.say("12"), nil)
			}
		}
		if p.lang != lang {
			t.Fatalf("%s: language changed", r.name)
		}
	}
}
