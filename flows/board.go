package flows

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/locales"
	"github.com/progressbot/progressbot/store"
)

// /board: the 红黄榜, reviewed and published by an admin, read by leaders.

// board shows a period's 红黄榜: to an admin the draft under review (computed afresh while
// it is a draft), to a leader the published list within their scope.
func (e *Engine) board(ctx context.Context, u User, per progressbot.Period, asked, edit bool, toast string, loc *locales.Localizer) (Reply, error) {
	return e.boardPage(ctx, u, per, 0, asked, edit, toast, loc)
}

func (e *Engine) boardPage(ctx context.Context, u User, per progressbot.Period, page int, asked, edit bool, toast string, loc *locales.Localizer) (Reply, error) {
	if u.Account.Role == store.RoleLiaison {
		return Reply{Messages: []Message{{Text: loc.T("leader.board.not_for_liaison")}}}, nil
	}
	now := e.now()
	if !asked {
		per = e.Calendar.LastClosed(now)
	}
	if u.Account.Role != store.RoleAdmin {
		return e.publishedBoard(ctx, u, per, asked, edit, loc)
	}
	if !now.After(e.periodDeadline(per)) {
		return Reply{Messages: []Message{{Text: loc.T("leader.board.not_closed", "Period", periodLabel(per, loc), "Deadline", e.deadlineLabel(per, loc)), Edit: edit}}}, nil
	}
	if per.Before(e.firstPeriod()) {
		return Reply{Messages: []Message{{Text: loc.T("leader.board.none", "Period", periodLabel(per, loc)), Edit: edit}}}, nil
	}
	b, err := e.DB.Board(ctx, e.Plan.ID, per)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return Reply{}, err
	}
	if errors.Is(err, store.ErrNotFound) || b.State == store.BoardDraft {
		r := e.roller()
		ru, err := e.rollup(ctx, u, progressbot.PlanSubject, nil, per, false)
		if err != nil {
			return Reply{}, err
		}
		if b, err = e.DB.DraftBoard(ctx, e.Plan.ID, per, r.Board(ru, progressbot.DefaultBoardRules)); err != nil {
			return Reply{}, err
		}
	}
	m := e.boardReview(b, page, loc)
	m.Edit = edit
	return Reply{Messages: []Message{m}, Toast: toast}, nil
}

func (e *Engine) boardLine(it store.BoardItem, loc *locales.Localizer) string {
	var why string
	switch it.Reason {
	case progressbot.BoardAhead:
		why = loc.T("leader.board.why.ahead", "Ahead", it.Ahead, "Judged", it.Judged)
	case progressbot.BoardMissing:
		why = loc.T("leader.board.why.missing", "Count", it.Days)
	case progressbot.BoardLate:
		why = loc.T("leader.board.why.late", "Count", it.Days)
	case progressbot.BoardSerious:
		why = loc.T("leader.board.why.serious", "Count", it.Serious)
		if it.Lagging > 0 {
			why += loc.T("leader.list_sep") + loc.T("leader.board.why.lagging", "Count", it.Lagging)
		}
	case progressbot.BoardLagging:
		why = loc.T("leader.board.why.lagging", "Count", it.Lagging)
	}
	return e.shortUnit(it.Unit, loc) + " — " + why
}

