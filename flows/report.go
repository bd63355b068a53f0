package flows

import (
	"context"
	"maps"
	"math"
	"strconv"
	"strings"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/locales"
	"github.com/progressbot/progressbot/store"
)

// reportState is where a liaison is in the month's report. Pos indexes the unit's due
// items for the period (Plan.Due): -1 is the opening screen, len(due) the review.
type reportState struct {
	Unit    string        `json:"u"`
	Period  string        `json:"p"`
	Pos     int           `json:"i"`
	Phase   string        `json:"ph,omitempty"` // "", "done", "coord", "confirm", "submit"
	Pending *pendingValue `json:"pv,omitempty"`
	Back    bool          `json:"b,omitempty"` // return to the review after this item
	Page    int           `json:"pg,omitempty"`
	// Step counts the screens shown; buttons carry it, so that a second tap, or a tap on
	// an older message, is recognised and does nothing.
	Step int `json:"s"`
	// LastUpdate is the Telegram update that typed the last answer. Typed text carries no
	// step the way a button does, so an update delivered again (after a crash, before
	// Telegram heard it was handled) would otherwise answer the next question.
	LastUpdate int64 `json:"lu,omitempty"`
	// Typed is text typed when the screen before it may not have reached the liaison (an
	// unclean restart, an undelivered reply: Engine.unsure), waiting for them to say it
	// answers the question now shown.
	Typed *string `json:"ty,omitempty"`
	// Last is the item opened last (ItemRef.String): evidence sent in the review goes to it.
	Last string `json:"lo,omitempty"`
	// Sheet is a spreadsheet read and waiting for 保存 or 取消 (see sheet.go).
	Sheet *sheetImport `json:"sh,omitempty"`
}

// pendingValue is a number that looked implausible, waiting for the liaison to confirm.
type pendingValue struct {
	Raw   string  `json:"r"`
	Value float64 `json:"v"`
	Why   string  `json:"w"`
}

const (
	// phaseMain: an item's question (for a task: its status, or what was done when
	// the status is given).
	phaseMain = ""
	// phaseDone: a task whose status was just given, asking what was done.
	phaseDone = "done"
	// phaseCoord: a task's 需协调事项, asked only when the liaison presses for it.
	phaseCoord = "coord"
	// phaseConfirm: an implausible number waiting to be confirmed.
	phaseConfirm = "confirm"
	// phaseSubmit: the review asking to confirm the submission.
	phaseSubmit = "submit"
	reviewPage  = 8
)

// reportCtx is everything one step of the report flow works with.
type reportCtx struct {
	// ctx is the request's context, kept for the lookups that rendering needs; a
	// reportCtx lives for one input only.
	ctx    context.Context
	e      *Engine
	u      User
	loc    *locales.Localizer
	s      *session
	st     *reportState
	period progressbot.Period
	due    []progressbot.ItemRef
	rep    progressbot.Report
	// saved is the question an answer was saved under by this input (the item, and the
	// part of a task answered in parts), if any.
	saved *savedUnder
}

type savedUnder struct {
	item  progressbot.ItemRef
	phase string
}

func (e *Engine) openReport(ctx context.Context, u User, s *session, loc *locales.Localizer) (*reportCtx, error) {
	unit := u.Account.Unit
	period := e.Calendar.Current(e.now())
	st := s.st.Report
	if s.st.Flow != "report" || st == nil || st.Unit != unit || st.Period != period.String() {
		st = &reportState{Unit: unit, Period: period.String(), Pos: -1}
		s.st = state{Flow: "report", Nonce: newNonce(), Report: st}
	}
	rc := &reportCtx{ctx: ctx, e: e, u: u, loc: loc, s: s, st: st, period: period, due: e.Plan.Due(unit, period)}
	if err := rc.reload(ctx); err != nil {
		return nil, err
	}
	if st.Pos > len(rc.due) {
		st.Pos = len(rc.due)
	}
	return rc, nil
}

// keep puts answers just saved into the report on screen, in a new map: the store's is
// shared with every other reader (store.DB.Report).
func (rc *reportCtx) keep(saved ...progressbot.Answer) {
	answers := maps.Clone(rc.rep.Answers)
	for _, a := range saved {
		answers[a.Item] = a
	}
	rc.rep.Answers = answers
}

