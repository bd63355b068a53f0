package progressbot

import (
	"fmt"
	"strings"
	"time"
)

// ItemKind is what a unit reports on.
type ItemKind string

const (
	ItemTask      ItemKind = "task"
	ItemWorkItem  ItemKind = "work"
	ItemIndicator ItemKind = "ind"
	ItemProject   ItemKind = "proj"
)

// ItemRef names a reportable item of a plan: task:6, work:wi-03, ind:green-factories,
// proj:dahutang-tungsten.
type ItemRef struct {
	Kind ItemKind
	Key  string
}

func (r ItemRef) String() string { return string(r.Kind) + ":" + r.Key }

// ParseItemRef reads the form String writes.
func ParseItemRef(s string) (ItemRef, error) {
	k, key, ok := strings.Cut(s, ":")
	if !ok || key == "" {
		return ItemRef{}, fmt.Errorf("item %q: want kind:key", s)
	}
	switch ItemKind(k) {
	case ItemTask, ItemWorkItem, ItemIndicator, ItemProject:
		return ItemRef{Kind: ItemKind(k), Key: key}, nil
	}
	return ItemRef{}, fmt.Errorf("item %q: unknown kind", s)
}

// TaskStatus is what a unit says of a task in a period.
type TaskStatus string

const (
	StatusNotStarted TaskStatus = "not_started" // 未启动
	StatusOnTrack    TaskStatus = "on_track"    // 按计划推进
	StatusLagging    TaskStatus = "lagging"     // 滞后
	StatusDone       TaskStatus = "done"        // 已完成
)

// TaskStatuses lists the statuses in the order buttons show them.
var TaskStatuses = []TaskStatus{StatusNotStarted, StatusOnTrack, StatusLagging, StatusDone}

// Valid reports whether s is a known status.
func (s TaskStatus) Valid() bool {
	switch s {
	case StatusNotStarted, StatusOnTrack, StatusLagging, StatusDone:
		return true
	}
	return false
}

// ProjectStage is where a project is in its life: the stages behind the plan's "六率"
// (签约 → 赋码 → 开工 → 入统 → 竣工 → 投产 → 入规).
type ProjectStage string

const (
	StageSigned     ProjectStage = "signed"      // 签约
	StageCoded      ProjectStage = "coded"       // 赋码
	StageStarted    ProjectStage = "started"     // 开工
	StageInStats    ProjectStage = "in_stats"    // 入统
	StageCompleted  ProjectStage = "completed"   // 竣工
	StageProducing  ProjectStage = "producing"   // 投产
	StageAboveScale ProjectStage = "above_scale" // 入规
)

// ProjectStages lists the stages in order.
var ProjectStages = []ProjectStage{StageSigned, StageCoded, StageStarted, StageInStats, StageCompleted, StageProducing, StageAboveScale}

// Index is the stage's position in ProjectStages, or -1.
func (s ProjectStage) Index() int {
	for i, x := range ProjectStages {
		if x == s {
			return i
		}
	}
	return -1
}

// Valid reports whether s is a known stage.
func (s ProjectStage) Valid() bool { return s.Index() >= 0 }

// Answer is one thing a liaison said about one item in one period. Answers are never
// changed: a correction is a new answer, and the latest one counts.
type Answer struct {
	ID     int64
	Unit   string
	Period Period
	Item   ItemRef

	Skipped      bool
	Value        *float64     // indicator
	Raw          string       // what was typed, kept as given
	Status       TaskStatus   // task, work item
	Done         string       // what was done this month
	Coordination string       // 需协调事项
	Stage        ProjectStage // project
	// DoneCarried: Done is the text of an earlier month, carried unchanged (shown as
	// 同上月, so that a reader sees it was not written anew).
	DoneCarried bool
	// Source is how the answer came in; every source is kept and audited alike.
	Source AnswerSource

	UserID int64
	ChatID int64
	At     time.Time
}

// AnswerSource is how an answer came in.
type AnswerSource string

const (
	SourceChat    AnswerSource = ""        // typed or pressed in the chat
	SourceCarried AnswerSource = "carried" // carried over from the unit's earlier answer (全部同上月)
	SourceSheet   AnswerSource = "sheet"   // read from a spreadsheet the liaison uploaded
)

// ReportState is where a unit's report for a period stands.
type ReportState string

const (
	ReportOpen      ReportState = "open"
	ReportSubmitted ReportState = "submitted"
)

// Report is a unit's report for a period: its state and the latest answer per item.
type Report struct {
	ID          int64
	Unit        string
	Period      Period
	State       ReportState
	SubmittedAt time.Time
	SubmittedBy int64
	Revision    int // how many times it was submitted
	Answers     map[ItemRef]Answer
}