// boardReview is the admin's screen: both lists numbered (boardPage entries a page), a
// remove button per entry shown, then approve or publish.
func (e *Engine) boardReview(b store.Board, page int, loc *locales.Localizer) Message {
	var sb strings.Builder
	sb.WriteString(loc.T("leader.board.title", "Period", periodLabel(b.Period, loc)) + " · " + loc.T("leader.board.state."+string(b.State)))
	red, yellow := b.Listed(progressbot.RedList), b.Listed(progressbot.YellowList)
	all := append(append([]store.BoardItem{}, red...), yellow...)
	pages := max(1, (len(all)+boardPage-1)/boardPage)
	page = min(max(page, 0), pages-1)
	from, to := page*boardPage, min(len(all), (page+1)*boardPage)
	if pages > 1 {
		sb.WriteString(" " + loc.T("report.page", "Page", page+1, "Pages", pages))
	}
	var remove []Button
	for li, list := range []progressbot.BoardList{progressbot.RedList, progressbot.YellowList} {
		start, n := 0, len(red)
		if li == 1 {
			start, n = len(red), len(yellow)
		}
		shown := max(from, start) < min(to, start+n)
		if n == 0 {
			shown = li == 0 && page == 0 || li == 1 && page == pages-1
		}
		if !shown {
			continue // the list is on another page
		}
		sb.WriteString("\n\n" + loc.T("leader.board.list."+string(list), "Count", n))
		if n == 0 {
			sb.WriteString("\n" + loc.T("leader.board.empty"))
		}
		for i := max(from, start); i < min(to, start+n); i++ {
			it := all[i]
			sb.WriteString(fmt.Sprintf("\n%d. %s", i+1, e.boardLine(it, loc)))
			if b.State != store.BoardPublished {
				remove = append(remove, Button{Label: "✕" + strconv.Itoa(i+1), Data: boardPress{Act: boardRemove, Period: b.Period, List: list, Unit: it.Unit}.encode(e.Plan)})
			}
		}
	}
	var removed []string
	for _, it := range b.Entries {
		if it.Removed {
			removed = append(removed, "· "+e.shortUnit(it.Unit, loc)+loc.T("leader.paren", "Text", loc.T("leader.board.list_name."+string(it.List)))+loc.T("leader.colon")+clip(it.RemovedReason, 30))
		}
	}
	if len(removed) > 0 {
		sb.WriteString("\n\n" + loc.T("leader.board.removed", "Count", len(removed)) + "\n" + strings.Join(removed, "\n"))
	}
	rows := chunk(remove, 5)
	var nav []Button
	if page > 0 {
		nav = append(nav, Button{Label: loc.T("button.prev_page"), Data: boardPress{Act: boardView, Period: b.Period, Page: page - 1}.encode(e.Plan)})
	}
	if page < pages-1 {
		nav = append(nav, Button{Label: loc.T("button.next_page"), Data: boardPress{Act: boardView, Period: b.Period, Page: page + 1}.encode(e.Plan)})
	}
	if len(nav) > 0 {
		rows = append(rows, nav)
	}
	switch b.State {
	case store.BoardDraft:
		sb.WriteString("\n\n" + loc.T("leader.board.review_hint"))
		rows = append(rows, []Button{{Label: loc.T("leader.board.button.approve"), Data: boardPress{Act: boardApprove, Period: b.Period}.encode(e.Plan)}})
	case store.BoardApproved:
		sb.WriteString("\n\n" + loc.T("leader.board.approved_hint"))
		rows = append(rows, []Button{{Label: loc.T("leader.board.button.publish"), Data: boardPress{Act: boardPublish, Period: b.Period}.encode(e.Plan)}})
	case store.BoardPublished:
		sb.WriteString("\n\n" + loc.T("leader.board.published_at", "Time", b.PublishedAt.In(e.Calendar.Location).Format("2006-01-02 15:04")))
	}
	return Message{Text: sb.String(), Keyboard: rows}
}

// publishedBoard shows a leader a published 红黄榜, only the units within their scope.
func (e *Engine) publishedBoard(ctx context.Context, u User, per progressbot.Period, asked, edit bool, loc *locales.Localizer) (Reply, error) {
	b, err := e.DB.PublishedBoard(ctx, e.Plan.ID, per)
	if errors.Is(err, store.ErrNotFound) && !asked {
		// The latest published one, if the last month's is not out yet.
		if ps, err2 := e.DB.PublishedPeriods(ctx, e.Plan.ID); err2 == nil && len(ps) > 0 {
			per = ps[0]
			b, err = e.DB.PublishedBoard(ctx, e.Plan.ID, per)
		}
	}
	if errors.Is(err, store.ErrNotFound) {
		text := loc.T("leader.board.not_published", "Period", periodLabel(per, loc))
		ps, err := e.DB.PublishedPeriods(ctx, e.Plan.ID)
		if err != nil {
			return Reply{}, err
		}
		var bs []Button
		for i, p := range ps {
			if i == 6 {
				break
			}
			bs = append(bs, Button{Label: periodLabel(p, loc), Data: boardPress{Act: boardView, Period: p}.encode(e.Plan)})
		}
		if len(bs) > 0 {
			text += "\n" + loc.T("leader.board.published_list")
		}
		return Reply{Messages: []Message{{Text: text, Keyboard: chunk(bs, 3), Edit: edit}}}, nil
	}
	if err != nil {
		return Reply{}, err
	}
	scope, ok := e.scopeOf(u)
	if !ok {
		return e.refuse(u, loc), nil
	}
	r := e.roller()
	var sb strings.Builder
	sb.WriteString(loc.T("leader.board.title", "Period", periodLabel(per, loc)))
	if scope.Kind != progressbot.SubjectPlan {
		sb.WriteString("\n" + loc.T("leader.board.scoped", "Scope", e.subjectName(scope, loc)))
	}
	for _, list := range []progressbot.BoardList{progressbot.RedList, progressbot.YellowList} {
		var lines []string
		for _, it := range b.Listed(list) {
			if scope.Kind != progressbot.SubjectPlan {
				if _, err := r.Select(progressbot.Subject{Kind: progressbot.SubjectUnit, Key: it.Unit}, scope); err != nil {
					continue
				}
			}
			lines = append(lines, fmt.Sprintf("%d. %s", len(lines)+1, e.boardLine(it, loc)))
		}
		sb.WriteString("\n\n" + loc.T("leader.board.list."+string(list), "Count", len(lines)))
		if len(lines) == 0 {
			sb.WriteString("\n" + loc.T("leader.board.empty"))
		} else {
			sb.WriteString("\n" + strings.Join(lines, "\n"))
		}
	}
	sb.WriteString("\n\n" + loc.T("leader.board.published_at", "Time", b.PublishedAt.In(e.Calendar.Location).Format("2006-01-02 15:04")))
	var nav []Button
	if prev := per.Prev(); !prev.Before(e.firstPeriod()) {
		nav = append(nav, Button{Label: "‹ " + periodLabel(prev, loc), Data: boardPress{Act: boardView, Period: prev}.encode(e.Plan)})
	}
	m := Message{Text: sb.String(), Edit: edit}
	if len(nav) > 0 {
		m.Keyboard = [][]Button{nav}
	}
	return Reply{Messages: []Message{m}}, nil
}

