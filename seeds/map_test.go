package seeds

import (
	"errors"
	"testing"
	"testing/fstest"
)

func TestLoadMapBundled(t *testing.T) {
	p, _, err := Load(Bundled(), DefaultPlan)
	if err != nil {
		t.Fatal(err)
	}
	m, err := LoadMap(Bundled(), DefaultPlan, p)
	if err != nil {
		t.Fatal(err)
	}
	if m == nil {
		t.Fatal("the bundled plan has a map")
	}
	// The public map still names 柴桑区 by its old name; map.yaml ties it to the unit.
	if got := m.Units["九江县"]; got == "" || p.Unit(got).Name != "柴桑区" {
		t.Errorf("九江县 maps to %q, want the unit 柴桑区", got)
	}
	counties := map[string]bool{}
	for _, u := range p.Counties() {
		counties[u.ID] = true
	}
	for name, id := range m.Units {
		if !counties[id] {
			t.Errorf("map feature %s is unit %s, not a county", name, id)
		}
	}
	if len(m.Units)+len(m.Unmapped) != len(counties) {
		t.Errorf("%d on the map + %d unmapped, want the plan's %d counties", len(m.Units), len(m.Unmapped), len(counties))
	}
}

func TestLoadMapOptionalAndStrict(t *testing.T) {
	p, _, err := Load(Bundled(), DefaultPlan)
	if err != nil {
		t.Fatal(err)
	}
	feature := func(name string) string {
		return `{"type":"Feature","properties":{"name":"` + name + `"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}`
	}
	fc := func(fs ...string) string {
		s := `{"type":"FeatureCollection","features":[`
		for i, f := range fs {
			if i > 0 {
				s += ","
			}
			s += f
		}
		return s + "]}"
	}
	tests := []struct {
		name    string
		files   fstest.MapFS
		wantNil bool
		wantErr bool
	}{
		{"no map", fstest.MapFS{}, true, false},
		{"unit by name", fstest.MapFS{"x/map.geojson": {Data: []byte(fc(feature("湖口县")))}}, false, false},
		{"unit by short name", fstest.MapFS{"x/map.geojson": {Data: []byte(fc(feature("湖口")))}}, false, false},
		{"old name without mapping", fstest.MapFS{"x/map.geojson": {Data: []byte(fc(feature("九江县")))}}, false, true},
		{"old name mapped", fstest.MapFS{"x/map.geojson": {Data: []byte(fc(feature("九江县")))}, "x/map.yaml": {Data: []byte("names:\n  九江县: 柴桑区\n")}}, false, false},
		{"mapping of a name not on the map", fstest.MapFS{"x/map.geojson": {Data: []byte(fc(feature("湖口县")))}, "x/map.yaml": {Data: []byte("names:\n  某县: 柴桑区\n")}}, false, true},
		{"not GeoJSON", fstest.MapFS{"x/map.geojson": {Data: []byte(`{"type":"Feature"}`)}}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := LoadMap(tt.files, "x", p)
			var se *Error
			if tt.wantErr != (err != nil) || (err != nil && !errors.As(err, &se)) {
				t.Fatalf("err = %v, want error %v (a seeds.Error)", err, tt.wantErr)
			}
			if !tt.wantErr && (m == nil) != tt.wantNil {
				t.Fatalf("map = %v, want nil %v", m, tt.wantNil)
			}
		})
	}
}
