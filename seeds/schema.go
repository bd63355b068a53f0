package seeds

// The structs in this file are the seed format: what a person transcribing a plan writes
// by hand under seeds/<plan-id>/. They mirror the document, not the database: units are
// referred to by the names the document uses (full or short), chains and clusters by their
// ids, and every record keeps where in the document it came from (Source) and any remark
// about ambiguity or contradiction (Note). The loader resolves and validates all of it and
// turns it into the domain model of package progressbot.
//
// A plan folder holds these files, each optional only where said:
//
//	plan.yaml            PlanFile
//	units.yaml           UnitsFile
//	chains.yaml          ChainsFile
//	tasks.yaml           TasksFile
//	workitems.yaml       WorkItemsFile
//	indicators.yaml      IndicatorsFile
//	county-targets.yaml  CountyTablesFile (optional)
//	projects.yaml        ProjectsFile (optional)

// PlanFile is plan.yaml: the document's header, its actions and how reporting runs.
type PlanFile struct {
	ID        string `yaml:"id"`         // e.g. jiujiang-2023; also the folder name
	Title     string `yaml:"title"`      // 九江市高质量打造区域制造业中心攻坚行动方案
	TitleEn   string `yaml:"title_en"`   //
	DocNumber string `yaml:"doc_number"` // 九总指办字〔2023〕2号
	Issuer    string `yaml:"issuer"`     // 九江市“三大攻坚行动”总指挥部办公室
	Issued    string `yaml:"issued"`     // 2023-09-07
	// Horizon: the plan runs from StartYear to EndYear; a few items reach later years
	// (ExtendedTo). Past EndYear the final targets stand.
	StartYear  int    `yaml:"start_year"`
	EndYear    int    `yaml:"end_year"`
	ExtendedTo int    `yaml:"extended_to"`
	ChiefTitle string `yaml:"chief_title"` // 总链长
	Chief      string `yaml:"chief"`       // 蒋文定 (附件1)
	Timezone   string `yaml:"timezone"`    // Asia/Shanghai
	// City is the name of the unit that stands for the whole city (targets for 全市).
	City      string         `yaml:"city"`
	Actions   []Action       `yaml:"actions"`
	Reporting ReportingRules `yaml:"reporting"`
	Pace      PaceRules      `yaml:"pace"`
	Note      string         `yaml:"note,omitempty"`
}

// Action is one of the document's 行动 (二、主要路径 (一)–(六)) or 三、保障措施.
type Action struct {
	No      int    `yaml:"no"`      // 1..7; 7 is 三、保障措施
	Section string `yaml:"section"` // 二（一） … 三
	Title   string `yaml:"title"`
	TitleEn string `yaml:"title_en"`
}

// ReportingRules says how often each kind of item is reported. Frequencies are
// monthly, quarterly or annual. Indicators carry their own frequency.
type ReportingRules struct {
	Tasks     string `yaml:"tasks"`
	WorkItems string `yaml:"work_items"`
	Projects  string `yaml:"projects"`
	// AnnualMonth is the month in which annual items are due (12 = December's period).
	AnnualMonth int `yaml:"annual_month"`
}

// PaceRules are the thresholds on actual/expected that give a pace level.
type PaceRules struct {
	Ahead   float64 `yaml:"ahead"`    // ratio ≥ Ahead: 超前
	OnTrack float64 `yaml:"on_track"` // ratio ≥ OnTrack: 正常
	Lagging float64 `yaml:"lagging"`  // ratio ≥ Lagging: 滞后; below: 严重滞后
}

// UnitsFile is units.yaml: every unit named anywhere in the document, and the collective
// names that stand for several units.
type UnitsFile struct {
	Units  []Unit  `yaml:"units"`
	Groups []Group `yaml:"groups"`
}

