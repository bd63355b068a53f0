// Package progressbot holds the domain of a city's action plan and of the monthly
// progress its units report on it: the plan as data, reporting periods, what a unit owes
// in a period, answers, and the pure pacing logic that judges an indicator against the
// plan's targets. It knows nothing of Telegram, SQLite or Redis.
package progressbot

import (
	"fmt"
	"slices"
	"time"
)

// UnitKind says what sort of body a unit is.
type UnitKind string

const (
	UnitCity        UnitKind = "city"
	UnitBureau      UnitKind = "bureau"
	UnitCounty      UnitKind = "county"
	UnitPark        UnitKind = "park"
	UnitCompany     UnitKind = "company"
	UnitChainOffice UnitKind = "chain_office"
	UnitTeam        UnitKind = "team"
	UnitInstitution UnitKind = "institution"
	UnitOther       UnitKind = "other"
)

// Valid reports whether k is one of the known kinds.
func (k UnitKind) Valid() bool {
	switch k {
	case UnitCity, UnitBureau, UnitCounty, UnitPark, UnitCompany, UnitChainOffice, UnitTeam, UnitInstitution, UnitOther:
		return true
	}
	return false
}

// Plan is one action plan, as transcribed from its document. Slices keep document order;
// the lookup maps are built by Index.
type Plan struct {
	ID         string
	Title      string
	TitleEn    string
	DocNumber  string
	Issuer     string
	Issued     time.Time
	StartYear  int
	EndYear    int
	ExtendedTo int
	ChiefTitle string
	Chief      string
	Timezone   string
	City       string // id of the unit that stands for the whole city
	Note       string

	Actions        []Action
	Units          []*Unit
	Groups         []*Group
	Chains         []*Chain
	Clusters       []*Cluster
	Tasks          []*Task
	WorkCategories []WorkCategory
	WorkItems      []*WorkItem
	Indicators     []*Indicator
	Targets        []Target
	Projects       []*Project
	Reporting      Reporting
	Pace           PaceThresholds

	units      map[string]*Unit
	chains     map[string]*Chain
	clusters   map[string]*Cluster
	tasks      map[int]*Task
	workItems  map[string]*WorkItem
	indicators map[string]*Indicator
	projects   map[string]*Project
	targets    map[targetKey][]int // indexes into Targets
	owes       map[string][]ItemRef
}

type targetKey struct{ indicator, unit string }

// Action is one of the plan's 行动.
type Action struct {
	No      int
	Section string
	Title   string
	TitleEn string
}

// EnglishNameMax is the most characters of an English name (Unit.En, Chain.En …):
// lists on a phone show that many, so that no two entries read alike.
const EnglishNameMax = 26

// Unit is a responsible unit (单位): a bureau, a county, a park, a chain office…
type Unit struct {
	ID      string
	Name    string
	Short   []string
	Aliases []string
	En      string // short, unique in the plan: what lists show
	EnFull  string // the formal English name, when longer
	Kind    UnitKind
	Parent  string
	Source  string
	Note    string
}

// Names returns every name the unit answers to: full name, short names, aliases and the
// English name.
func (u *Unit) Names() []string {
	names := append([]string{u.Name}, u.Short...)
	names = append(names, u.Aliases...)
	for _, en := range []string{u.En, u.EnFull} {
		if en != "" {
			names = append(names, en)
		}
	}
	return names
}

// ShortName is the name to show where space is tight.
func (u *Unit) ShortName() string {
	if len(u.Short) > 0 {
		return u.Short[0]
	}
	return u.Name
}

// Group is a collective name (各县（市、区）人民政府) and the units it stands for.
type Group struct {
	Name    string
	Aliases []string
	Members []string // unit ids
	Note    string
}

// Chain is an industry chain (产业链).
type Chain struct {
	ID            string
	Name          string
	Short         string
	Aliases       []string
	En            string // short, unique in the plan: what lists show
	EnFull        string // the formal English name, when longer
	Manufacturing bool
	Annex1No      int
	Annex4No      int
	Chiefs        []string
	Office        string   // unit id of the chain office
	OfficeBureaus []string // unit ids
	Directions    []Focus
	Note          string
}

// Focus is one 发展方向 (主攻方向) of 附件4 with its regions (unit ids).
type Focus struct {
	Name    string
	Text    string
	Regions []string
}

// Cluster is an advanced manufacturing cluster (先进制造业集群).
type Cluster struct {
	ID         string
	Name       string
	Short      string
	Aliases    []string
	En         string // short, unique in the plan: what lists show
	EnFull     string // the formal English name, when longer
	Annex4No   int
	Chains     []string
	Directions []Focus
	Note       string
}

