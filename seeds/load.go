// Package seeds holds the bundled plans as data and turns a plan folder into the domain
// model: strict decoding, name resolution and validation, with every problem reported by
// file, line and key.
package seeds

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"path"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/progressbot/progressbot"
	"go.yaml.in/yaml/v3"
)

//go:embed jiujiang-2023/*.yaml jiujiang-2023/*.geojson
var bundled embed.FS

// DefaultPlan is the id (and folder) of the plan bundled with the binary.
const DefaultPlan = "jiujiang-2023"

// Bundled returns the embedded seed folders; Load(Bundled(), DefaultPlan) reads the
// bundled plan.
func Bundled() fs.FS { return bundled }

// Problem is one thing wrong in a seed folder.
type Problem struct {
	File string
	Line int
	Key  string
	Msg  string
}

func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
	}
	if p.Key != "" {
		fmt.Fprintf(&b, ": %s", p.Key)
	}
	fmt.Fprintf(&b, ": %s", p.Msg)
	return b.String()
}

// Error lists every problem found in a seed folder.
type Error struct {
	Dir      string
	Problems []Problem
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "seed %s: %d problem(s)", e.Dir, len(e.Problems))
	for i, p := range e.Problems {
		if i == 20 {
			fmt.Fprintf(&b, "\n  … and %d more", len(e.Problems)-i)
			break
		}
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	return b.String()
}

// Load reads the plan in folder dir of fsys, validates it and returns it indexed, with a
// checksum of the files it read (equal checksums mean an identical seed).
func Load(fsys fs.FS, dir string) (*progressbot.Plan, string, error) {
	l := &loader{fsys: fsys, dir: dir, sum: sha256.New()}
	plan := l.load()
	if len(l.problems) > 0 {
		return nil, "", &Error{Dir: dir, Problems: l.problems}
	}
	return plan, hex.EncodeToString(l.sum.Sum(nil)), nil
}

type hasher interface {
	Write([]byte) (int, error)
	Sum([]byte) []byte
}

type loader struct {
	fsys     fs.FS
	dir      string
	sum      hasher
	problems []Problem

	file  string     // file being checked
	nodes *yaml.Node // its document node, for line numbers

	plan   *progressbot.Plan
	names  map[string]string   // normalized unit name → unit id
	groups map[string][]string // normalized group name → unit ids
	chains map[string]bool
	clusts map[string]bool
	tasks  map[int]bool
	works  map[string]bool
	inds   map[string]*progressbot.Indicator
	seen   map[string]string // normalized name → what owns it, across kinds
}

func (l *loader) problem(line int, key, format string, args ...any) {
	l.problems = append(l.problems, Problem{File: l.file, Line: line, Key: key, Msg: fmt.Sprintf(format, args...)})
}

// read decodes a file strictly into v. It reports false when the file is missing (and
// optional) or broken.
func (l *loader) read(name string, v any, optional bool) bool {
	l.file = name
	l.nodes = nil
	b, err := fs.ReadFile(l.fsys, path.Join(l.dir, name))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			if !optional {
				l.problem(0, "", "missing file")
			}
			return false
		}
		l.problem(0, "", "read: %v", err)
		return false
	}
	fmt.Fprintf(l.sum, "%s\x00%d\x00", name, len(b))
	l.sum.Write(b)
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		l.yamlProblem(err)
		return false
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err == nil && len(doc.Content) > 0 {
		l.nodes = doc.Content[0]
	}
	return true
}

var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

func (l *loader) yamlProblem(err error) {
	for _, m := range yamlMessages(err) {
		l.problem(m.line, "", "%s", m.msg)
	}
}

type yamlMessage struct {
	line int
	msg  string
}

// yamlMessages splits a decoding error into its messages, each with the line it names.
func yamlMessages(err error) []yamlMessage {
	var te *yaml.TypeError
	msgs := []string{err.Error()}
	if errors.As(err, &te) {
		msgs = te.Errors
	}
	out := make([]yamlMessage, 0, len(msgs))
	for _, m := range msgs {
		line := 0
		if sm := yamlLine.FindStringSubmatch(m); sm != nil {
			fmt.Sscan(sm[1], &line)
			m = sm[2]
		}
		out = append(out, yamlMessage{line, m})
	}
	return out
}