func (rc *reportCtx) reload(ctx context.Context) error {
	rep, err := rc.e.DB.Report(ctx, rc.e.Plan.ID, rc.st.Unit, rc.period)
	if err != nil {
		return err
	}
	rc.rep = rep
	return nil
}

func (e *Engine) reportCommand(ctx context.Context, u User, loc *locales.Localizer) (Reply, error) {
	if u.Account.Role != store.RoleLiaison || u.Account.Unit == "" {
		return Reply{Messages: []Message{{Text: loc.T("report.not_liaison")}}}, nil
	}
	s, err := e.load(ctx, u.ChatID)
	if err != nil {
		return Reply{}, err
	}
	rc, err := e.openReport(ctx, u, s, loc)
	if err != nil {
		return Reply{}, err
	}
	// /report always starts from the opening screen, which says where the liaison left off.
	rc.st.Pos, rc.st.Phase, rc.st.Pending, rc.st.Back, rc.st.Typed = -1, phaseMain, nil, false, nil
	return rc.show(ctx, false, "")
}

func (e *Engine) reportText(ctx context.Context, u User, s *session, in Input, loc *locales.Localizer) (Reply, error) {
	rc, err := e.openReport(ctx, u, s, loc)
	if err != nil {
		return Reply{}, err
	}
	if in.UpdateID != 0 {
		if in.UpdateID <= rc.st.LastUpdate {
			return rc.show(ctx, false, "") // handled before: show where the person is
		}
		rc.st.LastUpdate = in.UpdateID
	}
	text := strings.TrimSpace(in.Text)
	// Only text that would be filed under a question is held; unsure may read the database.
	if rc.st.Pos >= 0 && rc.st.Pos < len(rc.due) && !rc.submitted() && e.unsure(ctx, s) {
		// The person may have typed this for the screen before the one the session
		// says: show the question it would be filed under and let them decide.
		rc.st.Typed = &text
		e.log().Info("typed answer held for confirmation: the screen before it may not have reached the person",
			"user_id", u.ID, "unit", rc.st.Unit, "item", rc.item().String(), "session_boot", s.st.Boot, "unsent", s.st.Unsent)
		if e.OnHeld != nil {
			e.OnHeld()
		}
		return rc.show(ctx, false, "")
	}
	// Typing again after the question was shown answers it: the earlier text is
	// superseded.
	rc.st.Typed = nil
	return rc.onText(ctx, text)
}

func (e *Engine) reportButton(ctx context.Context, u User, data string, loc *locales.Localizer) (Reply, error) {
	if u.Account.Role != store.RoleLiaison || u.Account.Unit == "" {
		return Reply{Toast: loc.T("button.stale")}, nil
	}
	c, ok := decodeReportPress(e.Plan, data)
	if !ok {
		return Reply{Toast: loc.T("button.stale")}, nil
	}
	s, err := e.load(ctx, u.ChatID)
	if err != nil {
		return Reply{}, err
	}
	if s.st.Flow != "report" || s.st.Nonce != c.Nonce {
		// Forged, replayed, or from a session that is gone: show where the person is.
		rc, err := e.openReport(ctx, u, s, loc)
		if err != nil {
			return Reply{}, err
		}
		rc.st.Pos, rc.st.Phase = -1, phaseMain
		return rc.show(ctx, false, loc.T("button.stale"))
	}
	rc, err := e.openReport(ctx, u, s, loc)
	if err != nil {
		return Reply{}, err
	}
	if c.Step != rc.st.Step {
		// A second tap on a button already acted on, or an old message's button.
		return rc.show(ctx, false, loc.T("button.stale"))
	}
	return rc.onButton(ctx, c.Act, c.Arg)
}

// show saves the state and renders the current screen. A screen that follows typed text
// starts by saying the answer was saved, since there is no button to flash a toast on.
func (rc *reportCtx) show(ctx context.Context, edit bool, toast string, before ...Message) (Reply, error) {
	rc.st.Step++
	if err := rc.e.save(ctx, rc.s); err != nil {
		return Reply{}, err
	}
	m := rc.screen()
	m.Edit = edit
	if rc.saved != nil && !edit {
		m.Text = rc.loc.T("report.saved_to", "Item", rc.savedLabel()) + "\n" + m.Text
	}
	return Reply{Messages: append(before, m), Toast: toast}, nil
}

