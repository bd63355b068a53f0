package progressbot

import "strconv"

// Due lists what a unit owes in a period, in the order a liaison is asked: indicators,
// then tasks, then key work items, then projects. Quarterly and annual items appear only in
// the periods that close them; nothing is owed before the plan was issued.
//
// A unit owes: a status on every task and key work item it leads or is responsible for;
// its value of every county-level indicator with a target for it, and of every city-level
// indicator it owns; the stage of every project it reports.
func (p *Plan) Due(unit string, period Period) []ItemRef {
	if !p.Issued.IsZero() && period.Before(PeriodOf(p.Issued)) {
		return nil
	}
	out := make([]ItemRef, 0, len(p.owes[unit]))
	for _, ref := range p.owes[unit] {
		if period.Closes(p.frequencyOf(ref), p.Reporting.AnnualMonth) {
			out = append(out, ref)
		}
	}
	return out
}

// Owes lists everything a unit ever reports on, whatever the period.
func (p *Plan) Owes(unit string) []ItemRef { return p.owes[unit] }

// Reporters lists the ids of units that owe anything, in document order.
func (p *Plan) Reporters() []string {
	var out []string
	for _, u := range p.Units {
		if len(p.owes[u.ID]) > 0 {
			out = append(out, u.ID)
		}
	}
	return out
}

func (p *Plan) frequencyOf(ref ItemRef) Frequency {
	switch ref.Kind {
	case ItemIndicator:
		if in := p.indicators[ref.Key]; in != nil {
			return in.Frequency
		}
	case ItemTask:
		return p.Reporting.Tasks
	case ItemWorkItem:
		return p.Reporting.WorkItems
	case ItemProject:
		return p.Reporting.Projects
	}
	return Monthly
}

func (p *Plan) buildOwes() map[string][]ItemRef {
	owes := make(map[string][]ItemRef)
	seen := make(map[string]map[ItemRef]bool)
	add := func(unit string, ref ItemRef) {
		if unit == "" {
			return
		}
		if seen[unit] == nil {
			seen[unit] = make(map[ItemRef]bool)
		}
		if !seen[unit][ref] {
			seen[unit][ref] = true
			owes[unit] = append(owes[unit], ref)
		}
	}
	for _, in := range p.Indicators {
		ref := ItemRef{ItemIndicator, in.ID}
		switch in.Scope {
		case ScopeCity:
			add(in.Owner, ref)
		case ScopeCounty:
			for _, u := range p.Units {
				if u.Kind == UnitCounty && len(p.targets[targetKey{in.ID, u.ID}]) > 0 {
					add(u.ID, ref)
				}
			}
		}
	}
	for _, t := range p.Tasks {
		ref := ItemRef{ItemTask, strconv.Itoa(t.No)}
		for _, u := range t.Lead {
			add(u, ref)
		}
		for _, u := range t.Responsible {
			add(u, ref)
		}
	}
	for _, w := range p.WorkItems {
		ref := ItemRef{ItemWorkItem, w.ID}
		for _, u := range w.Lead {
			add(u, ref)
		}
		for _, u := range w.Responsible {
			add(u, ref)
		}
	}
	for _, pr := range p.Projects {
		add(pr.Unit, ItemRef{ItemProject, pr.ID})
	}
	return owes
}
