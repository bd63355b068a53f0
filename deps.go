//go:build tools

package progressbot

import (
	_ "github.com/alicebob/miniredis/v2"
	_ "github.com/go-telegram/bot"
	_ "github.com/nicksnyder/go-i18n/v2/i18n"
	_ "github.com/redis/go-redis/v9"
	_ "github.com/xuri/excelize/v2"
	_ "go.yaml.in/yaml/v3"
	_ "golang.org/x/text/language"
	_ "modernc.org/sqlite"
)