func (rc *reportCtx) btn(label, act string) Button {
	return Button{Label: label, Data: reportPress{Nonce: rc.s.st.Nonce, Step: rc.st.Step, Act: act}.encode(rc.e.Plan)}
}

// btnOf is a button whose act names one of several: a status, a stage, an item, a page.
func (rc *reportCtx) btnOf(label, act string, i int) Button {
	return Button{Label: label, Data: reportPress{Nonce: rc.s.st.Nonce, Step: rc.st.Step, Act: act, Arg: strconv.Itoa(i)}.encode(rc.e.Plan)}
}

func (rc *reportCtx) item() progressbot.ItemRef { return rc.due[rc.st.Pos] }

func (rc *reportCtx) submitted() bool { return rc.rep.State == progressbot.ReportSubmitted }

func (rc *reportCtx) deadlinePassed() bool {
	return rc.e.now().After(rc.e.deadlineFor(rc.ctx, rc.st.Unit, rc.period))
}

// complete reports whether an item's latest answer is a whole answer.
func complete(ref progressbot.ItemRef, a progressbot.Answer, ok bool) bool {
	if !ok {
		return false
	}
	if a.Skipped {
		return true
	}
	switch ref.Kind {
	case progressbot.ItemIndicator:
		return a.Value != nil
	case progressbot.ItemTask, progressbot.ItemWorkItem:
		// 需协调事项 defaults to none: a status and what was done make a whole answer.
		return a.Status != "" && a.Done != ""
	case progressbot.ItemProject:
		return a.Stage != ""
	}
	return false
}

// begun reports whether an item has an answer of this period, whole or not: 跳过 keeps
// it rather than replacing it.
func begun(a progressbot.Answer, ok bool) bool { return ok && !a.Skipped }

func (rc *reportCtx) counts() (answered, skipped, open int) {
	for _, ref := range rc.due {
		a, ok := rc.rep.Answers[ref]
		switch {
		case !complete(ref, a, ok):
			open++
		case a.Skipped:
			skipped++
		default:
			answered++
		}
	}
	return
}

// firstOpen is the first item without a whole answer, or the review.
func (rc *reportCtx) firstOpen() int {
	for i, ref := range rc.due {
		a, ok := rc.rep.Answers[ref]
		if !complete(ref, a, ok) {
			return i
		}
	}
	return len(rc.due)
}

// enter moves to item i, picking the phase a half-finished task answer left off at.
func (rc *reportCtx) enter(i int) {
	rc.st.Pos, rc.st.Phase, rc.st.Pending, rc.st.Typed = i, phaseMain, nil, nil
	if i < 0 || i >= len(rc.due) {
		return
	}
	ref := rc.due[i]
	rc.st.Last = ref.String()
	a, ok := rc.rep.Answers[ref]
	if ok && !a.Skipped && isTask(ref) && a.Status != "" && a.Done == "" && !rc.st.Back {
		rc.st.Phase = phaseDone
	}
}

func isTask(ref progressbot.ItemRef) bool {
	return ref.Kind == progressbot.ItemTask || ref.Kind == progressbot.ItemWorkItem
}

// advance moves past an item: back to the review when the item was opened from there,
// else to the next item still open, else the review. Items already answered — carried
// over, typed earlier — are not asked again; the review shows them.
func (rc *reportCtx) advance() {
	if rc.st.Back {
		rc.st.Back = false
		rc.enter(len(rc.due))
		return
	}
	next := rc.st.Pos + 1
	for ; next < len(rc.due); next++ {
		if a, ok := rc.rep.Answers[rc.due[next]]; !complete(rc.due[next], a, ok) {
			break
		}
	}
	rc.enter(next)
}

func (rc *reportCtx) save(ctx context.Context, a progressbot.Answer) error {
	return rc.saveAs(ctx, a, rc.st.Phase)
}

// saveAs saves an answer to the current item, naming the part of the question it
// answers (phaseDone, phaseCoord, or phaseMain for the whole item).
func (rc *reportCtx) saveAs(ctx context.Context, a progressbot.Answer, part string) error {
	a.Unit, a.Period, a.Item = rc.st.Unit, rc.period, rc.item()
	a.UserID, a.ChatID = rc.u.ID, rc.u.ChatID
	saved, err := rc.e.DB.SaveAnswer(ctx, rc.e.Plan.ID, a)
	if err != nil {
		return err
	}
	rc.keep(saved)
	rc.saved = &savedUnder{item: a.Item, phase: part}
	rc.e.log().Info("answer saved", "user_id", rc.u.ID, "unit", a.Unit, "period", a.Period.String(), "item", a.Item.String(), "answer_id", saved.ID, "source", string(a.Source))
	return nil
}