// Unit is a responsible unit (单位).
type Unit struct {
	ID    string   `yaml:"id"`    // ascii slug, stable forever: gxj, hukou, jjetdz
	Name  string   `yaml:"name"`  // full name as the document writes it: 市工信局, 湖口县
	Short []string `yaml:"short"` // short names people use: 工信局, 湖口
	// Aliases are other spellings the document uses for the same unit (OCR variants,
	// 市港航局 for 市港口航运管理局); they resolve like names.
	Aliases []string `yaml:"aliases,omitempty"`
	// En is the English name lists show: short (at most progressbot.EnglishNameMax
	// characters), unique in the plan, no remark in it: Industry & IT Bureau. EnFull is
	// the formal name, when longer: Jiujiang Municipal Bureau of Industry and Information
	// Technology. Both resolve like names.
	En     string `yaml:"en"`
	EnFull string `yaml:"en_full,omitempty"`
	Kind   string `yaml:"kind"` // city, bureau, county, park, company, chain_office, team, institution, other
	// Parent is the id of the unit this one belongs to (a park in its county), if the
	// document says so.
	Parent string `yaml:"parent,omitempty"`
	Source string `yaml:"source"` // where the document names it first: 二（一）1, 附件2, 附件3
	Note   string `yaml:"note,omitempty"`
}

// Group is a collective name such as 各县（市、区）人民政府 that expands to member units.
type Group struct {
	Name    string   `yaml:"name"`
	Aliases []string `yaml:"aliases,omitempty"` // 各县〔市、区〕人民政府, 各县（市、区）
	Members []string `yaml:"members"`           // unit names or ids
	Note    string   `yaml:"note,omitempty"`
}

// ChainsFile is chains.yaml: industry chains (附件1, 附件4 rows 1–9, "9610") and clusters
// (附件4 rows 10–15).
type ChainsFile struct {
	Chains   []Chain   `yaml:"chains"`
	Clusters []Cluster `yaml:"clusters"`
}

// Chain is an industry chain (产业链).
type Chain struct {
	ID      string   `yaml:"id"`      // petrochem, electronics, new-energy, equipment, textile, food, building-materials, nonferrous, steel, culture-tourism, shipping-logistics
	Name    string   `yaml:"name"`    // 石化化工产业 (as 附件1 writes it)
	Short   string   `yaml:"short"`   // 石化化工
	Aliases []string `yaml:"aliases"` // 石化, 化工, 炼化, petrochemical …; unique across the plan
	En      string   `yaml:"en"`      // short English name, as for Unit.En
	EnFull  string   `yaml:"en_full,omitempty"`
	// Manufacturing is true for the nine chains of the "9610" project (一（二）2).
	Manufacturing bool `yaml:"manufacturing"`
	Annex1No      int  `yaml:"annex1_no,omitempty"` // row in 附件1
	Annex4No      int  `yaml:"annex4_no,omitempty"` // row in 附件4
	// Chiefs (链长) as 附件1 names them: a person's name or a post (常务副市长); empty
	// when the cell is blank.
	Chiefs []string `yaml:"chiefs"`
	// Office is the name of the chain office unit (链长办) in units.yaml; OfficeBureaus are
	// the bureaus 附件1 lists as 链长办（责任部门）.
	Office        string      `yaml:"office"`
	OfficeBureaus []string    `yaml:"office_bureaus"`
	Directions    []Direction `yaml:"directions"` // 附件4 发展方向, one per sub-chain
	Note          string      `yaml:"note,omitempty"`
}

// Direction is one 发展方向 paragraph of 附件4 with its 发展区域.
type Direction struct {
	Name    string   `yaml:"name,omitempty"` // sub-chain: 炼化一体化产业链; empty for a single paragraph
	Text    string   `yaml:"text"`
	Regions []string `yaml:"regions"` // unit names
}

// Cluster is an advanced manufacturing cluster (先进制造业集群).
type Cluster struct {
	ID         string      `yaml:"id"` // refining-chemical, electronics-cluster, silicone-fibre, lithium-pv, steel-nonferrous, equipment-cluster
	Name       string      `yaml:"name"`
	Short      string      `yaml:"short"`
	Aliases    []string    `yaml:"aliases"`
	En         string      `yaml:"en"` // short English name, as for Unit.En
	EnFull     string      `yaml:"en_full,omitempty"`
	Annex4No   int         `yaml:"annex4_no"`
	Chains     []string    `yaml:"chains"` // member chain ids
	Directions []Direction `yaml:"directions"`
	Note       string      `yaml:"note,omitempty"`
}

