#!/bin/sh
# Rebuilds the charts' font: the characters of GB2312, Latin and punctuation, and
# those of the locale files and bundled plans (./charset), cut out of Debian's
# fonts-noto-cjk (Noto Sans CJK SC Regular, SIL OFL 1.1) with python3-fonttools.
# Run from the repository's root after changing locales/ or seeds/ if a new character
# might fall outside GB2312:
#   apt-get install -y fonts-noto-cjk fonttools
#   sh chart/fonts/subset.sh
set -eu
dir=chart/fonts
src=${NOTO_CJK:-/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc}
# ALL_HAN=1 widens the set to every hanzi of U+4E00–U+9FFF (a 5 MB font).
go run ./$dir/charset ${ALL_HAN:+-all-han} locales seeds > $dir/chars.txt
# Font number 2 in the collection is "Noto Sans CJK SC" (0 JP, 1 KR, 2 SC, 3 TC, 4 HK).
pyftsubset "$src" --font-number=2 \
	--text-file=$dir/chars.txt \
	--layout-features='' --no-hinting \
	--drop-tables+=vhea,vmtx,VORG \
	--name-IDs='*' \
	--output-file=$dir/NotoSansCJKsc-Regular-GB2312.otf
ls -l $dir/NotoSansCJKsc-Regular-GB2312.otf