// saveAll saves answers of the report in one transaction and keeps them as its latest.
func (rc *reportCtx) saveAll(ctx context.Context, as []progressbot.Answer) ([]progressbot.Answer, error) {
	saved, err := rc.e.DB.SaveAnswers(ctx, rc.e.Plan.ID, as)
	if err != nil {
		return nil, err
	}
	rc.keep(saved...)
	return saved, nil
}

// savedLabel names the question the answer was saved under. A typed answer's
// acknowledgement says it, so that a person who typed while looking at an older screen
// (after a crash, say) sees where the text went and can change it from the review.
func (rc *reportCtx) savedLabel() string { return rc.questionLabel(rc.saved.item, rc.saved.phase) }

// questionLabel names an item's question: the item, and the part of a task answered in
// parts.
func (rc *reportCtx) questionLabel(ref progressbot.ItemRef, phase string) string {
	item := clip(rc.e.itemTitle(ref, rc.loc), 24)
	switch phase {
	case phaseDone:
		return rc.loc.T("report.part.done", "Item", item)
	case phaseCoord:
		return rc.loc.T("report.part.coord", "Item", item)
	}
	return item
}

// carry starts a new answer from the item's latest one of this period, for a task
// answered in parts. What the new answer changes is the liaison's own (source chat).
func (rc *reportCtx) carry() progressbot.Answer {
	a, ok := rc.rep.Answers[rc.item()]
	if !ok || a.Skipped {
		return progressbot.Answer{}
	}
	return progressbot.Answer{Status: a.Status, Done: a.Done, DoneCarried: a.DoneCarried, Coordination: a.Coordination, Stage: a.Stage, Value: a.Value, Raw: a.Raw}
}