// TasksFile is tasks.yaml: the 23 numbered tasks.
type TasksFile struct {
	Tasks []Task `yaml:"tasks"`
}

// Task is one of the numbered items 1–23.
type Task struct {
	No          int      `yaml:"no"`
	Action      int      `yaml:"action"` // Action.No
	Title       string   `yaml:"title"`  // the bold lead sentence: 巩固提升传统产业
	TitleEn     string   `yaml:"title_en"`
	Text        string   `yaml:"text"`        // full text, OCR page breaks mended
	Lead        []string `yaml:"lead"`        // 牵头单位: unit or group names
	Responsible []string `yaml:"responsible"` // 责任单位: unit or group names
	Chains      []string `yaml:"chains"`      // chain ids the task concerns
	Clusters    []string `yaml:"clusters,omitempty"`
	Deadline    string   `yaml:"deadline,omitempty"` // YYYY or YYYY-MM-DD when the text gives one
	Note        string   `yaml:"note,omitempty"`
}

// WorkItemsFile is workitems.yaml: 附件2.
type WorkItemsFile struct {
	Categories []WorkCategory `yaml:"categories"`
	Items      []WorkItem     `yaml:"items"`
}

// WorkCategory is a 重点事项 of 附件2: (一) 提升创新能力 …
type WorkCategory struct {
	No      int    `yaml:"no"`
	Title   string `yaml:"title"`
	TitleEn string `yaml:"title_en"`
}

// WorkItem is one row of 附件2.
type WorkItem struct {
	ID          string   `yaml:"id"` // wi-01 … in document order
	Category    int      `yaml:"category"`
	Work        string   `yaml:"work"` // 重点工作
	Task        string   `yaml:"task"` // 具体任务
	Lead        []string `yaml:"lead"`
	Responsible []string `yaml:"responsible"`
	// AndOthers is true when the document ends the list with 等 (and others).
	AndOthers bool     `yaml:"and_others,omitempty"`
	Chains    []string `yaml:"chains,omitempty"`
	Tasks     []int    `yaml:"tasks,omitempty"` // numbered tasks this row details
	Deadline  string   `yaml:"deadline,omitempty"`
	Note      string   `yaml:"note,omitempty"`
}

// IndicatorsFile is indicators.yaml: every indicator with its city-level targets.
type IndicatorsFile struct {
	Indicators []Indicator `yaml:"indicators"`
}

// Indicator is a measured quantity with targets.
type Indicator struct {
	ID      string   `yaml:"id"` // ascii slug
	Name    string   `yaml:"name"`
	Short   []string `yaml:"short,omitempty"` // 专精特新, 小巨人
	En      string   `yaml:"en"`              // short English name, as for Unit.En
	EnFull  string   `yaml:"en_full,omitempty"`
	Measure string   `yaml:"measure"` // 亿元, 户, 家, %, 个, 万m²
	// Kind: level (a stock read at a moment: enterprises in the register), cumulative
	// (built up since the plan began: green factories built), annual_flow (counted within
	// each year: new high-tech enterprises this year), growth_rate (% over last year),
	// share (a percentage of a whole).
	Kind      string `yaml:"kind"`
	Direction string `yaml:"direction"` // higher (default) or lower
	Frequency string `yaml:"frequency"` // monthly, quarterly, annual
	// Scope: city (one value for the city, reported by Owner) or county (each county
	// reports its own; the city value is their sum).
	Scope   string   `yaml:"scope"`
	Owner   string   `yaml:"owner,omitempty"` // unit that reports the city value
	Chains  []string `yaml:"chains,omitempty"`
	Tasks   []int    `yaml:"tasks,omitempty"`
	Source  string   `yaml:"source"` // 一（二）1, 任务5, 附件3（一）
	Targets []Target `yaml:"targets"`
	Note    string   `yaml:"note,omitempty"`
}

