package flows

import (
	"fmt"
	"reflect"

	"github.com/progressbot/progressbot"
)

// CheckCallback holds callback data to the codec's promise: data of a kind that decodes
// encodes again, within Telegram's 64 bytes when the data was, to data that decodes to
// the same value. A rollup's view may lose its parents on the way, as its encoder drops
// them when no form of them fits. Data of no kind, or that does not decode, passes. For
// FuzzCallback.
func CheckCallback(p *progressbot.Plan, data string) error {
	r, ok := routeOf(data)
	if !ok {
		return nil
	}
	c, ok := r.decode(p, data)
	if !ok {
		return nil
	}
	d := c.encode(p)
	if len(data) <= maxCallbackData && len(d) > maxCallbackData {
		return fmt.Errorf("%q encodes again as %q, over %d bytes", data, d, maxCallbackData)
	}
	c2, ok := r.decode(p, d)
	if !ok {
		return fmt.Errorf("%q encodes again as %q, which does not decode", data, d)
	}
	if v, isView := c.(view); isView && len(c2.(view).within) == 0 {
		v.within = nil
		c = v
	}
	if !reflect.DeepEqual(c, c2) {
		return fmt.Errorf("%q decodes as %+v, encodes again as %q, which decodes as %+v", data, c, d, c2)
	}
	return nil
}
