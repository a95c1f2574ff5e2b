package slack

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/breachbot/breachbot/incidents"
)

func TestChannelName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		inc  incidents.Incident
		want string
	}{
		{"plain", incidents.Incident{ID: "INC-2026-0001", Title: "Customer DB exposed"}, "inc-2026-0001-customer-db-exposed"},
		{"accents and symbols", incidents.Incident{ID: "INC-2026-0002", Title: "Kundendaten geöffnet! (S3 / öffentlich)"}, "inc-2026-0002-kundendaten-geoeffnet-s3-oeffentlich"},
		{"drill", incidents.Incident{ID: "INC-2026-0003", Title: "Tabletop", Drill: true}, "drill-inc-2026-0003-tabletop"},
		{"nothing usable", incidents.Incident{ID: "INC-2026-0004", Title: "日本語 !!!"}, "inc-2026-0004"},
		{"long", incidents.Incident{ID: "INC-2026-0005", Title: "a very long title that goes on and on about the breach and keeps going well past the limit"},
			"inc-2026-0005-a-very-long-title-that-goes-on-and-on-about-the-breach-and"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := channelName(&tc.inc)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if len(got) > 76 {
				t.Errorf("%d characters", len(got))
			}
		})
	}
}
