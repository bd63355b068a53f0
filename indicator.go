package progressbot

// IndicatorKind says how an indicator's value builds up over time, which decides how the
// expected value at a date is computed (see Expected).
type IndicatorKind string

const (
	// KindLevel is a stock read at a moment: enterprises in the register.
	KindLevel IndicatorKind = "level"
	// KindCumulative is built up since the plan began: green factories built so far.
	KindCumulative IndicatorKind = "cumulative"
	// KindAnnualFlow is counted afresh each year: high-tech enterprises newly certified
	// this year, revenue year to date.
	KindAnnualFlow IndicatorKind = "annual_flow"
	// KindGrowthRate is a percentage change over last year.
	KindGrowthRate IndicatorKind = "growth_rate"
	// KindShare is a percentage of a whole: R&D spending as a share of revenue.
	KindShare IndicatorKind = "share"
)

// Valid reports whether k is a known kind.
func (k IndicatorKind) Valid() bool {
	switch k {
	case KindLevel, KindCumulative, KindAnnualFlow, KindGrowthRate, KindShare:
		return true
	}
	return false
}

// Direction says whether more is better.
type Direction string

const (
	HigherIsBetter Direction = "higher"
	LowerIsBetter  Direction = "lower"
)

// Valid reports whether d is a known direction.
func (d Direction) Valid() bool { return d == HigherIsBetter || d == LowerIsBetter }

// Frequency is how often an item is reported.
type Frequency string

const (
	Monthly   Frequency = "monthly"
	Quarterly Frequency = "quarterly"
	Annual    Frequency = "annual"
)

// Valid reports whether f is a known frequency.
func (f Frequency) Valid() bool { return f == Monthly || f == Quarterly || f == Annual }

// Scope says who reports an indicator.
type Scope string

const (
	// ScopeCity: one value for the whole city, reported by the indicator's owner.
	ScopeCity Scope = "city"
	// ScopeCounty: each county reports its own value; the city value is their sum.
	ScopeCounty Scope = "county"
)

// Valid reports whether s is a known scope.
func (s Scope) Valid() bool { return s == ScopeCity || s == ScopeCounty }

// Indicator is a measured quantity with targets.
type Indicator struct {
	ID        string
	Name      string
	Short     []string
	En        string // short, unique in the plan: what lists show
	EnFull    string // the formal English name, when longer
	Measure   string
	Kind      IndicatorKind
	Direction Direction
	Frequency Frequency
	Scope     Scope
	Owner     string // unit id reporting the city value
	Chains    []string
	Tasks     []int
	Source    string
	Note      string
}

// Target is what an indicator should reach for a unit by the end of a year. A floor/stretch
// pair (保40争50) keeps both; a target with neither is text only (a list of companies).
type Target struct {
	Indicator string
	Unit      string
	Year      int
	Floor     *float64
	Stretch   *float64
	Text      string
	Companies []string
	Source    string
	Note      string
}

// Value is the number the target commits to: the floor, or the stretch when only that is
// given. ok is false for a text-only target.
func (t Target) Value() (v float64, ok bool) {
	switch {
	case t.Floor != nil:
		return *t.Floor, true
	case t.Stretch != nil:
		return *t.Stretch, true
	}
	return 0, false
}