func (rc *reportCtx) onButton(ctx context.Context, act, arg string) (Reply, error) {
	loc := rc.loc
	if rc.submitted() && act != "reopen" && act != "pause" {
		return rc.show(ctx, true, loc.T("report.already_submitted_short"))
	}
	switch act {
	case "go":
		rc.st.Back = false
		rc.enter(rc.firstOpen())
		return rc.show(ctx, true, "")
	case "pause":
		if err := rc.e.save(ctx, rc.s); err != nil {
			return Reply{}, err
		}
		return Reply{Messages: []Message{{Text: loc.T("report.paused"), Edit: true}}}, nil
	case "back":
		switch {
		case rc.st.Pos < len(rc.due) && rc.st.Phase != phaseMain:
			rc.st.Phase, rc.st.Pending = phaseMain, nil
		case rc.st.Pos == len(rc.due) && rc.st.Phase == phaseSubmit:
			rc.st.Phase = phaseMain
		case rc.st.Back:
			rc.st.Back = false
			rc.enter(len(rc.due))
		case rc.st.Pos > 0:
			rc.enter(rc.st.Pos - 1)
			rc.st.Phase = phaseMain
		default:
			rc.enter(-1)
		}
		return rc.show(ctx, true, "")
	case "review":
		rc.st.Back = false
		rc.enter(len(rc.due))
		return rc.show(ctx, true, "")
	case "page":
		n, _ := strconv.Atoi(arg)
		rc.st.Page = max(0, n)
		return rc.show(ctx, true, "")
	case "edit":
		i, err := strconv.Atoi(arg)
		if err != nil || i < 0 || i >= len(rc.due) {
			return rc.show(ctx, false, loc.T("button.stale"))
		}
		rc.st.Back = true
		rc.enter(i)
		return rc.show(ctx, true, "")
	case "carry":
		return rc.carryOver(ctx)
	case "submit":
		// Submitting asks first: a report goes to the leaders, and a press meant for
		// another button must not send it.
		rc.enter(len(rc.due))
		rc.st.Phase = phaseSubmit
		return rc.show(ctx, true, "")
	case "submitok":
		if rc.st.Pos != len(rc.due) || rc.st.Phase != phaseSubmit {
			return rc.show(ctx, false, loc.T("button.stale"))
		}
		return rc.submit(ctx)
	case "reopen":
		return rc.reopen(ctx)
	case "sheet", "sheetsave", "sheetdrop":
		return rc.onSheetButton(ctx, act)
	}
	if rc.st.Pos < 0 || rc.st.Pos >= len(rc.due) {
		return rc.show(ctx, false, loc.T("button.stale"))
	}
	ref := rc.item()
	switch act {
	case "file", "drop":
		if rc.st.Typed == nil {
			return rc.show(ctx, false, loc.T("button.stale"))
		}
		text := *rc.st.Typed
		rc.st.Typed = nil
		if act == "drop" {
			return rc.show(ctx, true, "")
		}
		return rc.onText(ctx, text)
	case "skip":
		// Only an item with nothing of this period becomes skipped: a press must not
		// replace an answer.
		if a, ok := rc.rep.Answers[ref]; begun(a, ok) {
			rc.advance()
			return rc.show(ctx, true, loc.T("report.kept_short"))
		}
		if err := rc.save(ctx, progressbot.Answer{Skipped: true}); err != nil {
			return Reply{}, err
		}
		rc.advance()
		return rc.show(ctx, true, loc.T("report.skipped_short"))
	case "keep":
		rc.advance()
		return rc.show(ctx, true, "")
	case "same":
		prev, ok, err := rc.e.DB.Previous(ctx, rc.e.Plan.ID, rc.st.Unit, rc.period, ref)
		if err != nil {
			return Reply{}, err
		}
		if !ok || prev.Value == nil {
			return rc.show(ctx, false, loc.T("report.no_previous"))
		}
		if err := rc.save(ctx, progressbot.Answer{Value: prev.Value, Raw: prev.Raw}); err != nil {
			return Reply{}, err
		}
		rc.advance()
		return rc.show(ctx, true, loc.T("report.saved_short"))
	case "ok":
		if rc.st.Pending == nil {
			return rc.show(ctx, false, loc.T("button.stale"))
		}
		v := rc.st.Pending.Value
		if err := rc.save(ctx, progressbot.Answer{Value: &v, Raw: rc.st.Pending.Raw}); err != nil {
			return Reply{}, err
		}
		rc.advance()
		return rc.show(ctx, true, loc.T("report.saved_short"))
	case "redo":
		rc.st.Phase, rc.st.Pending = phaseMain, nil
		return rc.show(ctx, true, "")
	case "status":
		i, err := strconv.Atoi(arg)
		if err != nil || i < 0 || i >= len(progressbot.TaskStatuses) {
			return rc.show(ctx, false, loc.T("button.stale"))
		}
		return rc.setStatus(ctx, progressbot.TaskStatuses[i], true)
	case "coord":
		if !isTask(ref) {
			return rc.show(ctx, false, loc.T("button.stale"))
		}
		rc.st.Phase = phaseCoord
		return rc.show(ctx, true, "")
	case "none":
		if rc.st.Phase != phaseCoord {
			return rc.show(ctx, false, loc.T("button.stale"))
		}
		return rc.setCoordination(ctx, loc.T("report.none_value"), true)
	case "nodone":
		// 无 for what was done: one press for the word the prompt asks to type. Its own
		// action, not the coordination screen's 无, so that neither press can be taken
		// for the other.
		if rc.st.Phase != phaseDone || !isTask(ref) {
			return rc.show(ctx, false, loc.T("button.stale"))
		}
		return rc.setDone(ctx, loc.T("report.none_value"), false, true)
	case "samedone":
		prev, ok, err := rc.e.DB.Previous(ctx, rc.e.Plan.ID, rc.st.Unit, rc.period, ref)
		if err != nil {
			return Reply{}, err
		}
		if !ok || prev.Done == "" {
			return rc.show(ctx, false, loc.T("report.no_previous"))
		}
		return rc.setDone(ctx, prev.Done, true, true)
	case "stage":
		i, err := strconv.Atoi(arg)
		if err != nil || i < 0 || i >= len(progressbot.ProjectStages) || ref.Kind != progressbot.ItemProject {
			return rc.show(ctx, false, loc.T("button.stale"))
		}
		if err := rc.save(ctx, progressbot.Answer{Stage: progressbot.ProjectStages[i]}); err != nil {
			return Reply{}, err
		}
		rc.advance()
		return rc.show(ctx, true, loc.T("report.saved_short"))
	}
	return rc.show(ctx, false, loc.T("button.stale"))
}

