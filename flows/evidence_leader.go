package flows

import (
	"context"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/locales"
	"github.com/progressbot/progressbot/store"
)

// Evidence in the leaders' views: the summary of a unit or an item says how many files
// were attached for the period, with a button (view viewFiles) that sends them. Both see
// exactly the files of the rollup's selection — its units and its items, as Select
// decided from the person's scope — so evidence is never seen where answers are not.

// evidencePage bounds a page of files sent at once: 10 files (Telegram's album size) and
// 20 MB read into memory, whichever comes first.
const (
	evidencePageFiles = 10
	evidencePageBytes = 20 << 20
)

// visibleEvidence lists the files of a rollup's selection for its period, in the order
// they were attached.
func (e *Engine) visibleEvidence(ctx context.Context, ru *progressbot.Rollup) ([]store.Evidence, error) {
	sel := ru.Selection
	unit := ""
	if sel.Subject.Kind == progressbot.SubjectUnit {
		unit = sel.Subject.Key
	}
	all, err := e.DB.EvidenceOf(ctx, e.Plan.ID, ru.Period, unit)
	if err != nil {
		return nil, err
	}
	items := make(map[progressbot.ItemRef]bool, len(sel.Items))
	for _, ref := range sel.Items {
		items[ref] = true
	}
	r := e.roller()
	var out []store.Evidence
	for _, ev := range all {
		if items[ev.Item] && sel.HasUnit(r, ev.Unit) {
			out = append(out, ev)
		}
	}
	return out, nil
}

// hasEvidenceView tells the subjects whose summary lists files: a unit, an item.
func hasEvidenceView(s progressbot.Subject) bool {
	_, isItem := s.Item()
	return isItem || s.Kind == progressbot.SubjectUnit
}

// withEvidence adds the count of files and the button that sends them to the summary of
// a unit or an item, when there are any.
func (e *Engine) withEvidence(ctx context.Context, ru *progressbot.Rollup, v view, m *Message, loc *locales.Localizer) error {
	if !hasEvidenceView(v.subject) {
		return nil
	}
	evs, err := e.visibleEvidence(ctx, ru)
	if err != nil || len(evs) == 0 {
		return err
	}
	m.Text += "\n\n" + loc.T("evidence.leader.count", "Count", len(evs))
	w := v
	w.name, w.page = viewFiles, 0
	m.Keyboard = append([][]Button{{{Label: loc.T("evidence.leader.button", "N", len(evs)), Data: w.encode(e.Plan)}}}, m.Keyboard...)
	return nil
}

// evidenceFiles sends a page of the files of a unit's or an item's summary: each as a
// photo or a document captioned with its unit, item, name and time, then a message with
// the next page and the way back.
func (e *Engine) evidenceFiles(ctx context.Context, ru *progressbot.Rollup, v view, edit bool, loc *locales.Localizer) (Reply, error) {
	back := v
	back.name, back.page = viewSummary, 0
	backRow := []Button{{Label: loc.T("evidence.leader.back"), Data: back.encode(e.Plan)}}
	var evs []store.Evidence
	var err error
	if hasEvidenceView(v.subject) {
		if evs, err = e.visibleEvidence(ctx, ru); err != nil {
			return Reply{}, err
		}
	}
	pages := evidencePages(evs)
	if len(pages) == 0 || v.page >= len(pages) {
		return Reply{Messages: []Message{{Text: loc.T("evidence.leader.none", "Subject", e.subjectTitle(v.subject, v.within, loc)),
			Keyboard: [][]Button{backRow}, Edit: edit}}}, nil
	}
	var msgs []Message
	from, to := pages[v.page][0], pages[v.page][1]
	for _, ev := range evs[from:to] {
		caption := clip(loc.T("evidence.leader.caption", "Unit", e.shortUnit(ev.Unit, loc), "Item", e.shortItem(ev.Item, loc),
			"Name", ev.Name, "Time", ev.At.In(e.Calendar.Location).Format("2006-01-02 15:04")), 900)
		data, err := e.DB.ReadFile(ev.SHA256)
		if err != nil {
			e.log().Warn("evidence: file missing", "evidence_id", ev.ID, "err", err)
			msgs = append(msgs, Message{Text: caption + "\n" + loc.T("evidence.leader.missing")})
			continue
		}
		f := &File{Name: ev.Name, Data: data}
		if ev.MIME == "image/jpeg" || ev.MIME == "image/png" {
			msgs = append(msgs, Message{Text: caption, Photo: f})
		} else {
			msgs = append(msgs, Message{Text: caption, Document: f})
		}
	}
	rows := [][]Button{}
	if v.page+1 < len(pages) {
		next := v
		next.page++
		rows = append(rows, []Button{{Label: loc.T("evidence.leader.more", "N", len(evs)-to), Data: next.encode(e.Plan)}})
	}
	rows = append(rows, backRow)
	msgs = append(msgs, Message{Text: loc.T("evidence.leader.sent", "Subject", e.subjectTitle(v.subject, v.within, loc),
		"Period", periodLabel(ru.Period, loc), "From", from+1, "To", to, "Count", len(evs)), Keyboard: rows})
	return Reply{Messages: msgs}, nil
}

// evidencePages splits files into pages of at most evidencePageFiles files and
// evidencePageBytes bytes (a larger file has a page of its own): [from, to) of each.
func evidencePages(evs []store.Evidence) [][2]int {
	var pages [][2]int
	from, bytes := 0, int64(0)
	for i, ev := range evs {
		if i > from && (i-from == evidencePageFiles || bytes+ev.Size > evidencePageBytes) {
			pages = append(pages, [2]int{from, i})
			from, bytes = i, 0
		}
		bytes += ev.Size
	}
	if from < len(evs) {
		pages = append(pages, [2]int{from, len(evs)})
	}
	return pages
}
