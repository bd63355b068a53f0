// Package locales holds every text a person reads, in Chinese (the default) and English,
// as go-i18n message files, and renders them.
package locales

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"sync"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"go.yaml.in/yaml/v3"
	"golang.org/x/text/language"
)

//go:embed *.yaml
var files embed.FS

// Default is the language used when nothing else is known.
const Default = "zh-CN"

// Languages are the supported languages, default first.
var Languages = []string{"zh-CN", "en"}

var (
	bundleOnce sync.Once
	bundle     *i18n.Bundle
	bundleErr  error
	locs       sync.Map // language → *Localizer
)

// Bundle loads the message files once.
func Bundle() (*i18n.Bundle, error) {
	bundleOnce.Do(func() {
		b := i18n.NewBundle(language.MustParse(Default))
		b.RegisterUnmarshalFunc("yaml", yaml.Unmarshal)
		names, err := fs.Glob(files, "*.yaml")
		if err != nil {
			bundleErr = err
			return
		}
		for _, n := range names {
			if _, err := b.LoadMessageFileFS(files, n); err != nil {
				bundleErr = fmt.Errorf("load %s: %w", n, err)
				return
			}
		}
		bundle = b
	})
	return bundle, bundleErr
}

// Match picks the supported language for a Telegram language_code or an explicit
// choice: "en", "en-US" → en; "zh", "zh-hans", anything else or nothing → zh-CN.
func Match(code string) string {
	c := strings.ToLower(strings.TrimSpace(code))
	if c == "en" || strings.HasPrefix(c, "en-") || strings.HasPrefix(c, "en_") {
		return "en"
	}
	return Default
}

// Supported reports whether a Telegram language_code or a choice names a supported
// language (any zh or en form); for anything else the bot's own language applies.
func Supported(code string) bool {
	c := strings.ToLower(strings.TrimSpace(code))
	return c == "zh" || c == "en" || strings.HasPrefix(c, "zh-") || strings.HasPrefix(c, "zh_") || Match(c) == "en"
}

// Localizer renders messages in one language.
type Localizer struct {
	Lang string
	l    *i18n.Localizer
	// plain keeps the messages rendered without data (labels, buttons): the same text
	// every time, rendered through go-i18n's templates a dozen times on every screen.
	plain sync.Map // id → string
	// rendered keeps messages rendered with data, by id and data (renderKey): a report's
	// screens are made of the same few messages with the same items, counts and names
	// for every liaison, and go-i18n executes a text/template for each (about a twelfth
	// of the bot's CPU under load). At most maxRendered are kept; then they are dropped.
	mu       sync.Mutex
	rendered map[string]string
}

// maxRendered bounds Localizer.rendered; texts over maxRenderedLen are not kept. Together
// at most about 2 MB.
const (
	maxRendered    = 2048
	maxRenderedLen = 512
)

// renderKey names a message with its data, or reports that the data holds a value whose
// rendering may not follow from its printed form (only strings, integers, floats and
// booleans are kept). Each part is prefixed with its length, so no two differ only in
// where one value ends.
func renderKey(id string, kv []any) (string, bool) {
	var b strings.Builder
	b.Grow(len(id) + 16*len(kv))
	part := func(s string) {
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteByte(':')
		b.WriteString(s)
	}
	part(id)
	for _, v := range kv {
		switch v := v.(type) {
		case string:
			b.WriteByte('s')
			part(v)
		case int:
			b.WriteByte('i')
			part(strconv.Itoa(v))
		case int64:
			b.WriteByte('l')
			part(strconv.FormatInt(v, 10))
		case float64:
			b.WriteByte('f')
			part(strconv.FormatFloat(v, 'g', -1, 64))
		case bool:
			b.WriteByte('b')
			part(strconv.FormatBool(v))
		default:
			return "", false
		}
	}
	return b.String(), true
}

// For returns the localizer of a language (matched with Match). It panics only if the
// embedded message files are broken, which a test rules out.
func For(lang string) *Localizer {
	lang = Match(lang)
	if v, ok := locs.Load(lang); ok {
		return v.(*Localizer)
	}
	b, err := Bundle()
	if err != nil {
		panic(fmt.Sprintf("locales: %v", err))
	}
	loc := &Localizer{Lang: lang, l: i18n.NewLocalizer(b, lang)}
	locs.Store(lang, loc)
	return loc
}

// T renders message id with optional template data given as key, value pairs:
// T("report.done", "Unit", name, "Count", 3). A "Count" key also picks the plural form.
func (l *Localizer) T(id string, kv ...any) string {
	if len(kv) == 0 {
		if s, ok := l.plain.Load(id); ok {
			return s.(string)
		}
	}
	key, keep := "", false
	if len(kv) > 0 {
		if key, keep = renderKey(id, kv); keep {
			l.mu.Lock()
			s, ok := l.rendered[key]
			l.mu.Unlock()
			if ok {
				return s
			}
		}
	}
	cfg := &i18n.LocalizeConfig{MessageID: id}
	if len(kv) > 0 {
		data := make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			k, _ := kv[i].(string)
			data[k] = kv[i+1]
			if k == "Count" {
				cfg.PluralCount = kv[i+1]
			}
		}
		cfg.TemplateData = data
	}
	s, err := l.l.Localize(cfg)
	var missing *i18n.MessageNotFoundErr
	if err != nil && (s == "" || errors.As(err, &missing)) {
		// A missing message must never take the bot down; the completeness test keeps
		// this from happening in a release.
		return id
	}
	// Otherwise s is set and err only says that the message has no form of its own for
	// this count: a message with a count but no noun to inflect ("需关注（1）",
	// "Needs attention (1):") is written once, as its "other" form, which go-i18n
	// renders. TestPlurals holds English nouns after a count to plural forms.
	if len(kv) == 0 {
		l.plain.Store(id, s)
	} else if keep && len(s) <= maxRenderedLen {
		l.mu.Lock()
		if len(l.rendered) >= maxRendered || l.rendered == nil {
			l.rendered = make(map[string]string, 64)
		}
		l.rendered[key] = s
		l.mu.Unlock()
	}
	return s
}

// Messages returns every message of a language (id → the raw text, or the plural forms
// joined), from all of its files (<topic>.<lang>.yaml), for the completeness test and tools.
func Messages(lang string) (map[string]string, error) {
	names, err := fs.Glob(files, "*."+lang+".yaml")
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, n := range names {
		b, err := fs.ReadFile(files, n)
		if err != nil {
			return nil, err
		}
		var m map[string]any
		if err := yaml.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("%s: %w", n, err)
		}
		for k, v := range m {
			if _, dup := out[k]; dup {
				return nil, fmt.Errorf("%s: message %q defined twice", n, k)
			}
			out[k] = fmt.Sprint(v)
		}
	}
	return out, nil
}