// setStatus saves a task's status. What was done this month stays when it was written
// this month; text carried from an earlier month is asked again, since the status moved.
func (rc *reportCtx) setStatus(ctx context.Context, st progressbot.TaskStatus, edit bool) (Reply, error) {
	ref := rc.item()
	if !isTask(ref) {
		return rc.show(ctx, false, rc.loc.T("button.stale"))
	}
	a := rc.carry()
	a.Status = st
	a.Value, a.Raw, a.Stage = nil, "", ""
	if a.DoneCarried {
		a.Done, a.DoneCarried = "", false
	}
	if a.Coordination == "" {
		a.Coordination = rc.loc.T("report.none_value")
	}
	if err := rc.saveAs(ctx, a, phaseMain); err != nil {
		return Reply{}, err
	}
	rc.afterTaskPart(a)
	return rc.show(ctx, edit, rc.loc.T("report.saved_short"))
}

// setDone saves what was done for a task, typed or carried from the month before.
func (rc *reportCtx) setDone(ctx context.Context, text string, carried, edit bool) (Reply, error) {
	a := rc.carry()
	a.Done, a.DoneCarried = text, carried
	if a.Coordination == "" {
		a.Coordination = rc.loc.T("report.none_value")
	}
	if err := rc.saveAs(ctx, a, phaseDone); err != nil {
		return Reply{}, err
	}
	rc.afterTaskPart(a)
	return rc.show(ctx, edit, rc.loc.T("report.saved_short"))
}

func (rc *reportCtx) setCoordination(ctx context.Context, text string, edit bool) (Reply, error) {
	a := rc.carry()
	a.Coordination = text
	if err := rc.saveAs(ctx, a, phaseCoord); err != nil {
		return Reply{}, err
	}
	rc.afterTaskPart(a)
	return rc.show(ctx, edit, rc.loc.T("report.saved_short"))
}

// afterTaskPart moves on once a task's answer is whole, else asks for the part missing:
// what was done once the status is given, the status otherwise.
func (rc *reportCtx) afterTaskPart(a progressbot.Answer) {
	switch {
	case complete(rc.item(), a, true):
		rc.advance()
	case a.Status != "":
		rc.st.Phase = phaseDone
	default:
		rc.st.Phase = phaseMain
	}
}

func (rc *reportCtx) onText(ctx context.Context, text string) (Reply, error) {
	loc := rc.loc
	if rc.submitted() {
		return rc.show(ctx, false, "", Message{Text: rc.submittedText()})
	}
	if rc.st.Pos < 0 || rc.st.Pos >= len(rc.due) {
		return rc.show(ctx, false, "", Message{Text: loc.T("report.use_buttons")})
	}
	ref := rc.item()
	switch {
	case ref.Kind == progressbot.ItemIndicator:
		return rc.onValue(ctx, text)
	case ref.Kind == progressbot.ItemProject:
		for i, sg := range progressbot.ProjectStages {
			if matchesWord(text, loc.T("stage."+string(sg))) {
				return rc.onButton(ctx, "stage", strconv.Itoa(i))
			}
		}
		return rc.show(ctx, false, "", Message{Text: loc.T("report.use_buttons")})
	case text == "":
		return rc.show(ctx, false, "", Message{Text: loc.T("report.empty_text")})
	case rc.st.Phase == phaseMain:
		// The status typed as a word. Other text is not taken for what was done: on a
		// screen that may be older than the session (a slow network), a number typed
		// for an indicator would be filed as a task's text.
		for _, st := range progressbot.TaskStatuses {
			if matchesWord(text, loc.T("status."+string(st))) {
				return rc.setStatus(ctx, st, false)
			}
		}
		return rc.show(ctx, false, "", Message{Text: loc.T("report.pick_status")})
	case rc.st.Phase == phaseDone:
		return rc.setDone(ctx, text, false, false)
	case rc.st.Phase == phaseCoord:
		return rc.setCoordination(ctx, text, false)
	}
	return rc.show(ctx, false, "", Message{Text: loc.T("report.use_buttons")})
}

