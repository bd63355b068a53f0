package bot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/progressbot/progressbot/flows"
)

// Files returns what fetches the files people send to this bot (flows.Engine.Files):
// getFile through the Bot API, then a download of the file's URL. A file over
// flows.MaxFileSize (the Bot API's limit) is refused before anything is downloaded when
// its size is declared, and the download is cut off past it otherwise.
func (b *Bot) Files() flows.Files { return botFiles{b} }

type botFiles struct{ b *Bot }

func (f botFiles) Open(ctx context.Context, in flows.InFile) (io.ReadCloser, error) {
	b := f.b
	if in.Size > flows.MaxFileSize {
		return nil, fmt.Errorf("file of %d bytes: %w", in.Size, flows.ErrFileTooLarge)
	}
	var file *models.File
	err := b.call(ctx, "getFile", 0, func(ctx context.Context) error {
		var err error
		file, err = b.tg.GetFile(ctx, &tgbot.GetFileParams{FileID: in.ID})
		return err
	})
	switch {
	case err != nil && strings.Contains(err.Error(), "file is too big"):
		return nil, fmt.Errorf("get file: %w", flows.ErrFileTooLarge)
	case err != nil:
		return nil, fmt.Errorf("get file: %w", err)
	case file.FileSize > flows.MaxFileSize:
		return nil, fmt.Errorf("file of %d bytes: %w", file.FileSize, flows.ErrFileTooLarge)
	case file.FilePath == "":
		return nil, errors.New("get file: no file_path in the answer")
	}
	// The link holds the token: an error that names it is redacted.
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.tg.FileDownloadLink(file), nil)
	if err != nil {
		return nil, fmt.Errorf("download file: %w", redactErr(err, b.cfg.Token))
	}
	resp, err := b.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("download file: %w", redactErr(err, b.cfg.Token))
	}
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		return nil, fmt.Errorf("download file: HTTP %d", resp.StatusCode)
	}
	if resp.ContentLength > flows.MaxFileSize {
		resp.Body.Close()
		return nil, fmt.Errorf("file of %d bytes: %w", resp.ContentLength, flows.ErrFileTooLarge)
	}
	return flows.Bounded(resp.Body, flows.MaxFileSize), nil
}
