package flows

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/locales"
	"github.com/progressbot/progressbot/store"
)

// Evidence (佐证材料): a liaison sends photos or documents while a task, project or
// indicator of the month's report is on their screen, and they are attached to that
// item. In the review, a file goes to the item the liaison opened last (the one just
// answered or changed); the answer names it, and says how to pick another.

// evidenceUpload downloads a file a liaison sent, checks its kind, stores it by content
// hash and attaches it to the item open in their report. Anything refused is stored
// nowhere.
func (e *Engine) evidenceUpload(ctx context.Context, u User, in Input, loc *locales.Localizer) (Reply, error) {
	return e.attachUpload(ctx, u, in, loc, func() (io.ReadCloser, error) { return e.Files.Open(ctx, *in.File) })
}

// attachUpload is evidenceUpload with the file's content from open, which is called
// only once the file passed the checks that need no content: a workbook already
// downloaded to be read as the form is not downloaded again.
func (e *Engine) attachUpload(ctx context.Context, u User, in Input, loc *locales.Localizer, open func() (io.ReadCloser, error)) (Reply, error) {
	say := func(key string, args ...any) (Reply, error) {
		return Reply{Messages: []Message{{Text: loc.T(key, args...)}}}, nil
	}
	f := *in.File
	at, ok, err := e.openItem(ctx, u)
	switch {
	case err != nil:
		return Reply{}, err
	case !ok && at.fromReview:
		return say("evidence.no_item_review")
	case !ok:
		return say("evidence.no_item")
	case f.Size > MaxFileSize:
		return say("evidence.too_large", "MB", MaxFileSize>>20)
	case !f.Photo && evidenceKindByName(f.Name) == nil:
		return say("evidence.bad_kind")
	case e.Files == nil:
		return say("file.evidence_unsupported")
	}
	rc, err := open()
	if errors.Is(err, ErrFileTooLarge) {
		return say("evidence.too_large", "MB", MaxFileSize>>20)
	}
	if err != nil {
		e.log().Warn("evidence: cannot fetch the file", "user_id", u.ID, "err", err)
		return say("evidence.fetch_failed")
	}
	defer rc.Close()
	br := bufio.NewReaderSize(rc, 4096)
	head, _ := br.Peek(sniffLen)
	mime, ok := sniffEvidence(f, head)
	if !ok {
		return say("evidence.bad_kind")
	}
	sum, size, err := e.DB.PutFile(br)
	if errors.Is(err, ErrFileTooLarge) {
		return say("evidence.too_large", "MB", MaxFileSize>>20)
	}
	if err != nil {
		e.log().Warn("evidence: cannot store the file", "user_id", u.ID, "err", err)
		return say("evidence.fetch_failed")
	}
	name := path.Base(strings.ReplaceAll(f.Name, `\`, "/"))
	if f.Name == "" || name == "." || name == "/" {
		name = "photo-" + sum[:12] + extFor(mime)
	}
	ev, added, n, err := e.DB.AttachEvidence(ctx, e.Plan.ID, store.Evidence{
		Unit: at.unit, Period: at.period, Item: at.item, SHA256: sum, Name: name, MIME: mime, Size: size, UserID: u.ID, ChatID: u.ChatID,
	})
	if err != nil {
		return Reply{}, err
	}
	e.log().Info("evidence attached", "user_id", u.ID, "unit", at.unit, "period", at.period.String(), "item", at.item.String(),
		"evidence_id", ev.ID, "bytes", size, "added", added)
	key := "evidence.attached"
	if !added {
		key = "evidence.already"
	}
	text := loc.T(key, "Name", ev.Name, "Item", clip(e.itemTitle(at.item, loc), 40), "Count", n)
	if at.fromReview {
		text += "\n" + loc.T("evidence.review_hint")
	}
	return Reply{Messages: []Message{{Text: text}}}, nil
}

// itemAt is the item a file is attached to.
type itemAt struct {
	unit       string
	period     progressbot.Period
	item       progressbot.ItemRef
	fromReview bool
}

// openItem is the item the liaison's report has open for this month: the item on their
// screen, or in the review the one they opened last. ok is false when there is none (no
// report open, its opening screen, another month's session, a review reached without
// opening an item: fromReview tells the last).
func (e *Engine) openItem(ctx context.Context, u User) (itemAt, bool, error) {
	s, err := e.load(ctx, u.ChatID)
	if err != nil {
		return itemAt{}, false, err
	}
	st := s.st.Report
	period := e.Calendar.Current(e.now())
	if s.st.Flow != "report" || st == nil || st.Unit != u.Account.Unit || st.Period != period.String() {
		return itemAt{}, false, nil
	}
	due := e.Plan.Due(st.Unit, period)
	at := itemAt{unit: st.Unit, period: period}
	switch {
	case st.Pos >= 0 && st.Pos < len(due):
		at.item = due[st.Pos]
		return at, true, nil
	case st.Pos >= len(due):
		at.fromReview = true
		ref, err := progressbot.ParseItemRef(st.Last)
		for _, d := range due {
			if err == nil && d == ref {
				at.item = ref
				return at, true, nil
			}
		}
		return at, false, nil
	}
	return itemAt{}, false, nil
}

// evidenceCounts is how many files each item of the report has, for the review; an
// error leaves the marks out rather than the review.
func (rc *reportCtx) evidenceCounts() map[progressbot.ItemRef]int {
	n, err := rc.e.DB.EvidenceCounts(rc.ctx, rc.e.Plan.ID, rc.st.Unit, rc.period)
	if err != nil {
		rc.e.log().Warn("review: evidence counts", "unit", rc.st.Unit, "err", err)
	}
	return n
}

// evidenceMark is what the review shows after an item's answer: " 📎2", or nothing.
func evidenceMark(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(" 📎%d", n)
}

// ---- kinds ----

// sniffLen is how much of a file its kind is told by (tar's magic is at 257).
const sniffLen = 512

// evidenceKind is a family of files taken as evidence: the extensions that name it, the
// magic numbers its content starts with, and the type it is stored as.
type evidenceKind struct {
	exts  []string
	magic []magic
}

type magic struct {
	at    int
	bytes string
	mime  string
}

var (
	imageMagic = []magic{
		{0, "\xff\xd8\xff", "image/jpeg"}, {0, "\x89PNG\r\n\x1a\n", "image/png"}, {0, "GIF8", "image/gif"},
		{8, "WEBP", "image/webp"}, {0, "BM", "image/bmp"}, {0, "II*\x00", "image/tiff"}, {0, "MM\x00*", "image/tiff"},
		{4, "ftypheic", "image/heic"}, {4, "ftypheix", "image/heic"}, {4, "ftypmif1", "image/heif"}, {4, "ftyphevc", "image/heic"},
	}
	zipMagic = []magic{{0, "PK\x03\x04", ""}, {0, "PK\x05\x06", ""}}
	oleMagic = []magic{{0, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", ""}}
	// evidenceKinds: photos, PDF, office documents (Microsoft, WPS, OpenDocument) and
	// archives. An office file of today is a zip, of old an OLE compound file; the
	// extension must agree with the content.
	evidenceKinds = []evidenceKind{
		{[]string{".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp", ".tif", ".tiff", ".heic", ".heif"}, imageMagic},
		{[]string{".pdf"}, []magic{{0, "%PDF-", "application/pdf"}}},
		{[]string{".docx", ".xlsx", ".pptx", ".odt", ".ods", ".odp", ".zip"}, zipMagic},
		{[]string{".doc", ".xls", ".ppt", ".wps", ".et", ".dps"}, append(oleMagic, zipMagic...)},
		{[]string{".rtf"}, []magic{{0, `{\rtf`, "application/rtf"}}},
		{[]string{".rar"}, []magic{{0, "Rar!\x1a\x07", "application/vnd.rar"}}},
		{[]string{".7z"}, []magic{{0, "7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"}}},
		{[]string{".gz", ".tgz"}, []magic{{0, "\x1f\x8b", "application/gzip"}}},
		{[]string{".tar"}, []magic{{257, "ustar", "application/x-tar"}}},
	}
)

// typeByExt is the stored type of extensions whose content alone does not tell it.
var typeByExt = map[string]string{
	".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
	".odt":  "application/vnd.oasis.opendocument.text",
	".ods":  "application/vnd.oasis.opendocument.spreadsheet",
	".odp":  "application/vnd.oasis.opendocument.presentation",
	".zip":  "application/zip",
	".doc":  "application/msword",
	".xls":  "application/vnd.ms-excel",
	".ppt":  "application/vnd.ms-powerpoint",
	".wps":  "application/vnd.ms-works",
	".et":   "application/vnd.ms-excel",
	".dps":  "application/vnd.ms-powerpoint",
}

func evidenceKindByName(name string) *evidenceKind {
	ext := strings.ToLower(path.Ext(name))
	for i := range evidenceKinds {
		for _, x := range evidenceKinds[i].exts {
			if x == ext {
				return &evidenceKinds[i]
			}
		}
	}
	return nil
}

// sniffEvidence tells whether a file is a kind taken as evidence, by its name and by its
// first bytes, which must agree; a photo must be an image. It returns the type to store.
func sniffEvidence(f InFile, head []byte) (string, bool) {
	k := &evidenceKind{magic: imageMagic}
	if !f.Photo {
		if k = evidenceKindByName(f.Name); k == nil {
			return "", false
		}
	}
	for _, m := range k.magic {
		if len(head) >= m.at+len(m.bytes) && bytes.Equal(head[m.at:m.at+len(m.bytes)], []byte(m.bytes)) {
			if m.mime != "" {
				return m.mime, true
			}
			return typeByExt[strings.ToLower(path.Ext(f.Name))], true
		}
	}
	return "", false
}

// extFor is the extension a photo is named with.
func extFor(mime string) string {
	switch mime {
	case "image/jpeg":
		return ".jpg"
	case "image/png", "image/gif", "image/webp", "image/bmp", "image/tiff", "image/heic", "image/heif":
		return "." + strings.TrimPrefix(mime, "image/")
	}
	return ""
}

// itemOpen reports whether the liaison has an item of the report open, to which a file
// would be attached.
func (e *Engine) itemOpen(ctx context.Context, u User) bool {
	_, ok, err := e.openItem(ctx, u)
	return err == nil && ok
}