func matchesWord(text, word string) bool {
	return strings.EqualFold(strings.TrimSpace(text), word)
}

// onValue reads a number for an indicator: a clear reason and the question again when it
// is not one, a confirmation when it looks implausible, else saved at once.
func (rc *reportCtx) onValue(ctx context.Context, text string) (Reply, error) {
	loc := rc.loc
	in := rc.e.Plan.Indicator(rc.item().Key)
	v, reason, unit, err := progressbot.ReadValue(text, in.Measure)
	if err != nil {
		why := loc.T("number."+string(reason), "Measure", in.Measure, "Unit", unit, "Max", progressbot.MaxNumberRunes)
		return rc.show(ctx, false, "", Message{Text: why})
	}
	if why := rc.implausible(ctx, in, v); why != "" {
		rc.st.Phase = phaseConfirm
		rc.st.Pending = &pendingValue{Raw: text, Value: v, Why: why}
		return rc.show(ctx, false, "")
	}
	if err := rc.save(ctx, progressbot.Answer{Value: &v, Raw: text}); err != nil {
		return Reply{}, err
	}
	rc.advance()
	return rc.show(ctx, false, loc.T("report.saved_short"))
}

// implausible says why a value deserves a second look, or "".
func (rc *reportCtx) implausible(ctx context.Context, in *progressbot.Indicator, v float64) string {
	return rc.implausibleFor(ctx, rc.item(), in, v)
}

// implausibleFor is implausible for any due item (a spreadsheet's rows).
func (rc *reportCtx) implausibleFor(ctx context.Context, ref progressbot.ItemRef, in *progressbot.Indicator, v float64) string {
	if v < 0 && in.Kind != progressbot.KindGrowthRate {
		return "negative"
	}
	prev, ok, err := rc.e.DB.Previous(ctx, rc.e.Plan.ID, rc.st.Unit, rc.period, ref)
	flowReset := in.Kind == progressbot.KindAnnualFlow && ok && prev.Period.Year != rc.period.Year
	if err == nil && ok && prev.Value != nil && !flowReset {
		last := *prev.Value
		if last != 0 && math.Abs(v-last) > 0.5*math.Abs(last) && math.Abs(v-last) >= 2 {
			return "far_from_last"
		}
	}
	if t, ok := rc.yearTarget(in); ok && t > 0 && v > 10*t {
		return "far_above_target"
	}
	return ""
}

// yearTarget is the numeric target for the period's year, the final one past the horizon.
func (rc *reportCtx) yearTarget(in *progressbot.Indicator) (float64, bool) {
	path := rc.e.Plan.PathFor(in.ID, rc.e.Plan.TargetUnit(in, rc.st.Unit), nil)
	if len(path.Targets) == 0 {
		return 0, false
	}
	return progressbot.Expected(in.Kind, path, rc.period.Year, 1)
}

func (rc *reportCtx) submit(ctx context.Context) (Reply, error) {
	// Items with nothing of this period are recorded as skipped, so the confirmation's
	// counts add up; an answer begun is kept as it is.
	var skips []progressbot.Answer
	for _, ref := range rc.due {
		if a, ok := rc.rep.Answers[ref]; !complete(ref, a, ok) && !begun(a, ok) {
			skips = append(skips, progressbot.Answer{Unit: rc.st.Unit, Period: rc.period, Item: ref, Skipped: true, UserID: rc.u.ID, ChatID: rc.u.ChatID})
		}
	}
	if _, err := rc.e.DB.SaveAnswers(ctx, rc.e.Plan.ID, skips); err != nil {
		return Reply{}, err
	}
	rc.st.Pos, rc.st.Phase = len(rc.due), phaseMain
	res, err := rc.e.DB.Submit(ctx, rc.e.Plan.ID, rc.st.Unit, rc.period, store.Who{UserID: rc.u.ID, ChatID: rc.u.ChatID})
	if err != nil {
		return Reply{}, err
	}
	if err := rc.reload(ctx); err != nil {
		return Reply{}, err
	}
	if err := rc.e.save(ctx, rc.s); err != nil {
		return Reply{}, err
	}
	if res.AlreadySubmitted {
		return Reply{Messages: []Message{rc.screen()}, Toast: rc.loc.T("report.already_submitted_short")}, nil
	}
	rc.e.log().Info("report submitted", "user_id", rc.u.ID, "unit", rc.st.Unit, "period", rc.period.String(), "revision", res.Revision)
	answered, skipped, _ := rc.counts()
	key := "report.submitted"
	if rc.deadlinePassed() {
		key = "report.submitted_late"
	}
	text := rc.loc.T(key, "Unit", rc.e.unitName(rc.st.Unit, rc.loc), "Period", periodLabel(rc.period, rc.loc),
		"Answered", answered, "Skipped", skipped, "Deadline", rc.deadlineLabel())
	m := Message{Text: text, Edit: true}
	if !rc.deadlinePassed() {
		// The confirmation says the report can be reopened: the button is on it.
		m.Keyboard = [][]Button{{rc.btn(rc.loc.T("button.reopen"), "reopen")}}
	}
	return Reply{Messages: []Message{m}, Toast: rc.loc.T("report.submitted_short")}, nil
}

