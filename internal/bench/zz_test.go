package bench

import (
	"context"
	"testing"

	"github.com/breachbot/breachbot/incidents"
)

type nullMailer struct{}

func (nullMailer) Send(context.Context, *incidents.Mail) error { return nil }
func (nullMailer) Connections() int                            { return 4 }
func (nullMailer) Describe() string                            { return "null" }

func BenchmarkNullSend(b *testing.B) {
	for b.Loop() {
		r := fullRateMailer(b, nullMailer{}, 20000)
		b.ReportMetric(r, "notices/s")
	}
}
