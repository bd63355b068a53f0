package dashboard

import (
	"strconv"
	"strings"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/locales"
)

// Names of the plan's things in a person's language: English where the plan has it.

func pick(loc *locales.Localizer, zh, en string) string {
	if loc.Lang == "en" && en != "" {
		return en
	}
	return zh
}

func (s *Server) unitName(id string, loc *locales.Localizer) string {
	if u := s.Plan.Unit(id); u != nil {
		return pick(loc, u.Name, u.En)
	}
	return id
}

func (s *Server) itemName(ref progressbot.ItemRef, loc *locales.Localizer) string {
	p := s.Plan
	switch ref.Kind {
	case progressbot.ItemIndicator:
		if in := p.Indicator(ref.Key); in != nil {
			return pick(loc, in.Name, in.En)
		}
	case progressbot.ItemTask:
		no, _ := strconv.Atoi(ref.Key)
		if t := p.Task(no); t != nil {
			return loc.T("leader.item.task", "N", t.No, "Name", pick(loc, t.Title, t.TitleEn))
		}
	case progressbot.ItemWorkItem:
		if w := p.WorkItem(ref.Key); w != nil {
			return loc.T("leader.item.work", "N", strings.TrimLeft(strings.TrimPrefix(w.ID, "wi-"), "0"), "Name", w.Work)
		}
	case progressbot.ItemProject:
		if pr := p.Project(ref.Key); pr != nil {
			return pick(loc, pr.Name, pr.En)
		}
	}
	return ref.String()
}

func (s *Server) subjectName(sub progressbot.Subject, loc *locales.Localizer) string {
	switch sub.Kind {
	case progressbot.SubjectPlan:
		return loc.T("scope.all")
	case progressbot.SubjectChain:
		if c := s.Plan.Chain(sub.Key); c != nil {
			return pick(loc, c.Name, c.En)
		}
	case progressbot.SubjectCluster:
		if c := s.Plan.Cluster(sub.Key); c != nil {
			return pick(loc, c.Name, c.En)
		}
	case progressbot.SubjectUnit:
		return s.unitName(sub.Key, loc)
	}
	if ref, ok := sub.Item(); ok {
		return s.itemName(ref, loc)
	}
	return sub.Key
}
