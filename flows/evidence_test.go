package flows

import "testing"

// TestSniffEvidence: a file is taken as evidence when its name and its first bytes agree
// on a kind taken (photos, PDF, office documents, archives).
func TestSniffEvidence(t *testing.T) {
	tar := make([]byte, 300)
	copy(tar[257:], "ustar")
	tests := []struct {
		name  string
		photo bool
		head  string
		mime  string // "" = refused
	}{
		{"", true, "\xff\xd8\xff\xe0JFIF", "image/jpeg"},
		{"", true, "%PDF-1.4", ""}, // a "photo" that is not an image
		{"现场.JPG", false, "\xff\xd8\xff\xdb", "image/jpeg"},
		{"shot.png", false, "\x89PNG\r\n\x1a\n....", "image/png"},
		{"iphone.heic", false, "\x00\x00\x00\x18ftypheic", "image/heic"},
		{"纪要.pdf", false, "%PDF-1.7\n", "application/pdf"},
		{"纪要.pdf", false, "MZ\x90\x00", ""}, // a program named .pdf
		{"方案.docx", false, "PK\x03\x04\x14\x00", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
		{"方案.doc", false, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/msword"},
		{"台账.et", false, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/vnd.ms-excel"},
		{"方案.docx", false, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", ""}, // an old document renamed .docx
		{"材料.zip", false, "PK\x03\x04", "application/zip"},
		{"材料.rar", false, "Rar!\x1a\x07\x01\x00", "application/vnd.rar"},
		{"材料.7z", false, "7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"},
		{"材料.tar", false, string(tar), "application/x-tar"},
		{"setup.exe", false, "MZ\x90\x00", ""},
		{"notes.txt", false, "plain text", ""},
		{"noext", false, "%PDF-1.7", ""},
		{"empty.pdf", false, "", ""},
	}
	for _, tt := range tests {
		mime, ok := sniffEvidence(InFile{Name: tt.name, Photo: tt.photo}, []byte(tt.head))
		if ok != (tt.mime != "") || mime != tt.mime {
			t.Errorf("%q photo=%v: %q %v, want %q", tt.name, tt.photo, mime, ok, tt.mime)
		}
	}
}