// boardButton answers a 红黄榜 button (b:).
func (e *Engine) boardButton(ctx context.Context, u User, data string, loc *locales.Localizer) (Reply, error) {
	c, ok := decodeBoardPress(e.Plan, data)
	if c.Act != boardRemove {
		e.dropPending(ctx, u) // a removal waits for its reason only until the admin does something else
	}
	if !ok {
		return Reply{Toast: loc.T("button.stale")}, nil
	}
	per := c.Period
	if c.Act == boardView {
		return e.boardPage(ctx, u, per, c.Page, true, true, "", loc)
	}
	if u.Account.Role != store.RoleAdmin {
		return Reply{Toast: loc.T("leader.board.admins_only"), Messages: []Message{{Text: loc.T("leader.board.admins_only")}}}, nil
	}
	who := store.Who{UserID: u.ID, ChatID: u.ChatID}
	switch c.Act {
	case boardRemove:
		if c.List == "" || c.Unit == "" {
			return Reply{Toast: loc.T("button.stale")}, nil
		}
		list, unit := c.List, c.Unit
		b, err := e.DB.Board(ctx, e.Plan.ID, per)
		if err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return Reply{Toast: loc.T("button.stale")}, nil
			}
			return Reply{}, err
		}
		if b.State == store.BoardPublished {
			return Reply{Toast: loc.T("leader.board.already_published_short")}, nil
		}
		if it, ok := b.Entry(list, unit); !ok || it.Removed {
			return Reply{Toast: loc.T("button.stale")}, nil
		}
		if err := e.DB.SetBoardPending(ctx, e.Plan.ID, u.ID, store.BoardPending{Period: per, List: list, Unit: unit}); err != nil {
			return Reply{}, err
		}
		s, err := e.load(ctx, u.ChatID)
		if err != nil {
			return Reply{}, err
		}
		s.st = state{Flow: "board", Nonce: newNonce()}
		if err := e.save(ctx, s); err != nil {
			return Reply{}, err
		}
		text := loc.T("leader.board.ask_reason", "Unit", e.unitName(unit, loc), "List", loc.T("leader.board.list_name."+string(list)))
		return Reply{Messages: []Message{{Text: text, Keyboard: [][]Button{{{Label: loc.T("leader.board.button.cancel"), Data: boardPress{Act: boardCancel, Period: per}.encode(e.Plan)}}}}}}, nil
	case boardCancel:
		e.dropPending(ctx, u)
		return e.board(ctx, u, per, true, true, loc.T("leader.board.cancelled_short"), loc)
	case boardApprove:
		if _, err := e.DB.ApproveBoard(ctx, e.Plan.ID, per, who); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return e.noBoard(per, loc), nil
			}
			if _, toast, ok := errorMessage(err); ok {
				return e.board(ctx, u, per, true, true, loc.T(toast), loc)
			}
			return Reply{}, err
		}
		e.log().Info("board approved", "user_id", u.ID, "period", per.String())
		return e.board(ctx, u, per, true, true, loc.T("leader.board.approved_short"), loc)
	case boardPublish:
		b, already, err := e.DB.PublishBoard(ctx, e.Plan.ID, per, who)
		if errors.Is(err, store.ErrNotFound) {
			err = store.ErrBoardNotApproved // no board drafted: none approved either
		}
		if _, toast, ok := errorMessage(err); ok {
			return e.board(ctx, u, per, true, true, loc.T(toast), loc)
		}
		if err != nil {
			return Reply{}, err
		}
		if already {
			return Reply{Toast: loc.T("leader.board.already_published_short"),
				Messages: []Message{{Text: loc.T("leader.board.already_published", "Period", periodLabel(per, loc))}}}, nil
		}
		e.log().Info("board published", "user_id", u.ID, "period", per.String())
		text := loc.T("leader.board.published", "Period", periodLabel(per, loc),
			"Red", len(b.Listed(progressbot.RedList)), "Yellow", len(b.Listed(progressbot.YellowList)))
		return Reply{Messages: []Message{{Text: text, Edit: true}}, Toast: loc.T("leader.board.published_short")}, nil
	}
	return Reply{Toast: loc.T("button.stale")}, nil
}

