// Package metrics holds breachbot's Prometheus metrics: one registry that
// the adapters (Slack, email, ...) count into and that `breachbot serve`
// exposes on GET /metrics. Counters carry no personal data and no free text:
// labels are command names, outcomes and kinds only.
package metrics

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/breachbot/breachbot/incidents"
)

// Outcomes of a command, the "outcome" label of Commands.
const (
	OutcomeOK       = "ok"
	OutcomeInvalid  = "invalid"
	OutcomeNotFound = "not_found"
	OutcomeRefused  = "refused"
	OutcomeConflict = "conflict"
	OutcomeError    = "error"
)

// Outcome maps an incidents error code ("" for success) to an outcome label.
func Outcome(code string) string {
	switch code {
	case "":
		return OutcomeOK
	case incidents.EINVALID:
		return OutcomeInvalid
	case incidents.ENOTFOUND:
		return OutcomeNotFound
	case incidents.EFORBIDDEN:
		return OutcomeRefused
	case incidents.ECONFLICT:
		return OutcomeConflict
	}
	return OutcomeError
}

// Metrics is breachbot's set of metrics, registered in its own registry.
type Metrics struct {
	// Registry holds every metric below plus the Go and process collectors.
	Registry *prometheus.Registry
	// Commands counts /breach commands (typed or from buttons and forms) by
	// command name and outcome.
	Commands *prometheus.CounterVec
	// RemindersFired counts reminders and escalations (label kind) when they
	// first reach a chat transport from the outbox.
	RemindersFired *prometheus.CounterVec
	// RemindersDelivered counts reminders and escalations delivered to
	// people (one per message posted or sent by direct message).
	RemindersDelivered *prometheus.CounterVec
	// NoticesSent and NoticesFailed count customer notices sent and failed,
	// per recipient; the notices work counts into them.
	NoticesSent   prometheus.Counter
	NoticesFailed prometheus.Counter
}

// ObligationCounter counts the obligations of open incidents by phase.
// boltstore.Store implements it from counts it keeps as incidents are
// written, so a scrape reads one key however many incidents are open.
type ObligationCounter interface {
	ObligationPhases(ctx context.Context) (map[incidents.Phase]int64, error)
}

// New returns the metrics, registered with a collector that asks counter
// for the obligations of open incidents on every scrape (nil counter: no
// obligations gauge).
func New(counter ObligationCounter) *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		Registry: reg,
		Commands: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "breachbot_commands_total", Help: "/breach commands handled, by command and outcome.",
		}, []string{"command", "outcome"}),
		RemindersFired: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "breachbot_reminders_fired_total", Help: "Reminders and escalations that came due and reached a chat transport, by kind.",
		}, []string{"kind"}),
		RemindersDelivered: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "breachbot_reminders_delivered_total", Help: "Reminder and escalation messages delivered to people, by kind.",
		}, []string{"kind"}),
		NoticesSent: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "breachbot_notices_sent_total", Help: "Customer notices sent, per recipient.",
		}),
		NoticesFailed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "breachbot_notices_failed_total", Help: "Customer notices that failed, per recipient.",
		}),
	}
	for _, kind := range []string{incidents.NotifyReminder, incidents.NotifyEscalation} {
		m.RemindersFired.WithLabelValues(kind)
		m.RemindersDelivered.WithLabelValues(kind)
	}
	reg.MustRegister(m.Commands, m.RemindersFired, m.RemindersDelivered, m.NoticesSent, m.NoticesFailed,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if counter != nil {
		reg.MustRegister(&obligations{counter: counter})
	}
	return m
}

// Handler serves the registry in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}

var obligationsDesc = prometheus.NewDesc("breachbot_obligations",
	"Obligations of open incidents, by phase.", []string{"phase"}, nil)

// obligations exports the counts of open incidents' obligations by phase.
type obligations struct{ counter ObligationCounter }

func (c *obligations) Describe(ch chan<- *prometheus.Desc) { ch <- obligationsDesc }

func (c *obligations) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	counts, err := c.counter.ObligationPhases(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(obligationsDesc, err)
		return
	}
	for _, p := range incidents.Phases {
		ch <- prometheus.MustNewConstMetric(obligationsDesc, prometheus.GaugeValue, float64(counts[p]), string(p))
	}
}
