package seeds

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/progressbot/progressbot"
	"go.yaml.in/yaml/v3"
)

// Map is a plan's county map for the dashboard: GeoJSON features, each tied to a unit of
// the plan. It is optional plan data (map.geojson, with map.yaml naming what differs).
type Map struct {
	Source string
	// Units maps each feature's name on the map to the plan's unit id.
	Units map[string]string
	// Unmapped lists the plan's counties that have no outline on the map, in plan order.
	Unmapped []string
	features []mapFeature
}

// MapFile is map.yaml.
type MapFile struct {
	Source string            `yaml:"source"`
	Names  map[string]string `yaml:"names"` // name on the map → the plan's unit name
}

type mapFeature struct {
	Type       string          `json:"type"`
	Properties map[string]any  `json:"properties"`
	Geometry   json.RawMessage `json:"geometry"`
}

type featureCollection struct {
	Type     string       `json:"type"`
	Features []mapFeature `json:"features"`
}

// LoadMap reads the county map of the plan in folder dir of fsys. A folder without
// map.geojson gives nil and no error: the dashboard then shows no map. Every feature must
// name a unit of the plan, directly (its name or short name) or through map.yaml.
func LoadMap(fsys fs.FS, dir string, p *progressbot.Plan) (*Map, error) {
	raw, err := fs.ReadFile(fsys, path.Join(dir, "map.geojson"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read map: %w", err)
	}
	var mf MapFile
	if b, err := fs.ReadFile(fsys, path.Join(dir, "map.yaml")); err == nil {
		if err := yaml.Unmarshal(b, &mf); err != nil {
			return nil, &Error{Dir: dir, Problems: []Problem{{File: "map.yaml", Msg: err.Error()}}}
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read map names: %w", err)
	}
	var fc featureCollection
	if err := json.Unmarshal(raw, &fc); err != nil || fc.Type != "FeatureCollection" {
		return nil, &Error{Dir: dir, Problems: []Problem{{File: "map.geojson", Msg: "not a GeoJSON FeatureCollection"}}}
	}
	byName := map[string]string{}
	for _, u := range p.Units {
		byName[u.Name] = u.ID
		for _, s := range u.Short {
			byName[s] = u.ID
		}
	}
	m := &Map{Source: mf.Source, Units: map[string]string{}, features: fc.Features}
	var problems []Problem
	for i, f := range fc.Features {
		name, _ := f.Properties["name"].(string)
		name = strings.TrimSpace(name)
		key := fmt.Sprintf("features[%d]", i)
		if alias, ok := mf.Names[name]; ok {
			name = alias
		}
		id, ok := byName[name]
		switch {
		case name == "":
			problems = append(problems, Problem{File: "map.geojson", Key: key, Msg: "feature has no properties.name"})
		case !ok:
			problems = append(problems, Problem{File: "map.geojson", Key: key, Msg: fmt.Sprintf("%q is no unit of the plan; name it in map.yaml", name)})
		default:
			orig, _ := f.Properties["name"].(string)
			m.Units[orig] = id
		}
	}
	for from := range mf.Names {
		if _, ok := m.Units[from]; !ok {
			problems = append(problems, Problem{File: "map.yaml", Key: "names." + from, Msg: "no feature of the map has this name"})
		}
	}
	if len(problems) > 0 {
		return nil, &Error{Dir: dir, Problems: problems}
	}
	onMap := map[string]bool{}
	for _, id := range m.Units {
		onMap[id] = true
	}
	for _, u := range p.Counties() {
		if !onMap[u.ID] {
			m.Unmapped = append(m.Unmapped, u.ID)
		}
	}
	return m, nil
}

// ByUnit is the map as GeoJSON whose features are named by unit id, so that a page can
// colour them by unit and label them in any language.
func (m *Map) ByUnit() []byte {
	fc := featureCollection{Type: "FeatureCollection"}
	for _, f := range m.features {
		orig, _ := f.Properties["name"].(string)
		fc.Features = append(fc.Features, mapFeature{Type: "Feature", Properties: map[string]any{"name": m.Units[orig]}, Geometry: f.Geometry})
	}
	b, _ := json.Marshal(fc)
	return b
}
