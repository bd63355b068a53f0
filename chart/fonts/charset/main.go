// Command charset writes the characters the charts' font must draw, one line of text,
// for pyftsubset's --text-file (see ../README.md and ../subset.sh):
//
//   - printable ASCII, Latin-1 and the general punctuation (— … ‰ • ′ ″ €);
//   - every character of GB2312 (GB/T 2312-1980): its 6,763 hanzi, which cover the
//     names of any plan in practice, and its symbols, kana and Greek/Cyrillic rows;
//   - CJK symbols and punctuation, and fullwidth forms;
//   - every character of the files under the directories given as arguments (the
//     locale files and the plans in seeds/), so that a rarer character a plan or a
//     message uses is in as well; not their emoji and other symbols (So), which only
//     Telegram's buttons and messages show.
//
// With -all-han it adds the whole CJK Unified Ideographs block (U+4E00–U+9FFF, about
// 21,000 hanzi, traditional ones too): the font grows from 1.5 to 5 MB.
//
// Usage: go run ./chart/fonts/charset [-all-han] locales seeds > chart/fonts/chars.txt
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

func main() {
	allHan := flag.Bool("all-han", false, "add every character of U+4E00–U+9FFF")
	flag.Parse()
	if err := run(flag.Args(), *allHan); err != nil {
		fmt.Fprintln(os.Stderr, "charset:", err)
		os.Exit(1)
	}
}

func run(dirs []string, allHan bool) error {
	set := map[rune]bool{}
	addRange := func(lo, hi rune) {
		for r := lo; r <= hi; r++ {
			set[r] = true
		}
	}
	addRange(0x20, 0x7e)     // ASCII
	addRange(0xa0, 0xff)     // Latin-1 supplement: ° ± × ÷ ·
	addRange(0x2010, 0x2027) // ‐ – — ‘ ’ “ ” • …
	addRange(0x2030, 0x203b) // ‰ ′ ″ ※
	addRange(0x3000, 0x303f) // CJK symbols and punctuation: 、。〈〉《》【】〓
	addRange(0xff01, 0xff5e) // fullwidth ASCII: ，：（）％
	addRange(0xffe0, 0xffe6) // fullwidth ￥ ￡
	set['€'] = true
	if allHan {
		addRange(0x4e00, 0x9fff)
	}
	if err := addGB2312(set); err != nil {
		return err
	}
	for _, dir := range dirs {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			switch filepath.Ext(path) {
			case ".yaml", ".yml", ".csv", ".md", ".txt":
			default:
				return nil
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, r := range string(b) {
				// Emoji and other symbols (So) and variation selectors (Mn) dress
				// Telegram buttons; no picture draws them and the font has none.
				if unicode.IsGraphic(r) && r != utf8.RuneError && !unicode.In(r, unicode.So, unicode.Mn) {
					set[r] = true
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("read %s: %w", dir, err)
		}
	}
	runes := make([]rune, 0, len(set))
	for r := range set {
		runes = append(runes, r)
	}
	slices.Sort(runes)
	w := bufio.NewWriter(os.Stdout)
	// One line of 64 characters at a time, so that a diff of the list stays readable.
	for i := 0; i < len(runes); i += 64 {
		w.WriteString(string(runes[i:min(i+64, len(runes))]) + "\n")
	}
	return w.Flush()
}

// addGB2312 adds every character GB2312 encodes: both bytes in 0xA1–0xFE (EUC-CN),
// decoded with GBK, which is a superset; GBK's user-defined rows decode to the private
// use area and are skipped.
func addGB2312(set map[rune]bool) error {
	dec := simplifiedchinese.GBK.NewDecoder()
	for hi := 0xa1; hi <= 0xf7; hi++ {
		for lo := 0xa1; lo <= 0xfe; lo++ {
			s, err := dec.String(string([]byte{byte(hi), byte(lo)}))
			if err != nil {
				return fmt.Errorf("decode %x%x: %w", hi, lo, err)
			}
			for _, r := range s {
				if r != utf8.RuneError && !unicode.Is(unicode.Co, r) && unicode.IsGraphic(r) {
					set[r] = true
				}
			}
		}
	}
	return nil
}