// Target is what an indicator should reach for a unit by the end of a year. Floor and
// Stretch keep 保40争50 as 40 and 50; a plain target has only Floor; a target with no
// number (a list of companies) has neither. Text keeps the document's words when they say
// more than the numbers.
type Target struct {
	Unit      string   `yaml:"unit"` // unit name; the city unit for 全市
	Year      int      `yaml:"year"`
	Floor     *float64 `yaml:"floor,omitempty"`
	Stretch   *float64 `yaml:"stretch,omitempty"`
	Text      string   `yaml:"text,omitempty"`
	Companies []string `yaml:"companies,omitempty"`
	Note      string   `yaml:"note,omitempty"`
}

// CountyTablesFile is county-targets.yaml: the eight tables of 附件3.
type CountyTablesFile struct {
	Tables []CountyTable `yaml:"tables"`
}

// CountyTable is one indicator's block of an 附件3 table: a row per county and the 合计.
type CountyTable struct {
	Indicator string      `yaml:"indicator"` // indicator id
	Source    string      `yaml:"source"`    // 附件3（一）
	Years     []int       `yaml:"years"`
	Rows      []CountyRow `yaml:"rows"`
	Total     CountyRow   `yaml:"total"` // the 合计 row (Unit is the city)
	// KnownMismatches are the years in which the document's own rows do not add up to
	// its 合计, each with both numbers as written and why it is kept; the loader holds
	// every other year to its 合计 and refuses a table that does not add up.
	KnownMismatches []Mismatch `yaml:"known_mismatches,omitempty"`
	Note            string     `yaml:"note,omitempty"`
}

// Mismatch is a year of a county table whose rows and 合计 disagree in the document.
type Mismatch struct {
	Year  int     `yaml:"year"`
	Sum   float64 `yaml:"sum"`   // what the rows add up to
	Total float64 `yaml:"total"` // what the 合计 row says
	Note  string  `yaml:"note"`
}

// CountyRow holds one county's cells, one per year, in Years order. A cell is a number,
// an empty string for a blank cell, or a text target such as "保3争1（确保方大九钢、…）".
type CountyRow struct {
	Unit  string `yaml:"unit"`
	Cells []Cell `yaml:"cells"`
}

// Cell is one table cell. Value alone for a number; Floor/Stretch/Text/Companies for a text
// target; Blank for an empty cell.
type Cell struct {
	Value     *float64 `yaml:"value,omitempty"`
	Floor     *float64 `yaml:"floor,omitempty"`
	Stretch   *float64 `yaml:"stretch,omitempty"`
	Text      string   `yaml:"text,omitempty"`
	Companies []string `yaml:"companies,omitempty"`
	Blank     bool     `yaml:"blank,omitempty"`
	Note      string   `yaml:"note,omitempty"`
}

// ProjectsFile is projects.yaml: key projects named in the plan.
type ProjectsFile struct {
	Projects []Project `yaml:"projects"`
}

// Project is a key project (重大项目).
type Project struct {
	ID         string      `yaml:"id"`
	Name       string      `yaml:"name"`
	Short      []string    `yaml:"short,omitempty"`
	En         string      `yaml:"en"` // short English name, as for Unit.En
	EnFull     string      `yaml:"en_full,omitempty"`
	Unit       string      `yaml:"unit"`           // the county or park that reports it
	Lead       string      `yaml:"lead,omitempty"` // the municipal lead for the task naming it
	Company    string      `yaml:"company,omitempty"`
	Chains     []string    `yaml:"chains"`
	Tasks      []int       `yaml:"tasks,omitempty"`
	WorkItems  []string    `yaml:"work_items,omitempty"`
	Milestones []Milestone `yaml:"milestones,omitempty"`
	Source     string      `yaml:"source"`
	Note       string      `yaml:"note,omitempty"`
}

// Milestone is a dated goal a project must reach.
type Milestone struct {
	Stage string `yaml:"stage"` // signed, coded, started, in_stats, completed, producing, above_scale (签约 → 赋码 → 开工 → 入统 → 竣工 → 投产 → 入规)
	By    string `yaml:"by"`    // YYYY or YYYY-MM
	Text  string `yaml:"text"`
}
