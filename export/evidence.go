package export

import (
	"context"
	"strconv"
	"strings"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/store"
)

// TableEvidence is the sheet of evidence (佐证材料): one row per file attached.
const TableEvidence = "evidence"

// EvidenceSource is a Source that also keeps evidence; *store.DB is one. From a Source
// without it the evidence sheet has no rows.
type EvidenceSource interface {
	EvidenceOf(ctx context.Context, planID string, period progressbot.Period, unit string) ([]store.Evidence, error)
}

var _ EvidenceSource = (*store.DB)(nil)

// evidenceTable lists the files attached for the period within the scope: unit,
// period, item, file name, type, size, who sent it and when. The files themselves stay
// in the files folder; the bot sends them from a leader's view of the unit or item.
func (b *builder) evidenceTable(ctx context.Context, src Source) (Table, error) {
	t := Table{
		Name:   b.loc.T("export.evidence.sheet"),
		Header: b.header("evidence", "unit", "period", "item", "name", "type", "size", "who", "when"),
		Format: []string{"", "", "", "", "", "#,##0", "", ""},
		Widths: []float64{18, 10, 36, 30, 24, 12, 14, 18},
	}
	es, ok := src.(EvidenceSource)
	if !ok {
		return t, nil
	}
	evs, err := es.EvidenceOf(ctx, b.p.ID, b.period, "")
	if err != nil {
		return t, err
	}
	names := map[string]map[int64]string{} // unit → Telegram id → name
	loc := b.opt.Calendar.Location
	for _, ev := range evs {
		if !b.opt.Scope.Row(b.p, ev.Item, ev.Unit) {
			continue
		}
		if names[ev.Unit] == nil {
			users, err := src.UnitUsers(ctx, b.p.ID, ev.Unit)
			if err != nil {
				return t, err
			}
			names[ev.Unit] = map[int64]string{}
			for _, u := range users {
				names[ev.Unit][u.TelegramID] = u.Name
			}
		}
		who := names[ev.Unit][ev.UserID]
		if who == "" {
			who = strconv.FormatInt(ev.UserID, 10)
		}
		at := ev.At
		if loc != nil {
			at = at.In(loc)
		}
		t.Rows = append(t.Rows, []any{b.unitName(ev.Unit), ev.Period.String(), b.itemLabel(ev.Item), ev.Name, ev.MIME,
			float64(ev.Size), who, at.Format("2006-01-02 15:04")})
	}
	return t, nil
}

// itemLabel names an item in one cell: "任务3 …", an indicator's or a project's name.
func (b *builder) itemLabel(ref progressbot.ItemRef) string {
	en := b.loc.Lang == "en"
	switch ref.Kind {
	case progressbot.ItemIndicator:
		if in := b.p.Indicator(ref.Key); in != nil {
			return b.indicatorName(in)
		}
	case progressbot.ItemTask:
		no, _ := strconv.Atoi(ref.Key)
		if t := b.p.Task(no); t != nil {
			title := t.Title
			if en && t.TitleEn != "" {
				title = t.TitleEn
			}
			return b.loc.T("export.item.task", "N", t.No) + " " + title
		}
	case progressbot.ItemWorkItem:
		if w := b.p.WorkItem(ref.Key); w != nil {
			return b.loc.T("export.item.work", "N", strings.TrimPrefix(w.ID, "wi-")) + " " + w.Work
		}
	case progressbot.ItemProject:
		if pr := b.p.Project(ref.Key); pr != nil {
			if en && pr.En != "" {
				return pr.En
			}
			return pr.Name
		}
	}
	return ref.String()
}