// Task is one of the plan's numbered tasks.
type Task struct {
	No                   int
	Action               int
	Title                string
	TitleEn              string
	Text                 string
	Lead                 []string // unit ids, groups expanded
	Responsible          []string // unit ids, groups expanded, leads removed
	LeadAsWritten        []string
	ResponsibleAsWritten []string
	Chains               []string
	Clusters             []string
	Deadline             string
	Note                 string
}

// Key is the task's stable key.
func (t *Task) Key() string { return fmt.Sprint(t.No) }

// WorkCategory is a 重点事项 of the key work list.
type WorkCategory struct {
	No      int
	Title   string
	TitleEn string
}

// WorkItem is a row of the key work list (附件2).
type WorkItem struct {
	ID                   string
	Category             int
	Work                 string
	Task                 string
	Lead                 []string
	Responsible          []string
	LeadAsWritten        []string
	ResponsibleAsWritten []string
	AndOthers            bool
	Chains               []string
	Tasks                []int
	Deadline             string
	Note                 string
}

// Project is a key project (重大项目).
type Project struct {
	ID         string
	Name       string
	Short      []string
	En         string // short, unique in the plan: what lists show
	EnFull     string // the formal English name, when longer
	Unit       string // unit id that reports it; empty when the document places it nowhere
	Lead       string
	Company    string
	Chains     []string
	Tasks      []int
	WorkItems  []string
	Milestones []Milestone
	Source     string
	Note       string
}

// Milestone is a dated stage a project must reach.
type Milestone struct {
	Stage ProjectStage
	By    string
	Text  string
}

// Reporting says how often each kind of item is reported.
type Reporting struct {
	Tasks       Frequency
	WorkItems   Frequency
	Projects    Frequency
	AnnualMonth int
}

// Index builds the lookup maps. It must be called after the slices are filled and before
// any lookup; the loader does it.
func (p *Plan) Index() {
	p.units = make(map[string]*Unit, len(p.Units))
	for _, u := range p.Units {
		p.units[u.ID] = u
	}
	p.chains = make(map[string]*Chain, len(p.Chains))
	for _, c := range p.Chains {
		p.chains[c.ID] = c
	}
	p.clusters = make(map[string]*Cluster, len(p.Clusters))
	for _, c := range p.Clusters {
		p.clusters[c.ID] = c
	}
	p.tasks = make(map[int]*Task, len(p.Tasks))
	for _, t := range p.Tasks {
		p.tasks[t.No] = t
	}
	p.workItems = make(map[string]*WorkItem, len(p.WorkItems))
	for _, w := range p.WorkItems {
		p.workItems[w.ID] = w
	}
	p.indicators = make(map[string]*Indicator, len(p.Indicators))
	for _, in := range p.Indicators {
		p.indicators[in.ID] = in
	}
	p.projects = make(map[string]*Project, len(p.Projects))
	for _, pr := range p.Projects {
		p.projects[pr.ID] = pr
	}
	p.targets = make(map[targetKey][]int)
	for i, t := range p.Targets {
		k := targetKey{t.Indicator, t.Unit}
		p.targets[k] = append(p.targets[k], i)
	}
	p.owes = p.buildOwes()
}

// Unit returns the unit with the given id.
func (p *Plan) Unit(id string) *Unit { return p.units[id] }

// Chain returns the chain with the given id.
func (p *Plan) Chain(id string) *Chain { return p.chains[id] }

// Cluster returns the cluster with the given id.
func (p *Plan) Cluster(id string) *Cluster { return p.clusters[id] }

// Task returns the numbered task.
func (p *Plan) Task(no int) *Task { return p.tasks[no] }

// WorkItem returns the key work item with the given id.
func (p *Plan) WorkItem(id string) *WorkItem { return p.workItems[id] }

// Indicator returns the indicator with the given id.
func (p *Plan) Indicator(id string) *Indicator { return p.indicators[id] }

// Project returns the project with the given id.
func (p *Plan) Project(id string) *Project { return p.projects[id] }

// TargetsFor returns the targets of an indicator for a unit, by year.
func (p *Plan) TargetsFor(indicator, unit string) []Target {
	idx := p.targets[targetKey{indicator, unit}]
	out := make([]Target, len(idx))
	for i, j := range idx {
		out[i] = p.Targets[j]
	}
	slices.SortFunc(out, func(a, b Target) int { return a.Year - b.Year })
	return out
}

// Counties returns the units of kind county in document order.
func (p *Plan) Counties() []*Unit {
	var out []*Unit
	for _, u := range p.Units {
		if u.Kind == UnitCounty {
			out = append(out, u)
		}
	}
	return out
}