// line finds the line of list[i].field in the current file: list is a top-level key.
// field may be empty for the element itself.
func (l *loader) line(list string, i int, field string) int {
	if l.nodes == nil {
		return 0
	}
	seq := mapValue(l.nodes, list)
	if seq == nil || seq.Kind != yaml.SequenceNode || i >= len(seq.Content) {
		return 0
	}
	el := seq.Content[i]
	if field == "" {
		return el.Line
	}
	if v := mapValue(el, field); v != nil {
		return v.Line
	}
	return el.Line
}

// topLine finds the line of a top-level key.
func (l *loader) topLine(key string) int {
	if l.nodes == nil {
		return 0
	}
	if v := mapValue(l.nodes, key); v != nil {
		return v.Line
	}
	return 0
}

func mapValue(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// Normalize folds the spellings a document and a person use for one name: full-width and
// half-width brackets, spaces, letter case.
func Normalize(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	return nameFolder.Replace(s)
}

var nameFolder = strings.NewReplacer(
	"（", "(", "）", ")", "〔", "(", "〕", ")", "[", "(", "]", ")", "【", "(", "】", ")",
	" ", "", "\u3000", "", "\t", "",
	"“", "", "”", "", "\"", "",
)

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,47}$`)

func (l *loader) load() *progressbot.Plan {
	p := &progressbot.Plan{}
	l.plan = p
	l.names = map[string]string{}
	l.groups = map[string][]string{}
	l.chains = map[string]bool{}
	l.clusts = map[string]bool{}
	l.tasks = map[int]bool{}
	l.works = map[string]bool{}
	l.inds = map[string]*progressbot.Indicator{}
	l.seen = map[string]string{}

	var pf PlanFile
	if l.read("plan.yaml", &pf, false) {
		l.planHeader(&pf)
	}
	var uf UnitsFile
	if l.read("units.yaml", &uf, false) {
		l.units(&uf)
	}
	if pf.City != "" {
		l.file = "plan.yaml"
		p.City = l.unit(pf.City, l.topLine("city"), "city")
	}
	var cf ChainsFile
	if l.read("chains.yaml", &cf, false) {
		l.chainsAndClusters(&cf)
	}
	var tf TasksFile
	if l.read("tasks.yaml", &tf, false) {
		l.taskList(&tf, &pf)
	}
	var wf WorkItemsFile
	if l.read("workitems.yaml", &wf, false) {
		l.workItems(&wf)
	}
	var inf IndicatorsFile
	if l.read("indicators.yaml", &inf, false) {
		l.indicators(&inf)
	}
	var ctf CountyTablesFile
	if l.read("county-targets.yaml", &ctf, true) {
		l.countyTables(&ctf)
	}
	var prf ProjectsFile
	if l.read("projects.yaml", &prf, true) {
		l.projects(&prf)
	}
	l.file = "targets"
	l.checkTargetsUnique()
	p.Index()
	return p
}

func (l *loader) planHeader(pf *PlanFile) {
	p := l.plan
	if !idPattern.MatchString(pf.ID) {
		l.problem(l.topLine("id"), "id", "plan id %q must be lowercase letters, digits and dashes", pf.ID)
	}
	if pf.Title == "" {
		l.problem(l.topLine("title"), "title", "missing")
	}
	issued, err := time.Parse("2006-01-02", pf.Issued)
	if err != nil {
		l.problem(l.topLine("issued"), "issued", "want YYYY-MM-DD, got %q", pf.Issued)
	}
	if pf.StartYear == 0 || pf.EndYear < pf.StartYear {
		l.problem(l.topLine("end_year"), "start_year/end_year", "want start_year ≤ end_year, got %d–%d", pf.StartYear, pf.EndYear)
	}
	if pf.ExtendedTo != 0 && pf.ExtendedTo < pf.EndYear {
		l.problem(l.topLine("extended_to"), "extended_to", "before end_year")
	}
	tz := pf.Timezone
	if tz == "" {
		tz = "Asia/Shanghai"
	}
	if _, err := time.LoadLocation(tz); err != nil {
		l.problem(l.topLine("timezone"), "timezone", "unknown time zone %q", tz)
	}
	*p = progressbot.Plan{
		ID: pf.ID, Title: pf.Title, TitleEn: pf.TitleEn, DocNumber: pf.DocNumber, Issuer: pf.Issuer,
		Issued: issued, StartYear: pf.StartYear, EndYear: pf.EndYear, ExtendedTo: pf.ExtendedTo,
		ChiefTitle: pf.ChiefTitle, Chief: pf.Chief, Timezone: tz, Note: pf.Note,
	}
	nos := map[int]bool{}
	for i, a := range pf.Actions {
		if a.No <= 0 || nos[a.No] {
			l.problem(l.line("actions", i, "no"), fmt.Sprintf("actions[%d].no", i), "missing or duplicate action number %d", a.No)
		}
		nos[a.No] = true
		p.Actions = append(p.Actions, progressbot.Action{No: a.No, Section: a.Section, Title: a.Title, TitleEn: a.TitleEn})
	}
	r := pf.Reporting
	p.Reporting = progressbot.Reporting{
		Tasks: l.freq(r.Tasks, "reporting.tasks"), WorkItems: l.freq(r.WorkItems, "reporting.work_items"),
		Projects: l.freq(r.Projects, "reporting.projects"), AnnualMonth: r.AnnualMonth,
	}
	if r.AnnualMonth == 0 {
		p.Reporting.AnnualMonth = 12
	} else if r.AnnualMonth < 1 || r.AnnualMonth > 12 {
		l.problem(l.topLine("reporting"), "reporting.annual_month", "want 1–12, got %d", r.AnnualMonth)
	}
	p.Pace = progressbot.PaceThresholds{Ahead: pf.Pace.Ahead, OnTrack: pf.Pace.OnTrack, Lagging: pf.Pace.Lagging}
	if p.Pace == (progressbot.PaceThresholds{}) {
		p.Pace = progressbot.DefaultPace
	} else if !p.Pace.Valid() {
		l.problem(l.topLine("pace"), "pace", "thresholds must be positive and lagging ≤ on_track ≤ ahead")
	}
}

func (l *loader) freq(s, key string) progressbot.Frequency {
	if s == "" {
		return progressbot.Monthly
	}
	f := progressbot.Frequency(s)
	if !f.Valid() {
		l.problem(l.topLine(strings.SplitN(key, ".", 2)[0]), key, "frequency %q: want monthly, quarterly or annual", s)
	}
	return f
}

// claim records that a name belongs to owner, and reports a name given to two things.
// noteInName finds a transcriber's remark left in a name ("Tianxi (probably Tinci) …"):
// a remark belongs in note.
var noteInName = regexp.MustCompile(`(?i)\b(probably|possibly|perhaps|maybe|sic|unclear|typo|ocr)\b|\?`)

// english holds an English name to what lists need: present, short enough to show
// whole on a phone (progressbot.EnglishNameMax; a longer formal name goes in en_full),
// and free of remarks. Uniqueness is claim's.
func (l *loader) english(en, full string, line int, key string) {
	switch n := utf8.RuneCountInString(en); {
	case strings.TrimSpace(en) == "":
		l.problem(line, key+".en", "missing: every name needs a short English form")
	case n > progressbot.EnglishNameMax:
		l.problem(line, key+".en", "%q is %d characters; lists show %d: give a shorter en and keep the formal name in en_full", en, n, progressbot.EnglishNameMax)
	}
	for _, s := range []string{en, full} {
		if noteInName.MatchString(s) {
			l.problem(line, key+".en", "%q holds a remark; put it in note", s)
		}
	}
	if strings.ContainsAny(en, "()（）") {
		l.problem(line, key+".en", "%q: no parentheses in a short name; put remarks in note", en)
	}
}

func (l *loader) claim(name, owner string, line int, key string) {
	n := Normalize(name)
	if n == "" {
		return
	}
	if prev, ok := l.seen[n]; ok && prev != owner {
		l.problem(line, key, "name %q already belongs to %s", name, prev)
		return
	}
	l.seen[n] = owner
}

func (l *loader) units(uf *UnitsFile) {
	ids := map[string]bool{}
	for i, su := range uf.Units {
		key := fmt.Sprintf("units[%d]", i)
		if !idPattern.MatchString(su.ID) {
			l.problem(l.line("units", i, "id"), key+".id", "id %q must be lowercase letters, digits and dashes", su.ID)
		} else if ids[su.ID] {
			l.problem(l.line("units", i, "id"), key+".id", "duplicate id %q", su.ID)
		}
		ids[su.ID] = true
		if su.Name == "" {
			l.problem(l.line("units", i, ""), key+".name", "missing")
		}
		kind := progressbot.UnitKind(su.Kind)
		if !kind.Valid() {
			l.problem(l.line("units", i, "kind"), key+".kind", "unknown kind %q", su.Kind)
		}
		owner := "unit " + su.ID
		l.english(su.En, su.EnFull, l.line("units", i, "en"), key)
		for _, n := range append(append([]string{su.Name, su.En, su.EnFull}, su.Short...), su.Aliases...) {
			l.claim(n, owner, l.line("units", i, ""), key)
			if n != "" {
				l.names[Normalize(n)] = su.ID
			}
		}
		l.plan.Units = append(l.plan.Units, &progressbot.Unit{
			ID: su.ID, Name: su.Name, Short: su.Short, Aliases: su.Aliases, En: su.En, EnFull: su.EnFull,
			Kind: kind, Parent: su.Parent, Source: su.Source, Note: su.Note,
		})
	}
	for i, su := range uf.Units {
		if su.Parent != "" && !ids[su.Parent] {
			l.problem(l.line("units", i, "parent"), fmt.Sprintf("units[%d].parent", i), "unknown unit id %q", su.Parent)
		}
	}
	for i, g := range uf.Groups {
		key := fmt.Sprintf("groups[%d]", i)
		var members []string
		for j, m := range g.Members {
			id := l.names[Normalize(m)]
			if id == "" && ids[m] {
				id = m
			}
			if id == "" {
				l.problem(l.line("groups", i, "members"), fmt.Sprintf("%s.members[%d]", key, j), "unknown unit %q", m)
				continue
			}
			members = append(members, id)
		}
		if len(g.Members) == 0 {
			l.problem(l.line("groups", i, ""), key, "group %q has no members", g.Name)
		}
		for _, n := range append([]string{g.Name}, g.Aliases...) {
			l.claim(n, "group "+g.Name, l.line("groups", i, ""), key)
			l.groups[Normalize(n)] = members
		}
		l.plan.Groups = append(l.plan.Groups, &progressbot.Group{Name: g.Name, Aliases: g.Aliases, Members: members, Note: g.Note})
	}
}

// unit resolves one unit name; it reports a group or an unknown name.
func (l *loader) unit(name string, line int, key string) string {
	if id, ok := l.names[Normalize(name)]; ok {
		return id
	}
	if _, ok := l.groups[Normalize(name)]; ok {
		l.problem(line, key, "%q names a group where one unit is needed", name)
		return ""
	}
	l.problem(line, key, "unknown unit %q%s", name, l.suggest(name))
	return ""
}

// unitsOf resolves a list of unit and group names to unit ids, groups expanded, without
// duplicates, in order.
func (l *loader) unitsOf(names []string, line int, key string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(id string) {
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	for _, n := range names {
		if ms, ok := l.groups[Normalize(n)]; ok {
			for _, m := range ms {
				add(m)
			}
			continue
		}
		add(l.unit(n, line, key))
	}
	return out
}

// suggest names the closest known unit names, to help whoever mistyped one.
func (l *loader) suggest(name string) string {
	n := []rune(Normalize(name))
	type cand struct {
		name string
		d    int
	}
	var cs []cand
	for k := range l.names {
		if d := progressbot.Distance(n, []rune(k), 2); d <= 2 {
			cs = append(cs, cand{k, d})
		}
	}
	if len(cs) == 0 {
		return ""
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].d < cs[j].d || cs[i].d == cs[j].d && cs[i].name < cs[j].name })
	return fmt.Sprintf(" (did you mean %q?)", cs[0].name)
}

func (l *loader) focus(ds []Direction, list string, i int, key string) []progressbot.Focus {
	var out []progressbot.Focus
	for j, d := range ds {
		out = append(out, progressbot.Focus{Name: d.Name, Text: d.Text,
			Regions: l.unitsOf(d.Regions, l.line(list, i, "directions"), fmt.Sprintf("%s.directions[%d].regions", key, j))})
	}
	return out
}

func (l *loader) chainsAndClusters(cf *ChainsFile) {
	for i, c := range cf.Chains {
		key := fmt.Sprintf("chains[%d]", i)
		if !idPattern.MatchString(c.ID) || l.chains[c.ID] {
			l.problem(l.line("chains", i, "id"), key+".id", "missing, malformed or duplicate id %q", c.ID)
		}
		l.chains[c.ID] = true
		l.english(c.En, c.EnFull, l.line("chains", i, "en"), key)
		for _, n := range append([]string{c.Name, c.Short, c.En, c.EnFull}, c.Aliases...) {
			l.claim(n, "chain "+c.ID, l.line("chains", i, ""), key)
		}
		ch := &progressbot.Chain{
			ID: c.ID, Name: c.Name, Short: c.Short, Aliases: c.Aliases, En: c.En, EnFull: c.EnFull, Manufacturing: c.Manufacturing,
			Annex1No: c.Annex1No, Annex4No: c.Annex4No, Chiefs: c.Chiefs, Note: c.Note,
			OfficeBureaus: l.unitsOf(c.OfficeBureaus, l.line("chains", i, "office_bureaus"), key+".office_bureaus"),
			Directions:    l.focus(c.Directions, "chains", i, key),
		}
		if c.Office != "" {
			ch.Office = l.unit(c.Office, l.line("chains", i, "office"), key+".office")
		}
		l.plan.Chains = append(l.plan.Chains, ch)
	}
	for i, c := range cf.Clusters {
		key := fmt.Sprintf("clusters[%d]", i)
		if !idPattern.MatchString(c.ID) || l.clusts[c.ID] || l.chains[c.ID] {
			l.problem(l.line("clusters", i, "id"), key+".id", "missing, malformed or duplicate id %q", c.ID)
		}
		l.clusts[c.ID] = true
		l.english(c.En, c.EnFull, l.line("clusters", i, "en"), key)
		for _, n := range append([]string{c.Name, c.Short, c.En, c.EnFull}, c.Aliases...) {
			l.claim(n, "cluster "+c.ID, l.line("clusters", i, ""), key)
		}
		l.chainRefs(c.Chains, l.line("clusters", i, "chains"), key+".chains")
		l.plan.Clusters = append(l.plan.Clusters, &progressbot.Cluster{
			ID: c.ID, Name: c.Name, Short: c.Short, Aliases: c.Aliases, En: c.En, EnFull: c.EnFull, Annex4No: c.Annex4No,
			Chains: c.Chains, Directions: l.focus(c.Directions, "clusters", i, key), Note: c.Note,
		})
	}
}

func (l *loader) chainRefs(ids []string, line int, key string) {
	for _, id := range ids {
		if !l.chains[id] {
			l.problem(line, key, "unknown chain %q", id)
		}
	}
}

func (l *loader) clusterRefs(ids []string, line int, key string) {
	for _, id := range ids {
		if !l.clusts[id] {
			l.problem(line, key, "unknown cluster %q", id)
		}
	}
}

func (l *loader) taskRefs(nos []int, line int, key string) {
	for _, no := range nos {
		if !l.tasks[no] {
			l.problem(line, key, "unknown task %d", no)
		}
	}
}

// without removes from list the ids in drop, so that a lead is not also counted as
// responsible for the same task.
func without(list, drop []string) []string {
	var out []string
	for _, x := range list {
		found := false
		for _, d := range drop {
			found = found || d == x
		}
		if !found {
			out = append(out, x)
		}
	}
	return out
}

func (l *loader) taskList(tf *TasksFile, pf *PlanFile) {
	actions := map[int]bool{}
	for _, a := range pf.Actions {
		actions[a.No] = true
	}
	for i, t := range tf.Tasks {
		key := fmt.Sprintf("tasks[%d]", i)
		if t.No <= 0 || l.tasks[t.No] {
			l.problem(l.line("tasks", i, "no"), key+".no", "missing or duplicate task number %d", t.No)
		}
		l.tasks[t.No] = true
		if !actions[t.Action] {
			l.problem(l.line("tasks", i, "action"), key+".action", "unknown action %d", t.Action)
		}
		if strings.TrimSpace(t.Title) == "" || strings.TrimSpace(t.Text) == "" {
			l.problem(l.line("tasks", i, ""), key, "task %d needs a title and its text", t.No)
		}
		l.chainRefs(t.Chains, l.line("tasks", i, "chains"), key+".chains")
		l.clusterRefs(t.Clusters, l.line("tasks", i, "clusters"), key+".clusters")
		lead := l.unitsOf(t.Lead, l.line("tasks", i, "lead"), key+".lead")
		resp := l.unitsOf(t.Responsible, l.line("tasks", i, "responsible"), key+".responsible")
		l.plan.Tasks = append(l.plan.Tasks, &progressbot.Task{
			No: t.No, Action: t.Action, Title: t.Title, TitleEn: t.TitleEn, Text: t.Text,
			Lead: lead, Responsible: without(resp, lead), LeadAsWritten: t.Lead, ResponsibleAsWritten: t.Responsible,
			Chains: t.Chains, Clusters: t.Clusters, Deadline: t.Deadline, Note: t.Note,
		})
	}
}

func (l *loader) workItems(wf *WorkItemsFile) {
	cats := map[int]bool{}
	for i, c := range wf.Categories {
		if c.No <= 0 || cats[c.No] {
			l.problem(l.line("categories", i, "no"), fmt.Sprintf("categories[%d].no", i), "missing or duplicate category %d", c.No)
		}
		cats[c.No] = true
		l.plan.WorkCategories = append(l.plan.WorkCategories, progressbot.WorkCategory{No: c.No, Title: c.Title, TitleEn: c.TitleEn})
	}
	for i, w := range wf.Items {
		key := fmt.Sprintf("items[%d]", i)
		if !idPattern.MatchString(w.ID) || l.works[w.ID] {
			l.problem(l.line("items", i, "id"), key+".id", "missing, malformed or duplicate id %q", w.ID)
		}
		l.works[w.ID] = true
		if !cats[w.Category] {
			l.problem(l.line("items", i, "category"), key+".category", "unknown category %d", w.Category)
		}
		l.chainRefs(w.Chains, l.line("items", i, "chains"), key+".chains")
		l.taskRefs(w.Tasks, l.line("items", i, "tasks"), key+".tasks")
		lead := l.unitsOf(w.Lead, l.line("items", i, "lead"), key+".lead")
		resp := l.unitsOf(w.Responsible, l.line("items", i, "responsible"), key+".responsible")
		l.plan.WorkItems = append(l.plan.WorkItems, &progressbot.WorkItem{
			ID: w.ID, Category: w.Category, Work: w.Work, Task: w.Task,
			Lead: lead, Responsible: without(resp, lead), LeadAsWritten: w.Lead, ResponsibleAsWritten: w.Responsible,
			AndOthers: w.AndOthers, Chains: w.Chains, Tasks: w.Tasks, Deadline: w.Deadline, Note: w.Note,
		})
	}
}

func (l *loader) indicators(inf *IndicatorsFile) {
	for i, s := range inf.Indicators {
		key := fmt.Sprintf("indicators[%d]", i)
		line := func(f string) int { return l.line("indicators", i, f) }
		if !idPattern.MatchString(s.ID) || l.inds[s.ID] != nil {
			l.problem(line("id"), key+".id", "missing, malformed or duplicate id %q", s.ID)
		}
		l.english(s.En, s.EnFull, line("en"), key)
		for _, n := range append([]string{s.Name, s.En, s.EnFull}, s.Short...) {
			l.claim(n, "indicator "+s.ID, line(""), key)
		}
		in := &progressbot.Indicator{
			ID: s.ID, Name: s.Name, Short: s.Short, En: s.En, EnFull: s.EnFull, Measure: s.Measure,
			Kind: progressbot.IndicatorKind(s.Kind), Direction: progressbot.Direction(s.Direction),
			Frequency: progressbot.Frequency(s.Frequency), Scope: progressbot.Scope(s.Scope),
			Chains: s.Chains, Tasks: s.Tasks, Source: s.Source, Note: s.Note,
		}
		if in.Direction == "" {
			in.Direction = progressbot.HigherIsBetter
		}
		if s.Name == "" || s.Measure == "" {
			l.problem(line(""), key, "indicator %q needs a name and a measure", s.ID)
		}
		if !in.Kind.Valid() {
			l.problem(line("kind"), key+".kind", "unknown kind %q: want level, cumulative, annual_flow, growth_rate or share", s.Kind)
		}
		if !in.Direction.Valid() {
			l.problem(line("direction"), key+".direction", "unknown direction %q: want higher or lower", s.Direction)
		}
		if !in.Frequency.Valid() {
			l.problem(line("frequency"), key+".frequency", "unknown frequency %q", s.Frequency)
		}
		if !in.Scope.Valid() {
			l.problem(line("scope"), key+".scope", "unknown scope %q: want city or county", s.Scope)
		}
		if s.Owner != "" {
			in.Owner = l.unit(s.Owner, line("owner"), key+".owner")
		} else if in.Scope == progressbot.ScopeCity {
			l.problem(line("scope"), key+".owner", "a city indicator needs an owner who reports it")
		}
		l.chainRefs(s.Chains, line("chains"), key+".chains")
		l.taskRefs(s.Tasks, line("tasks"), key+".tasks")
		for j, t := range s.Targets {
			tkey := fmt.Sprintf("%s.targets[%d]", key, j)
			tline := line("targets")
			unit := l.unit(t.Unit, tline, tkey+".unit")
			l.target(in, unit, t.Year, t.Floor, t.Stretch, t.Text, t.Companies, s.Source, t.Note, tline, tkey)
		}
		l.inds[s.ID] = in
		l.plan.Indicators = append(l.plan.Indicators, in)
	}
}

func (l *loader) target(in *progressbot.Indicator, unit string, year int, floor, stretch *float64, text string, companies []string, source, note string, line int, key string) {
	p := l.plan
	if year < p.StartYear-5 || (p.EndYear > 0 && year > max(p.EndYear, p.ExtendedTo)+5) {
		l.problem(line, key+".year", "year %d is outside the plan", year)
	}
	if floor == nil && stretch == nil && text == "" && len(companies) == 0 {
		l.problem(line, key, "target has no number and no text")
	}
	if floor != nil && stretch != nil && *stretch < *floor && in.Direction != progressbot.LowerIsBetter {
		l.problem(line, key, "stretch %v is below floor %v", *stretch, *floor)
	}
	if unit == "" {
		return
	}
	p.Targets = append(p.Targets, progressbot.Target{
		Indicator: in.ID, Unit: unit, Year: year, Floor: floor, Stretch: stretch,
		Text: text, Companies: companies, Source: source, Note: note,
	})
}

func (l *loader) countyTables(ctf *CountyTablesFile) {
	for i, t := range ctf.Tables {
		key := fmt.Sprintf("tables[%d]", i)
		line := l.line("tables", i, "")
		in := l.inds[t.Indicator]
		if in == nil {
			l.problem(l.line("tables", i, "indicator"), key+".indicator", "unknown indicator %q", t.Indicator)
			continue
		}
		if in.Scope != progressbot.ScopeCounty {
			l.problem(l.line("tables", i, "indicator"), key+".indicator", "indicator %q is not county-scoped", t.Indicator)
		}
		rows := append(append([]CountyRow{}, t.Rows...), t.Total)
		for r, row := range rows {
			rkey := fmt.Sprintf("%s.rows[%d]", key, r)
			if r == len(t.Rows) {
				rkey = key + ".total"
			}
			unit := l.unit(row.Unit, line, rkey+".unit")
			if len(row.Cells) != len(t.Years) {
				l.problem(line, rkey+".cells", "%d cells for %d years", len(row.Cells), len(t.Years))
				continue
			}
			for c, cell := range row.Cells {
				if cell.Blank {
					continue
				}
				floor := cell.Floor
				if cell.Value != nil {
					floor = cell.Value
				}
				// The total duplicates a city target in indicators.yaml when both exist.
				if r == len(t.Rows) && len(p(l).TargetsForUnsorted(in.ID, unit, t.Years[c])) > 0 {
					continue
				}
				l.target(in, unit, t.Years[c], floor, cell.Stretch, cell.Text, cell.Companies, t.Source, cell.Note, line, fmt.Sprintf("%s.cells[%d]", rkey, c))
			}
		}
		l.checkTotals(t, i, key)
	}
}

// checkTotals holds each year of a county table to its 合计 row: the county values add
// up to the total's value, or the county floors (保) and floors-or-stretches (争) to the
// total's floor and stretch. A year the document itself gets wrong loads only when the
// table lists it under known_mismatches with both numbers.
func (l *loader) checkTotals(t CountyTable, i int, key string) {
	line := l.line("tables", i, "total")
	known := map[int]Mismatch{}
	for _, m := range t.KnownMismatches {
		known[m.Year] = m
	}
	mismatch := func(year int, sum, total float64, what string) {
		if m, ok := known[year]; ok && m.Sum == sum && m.Total == total && strings.TrimSpace(m.Note) != "" {
			delete(known, year)
			return
		}
		l.problem(line, key+".total", "%d: the county rows add up to %s%v, the 合计 row says %v (a mismatch the document makes goes in known_mismatches with both numbers and a note)",
			year, what, sum, total)
	}
	for c, year := range t.Years {
		var sum, floors, stretches float64
		values := 0
		for _, r := range t.Rows {
			if c >= len(r.Cells) {
				return // reported by the cell count check
			}
			cell := r.Cells[c]
			if cell.Value != nil {
				sum += *cell.Value
				values++
			}
			if cell.Floor != nil {
				floors += *cell.Floor
				if cell.Stretch != nil {
					stretches += *cell.Stretch
				} else {
					stretches += *cell.Floor
				}
			}
		}
		if c >= len(t.Total.Cells) {
			return
		}
		total := t.Total.Cells[c]
		switch {
		case total.Value != nil && values > 0:
			if math.Abs(sum-*total.Value) > 1e-9 {
				mismatch(year, sum, *total.Value, "")
			}
		case total.Floor != nil && floors > 0:
			if math.Abs(floors-*total.Floor) > 1e-9 {
				mismatch(year, floors, *total.Floor, "(保) ")
			}
			if total.Stretch != nil && math.Abs(stretches-*total.Stretch) > 1e-9 {
				mismatch(year, stretches, *total.Stretch, "(争) ")
			}
		}
	}
	for year := range known {
		l.problem(l.line("tables", i, "known_mismatches"), key+".known_mismatches", "%d: listed as a mismatch, but the rows add up to the 合计 (or the numbers differ from those listed)", year)
	}
}

func p(l *loader) *planTargets { return (*planTargets)(l.plan) }

type planTargets progressbot.Plan

// TargetsForUnsorted scans the targets loaded so far; the plan is not indexed yet.
func (pt *planTargets) TargetsForUnsorted(ind, unit string, year int) []progressbot.Target {
	var out []progressbot.Target
	for _, t := range pt.Targets {
		if t.Indicator == ind && t.Unit == unit && t.Year == year {
			out = append(out, t)
		}
	}
	return out
}

func (l *loader) checkTargetsUnique() {
	seen := map[string]bool{}
	for _, t := range l.plan.Targets {
		k := fmt.Sprintf("%s/%s/%d", t.Indicator, t.Unit, t.Year)
		if seen[k] {
			l.problem(0, k, "two targets for the same indicator, unit and year")
		}
		seen[k] = true
	}
}

func (l *loader) projects(prf *ProjectsFile) {
	ids := map[string]bool{}
	for i, s := range prf.Projects {
		key := fmt.Sprintf("projects[%d]", i)
		line := func(f string) int { return l.line("projects", i, f) }
		if !idPattern.MatchString(s.ID) || ids[s.ID] {
			l.problem(line("id"), key+".id", "missing, malformed or duplicate id %q", s.ID)
		}
		ids[s.ID] = true
		l.english(s.En, s.EnFull, line("en"), key)
		for _, n := range append([]string{s.Name, s.En, s.EnFull}, s.Short...) {
			l.claim(n, "project "+s.ID, line(""), key)
		}
		pr := &progressbot.Project{
			ID: s.ID, Name: s.Name, Short: s.Short, En: s.En, EnFull: s.EnFull, Company: s.Company, Chains: s.Chains,
			Tasks: s.Tasks, WorkItems: s.WorkItems, Source: s.Source, Note: s.Note,
		}
		if s.Unit != "" {
			pr.Unit = l.unit(s.Unit, line("unit"), key+".unit")
		}
		if s.Lead != "" {
			pr.Lead = l.unit(s.Lead, line("lead"), key+".lead")
		}
		l.chainRefs(s.Chains, line("chains"), key+".chains")
		l.taskRefs(s.Tasks, line("tasks"), key+".tasks")
		for _, w := range s.WorkItems {
			if !l.works[w] {
				l.problem(line("work_items"), key+".work_items", "unknown work item %q", w)
			}
		}
		for j, m := range s.Milestones {
			st := progressbot.ProjectStage(m.Stage)
			if !st.Valid() {
				l.problem(line("milestones"), fmt.Sprintf("%s.milestones[%d].stage", key, j), "unknown stage %q", m.Stage)
			}
			pr.Milestones = append(pr.Milestones, progressbot.Milestone{Stage: st, By: m.By, Text: m.Text})
		}
		l.plan.Projects = append(l.plan.Projects, pr)
	}
}