// noBoard answers an action on a month that has no 红黄榜 (a forged or stale button):
// that there is none, and, for a month not closed yet, when there will be. Nothing is
// drafted: a board is reviewed on screen before it is approved.
func (e *Engine) noBoard(per progressbot.Period, loc *locales.Localizer) Reply {
	none := loc.T("leader.board.none", "Period", periodLabel(per, loc))
	text := none
	if !e.now().After(e.periodDeadline(per)) {
		text = loc.T("leader.board.not_closed", "Period", periodLabel(per, loc), "Deadline", e.deadlineLabel(per, loc))
	}
	return Reply{Toast: none, Messages: []Message{{Text: text}}}
}

// pendingFor is how long a removal waits for its reason.
const pendingFor = 30 * time.Minute

// boardReason takes the text an admin typed after pressing remove as the reason. ok is
// false when no removal was waiting for one (or it waited too long: the text is then a
// question).
func (e *Engine) boardReason(ctx context.Context, u User, text string, loc *locales.Localizer) (Reply, bool, error) {
	s, err := e.load(ctx, u.ChatID)
	if err != nil {
		return Reply{}, false, err
	}
	if s.st.Flow != "board" {
		return Reply{}, false, nil
	}
	s.st = state{}
	if err := e.save(ctx, s); err != nil {
		return Reply{}, false, err
	}
	p, ok, err := e.DB.TakeBoardPending(ctx, e.Plan.ID, u.ID)
	if err != nil || !ok || e.now().Sub(p.At) > pendingFor {
		return Reply{}, false, err
	}
	reason := strings.TrimSpace(text)
	if reason == "" {
		return Reply{Messages: []Message{{Text: loc.T("report.empty_text")}}}, true, nil
	}
	_, err = e.DB.RemoveFromBoard(ctx, e.Plan.ID, p.Period, p.List, p.Unit, clip(reason, 200), store.Who{UserID: u.ID, ChatID: u.ChatID})
	if errors.Is(err, store.ErrNotFound) {
		err = store.ErrBoardNoEntry // the board is gone, and the entry with it
	}
	if err != nil {
		if r, ok := errorReply(err, loc, "Period", periodLabel(p.Period, loc)); ok {
			return r, true, nil
		}
		return Reply{}, true, err
	}
	e.log().Info("board entry removed", "user_id", u.ID, "period", p.Period.String(), "list", string(p.List), "unit", p.Unit)
	r, err := e.board(ctx, u, p.Period, true, false, "", loc)
	if err != nil {
		return Reply{}, true, err
	}
	r.Messages = append([]Message{{Text: loc.T("leader.board.removed_one", "Unit", e.unitName(p.Unit, loc), "Reason", clip(reason, 60))}}, r.Messages...)
	return r, true, nil
}

// dropPending forgets a removal waiting for its reason, when the admin moves on to
// something else.
func (e *Engine) dropPending(ctx context.Context, u User) {
	if u.Account == nil || u.Account.Role != store.RoleAdmin {
		return
	}
	s, err := e.load(ctx, u.ChatID)
	if err != nil || s.st.Flow != "board" {
		return
	}
	s.st = state{}
	_ = e.save(ctx, s)
	_, _, _ = e.DB.TakeBoardPending(ctx, e.Plan.ID, u.ID)
}