// submittedText answers text typed after the report was submitted.
func (rc *reportCtx) submittedText() string {
	if rc.deadlinePassed() {
		return rc.loc.T("report.reopen_too_late", "Deadline", rc.deadlineLabel())
	}
	return rc.loc.T("report.already_submitted_text")
}

// carryOver answers every open item that has an earlier answer as it was last time (全部
// 同上月): a task's status, what was done (marked as carried) and 需协调事项, a project's
// stage. Indicator values change every month and stay open. Answers of this period are
// never replaced. All are saved in one transaction, each with its source.
func (rc *reportCtx) carryOver(ctx context.Context) (Reply, error) {
	var carried []progressbot.Answer
	for _, ref := range rc.due {
		if a, ok := rc.rep.Answers[ref]; begun(a, ok) || ref.Kind == progressbot.ItemIndicator {
			continue
		}
		prev, ok, err := rc.e.DB.Previous(ctx, rc.e.Plan.ID, rc.st.Unit, rc.period, ref)
		if err != nil {
			return Reply{}, err
		}
		if !ok {
			continue
		}
		a := progressbot.Answer{Unit: rc.st.Unit, Period: rc.period, Item: ref, Source: progressbot.SourceCarried,
			UserID: rc.u.ID, ChatID: rc.u.ChatID}
		switch {
		case isTask(ref) && prev.Status != "":
			a.Status, a.Done, a.DoneCarried, a.Coordination = prev.Status, prev.Done, prev.Done != "", prev.Coordination
			if a.Coordination == "" {
				a.Coordination = rc.loc.T("report.none_value")
			}
		case ref.Kind == progressbot.ItemProject && prev.Stage != "":
			a.Stage = prev.Stage
		default:
			continue
		}
		carried = append(carried, a)
	}
	if len(carried) == 0 {
		return rc.show(ctx, false, rc.loc.T("report.nothing_to_carry"))
	}
	saved, err := rc.saveAll(ctx, carried)
	if err != nil {
		return Reply{}, err
	}
	rc.e.log().Info("answers carried over", "user_id", rc.u.ID, "unit", rc.st.Unit, "period", rc.period.String(), "count", len(saved))
	rc.st.Back = false
	rc.enter(rc.firstOpen())
	r, err := rc.show(ctx, true, rc.loc.T("report.carried_short", "Count", len(saved)))
	if err == nil {
		m := &r.Messages[len(r.Messages)-1]
		m.Text = rc.loc.T("report.carried", "Count", len(saved)) + "\n" + m.Text
	}
	return r, err
}

func (rc *reportCtx) reopen(ctx context.Context) (Reply, error) {
	if !rc.submitted() {
		rc.enter(len(rc.due))
		return rc.show(ctx, true, "")
	}
	if rc.deadlinePassed() {
		return rc.show(ctx, false, rc.loc.T("report.reopen_too_late_short"), Message{Text: rc.loc.T("report.reopen_too_late", "Deadline", rc.deadlineLabel())})
	}
	if err := rc.e.DB.Reopen(ctx, rc.e.Plan.ID, rc.st.Unit, rc.period, store.Who{UserID: rc.u.ID, ChatID: rc.u.ChatID}); err != nil {
		return Reply{}, err
	}
	if err := rc.reload(ctx); err != nil {
		return Reply{}, err
	}
	rc.enter(len(rc.due))
	return rc.show(ctx, true, rc.loc.T("report.reopened_short"))
}
