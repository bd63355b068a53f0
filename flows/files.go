package flows

import (
	"context"
	"path"
	"strings"

	"github.com/progressbot/progressbot/locales"
	"github.com/progressbot/progressbot/store"
)

// fileInput answers a file a person sent: a filled-in report spreadsheet, or evidence
// (佐证材料) for the item the liaison has open.
func (e *Engine) fileInput(ctx context.Context, u User, in Input, loc *locales.Localizer) (Reply, error) {
	if u.Account.Role != store.RoleLiaison || u.Account.Unit == "" {
		return Reply{Messages: []Message{{Text: loc.T("file.not_liaison")}}}, nil
	}
	if isWorkbook(*in.File) {
		return e.sheetUpload(ctx, u, in, loc)
	}
	return e.evidenceUpload(ctx, u, in, loc)
}

// isWorkbook tells an .xlsx workbook by its name or declared type; its content is
// checked when it is read.
func isWorkbook(f InFile) bool {
	return strings.EqualFold(path.Ext(f.Name), ".xlsx") ||
		f.MIME == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
}
