package bot

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/go-telegram/bot/models"

	"github.com/progressbot/progressbot/flows"
)

// updateSeeds are updates of every kind the bot meets, as Telegram sends them; they seed
// both update fuzz targets (testdata/fuzz holds more).
var updateSeeds = []string{
	`{"update_id":1,"message":{"message_id":3,"date":1,"from":{"id":7,"is_bot":false,"first_name":"Li","language_code":"zh-hans"},"chat":{"id":7,"type":"private"},"text":"/start CODE","entities":[{"type":"bot_command","offset":0,"length":6}]}}`,
	`{"update_id":2,"message":{"message_id":4,"date":1,"from":{"id":7,"is_bot":false,"first_name":"Li"},"chat":{"id":7,"type":"private"},"text":"1.2万"}}`,
	`{"update_id":3,"message":{"message_id":5,"date":1,"from":{"id":7,"is_bot":false,"first_name":"Li"},"chat":{"id":-100,"type":"supergroup","title":"领导"},"text":"@ProgressTestBot 石化化工进展"}}`,
	`{"update_id":4,"message":{"message_id":6,"date":1,"from":{"id":7,"is_bot":false,"first_name":"Li"},"chat":{"id":-100,"type":"supergroup"},"text":"/report@OtherBot x"}}`,
	`{"update_id":5,"callback_query":{"id":"q1","from":{"id":7,"is_bot":false,"first_name":"Li"},"chat_instance":"c","data":"r:abcdefgh:3:status:1","message":{"message_id":9,"date":1,"chat":{"id":7,"type":"private"},"text":"x"}}}`,
	`{"update_id":6,"callback_query":{"id":"q2","from":{"id":7,"is_bot":false,"first_name":"Li"},"chat_instance":"c","data":"r:1","message":{"message_id":9,"date":0,"chat":{"id":7,"type":"private"}}}}`,
	`{"update_id":7,"callback_query":{"id":"q3","from":{"id":0,"is_bot":true,"first_name":""},"chat_instance":"c","data":""}}`,
	`{"update_id":8,"my_chat_member":{"chat":{"id":7,"type":"private"},"from":{"id":7,"is_bot":false,"first_name":"Li"},"date":1,"old_chat_member":{"status":"member","user":{"id":1,"is_bot":true,"first_name":"B"}},"new_chat_member":{"status":"kicked","user":{"id":1,"is_bot":true,"first_name":"B"},"until_date":0}}}`,
	`{"update_id":9,"edited_message":{"message_id":4,"date":1,"chat":{"id":7,"type":"private"},"text":"x"}}`,
	`{"update_id":10,"channel_post":{"message_id":4,"date":1,"chat":{"id":-5,"type":"channel"},"text":"x"}}`,
	`{"update_id":11,"message":{"message_id":4,"date":1,"from":{"id":7,"is_bot":false,"first_name":"Li"},"chat":{"id":7,"type":"private"},"sticker":{"file_id":"s","file_unique_id":"u","type":"regular","width":1,"height":1,"is_animated":false,"is_video":false}}}`,
	`{"update_id":12,"message":{"message_id":4,"date":1,"from":{"id":7,"is_bot":false,"first_name":"Li"},"chat":{"id":-100,"type":"group"},"text":"湖口县","reply_to_message":{"message_id":2,"date":1,"from":{"id":42,"is_bot":true,"first_name":"P"},"chat":{"id":-100,"type":"group"},"text":"?"}}}`,
	`{"update_id":13,"message":{"message_id":4,"date":1,"from":{"id":7,"is_bot":false,"first_name":"Li"},"chat":{"id":7,"type":"private"},"text":"/"}}`,
	`{"update_id":14,"message":{"message_id":4,"date":1,"from":{"id":7,"is_bot":false,"first_name":"Li"},"chat":{"id":7,"type":"private"},"text":"/@"}}`,
	`{"update_id":15,"poll":{"id":"p","question":"?","options":[],"total_voter_count":0,"is_closed":false,"is_anonymous":true,"type":"regular","allows_multiple_answers":false}}`,
	`{"update_id":16,"message":null,"callback_query":null}`,
	`{"update_id":17,"message":{"message_id":4,"date":1,"from":{"id":7,"is_bot":false,"first_name":"Li"},"chat":{"id":7,"type":"private"},"caption":"现场","document":{"file_id":"BQAC","file_unique_id":"u","file_name":"纪要.pdf","mime_type":"application/pdf","file_size":5000}}}`,
	`{"update_id":18,"message":{"message_id":4,"date":1,"from":{"id":7,"is_bot":false,"first_name":"Li"},"chat":{"id":7,"type":"private"},"photo":[{"file_id":"a","file_unique_id":"a","width":90,"height":60,"file_size":900},{"file_id":"b","file_unique_id":"b","width":1280,"height":960,"file_size":90000}]}}`,
	`{"update_id":19,"message":{"message_id":4,"date":1,"from":{"id":7,"is_bot":false,"first_name":"Li"},"chat":{"id":-100,"type":"supergroup"},"document":{"file_id":"BQAC","file_unique_id":"u"}}}`,
	`{}`, `[]`, `null`, `{"update_id":-1}`, `{"update_id":1e400}`,
}

// FuzzParseUpdate feeds arbitrary JSON to the update parser the way the library and the
// webhook decode it: it never panics, and what it makes of an update is consistent.
func FuzzParseUpdate(f *testing.F) {
	for _, s := range updateSeeds {
		f.Add([]byte(s), "ProgressTestBot")
	}
	f.Fuzz(func(t *testing.T, data []byte, username string) {
		upd := &models.Update{}
		if err := json.Unmarshal(data, upd); err != nil {
			return
		}
		ev := parseUpdate(upd, username, 42)
		switch ev.kind {
		case kindMessage:
			if ev.from.ID == 0 && upd.Message != nil && upd.Message.From != nil && upd.Message.From.ID != 0 {
				t.Errorf("a message lost its sender")
			}
			if c := ev.input.Command; c != "" {
				if c != strings.ToLower(c) || strings.ContainsAny(c, "@ \t\n") {
					t.Errorf("command %q not normalized", c)
				}
				if ev.input.Text != "" {
					t.Errorf("both a command and text")
				}
			}
			if ev.input.Text != strings.TrimSpace(ev.input.Text) {
				t.Errorf("text %q not trimmed", ev.input.Text)
			}
			if f := ev.input.File; f != nil {
				if f.ID == "" || ev.input.Command != "" || upd.Message.Chat.Type != "private" {
					t.Errorf("a file %+v with command %q in a %s chat", f, ev.input.Command, upd.Message.Chat.Type)
				}
			}
			if utf8.ValidString(upd.Message.Text) && !utf8.ValidString(ev.input.Text+ev.input.Args) {
				t.Errorf("valid UTF-8 became invalid: %q", ev.input.Text+ev.input.Args)
			}
		case kindCallback:
			if ev.callbackID == "" && upd.CallbackQuery.ID != "" {
				t.Errorf("a callback without its id")
			}
			if ev.input.Data != upd.CallbackQuery.Data {
				t.Errorf("callback data changed: %q → %q", upd.CallbackQuery.Data, ev.input.Data)
			}
		case kindIgnore:
			if ev.chatID != 0 || ev.input != (flows.Input{}) {
				t.Errorf("an ignored update with a chat %d or an input %+v", ev.chatID, ev.input)
			}
		}
		if upd.CallbackQuery != nil && upd.CallbackQuery.ID != "" && ev.callbackID == "" {
			t.Errorf("a callback query that would never be answered: %+v", ev)
		}
	})
}
