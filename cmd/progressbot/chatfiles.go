package main

import (
	"context"
	"fmt"
	"io"
	"mime"
	"os"
	"path/filepath"
	"strings"

	"github.com/progressbot/progressbot/flows"
)

// localFiles is chat's flows.Files: a file "sent" with /file PATH is read from the local
// disk, under the same limit as the Bot API's.
type localFiles struct{}

func (localFiles) Open(ctx context.Context, f flows.InFile) (io.ReadCloser, error) {
	file, err := os.Open(f.ID)
	if err != nil {
		return nil, fmt.Errorf("open file: %w", err)
	}
	if st, err := file.Stat(); err == nil && st.Size() > flows.MaxFileSize {
		file.Close()
		return nil, fmt.Errorf("file of %d bytes: %w", st.Size(), flows.ErrFileTooLarge)
	}
	return flows.Bounded(file, flows.MaxFileSize), nil
}

// imageExts are what chat sends as a photo, as Telegram's apps send a picture chosen
// from the gallery; anything else goes as a document.
var imageExts = map[string]bool{".jpg": true, ".jpeg": true, ".png": true, ".webp": true}

// localFile describes a file on the disk as Telegram would describe it sent from there:
// a photo (no name, JPEG) for an image, else a document with its name and type by
// extension.
func localFile(path string) (*flows.InFile, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	st, err := os.Stat(abs)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a file", path)
	}
	ext := strings.ToLower(filepath.Ext(abs))
	if imageExts[ext] {
		return &flows.InFile{ID: abs, MIME: "image/jpeg", Size: st.Size(), Photo: true}, nil
	}
	return &flows.InFile{ID: abs, Name: filepath.Base(abs), MIME: mime.TypeByExtension(ext), Size: st.Size()}, nil
}

// writeChatFile keeps a file the bot sent in chat's folder, under a name not taken yet.
func writeChatFile(dir string, f *flows.File) (string, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", err
	}
	name := filepath.Base(f.Name)
	if name == "." || name == string(filepath.Separator) || name == "" {
		name = "file"
	}
	ext := filepath.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	for i := 1; ; i++ {
		path := filepath.Join(dir, name)
		file, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if os.IsExist(err) {
			name = fmt.Sprintf("%s-%d%s", stem, i, ext)
			continue
		}
		if err != nil {
			return "", err
		}
		_, err = file.Write(f.Data)
		if cerr := file.Close(); err == nil {
			err = cerr
		}
		return path, err
	}
}
